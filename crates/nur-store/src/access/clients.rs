//! Machine clients: an entity's OAuth2 client credentials (stored as argon2id hashes), their
//! rotation, revocation and IP allowlists.

use super::append;
use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store, StoreError};
use nur_core::audit::NewEvent;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientRow {
    pub client_id: String,
    pub entity: String,
    pub name: String,
    #[serde(skip)]
    pub secret_hash: String,
    /// Bumped by every rotation; tokens carry it, so a rotation ends older tokens.
    pub generation: i64,
    pub ip_allowlist: Vec<String>,
    pub created_at_ms: i64,
    pub rotated_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// How a client changes.
#[derive(Debug, Clone)]
pub enum ClientChange {
    Rotate { secret_hash: String },
    Revoke,
    AllowIps(Vec<String>),
}

fn client_from(r: &[Cell]) -> ClientRow {
    ClientRow {
        client_id: r[0].text(),
        entity: r[1].text(),
        name: r[2].text(),
        secret_hash: r[3].text(),
        generation: r[4].int(),
        ip_allowlist: r[5]
            .text()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at_ms: r[6].int(),
        rotated_at_ms: r[7].opt_int(),
        revoked_at_ms: r[8].opt_int(),
    }
}

const CLIENT_COLUMNS: &str = "client_id, entity, name, secret_hash, generation, ip_allowlist, created_at, rotated_at, revoked_at";

pub(super) fn client(tx: &mut dyn Tx, client_id: &str) -> Result<Option<ClientRow>> {
    Ok(tx
        .row(
            &format!("SELECT {CLIENT_COLUMNS} FROM nur_client WHERE client_id = $1"),
            &[client_id.into()],
        )?
        .map(|r| client_from(&r)))
}

impl Store {
    pub fn create_client(&self, c: &ClientRow, event: NewEvent) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO nur_client (client_id, entity, name, secret_hash, generation, ip_allowlist, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[(&c.client_id).into(), (&c.entity).into(), (&c.name).into(), (&c.secret_hash).into(), c.generation.into(), (&c.ip_allowlist.join(",")).into(), c.created_at_ms.into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    pub fn client(&self, client_id: &str) -> Result<Option<ClientRow>> {
        self.read(|tx| client(tx, client_id))
    }

    pub fn clients(&self, entity: Option<&str>) -> Result<Vec<ClientRow>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    &format!("SELECT {CLIENT_COLUMNS} FROM nur_client WHERE (CAST($1 AS TEXT) IS NULL OR entity = $1) ORDER BY entity, created_at"),
                    &[entity.into()],
                )?
                .iter()
                .map(|r| client_from(r))
                .collect())
        })
    }

    pub fn change_client(
        &self,
        client_id: &str,
        change: &ClientChange,
        event: NewEvent,
    ) -> Result<ClientRow> {
        self.write(|tx| {
            let now = now_ms();
            let n = match change {
                ClientChange::Rotate { secret_hash } => tx.exec(
                    "UPDATE nur_client SET secret_hash = $2, generation = generation + 1, rotated_at = $3 WHERE client_id = $1 AND revoked_at IS NULL",
                    &[client_id.into(), secret_hash.into(), now.into()],
                )?,
                ClientChange::Revoke => tx.exec(
                    "UPDATE nur_client SET revoked_at = $2, generation = generation + 1 WHERE client_id = $1 AND revoked_at IS NULL",
                    &[client_id.into(), now.into()],
                )?,
                ClientChange::AllowIps(ips) => tx.exec(
                    "UPDATE nur_client SET ip_allowlist = $2 WHERE client_id = $1 AND revoked_at IS NULL",
                    &[client_id.into(), (&ips.join(",")).into()],
                )?,
            };
            if n == 0 {
                return Err(StoreError::NotFound(format!(
                    "no active client {client_id}"
                )));
            }
            append(tx, event)?;
            let row = tx
                .row(
                    &format!("SELECT {CLIENT_COLUMNS} FROM nur_client WHERE client_id = $1"),
                    &[client_id.into()],
                )?
                .expect("just updated");
            Ok(client_from(&row))
        })
    }
}
