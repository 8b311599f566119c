//! NUR as a DCI client: the partner registries the Super Admin configures (a disability
//! registry, another country's CRVS, another NUR), asked by identifier through their sync
//! search. The HTTP side is a [`PartnerTransport`] (`nur-dci`'s, set where NUR serves);
//! here are who may configure and ask, the answers kept for the partner's time to live,
//! the audit event of every fetch, and the intake verification's question to each partner
//! that verifies: a partner that is down, slow or answers garbage gives a clear result of its
//! own and never stops a submission.

use crate::caller::Caller;
use crate::dci_state::SIGNATURE_SCHEMES;
use crate::error::{AppError, Result};
use crate::sources::IngestOutcome;
use crate::App;
use nur_store::{now_ms, PartnerRow};
use serde_json::{json, Map, Value as Json};
use std::sync::Arc;

/// Signs bytes with NUR's current key: its key id and the signature (base64url).
pub type MessageSigner<'a> = dyn Fn(&[u8]) -> std::result::Result<(String, String), String> + 'a;

/// Why a partner gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartnerFailure {
    /// `unavailable` (no connection), `timeout`, `refused` (an HTTP error, a token refused, a
    /// rejected search), `invalid` (an answer that is not a DCI search response).
    pub kind: String,
    pub message: String,
}

impl PartnerFailure {
    pub fn new(kind: &str, message: impl Into<String>) -> PartnerFailure {
        PartnerFailure {
            kind: kind.into(),
            message: message.into(),
        }
    }
}

/// How NUR reaches partners over DCI.
pub trait PartnerTransport: Send + Sync {
    /// One sync search of `id_value` (of the partner's `id_type`): the records answered.
    fn search(
        &self,
        partner: &PartnerRow,
        id_value: &str,
        signer: &MessageSigner<'_>,
    ) -> std::result::Result<Vec<Json>, PartnerFailure>;

    /// An async subscription to `event`, answered (on-subscribe) and notified at
    /// `sender_uri`; the partner's acknowledgement.
    fn subscribe(
        &self,
        partner: &PartnerRow,
        event: &str,
        sender_uri: &str,
        signer: &MessageSigner<'_>,
    ) -> std::result::Result<(), PartnerFailure>;
}

/// What a partner said about one person.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PartnerAnswer {
    Found {
        records: Vec<Json>,
        fetched_at_ms: i64,
        cached: bool,
    },
    NotFound {
        fetched_at_ms: i64,
        cached: bool,
    },
    Failed(PartnerFailure),
}

/// A partner as configured (the secret given once; `ttl_secs` 0 keeps nothing).
#[derive(Debug, Clone)]
pub struct PartnerDef {
    pub name: String,
    pub registry: String,
    pub base_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub sender_id: String,
    pub scheme: String,
    /// The partner's public key (a JWK), needed to apply its notifications.
    pub public_key: Option<String>,
    pub id_type: String,
    pub reg_type: String,
    pub ttl_secs: i64,
    pub timeout_ms: i64,
    pub verify: bool,
}

fn invalid(code: &'static str, m: impl Into<String>) -> AppError {
    AppError::invalid(code, m.into())
}

fn url_ok(u: &str) -> bool {
    (u.starts_with("http://") || u.starts_with("https://")) && u.len() > 8 && !u.contains(' ')
}

impl App {
    /// Sets how partners are reached (once; where NUR serves).
    pub fn use_partner_transport(&self, t: Arc<dyn PartnerTransport>) {
        let _ = self.partner_transport.set(t);
    }

