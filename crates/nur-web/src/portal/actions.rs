//! An audit event's action and outcome as a person reads them: the action's words in the
//! page's language with its code beside it (the code is what the filter takes), the outcome
//! as "done", "refused" or "failed" with the reason the event recorded kept as data — the
//! trail keeps what was said at the time, in the words of the time.

use super::i18n::Lang;
use maud::{html, Markup};

/// Every action NUR records (a test keeps the catalogs in step with this list).
pub const ACTIONS: &[&str] = &[
    "account.create",
    "account.disable",
    "account.enable",
    "account.locked",
    "account.reset_factor",
    "account.totp_enrolled",
    "api.refused",
    "audit.export",
    "citizen.locked",
    "citizen.login",
    "citizen.login.code_sent",
    "citizen.login.failed",
    "citizen.login.resend",
    "citizen.logout",
    "client.create",
    "client.revoke",
    "client.rotate",
    "client.token",
    "data.export",
    "dci.partner.put",
    "dci.partner.remove",
    "dci.partner.search",
    "dci.partner.subscribe",
    "dci.sender.register",
    "dci.subscribe",
    "dci.unsubscribe",
    "entity.settings",
    "grant",
    "ingest.events",
    "keys.rotate",
    "login",
    "login.failed",
    "login.resend",
    "logout",
    "operation.call",
    "password.reset",
    "password.reset_requested",
    "person.access_report",
    "person.lookup",
    "person.search",
    "portal.refused",
    "procedure.call",
    "procedure.delete",
    "procedure.save",
    "query.run",
    "revoke",
    "source.add",
    "source.remove",
    "sp.account.set",
    "sp.appeal.step",
    "sp.appeal.submit",
    "sp.application.create",
    "sp.application.submit",
    "sp.application.update",
    "sp.citizen.benefits",
    "sp.cycle.approve",
    "sp.cycle.close",
    "sp.cycle.create",
    "sp.cycle.deaths",
    "sp.cycle.member",
    "sp.cycle.payees",
    "sp.decision",
    "sp.decisions",
    "sp.facts",
    "sp.payments.export",
    "sp.payments.reconcile",
    "sp.pmt.publish",
    "sp.program.publish",
    "sp.program.save",
    "sp.reverify",
    "sp.score",
    "sp.target.run",
    "sp.target.simulate",
    "sp.truth.import",
    "sp.verify",
    "upstream.register",
];

fn key(action: &str) -> String {
    format!("action-{}", action.replace(['.', '_'], "-"))
}

/// The action's words in `lang`, or the code itself for an action the catalogs do not know.
pub fn words(lang: Lang, action: &str) -> String {
    let k = key(action);
    if lang.has(&k) {
        lang.t(&k)
    } else {
        action.to_owned()
    }
}

/// The action's words with its code beside them.
pub fn action(lang: Lang, action: &str) -> Markup {
    html! { (words(lang, action)) " " code.small { (action) } }
}

/// The outcome: `ok`, `refused: why` or `failed: why` in words, what follows the colon as
/// the data it is.
pub fn outcome(lang: Lang, outcome: &str) -> Markup {
    let (head, rest) = match outcome.split_once(':') {
        Some((h, r)) => (h, Some(r.trim())),
        None => (outcome, None),
    };
    let k = format!("outcome-{head}");
    html! {
        @if matches!(head, "ok" | "refused" | "failed") {
            (lang.t(&k))
            @if let Some(r) = rest.filter(|r| !r.is_empty()) { ": " bdi { (r) } }
        } @else {
            bdi { (outcome) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_outcome_is_in_both_catalogs() {
        for lang in [Lang::En, Lang::Ar] {
            for a in ACTIONS {
                assert!(lang.has(&key(a)), "{} missing in {}", key(a), lang.code());
            }
            for o in ["ok", "refused", "failed"] {
                assert!(
                    lang.has(&format!("outcome-{o}")),
                    "outcome-{o} in {}",
                    lang.code()
                );
            }
        }
        let refused = outcome(Lang::Ar, "refused: column T.C is not granted").into_string();
        assert!(refused.starts_with("رُفض"), "{refused}");
        assert!(
            refused.contains("<bdi>column T.C is not granted</bdi>"),
            "{refused}"
        );
        assert_eq!(words(Lang::En, "something.new"), "something.new");
    }
}
