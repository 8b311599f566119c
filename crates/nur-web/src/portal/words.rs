//! The social registry's stored codes as a person reads them, in one place for the officers'
//! and the citizens' pages: amounts of fils as JOD, why a household has its place in a cycle,
//! why a provider turned a payment back, the providers' names, days, and a use case's refusal
//! as a sentence in the visitor's language.

use super::i18n::Lang;
use crate::AppState;
use maud::{html, Markup};

/// An amount of fils as JOD with its three decimals (1 JOD is 1,000 fils): `12,500.000 JOD`.
pub fn money(lang: Lang, fils: i64) -> String {
    let sign = if fils < 0 { "-" } else { "" };
    let abs = fils.unsigned_abs();
    let whole = lang.number(i64::try_from(abs / 1000).unwrap_or(i64::MAX));
    let point = if lang == Lang::Ar { "\u{066B}" } else { "." };
    let decimals = lang.digits(&format!("{:03}", abs % 1000));
    format!("{sign}{whole}{point}{decimals} {}", lang.t("sp-jod"))
}

/// A stored day (`YYYY-MM-DD`) as the portal shows days: `2026-11-23`, `٢٣/١١/٢٠٢٦`.
pub fn day(lang: Lang, ymd: &str) -> String {
    let parts: Vec<&str> = ymd.split('-').collect();
    match (lang, parts.as_slice()) {
        (Lang::Ar, [y, m, d]) => lang.digits(&format!("{d}/{m}/{y}")),
        _ => lang.digits(ymd),
    }
}

/// The comma between the parts of a line: Arabic has its own.
pub fn comma(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar => "، ",
        Lang::En => ", ",
    }
}

/// A governorate's name in the visitor's language, from the catalog's geography.
pub fn governorate(s: &AppState, lang: Lang, code: &str) -> String {
    if code.is_empty() {
        return lang.t("sp-unknown");
    }
    s.catalog
        .geography
        .governorates
        .iter()
        .find(|g| g.code == code)
        .map(|g| match lang {
            Lang::Ar => g.name_ar.clone(),
            Lang::En => g.name_en.clone(),
        })
        .unwrap_or_else(|| code.to_owned())
}

/// A bank's or an e-wallet provider's name, from the providers' configuration.
pub fn provider(s: &AppState, lang: Lang, code: &str) -> String {
    let p = &s.app.social_registry().providers;
    p.bank(code)
        .map(|b| &b.name)
        .or_else(|| p.wallet(code).map(|w| &w.name))
        .map(|n| match lang {
            Lang::Ar => n.ar.clone(),
            Lang::En => n.en.clone(),
        })
        .unwrap_or_else(|| code.to_owned())
}

/// Why a household has its place in a cycle (a member's `reason`), as a sentence. `rule` gives
/// a rule's label from its name in the cycle's program.
pub fn member_reason(lang: Lang, reason: &str, rule: &dyn Fn(&str) -> Option<String>) -> String {
    let (code, rest) = reason.split_once(':').unwrap_or((reason, ""));
    let with = |key: &str, name: &str, value: &str| lang.tf(key, &[(name, value)]);
    match code {
        "run" => with("sp-why-run", "run", rest),
        "continuing" => lang.t("sp-why-continuing"),
        "appeal" => with("sp-why-appeal", "appeal", rest),
        "rules" => {
            let labels: Vec<String> = rest
                .split(',')
                .filter(|r| !r.is_empty())
                .map(|r| rule(r).unwrap_or_else(|| r.to_owned()))
                .collect();
            with("sp-why-rules", "rules", &labels.join(comma(lang)))
        }
        "died" => with("sp-why-died", "date", &day(lang, rest)),
        "no_account" => lang.t("sp-why-no-account"),
        "account_rejected" => with("sp-why-account-rejected", "payment", rest),
        "no_beneficiary" => lang.t("sp-why-no-beneficiary"),
        "no_facts" => lang.t("sp-why-no-facts"),
        "payee_of" => with("sp-why-payee-of", "household", rest),
        "account_of" => with("sp-why-account-of", "household", rest),
        "caseworker" => with("sp-why-caseworker", "note", rest),
        "error" => with("sp-why-error", "detail", rest),
        _ => reason.to_owned(),
    }
}

/// The ISO 20022 reason codes a provider gives that have a sentence of their own.
const PAYMENT_REASONS: &[&str] = &[
    "AC01", "AC03", "AC04", "AC06", "AG01", "AM04", "AM05", "BE01", "MD07", "RC01",
];

/// Why a provider rejected or returned a payment (`AC04: closed account`, `AC04` or a text
/// alone), as a sentence; the provider's own words follow in brackets.
pub fn payment_reason(lang: Lang, reason: Option<&str>) -> Markup {
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return html! { (lang.t("sp-pay-why-none")) };
    };
    let code = reason.split(':').next().unwrap_or("").trim();
    if PAYMENT_REASONS.contains(&code) {
        let sentence = lang.t(&format!("sp-pay-why-{}", code.to_lowercase()));
        html! { (sentence) " (" bdi { (reason) } ")" }
    } else {
        html! { (lang.tf("sp-pay-why-other", &[("reason", reason)])) }
    }
}