    /// Configures (or replaces) a partner registry: the Super Admin's (or the operator's).
    pub fn put_dci_partner(&self, caller: &Caller, d: PartnerDef) -> Result<PartnerRow> {
        self.must_be_platform(caller)?;
        let ident = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !ident(&d.name) {
            return Err(invalid(
                "invalid_partner",
                "a partner's name is 1 to 64 letters, digits, '-', '_' or '.'",
            ));
        }
        if !ident(&d.registry) {
            return Err(invalid(
                "invalid_partner",
                "the registry kind is a short word (crvs, sr, dr, …)",
            ));
        }
        for (what, u) in [("base URL", &d.base_url), ("token URL", &d.token_url)] {
            if !url_ok(u) {
                return Err(invalid(
                    "invalid_partner_url",
                    format!("the {what} {u:?} is not an http:// or https:// URL"),
                ));
            }
        }
        if d.client_id.is_empty() || d.client_secret.is_empty() || !ident(&d.sender_id) {
            return Err(invalid(
                "invalid_partner",
                "a partner needs the client id and secret NUR was given there and NUR's sender id with it",
            ));
        }
        if !SIGNATURE_SCHEMES.contains(&d.scheme.as_str()) {
            return Err(invalid(
                "invalid_scheme",
                format!(
                    "the signature scheme {:?} is not one of {}",
                    d.scheme,
                    SIGNATURE_SCHEMES.join(", ")
                ),
            ));
        }
        if let Some(k) = &d.public_key {
            serde_json::from_str::<jsonwebtoken::jwk::Jwk>(k).map_err(|e| {
                invalid(
                    "invalid_public_key",
                    format!("the public key is not a JWK: {e}"),
                )
            })?;
        }
        if d.id_type.is_empty() || d.id_type.len() > 32 {
            return Err(invalid(
                "invalid_partner",
                "the identifier type is 1 to 32 characters",
            ));
        }
        if !(0..=30 * 86_400).contains(&d.ttl_secs) || !(100..=60_000).contains(&d.timeout_ms) {
            return Err(invalid(
                "invalid_partner",
                "the time to live is 0 to 30 days and the timeout 100 ms to 60 s",
            ));
        }
        let row = PartnerRow {
            name: d.name,
            registry: d.registry,
            base_url: d.base_url.trim_end_matches('/').to_owned(),
            token_url: d.token_url,
            client_id: d.client_id,
            client_secret: d.client_secret,
            sender_id: d.sender_id,
            scheme: d.scheme,
            public_key: d.public_key,
            id_type: d.id_type,
            reg_type: d.reg_type,
            ttl_secs: d.ttl_secs,
            timeout_ms: d.timeout_ms,
            verify: d.verify,
            created_by: caller.actor.name().to_owned(),
            created_at_ms: now_ms(),
        };
        let mut ev = caller.event("dci.partner.put", row.name.clone());
        ev.outcome = format!("ok: {} at {}", row.registry, row.base_url);
        self.store.dci_put_partner(&row, ev)?;
        Ok(row)
    }

    pub fn remove_dci_partner(&self, caller: &Caller, name: &str) -> Result<()> {
        self.must_be_platform(caller)?;
        let ev = caller.event("dci.partner.remove", name);
        if !self.store.dci_remove_partner(name, ev)? {
            return Err(AppError::not_found(
                "no_partner",
                format!("no partner {name}"),
            ));
        }
        Ok(())
    }

    pub fn dci_partners(&self, caller: &Caller) -> Result<Vec<PartnerRow>> {
        self.must_be_platform(caller)?;
        Ok(self.store.dci_partners()?)
    }

    /// Asks partner `name` about a person (by national number, sent as the partner's
    /// identifier type): a kept answer younger than the time to live, else a fetch. Every
    /// call is an audited access naming the person; a failure is an answer, not an error.
    pub fn ask_partner(
        &self,
        caller: &Caller,
        name: &str,
        national_number: &str,
    ) -> Result<PartnerAnswer> {
        if !caller.actor.administers_all() {
            self.may_handle(caller)?;
        }
        let p = self
            .store
            .dci_partner(name)?
            .ok_or_else(|| AppError::not_found("no_partner", format!("no partner {name}")))?;
        Ok(self.ask(caller, &p, national_number))
    }

