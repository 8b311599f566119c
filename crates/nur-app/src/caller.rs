//! Who asks, for whom and why: the actor (a portal user, an API client or the operator at
//! the command line), the officer a client acts for, the purpose, and the address the
//! request came from. Every use case takes one, authorises it and names it in its audit
//! event.

use crate::error::{AppError, Result};
use nur_core::audit::NewEvent;
use nur_core::grant::Actor;
use nur_core::Ident;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub actor: Actor,
    /// The officer a client acts for (`X-NUR-User-Id`).
    pub on_behalf_of: Option<String>,
    pub purpose: Option<String>,
    /// Where the request came from (none at the command line).
    pub ip: Option<IpAddr>,
}

impl Caller {
    /// The operator at the command line, who holds the database credentials.
    pub fn operator(name: impl Into<String>) -> Caller {
        Caller {
            actor: Actor::Operator { name: name.into() },
            on_behalf_of: None,
            purpose: None,
            ip: None,
        }
    }

    /// A caller acting as `actor`, from `ip`.
    pub fn new(actor: Actor, ip: Option<IpAddr>) -> Caller {
        Caller {
            actor,
            on_behalf_of: None,
            purpose: None,
            ip,
        }
    }

    /// The entity the caller acts for (none for the operator and the Super Admin).
    pub fn entity(&self) -> Option<&Ident> {
        self.actor.entity()
    }

    /// The consuming entity of a data access: data is only ever seen by an entity, under
    /// its grants, so an actor of no entity reads none.
    pub(crate) fn consumer(&self) -> Result<&Ident> {
        self.entity().ok_or_else(|| {
            AppError::forbidden(
                "no_entity",
                format!(
                    "{} acts for no entity; data is seen only by an entity, under its grants",
                    self.actor.name()
                ),
            )
        })
    }

    /// This caller's audit event for `action` on `target`, outcome `ok` until told otherwise.
    pub(crate) fn event(&self, action: &str, target: impl Into<String>) -> NewEvent {
        NewEvent {
            actor_kind: self.actor.kind().into(),
            actor: self.actor.name().into(),
            on_behalf_of: self.on_behalf_of.clone(),
            entity: self.entity().map(|e| e.to_string()),
            purpose: self.purpose.clone(),
            action: action.into(),
            target: target.into(),
            client_ip: self.ip.map(|i| i.to_string()),
            outcome: "ok".into(),
            ..Default::default()
        }
    }
}