/// The refusals of the payment, account and appeal use cases that have a sentence of their
/// own; any other is shown in the use case's words.
pub(super) const REFUSALS: &[&str] = &[
    "bad_period",
    "cycle_exists",
    "later_cycle",
    "draft_open",
    "no_run",
    "no_model",
    "no_program",
    "no_cycle",
    "payee_not_granted",
    "not_approver",
    "approver_prepared",
    "not_draft",
    "budget_exceeded",
    "not_paid",
    "bad_state",
    "note_required",
    "not_in_cycle",
    "not_resumable",
    "no_account",
    "not_approved",
    "no_payments",
    "bad_format",
    "no_file",
    "report_imported",
    "unknown_file",
    "empty_report",
    "unknown_payments",
    "mixed_cycles",
    "count_mismatch",
    "total_mismatch",
    "amount_mismatch",
    "status_conflict",
    "cycle_not_open",
    "status.not_xml",
    "status.not_pain002",
    "status.truncated",
    "status.header",
    "status.csv",
    "status.unknown",
    "iban.malformed",
    "iban.length",
    "iban.check",
    "iban.country",
    "iban.bank",
    "wallet.mobile",
    "wallet.provider",
    "bad_kind",
    "account_held",
    "not_own_account",
    "not_payee",
    "invalid_national_number",
    "reason_required",
    "reason_too_long",
    "too_many_documents",
    "bad_document",
    "no_decision",
    "appeal_open",
    "no_appeal",
    "no_document",
    "bad_step",
    "own_appeal",
    "officer_only",
    "auditor_reads_only",
    "no_household",
];

/// The sentence the portal has for a use case's refusal `code`, if it has one.
pub fn sentence(s: &AppState, lang: Lang, code: &str) -> Option<String> {
    if REFUSALS.contains(&code) {
        return Some(lang.t(&refusal_key(code)));
    }
    match code {
        "not_program_entity" => Some(lang.tf(
            "sp-not-program-entity",
            &[("entity", s.app.social_registry().entity.as_str())],
        )),
        "no_application" => Some(lang.t("sp-no-application")),
        _ => None,
    }
}

/// A refusal as a sentence in the visitor's language, with the use case's own words after it
/// when `detail` and the page is in English (officers read them; a citizen reads them only
/// when there is no sentence; an Arabic page never shows the English words).
pub fn refusal(s: &AppState, lang: Lang, e: &nur_app::AppError, detail: bool) -> Markup {
    let known = e.reason.is_none() && REFUSALS.contains(&e.code);
    let sentence = super::reasons::refusal(s, lang, e);
    html! {
        p.flash.error role="alert" {
            (sentence)
            @if known && detail && lang == Lang::En { " " span.detail { "(" bdi { (e.message) } ")" } }
        }
    }
}

fn refusal_key(code: &str) -> String {
    format!("sp-refused-{}", code.replace(['.', '_'], "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sentence_is_in_the_catalogs() {
        for lang in [Lang::En, Lang::Ar] {
            let keys = REFUSALS.iter().map(|c| refusal_key(c)).chain(
                PAYMENT_REASONS
                    .iter()
                    .map(|c| format!("sp-pay-why-{}", c.to_lowercase())),
            );
            for key in keys {
                assert_ne!(lang.t(&key), key, "{key} missing in {}", lang.code());
            }
        }
    }

    #[test]
    fn amounts_days_and_reasons_read_as_sentences() {
        assert_eq!(money(Lang::En, 12_500_000), "12,500.000 JOD");
        assert_eq!(money(Lang::En, 45_050), "45.050 JOD");
        assert_eq!(money(Lang::Ar, 1_500), "١٫٥٠٠ دينار");
        assert_eq!(day(Lang::Ar, "2026-11-23"), "٢٣/١١/٢٠٢٦");
        let labels = |r: &str| (r == "cars").then(|| "Owns a car".to_owned());
        let en = |r: &str| member_reason(Lang::En, r, &labels);
        assert!(
            en("rules:cars,land").contains("Owns a car, land"),
            "{}",
            en("rules:cars,land")
        );
        assert!(en("died:2026-10-01").contains("2026-10-01"));
        assert!(en("caseworker:moved abroad").contains("moved abroad"));
        assert_eq!(en("something_new"), "something_new");
        let why = |r: &str| payment_reason(Lang::En, Some(r)).into_string();
        assert_eq!(
            why("AC04: closed account"),
            "The account is closed. (<bdi>AC04: closed account</bdi>)"
        );
        assert!(why("ZZ99 odd").contains("ZZ99 odd"));
    }
}
