//! Per-entity settings (a mandatory purpose on data requests; withholding the entity's
//! accesses from citizens' access reports) and where a custodian's live operations answer.
//! An entity's admin may require a purpose of its own entity; only the platform (the Super
//! Admin or the operator) may hide an entity's accesses from citizens.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::Ident;
use nur_store::{EntitySettings, SourceRow, Upstream};

/// A change to an entity's settings: `None` leaves a setting as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettingsChange {
    pub purpose_required: Option<bool>,
    pub access_withheld: Option<bool>,
}

impl App {
    fn catalog_entity(&self, entity: &str) -> Result<Ident> {
        Ident::parse(entity)
            .ok()
            .filter(|e| self.catalog.entity(e.as_str()).is_some())
            .ok_or_else(|| AppError::invalid("unknown_entity", format!("unknown entity {entity}")))
    }

    /// An entity's settings, for its admins and the platform.
    pub fn entity_settings(&self, caller: &Caller, entity: &str) -> Result<EntitySettings> {
        let e = self.catalog_entity(entity)?;
        self.must_administer(caller, &e)?;
        Ok(self.store.entity_settings(e.as_str())?)
    }

    /// Changes an entity's settings; returns them as they now stand.
    pub fn set_entity_settings(
        &self,
        caller: &Caller,
        entity: &str,
        change: SettingsChange,
    ) -> Result<EntitySettings> {
        let e = self.catalog_entity(entity)?;
        self.must_administer(caller, &e)?;
        let current = self.store.entity_settings(e.as_str())?;
        let mut next = current;
        if let Some(p) = change.purpose_required {
            next.purpose_required = p;
        }
        if let Some(w) = change.access_withheld {
            // Hiding an entity's accesses from citizens is for the platform, not the entity.
            if w != current.access_withheld && !caller.actor.administers_all() {
                return Err(AppError::forbidden(
                    "super_admin_only",
                    "only the Super Admin may withhold an entity's accesses from access reports",
                ));
            }
            next.access_withheld = w;
        }
        let mut ev = caller.event("entity.settings", format!("entity:{e}"));
        ev.entity = Some(e.to_string());
        ev.outcome = format!(
            "ok; purpose_required={}, access_withheld={}",
            next.purpose_required, next.access_withheld
        );
        self.store.set_entity_settings(e.as_str(), next, ev)?;
        Ok(next)
    }

    /// The change sources of an entity, with their freshness (no connection details).
    pub fn entity_sources(&self, caller: &Caller, entity: &str) -> Result<Vec<SourceRow>> {
        let e = self.catalog_entity(entity)?;
        self.must_administer(caller, &e)?;
        Ok(self
            .store
            .sources()?
            .into_iter()
            .filter(|s| s.entity == e.as_str())
            .collect())
    }

    /// Registers where a service's live operations answer (the gateway calls them there).
    pub fn register_upstream(
        &self,
        caller: &Caller,
        service: &str,
        url: &str,
        timeout_ms: i64,
    ) -> Result<Upstream> {
        let svc = self
            .catalog
            .services
            .iter()
            .find(|s| s.service.as_str() == service)
            .ok_or_else(|| {
                AppError::invalid(
                    "unknown_service",
                    format!("the catalog has no service {service}"),
                )
            })?;
        self.must_administer(caller, &svc.custodian)?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(AppError::invalid(
                "invalid_url",
                format!("upstream URL {url:?} must start with http:// or https://"),
            ));
        }
        if timeout_ms <= 0 {
            return Err(AppError::invalid(
                "invalid_timeout",
                "the upstream timeout is a positive number of milliseconds",
            ));
        }
        let u = Upstream {
            service: service.into(),
            base_url: url.into(),
            timeout_ms,
        };
        let mut ev = caller.event("upstream.register", format!("{service} at {url}"));
        ev.entity = Some(svc.custodian.to_string());
        self.store.put_upstream(&u, ev)?;
        Ok(u)
    }
}
