//! Reading the audit trail: events (the Super Admin and the operator see every event, an
//! Entity Admin its entity's) and the verification of the hash chain.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::account::Role;
use nur_core::audit::{AuditEvent, Broken};
use nur_core::grant::Actor;
use nur_store::AuditFilter;

impl App {
    /// Events newest first, as the caller may see them.
    pub fn audit_events(&self, caller: &Caller, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let mut f = filter.clone();
        match &caller.actor {
            a if a.administers_all() => {}
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

    /// Walks the whole chain: the number of events, or the first broken link.
    pub fn verify_audit(&self, caller: &Caller) -> Result<std::result::Result<i64, Broken>> {
        self.must_be_platform(caller)?;
        Ok(self.store.verify_audit()?)
    }
}
