//! Grants: which consumer entity may see which custodian's tables, columns, operations and
//! properties, and the history of every grant and revocation.

use super::append;
use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store, StoreError};
use nur_core::audit::NewEvent;
use nur_core::grant::Target;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantRow {
    pub consumer: String,
    pub custodian: String,
    pub target: Target,
    pub granted_by: String,
    pub granted_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantHistoryRow {
    pub action: String,
    pub consumer: String,
    pub custodian: String,
    pub target: Target,
    pub actor: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Default)]
pub struct GrantFilter {
    pub consumer: Option<String>,
    pub custodian: Option<String>,
}

fn grant_target(kind: &Cell, object: &Cell, item: &Cell) -> Result<Target> {
    Target::from_parts(&kind.text(), &object.text(), &item.text())
        .map_err(|e| StoreError::Invalid(format!("stored grant: {e}")))
}

pub(super) fn grants_of(tx: &mut dyn Tx, consumer: &str) -> Result<Vec<Target>> {
    tx.rows(
        "SELECT kind, object, item FROM nur_grant WHERE consumer = $1",
        &[consumer.into()],
    )?
    .iter()
    .map(|r| grant_target(&r[0], &r[1], &r[2]))
    .collect()
}

impl Store {
    /// The grants a consumer entity holds (the input of [`nur_core::grant::Grants`]).
    pub fn grants_of(&self, consumer: &str) -> Result<Vec<Target>> {
        self.read(|tx| grants_of(tx, consumer))
    }

    pub fn grants(&self, f: &GrantFilter) -> Result<Vec<GrantRow>> {
        self.read(|tx| {
            let rows = tx.rows(
                "SELECT consumer, custodian, kind, object, item, granted_by, granted_at FROM nur_grant WHERE (CAST($1 AS TEXT) IS NULL OR consumer = $1) AND (CAST($2 AS TEXT) IS NULL OR custodian = $2) ORDER BY custodian, consumer, kind, object, item",
                &[f.consumer.as_deref().into(), f.custodian.as_deref().into()],
            )?;
            rows.iter()
                .map(|r| {
                    Ok(GrantRow {
                        consumer: r[0].text(),
                        custodian: r[1].text(),
                        target: grant_target(&r[2], &r[3], &r[4])?,
                        granted_by: r[5].text(),
                        granted_at_ms: r[6].int(),
                    })
                })
                .collect()
        })
    }

    /// Grants (`grant = true`) or revokes; records history and the audit event with it.
    /// Returns whether anything changed (granting twice or revoking nothing changes nothing).
    pub fn change_grant(
        &self,
        grant: bool,
        consumer: &str,
        custodian: &str,
        target: &Target,
        event: NewEvent,
    ) -> Result<bool> {
        let (kind, object, item) = target.parts();
        self.write(|tx| {
            let now = now_ms();
            let changed = if grant {
                tx.exec(
                    "INSERT INTO nur_grant (consumer, kind, object, item, custodian, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    &[consumer.into(), kind.into(), (&object).into(), (&item).into(), custodian.into(), (&event.actor).into(), now.into()],
                )?
            } else {
                tx.exec(
                    "DELETE FROM nur_grant WHERE consumer = $1 AND kind = $2 AND object = $3 AND item = $4",
                    &[consumer.into(), kind.into(), (&object).into(), (&item).into()],
                )?
            } > 0;
            if changed {
                tx.exec(
                    "INSERT INTO nur_grant_history (action, consumer, kind, object, item, custodian, actor, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[(if grant { "grant" } else { "revoke" }).into(), consumer.into(), kind.into(), (&object).into(), (&item).into(), custodian.into(), (&event.actor).into(), now.into()],
                )?;
                append(tx, event)?;
            }
            Ok(changed)
        })
    }

    pub fn grant_history(&self, f: &GrantFilter, limit: u32) -> Result<Vec<GrantHistoryRow>> {
        self.read(|tx| {
            let rows = tx.rows(
                "SELECT action, consumer, custodian, kind, object, item, actor, at_ms FROM nur_grant_history WHERE (CAST($1 AS TEXT) IS NULL OR consumer = $1) AND (CAST($2 AS TEXT) IS NULL OR custodian = $2) ORDER BY id DESC LIMIT $3",
                &[f.consumer.as_deref().into(), f.custodian.as_deref().into(), (limit as i64).into()],
            )?;
            rows.iter()
                .map(|r| {
                    Ok(GrantHistoryRow {
                        action: r[0].text(),
                        consumer: r[1].text(),
                        custodian: r[2].text(),
                        target: grant_target(&r[3], &r[4], &r[5])?,
                        actor: r[6].text(),
                        at_ms: r[7].int(),
                    })
                })
                .collect()
        })
    }
}
