//! Saved procedures: a query spec under a name, served as an API of its entity
//! (`/api/v1/procedures/{entity}/{name}`). Saved only if the entity may run it today (every
//! call checks again); each save is a new version; deleting keeps the versions. Managed by
//! the entity's admin, the Super Admin or the operator.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::grant::Grants;
use nur_core::query::{self, QuerySpec, RevokePolicy};
use nur_core::Ident;
use nur_store::{NewProcedure, ProcedureRow, ProcedureVersion};

/// A procedure as asked to be saved.
#[derive(Debug, Clone)]
pub struct SaveProcedure<'a> {
    pub entity: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    /// The query spec as JSON text (docs/query-spec.md).
    pub spec: &'a str,
    pub on_revoke: RevokePolicy,
}

impl App {
    fn procedure_owner(&self, caller: &Caller, entity: &str) -> Result<Ident> {
        let e = Ident::parse(entity).map_err(|e| AppError::invalid("unknown_entity", e))?;
        if self.catalog.entity(e.as_str()).is_none() {
            return Err(AppError::invalid(
                "unknown_entity",
                format!("unknown entity {entity}"),
            ));
        }
        self.must_administer(caller, &e)?;
        Ok(e)
    }

    /// Saves a new procedure, or a new version of an existing one.
    pub fn save_procedure(&self, caller: &Caller, p: SaveProcedure<'_>) -> Result<ProcedureRow> {
        let entity = self.procedure_owner(caller, p.entity)?;
        let name = Ident::parse(p.name)
            .map_err(|e| AppError::invalid("invalid_name", format!("procedure name: {e}")))?;
        let spec = QuerySpec::from_json(p.spec)?;
        let grants = Grants::new(entity.clone(), self.store.grants_of(entity.as_str())?);
        let plan = query::plan(
            &self.catalog,
            &grants,
            &spec,
            Default::default(),
            RevokePolicy::Refuse,
        )?;
        let mut ev = caller.event("procedure.save", format!("{entity}/{name}"));
        ev.entity = Some(entity.to_string());
        ev.columns = plan.output.iter().map(|o| o.qualified.clone()).collect();
        Ok(self.store.save_procedure(
            &NewProcedure {
                entity: entity.to_string(),
                name: name.to_string(),
                description: p.description.to_owned(),
                spec: serde_json::to_string(&spec).map_err(AppError::internal)?,
                on_revoke: p.on_revoke,
                saved_by: caller.actor.name().into(),
            },
            ev,
        )?)
    }

    /// Deletes a procedure (its versions stay).
    pub fn delete_procedure(&self, caller: &Caller, entity: &str, name: &str) -> Result<()> {
        let entity = self.procedure_owner(caller, entity)?;
        let mut ev = caller.event("procedure.delete", format!("{entity}/{name}"));
        ev.entity = Some(entity.to_string());
        if !self.store.delete_procedure(entity.as_str(), name, ev)? {
            return Err(AppError::not_found(
                "procedure_not_found",
                format!("no procedure {entity}/{name}"),
            ));
        }
        Ok(())
    }

    /// One procedure of an entity the caller belongs to or administers.
    pub fn procedure(
        &self,
        caller: &Caller,
        entity: &str,
        name: &str,
    ) -> Result<Option<ProcedureRow>> {
        self.may_read_procedures(caller, entity)?;
        Ok(self.store.procedure(entity, name)?)
    }

    /// Every version of a procedure.
    pub fn procedure_versions(
        &self,
        caller: &Caller,
        entity: &str,
        name: &str,
    ) -> Result<Vec<ProcedureVersion>> {
        self.may_read_procedures(caller, entity)?;
        Ok(self.store.procedure_versions(entity, name)?)
    }

    /// Procedures of one entity, or (for the Super Admin and the operator) of all.
    pub fn procedures(&self, caller: &Caller, entity: Option<&str>) -> Result<Vec<ProcedureRow>> {
        match entity {
            Some(e) => self.may_read_procedures(caller, e)?,
            None if caller.actor.administers_all() => {}
            None => return self.procedures_of(caller),
        }
        Ok(self.store.procedures(entity)?)
    }

    fn may_read_procedures(&self, caller: &Caller, entity: &str) -> Result<()> {
        let own = caller.entity().is_some_and(|e| e.as_str() == entity);
        if own || caller.actor.administers_all() {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "not_owner",
                format!("the procedures of {entity} are {entity}'s"),
            ))
        }
    }
}
