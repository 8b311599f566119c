//! Reading the audit trail: events (the Super Admin and the operator see every event, an
//! Entity Admin its entity's) and the verification of the hash chain.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::account::Role;
use nur_core::audit::{AuditEvent, Broken};
use nur_core::grant::Actor;
use nur_store::{AuditFilter, ChainHead};

impl App {
    /// Events newest first, as the caller may see them: the platform and its auditors every
    /// event, an Entity Admin its entity's.
    pub fn audit_events(&self, caller: &Caller, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let mut f = filter.clone();
        match &caller.actor {
            a if a.administers_all() => {}
            Actor::User {
                role: Role::Auditor,
                ..
            } => {}
            Actor::User {
                role: Role::EntityAdmin,
                entity: Some(e),
                ..
            } => f.entity = Some(e.to_string()),
            _ => {
                return Err(AppError::forbidden(
                    "not_admin",
                    "only admins read the audit trail",
                ))
            }
        }
        Ok(self.store.audit_events(&f)?)
    }

    /// Records that part of the trail left NUR as a file: `what` names the filter, `count`
    /// how many events the file holds.
    pub fn record_audit_export(
        &self,
        caller: &Caller,
        what: &str,
        format: &str,
        count: usize,
    ) -> Result<()> {
        let mut ev = caller.event("audit.export", format!("{what} as {format}"));
        ev.outcome = format!("ok; {count} events");
        self.store.audit(ev)?;
        Ok(())
    }

    /// Walks the whole chain under the deployment's key, then holds it against `anchors`
    /// exported earlier: an anchor the chain no longer holds (its position gone, or another
    /// hash there) means events were truncated or rewritten behind it.
    pub fn verify_audit(
        &self,
        caller: &Caller,
        anchors: &[Anchor],
    ) -> Result<std::result::Result<ChainHead, Broken>> {
        if !caller.actor.administers_all()
            && !matches!(
                caller.actor,
                Actor::User {
                    role: Role::Auditor,
                    ..
                }
            )
        {
            return Err(AppError::forbidden(
                "not_auditor",
                "only the platform and its auditors verify the audit trail",
            ));
        }
        let head = match self.store.verify_audit_head()? {
            Ok(h) => h,
            Err(b) => return Ok(Err(b)),
        };
        for a in anchors {
            let found = self.store.audit_hash(a.seq)?;
            let reason = match found {
                None => format!(
                    "the chain ends at event {} but an anchor of {} ms records event {} (events truncated)",
                    head.seq, a.at_ms, a.seq
                ),
                Some(h) if h != a.hash => format!(
                    "event {} differs from its anchor of {} ms (the chain was rewritten behind it)",
                    a.seq, a.at_ms
                ),
                Some(_) => continue,
            };
            return Ok(Err(Broken { seq: a.seq, reason }));
        }
        Ok(Ok(head))
    }

    /// The head of the chain, to be kept elsewhere (`nur audit anchor`): a later verify
    /// holds the chain against it.
    pub fn audit_anchor(&self, caller: &Caller) -> Result<Anchor> {
        self.must_be_platform(caller)?;
        let head = self.store.audit_head()?;
        Ok(Anchor {
            seq: head.seq,
            hash: head.hash,
            at_ms: nur_store::now_ms(),
        })
    }
}

/// A position of the chain and its hash as exported at a time (one JSON line of an anchor
/// file, kept outside the database).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
    pub at_ms: i64,
}