    fn ask(&self, caller: &Caller, p: &PartnerRow, nn: &str) -> PartnerAnswer {
        let mut ev = caller.event("dci.partner.search", format!("{} {}", p.name, p.id_type));
        ev.persons = vec![nn.to_owned()];
        let now = now_ms();
        match self.store.dci_partner_answer(&p.name, &p.id_type, nn) {
            Ok(Some((records, at))) if now - at < p.ttl_secs * 1000 => {
                let records: Vec<Json> = serde_json::from_str(&records).unwrap_or_default();
                ev.outcome = format!("ok; kept answer, {} records", records.len());
                if let Err(e) = self.store.audit(ev) {
                    return PartnerAnswer::Failed(PartnerFailure::new(
                        "unavailable",
                        e.to_string(),
                    ));
                }
                return found(records, at, true);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(partner = %p.name, error = %e, "a kept partner answer could not be read")
            }
        }
        let Some(t) = self.partner_transport.get() else {
            return PartnerAnswer::Failed(PartnerFailure::new(
                "unavailable",
                "partners are not reachable from this process",
            ));
        };
        let signer = |b: &[u8]| self.sign_message(b).map_err(|e| e.to_string());
        match t.search(p, nn, &signer) {
            Ok(records) => {
                ev.outcome = format!("ok; fetched, {} records", records.len());
                let kept = serde_json::to_string(&records).unwrap_or_else(|_| "[]".into());
                let written = if p.ttl_secs > 0 {
                    self.store
                        .dci_keep_partner_answer(&p.name, &p.id_type, nn, &kept, now, ev)
                } else {
                    self.store.audit(ev).map(|_| ())
                };
                if let Err(e) = written {
                    // Nothing handed over that the audit trail does not show.
                    return PartnerAnswer::Failed(PartnerFailure::new(
                        "unavailable",
                        e.to_string(),
                    ));
                }
                found(records, now, false)
            }
            Err(f) => {
                ev.outcome = format!("failed: {}: {}", f.kind, f.message);
                if let Err(e) = self.store.audit(ev) {
                    tracing::warn!(error = %e, "a partner failure could not be audited");
                }
                PartnerAnswer::Failed(f)
            }
        }
    }

    /// The intake's question to every verifying partner about each member, for the
    /// verification's snapshot: `{partner: {national number: answer}}` (records counted,
    /// not copied: the partner's answer stays the partner's).
    pub(crate) fn partner_checks(&self, caller: &Caller, members: &[String]) -> Json {
        let partners = match self.store.dci_partners() {
            Ok(p) => p,
            Err(e) => return json!({"error": e.to_string()}),
        };
        let mut out = Map::new();
        for p in partners.iter().filter(|p| p.verify) {
            let mut per = Map::new();
            for nn in members {
                let a = match self.ask(caller, p, nn) {
                    PartnerAnswer::Found {
                        records,
                        fetched_at_ms,
                        cached,
                    } => {
                        json!({"status": "found", "records": records.len(), "fetched_at_ms": fetched_at_ms, "cached": cached})
                    }
                    PartnerAnswer::NotFound {
                        fetched_at_ms,
                        cached,
                    } => {
                        json!({"status": "not_found", "fetched_at_ms": fetched_at_ms, "cached": cached})
                    }
                    PartnerAnswer::Failed(f) => {
                        json!({"status": "failed", "kind": f.kind, "message": f.message})
                    }
                };
                per.insert(nn.clone(), a);
            }
            out.insert(p.name.clone(), Json::Object(per));
        }
        Json::Object(out)
    }
}

