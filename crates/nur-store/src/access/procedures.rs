//! Procedures: saved, versioned query specs an entity calls by name. Every save is a new
//! version; a deletion is recorded as a final version.

use super::append;
use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store};
use nur_core::audit::NewEvent;
use nur_core::query::RevokePolicy;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcedureRow {
    pub entity: String,
    pub name: String,
    pub version: i64,
    pub description: String,
    /// The query spec, as JSON text.
    pub spec: String,
    pub on_revoke: RevokePolicy,
    pub saved_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcedureVersion {
    pub version: i64,
    pub description: String,
    pub spec: String,
    pub on_revoke: RevokePolicy,
    pub saved_by: String,
    pub saved_at_ms: i64,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct NewProcedure {
    pub entity: String,
    pub name: String,
    pub description: String,
    pub spec: String,
    pub on_revoke: RevokePolicy,
    pub saved_by: String,
}

fn procedure_from(r: &[Cell]) -> ProcedureRow {
    ProcedureRow {
        entity: r[0].text(),
        name: r[1].text(),
        version: r[2].int(),
        description: r[3].text(),
        spec: r[4].text(),
        on_revoke: RevokePolicy::parse(&r[5].text()).unwrap_or_default(),
        saved_by: r[6].text(),
        created_at_ms: r[7].int(),
        updated_at_ms: r[8].int(),
    }
}

const PROCEDURE_COLUMNS: &str =
    "entity, name, version, description, spec, on_revoke, saved_by, created_at, updated_at";

pub(super) fn procedure(tx: &mut dyn Tx, entity: &str, name: &str) -> Result<Option<ProcedureRow>> {
    Ok(tx
        .row(
            &format!(
                "SELECT {PROCEDURE_COLUMNS} FROM nur_procedure WHERE entity = $1 AND name = $2"
            ),
            &[entity.into(), name.into()],
        )?
        .map(|r| procedure_from(&r)))
}

impl Store {
    /// Saves a new procedure (version 1) or a new version of an existing one.
    pub fn save_procedure(&self, p: &NewProcedure, event: NewEvent) -> Result<ProcedureRow> {
        self.write(|tx| {
            let now = now_ms();
            let last = tx
                .row(
                    "SELECT max(version) FROM nur_procedure_version WHERE entity = $1 AND name = $2",
                    &[(&p.entity).into(), (&p.name).into()],
                )?
                .and_then(|r| r[0].opt_int())
                .unwrap_or(0);
            let version = last + 1;
            tx.exec(
                "INSERT INTO nur_procedure (entity, name, version, description, spec, on_revoke, saved_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (entity, name) DO UPDATE SET version = excluded.version, description = excluded.description, spec = excluded.spec, on_revoke = excluded.on_revoke, saved_by = excluded.saved_by, updated_at = excluded.updated_at",
                &[(&p.entity).into(), (&p.name).into(), version.into(), (&p.description).into(), (&p.spec).into(), p.on_revoke.as_str().into(), (&p.saved_by).into(), now.into()],
            )?;
            tx.exec(
                "INSERT INTO nur_procedure_version (entity, name, version, description, spec, on_revoke, saved_by, saved_at, deleted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)",
                &[(&p.entity).into(), (&p.name).into(), version.into(), (&p.description).into(), (&p.spec).into(), p.on_revoke.as_str().into(), (&p.saved_by).into(), now.into()],
            )?;
            append(tx, event)?;
            let row = tx
                .row(
                    &format!("SELECT {PROCEDURE_COLUMNS} FROM nur_procedure WHERE entity = $1 AND name = $2"),
                    &[(&p.entity).into(), (&p.name).into()],
                )?
                .expect("just written");
            Ok(procedure_from(&row))
        })
    }

    pub fn procedure(&self, entity: &str, name: &str) -> Result<Option<ProcedureRow>> {
        self.read(|tx| procedure(tx, entity, name))
    }

    pub fn procedures(&self, entity: Option<&str>) -> Result<Vec<ProcedureRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("SELECT {PROCEDURE_COLUMNS} FROM nur_procedure WHERE (CAST($1 AS TEXT) IS NULL OR entity = $1) ORDER BY entity, name"),
                    &[entity.into()],
                )?
                .iter()
                .map(|r| procedure_from(r))
                .collect())
        })
    }

    pub fn procedure_versions(&self, entity: &str, name: &str) -> Result<Vec<ProcedureVersion>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT version, description, spec, on_revoke, saved_by, saved_at, deleted FROM nur_procedure_version WHERE entity = $1 AND name = $2 ORDER BY version",
                    &[entity.into(), name.into()],
                )?
                .iter()
                .map(|r| ProcedureVersion {
                    version: r[0].int(),
                    description: r[1].text(),
                    spec: r[2].text(),
                    on_revoke: RevokePolicy::parse(&r[3].text()).unwrap_or_default(),
                    saved_by: r[4].text(),
                    saved_at_ms: r[5].int(),
                    deleted: r[6].int() != 0,
                })
                .collect())
        })
    }

    /// Deletes a procedure; its versions stay, with a final "deleted" version recording who.
    pub fn delete_procedure(&self, entity: &str, name: &str, event: NewEvent) -> Result<bool> {
        self.write(|tx| {
            let Some(row) = tx.row(
                &format!("SELECT {PROCEDURE_COLUMNS} FROM nur_procedure WHERE entity = $1 AND name = $2"),
                &[entity.into(), name.into()],
            )?
            else {
                return Ok(false);
            };
            let p = procedure_from(&row);
            tx.exec(
                "DELETE FROM nur_procedure WHERE entity = $1 AND name = $2",
                &[entity.into(), name.into()],
            )?;
            tx.exec(
                "INSERT INTO nur_procedure_version (entity, name, version, description, spec, on_revoke, saved_by, saved_at, deleted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
                &[entity.into(), name.into(), (p.version + 1).into(), (&p.description).into(), (&p.spec).into(), p.on_revoke.as_str().into(), (&event.actor).into(), now_ms().into()],
            )?;
            append(tx, event)?;
            Ok(true)
        })
    }
}