impl App {
    /// Subscribes NUR to a partner's `event`: the partner answers and notifies at
    /// `callback_base` + `/dci/partners/{name}`, and `source` (an HTTP change source of
    /// the entity whose table the events fill) applies what it notifies. A partner without
    /// its key on file is refused: nothing unverified is applied.
    pub fn subscribe_to_partner(
        &self,
        caller: &Caller,
        name: &str,
        event: &str,
        source: &str,
        callback_base: &str,
    ) -> Result<()> {
        self.must_be_platform(caller)?;
        let p = self
            .store
            .dci_partner(name)?
            .ok_or_else(|| AppError::not_found("no_partner", format!("no partner {name}")))?;
        if p.public_key.is_none() || p.scheme == "none" {
            return Err(invalid(
                "public_key_required",
                format!("{name}'s notifications can be applied only with its key on file and a signature scheme"),
            ));
        }
        let def = self.source_def(source)?;
        if def.kind != nur_ingest::cdc::Kind::Http {
            return Err(invalid(
                "not_an_http_source",
                format!("source {source} is a {} source", def.kind.as_str()),
            ));
        }
        if !url_ok(callback_base) {
            return Err(invalid(
                "invalid_partner_url",
                format!("the callback base {callback_base:?} is not an http:// or https:// URL"),
            ));
        }
        let t = self.partner_transport.get().ok_or_else(|| {
            AppError::upstream(
                "partner_unreachable",
                "partners are not reachable from this process",
            )
        })?;
        let uri = format!(
            "{}/dci/partners/{name}",
            callback_base.trim_end_matches('/')
        );
        // Recorded before it is sent: the partner may answer before the request returns.
        let row = nur_store::PartnerSubscriptionRow {
            partner: name.into(),
            event: event.into(),
            source: source.into(),
            code: None,
            status: "requested".into(),
            created_at_ms: now_ms(),
        };
        let mut ev = caller.event("dci.partner.subscribe", format!("{name} {event}"));
        ev.outcome = format!("ok; applied by source {source}");
        self.store.dci_put_partner_subscription(&row, ev)?;
        let signer = |b: &[u8]| self.sign_message(b).map_err(|e| e.to_string());
        if let Err(f) = t.subscribe(&p, event, &uri, &signer) {
            self.store.dci_partner_subscribed(name, event, None)?;
            return Err(AppError::upstream(
                "partner_refused",
                format!(
                    "{name} did not take the subscription ({}): {}",
                    f.kind, f.message
                ),
            ));
        }
        Ok(())
    }

    /// A partner by name (the callback door's read: what it sends is verified with its key).
    pub fn partner(&self, name: &str) -> Result<Option<PartnerRow>> {
        Ok(self.store.dci_partner(name)?)
    }

    /// NUR's subscriptions at a partner.
    pub fn partner_subscriptions(
        &self,
        name: &str,
    ) -> Result<Vec<nur_store::PartnerSubscriptionRow>> {
        Ok(self.store.dci_partner_subscriptions(name)?)
    }

    /// The partner answered a subscription (its code, or none: refused).
    pub fn partner_subscribed(&self, name: &str, event: &str, code: Option<&str>) -> Result<bool> {
        Ok(self.store.dci_partner_subscribed(name, event, code)?)
    }

    /// Applies a verified notification of partner `name` through its subscription's change
    /// source: `events` are change events (Debezium-shaped) built from the notified records.
    pub fn apply_partner_events(
        &self,
        name: &str,
        event: &str,
        events: &[Json],
    ) -> Result<IngestOutcome> {
        let sub = self
            .store
            .dci_partner_subscriptions(name)?
            .into_iter()
            .find(|s| s.event.eq_ignore_ascii_case(event))
            .ok_or_else(|| {
                AppError::not_found(
                    "no_subscription",
                    format!("NUR has no subscription to {event} at {name}"),
                )
            })?;
        let caller = Caller::operator(format!("dci partner {name}"));
        self.apply_events(&caller, &sub.source, events)
    }
}

fn found(records: Vec<Json>, at: i64, cached: bool) -> PartnerAnswer {
    if records.is_empty() {
        PartnerAnswer::NotFound {
            fetched_at_ms: at,
            cached,
        }
    } else {
        PartnerAnswer::Found {
            records,
            fetched_at_ms: at,
            cached,
        }
    }
}
