//! Grants, procedures, machine clients, per-entity settings, upstream operations and the audit
//! trail, written once over [`Tx`] for both backends. Every administrative change appends its
//! audit event in the same transaction as the change, so no change goes unrecorded.

use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store, StoreError};
use nur_core::audit::{AuditEvent, Broken, ChainVerifier, NewEvent};
use nur_core::grant::Target;
use nur_core::query::RevokePolicy;
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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EntitySettings {
    /// Data requests from this entity must say why (`X-NUR-Purpose`).
    pub purpose_required: bool,
    /// This entity's accesses are left out of citizens' access reports.
    pub access_withheld: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upstream {
    pub service: String,
    pub base_url: String,
    pub timeout_ms: i64,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub person: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only events before this position (paging backwards from the newest).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// One line of a citizen's access report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessEntry {
    pub at_ms: i64,
    pub entity: Option<String>,
    pub purpose: Option<String>,
    pub action: String,
}

fn flag(b: bool) -> i64 {
    b as i64
}

/// Appends `e` to the chain inside the caller's transaction. The head row is updated first,
/// which takes its row lock on PostgreSQL (SQLite's write transaction already excludes other
/// writers), so concurrent appends serialise and the chain never forks.
pub(crate) fn append(tx: &mut dyn Tx, e: NewEvent) -> Result<AuditEvent> {
    tx.exec("UPDATE nur_audit_head SET seq = seq WHERE id = 1", &[])?;
    let head = tx
        .row("SELECT seq, hash FROM nur_audit_head WHERE id = 1", &[])?
        .ok_or_else(|| StoreError::Invalid("the audit chain head is missing".into()))?;
    let event = e.seal(head[0].int() + 1, now_ms(), &head[1].text());
    let columns = serde_json::to_string(&event.columns).expect("strings");
    let persons = serde_json::to_string(&event.persons).expect("strings");
    tx.exec(
        "INSERT INTO nur_audit (seq, at_ms, actor_kind, actor, on_behalf_of, entity, purpose, action, target, columns, persons, persons_count, persons_digest, client_ip, outcome, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        &[
            event.seq.into(),
            event.at_ms.into(),
            (&event.actor_kind).into(),
            (&event.actor).into(),
            event.on_behalf_of.as_deref().into(),
            event.entity.as_deref().into(),
            event.purpose.as_deref().into(),
            (&event.action).into(),
            (&event.target).into(),
            (&columns).into(),
            (&persons).into(),
            event.persons_count.into(),
            (&event.persons_digest).into(),
            event.client_ip.as_deref().into(),
            (&event.outcome).into(),
            (&event.prev_hash).into(),
            (&event.hash).into(),
        ],
    )?;
    for p in &event.persons {
        tx.exec(
            "INSERT INTO nur_audit_person (national_number, seq) VALUES ($1, $2)",
            &[p.into(), event.seq.into()],
        )?;
    }
    tx.exec(
        "UPDATE nur_audit_head SET seq = $1, hash = $2 WHERE id = 1",
        &[event.seq.into(), (&event.hash).into()],
    )?;
    Ok(event)
}

const AUDIT_COLUMNS: &str = "a.seq, a.at_ms, a.actor_kind, a.actor, a.on_behalf_of, a.entity, a.purpose, a.action, a.target, a.columns, a.persons, a.persons_count, a.persons_digest, a.client_ip, a.outcome, a.prev_hash, a.hash";

fn audit_from(r: &[Cell]) -> AuditEvent {
    AuditEvent {
        seq: r[0].int(),
        at_ms: r[1].int(),
        actor_kind: r[2].text(),
        actor: r[3].text(),
        on_behalf_of: r[4].opt_text(),
        entity: r[5].opt_text(),
        purpose: r[6].opt_text(),
        action: r[7].text(),
        target: r[8].text(),
        // A value that no longer parses keeps its text, so verification sees the edit.
        columns: serde_json::from_str(&r[9].text()).unwrap_or_else(|_| vec![r[9].text()]),
        persons: serde_json::from_str(&r[10].text()).unwrap_or_else(|_| vec![r[10].text()]),
        persons_count: r[11].int(),
        persons_digest: r[12].text(),
        client_ip: r[13].opt_text(),
        outcome: r[14].text(),
        prev_hash: r[15].text(),
        hash: r[16].text(),
    }
}

fn grant_target(kind: &Cell, object: &Cell, item: &Cell) -> Result<Target> {
    Target::from_parts(&kind.text(), &object.text(), &item.text())
        .map_err(|e| StoreError::Invalid(format!("stored grant: {e}")))
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

/// How a client changes.
#[derive(Debug, Clone)]
pub enum ClientChange {
    Rotate { secret_hash: String },
    Revoke,
    AllowIps(Vec<String>),
}

fn grants_of(tx: &mut dyn Tx, consumer: &str) -> Result<Vec<Target>> {
    tx.rows(
        "SELECT kind, object, item FROM nur_grant WHERE consumer = $1",
        &[consumer.into()],
    )?
    .iter()
    .map(|r| grant_target(&r[0], &r[1], &r[2]))
    .collect()
}

fn procedure(tx: &mut dyn Tx, entity: &str, name: &str) -> Result<Option<ProcedureRow>> {
    Ok(tx
        .row(
            &format!(
                "SELECT {PROCEDURE_COLUMNS} FROM nur_procedure WHERE entity = $1 AND name = $2"
            ),
            &[entity.into(), name.into()],
        )?
        .map(|r| procedure_from(&r)))
}

fn client(tx: &mut dyn Tx, client_id: &str) -> Result<Option<ClientRow>> {
    Ok(tx
        .row(
            &format!("SELECT {CLIENT_COLUMNS} FROM nur_client WHERE client_id = $1"),
            &[client_id.into()],
        )?
        .map(|r| client_from(&r)))
}

fn entity_settings(tx: &mut dyn Tx, entity: &str) -> Result<EntitySettings> {
    Ok(tx
        .row(
            "SELECT purpose_required, access_withheld FROM nur_entity_setting WHERE entity = $1",
            &[entity.into()],
        )?
        .map(|r| EntitySettings {
            purpose_required: r[0].int() != 0,
            access_withheld: r[1].int() != 0,
        })
        .unwrap_or_default())
}

fn upstream(tx: &mut dyn Tx, service: &str) -> Result<Option<Upstream>> {
    Ok(tx
        .row(
            "SELECT service, base_url, timeout_ms FROM nur_upstream WHERE service = $1",
            &[service.into()],
        )?
        .map(|r| Upstream {
            service: r[0].text(),
            base_url: r[1].text(),
            timeout_ms: r[2].int(),
        }))
}

/// Reads inside one transaction ([`Store::snapshot`]): the pieces of one access decision.
pub struct Snapshot<'a> {
    pub(crate) tx: &'a mut dyn Tx,
}

impl Snapshot<'_> {
    pub fn grants_of(&mut self, consumer: &str) -> Result<Vec<Target>> {
        grants_of(self.tx, consumer)
    }
    pub fn procedure(&mut self, entity: &str, name: &str) -> Result<Option<ProcedureRow>> {
        procedure(self.tx, entity, name)
    }
    pub fn client(&mut self, client_id: &str) -> Result<Option<ClientRow>> {
        client(self.tx, client_id)
    }
    pub fn entity_settings(&mut self, entity: &str) -> Result<EntitySettings> {
        entity_settings(self.tx, entity)
    }
    pub fn upstream(&mut self, service: &str) -> Result<Option<Upstream>> {
        upstream(self.tx, service)
    }
    pub fn account(&mut self, username: &str) -> Result<Option<crate::AccountRow>> {
        crate::portal::account(self.tx, username)
    }
}

impl Store {
    // ---- grants ----

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

    // ---- procedures ----

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

    // ---- clients ----

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

    // ---- settings ----

    pub fn entity_settings(&self, entity: &str) -> Result<EntitySettings> {
        self.read(|tx| entity_settings(tx, entity))
    }

    pub fn set_entity_settings(
        &self,
        entity: &str,
        s: EntitySettings,
        event: NewEvent,
    ) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO nur_entity_setting (entity, purpose_required, access_withheld) VALUES ($1, $2, $3) ON CONFLICT (entity) DO UPDATE SET purpose_required = excluded.purpose_required, access_withheld = excluded.access_withheld",
                &[entity.into(), flag(s.purpose_required).into(), flag(s.access_withheld).into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    /// A setting, created with `make()` on first use (the first writer wins, so concurrent
    /// servers agree on one value).
    pub fn setting_or_init(&self, key: &str, make: impl FnOnce() -> String) -> Result<String> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO nur_setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[key.into(), (&make()).into()],
            )?;
            Ok(tx
                .row(
                    "SELECT value FROM nur_setting WHERE key = $1",
                    &[key.into()],
                )?
                .map(|r| r[0].text())
                .unwrap_or_default())
        })
    }

    // ---- upstream operations ----

    pub fn put_upstream(&self, u: &Upstream, event: NewEvent) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO nur_upstream (service, base_url, timeout_ms) VALUES ($1, $2, $3) ON CONFLICT (service) DO UPDATE SET base_url = excluded.base_url, timeout_ms = excluded.timeout_ms",
                &[(&u.service).into(), (&u.base_url).into(), u.timeout_ms.into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    pub fn upstream(&self, service: &str) -> Result<Option<Upstream>> {
        self.read(|tx| upstream(tx, service))
    }

    // ---- audit ----

    /// Appends one event (a data access); returns once it is committed, together with the
    /// events of concurrent callers (see `group`).
    pub fn audit(&self, event: NewEvent) -> Result<AuditEvent> {
        let group = match self {
            Store::Sqlite(s) => &s.audit_group,
            Store::Postgres(s) => &s.audit_group,
        };
        group.append(event, |events| {
            self.write(|tx| events.into_iter().map(|e| append(tx, e)).collect())
        })
    }

    /// Events newest first, filtered.
    pub fn audit_events(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
        self.read(|tx| {
            let sql = format!(
                "SELECT {AUDIT_COLUMNS} FROM nur_audit a WHERE (CAST($1 AS TEXT) IS NULL OR a.entity = $1) AND (CAST($2 AS TEXT) IS NULL OR a.actor = $2) AND (CAST($3 AS TEXT) IS NULL OR a.action = $3) AND (CAST($4 AS TEXT) IS NULL OR a.seq IN (SELECT seq FROM nur_audit_person WHERE national_number = $4)) AND (CAST($5 AS BIGINT) IS NULL OR a.at_ms >= $5) AND (CAST($6 AS BIGINT) IS NULL OR a.at_ms < $6) AND (CAST($7 AS BIGINT) IS NULL OR a.seq < $7) ORDER BY a.seq DESC LIMIT $8"
            );
            Ok(tx
                .rows(
                    &sql,
                    &[
                        f.entity.as_deref().into(),
                        f.actor.as_deref().into(),
                        f.action.as_deref().into(),
                        f.person.as_deref().into(),
                        f.from_ms.into(),
                        f.to_ms.into(),
                        f.before_seq.into(),
                        (f.limit.max(1) as i64).into(),
                    ],
                )?
                .iter()
                .map(|r| audit_from(r))
                .collect())
        })
    }

    /// Walks the whole chain in order, a page at a time; `Ok(Err(broken))` names the first
    /// broken link.
    pub fn verify_audit(&self) -> Result<std::result::Result<i64, Broken>> {
        self.read(|tx| {
            let head = tx
                .row("SELECT seq, hash FROM nur_audit_head WHERE id = 1", &[])?
                .map(|r| (r[0].int(), r[1].text()));
            let mut chain = ChainVerifier::default();
            let mut after = 0i64;
            loop {
                let page = tx.rows(
                    &format!("SELECT {AUDIT_COLUMNS} FROM nur_audit a WHERE a.seq > $1 ORDER BY a.seq LIMIT 10000"),
                    &[after.into()],
                )?;
                let Some(last) = page.last() else { break };
                after = last[0].int();
                for r in &page {
                    if let Err(b) = chain.push(&audit_from(r)) {
                        return Ok(Err(b));
                    }
                }
            }
            Ok(chain.finish(head.as_ref().map(|(s, h)| (*s, h.as_str()))))
        })
    }

    /// A citizen's access report: data accesses (query runs, procedure and operation calls,
    /// lookups) that returned this national number, newest first, leaving out entities whose
    /// accesses are withheld.
    pub fn access_log(
        &self,
        national_number: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<AccessEntry>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT a.at_ms, a.entity, a.purpose, a.action FROM nur_audit_person p JOIN nur_audit a ON a.seq = p.seq LEFT JOIN nur_entity_setting s ON s.entity = a.entity WHERE p.national_number = $1 AND a.action IN ('query.run', 'procedure.call', 'operation.call', 'person.lookup') AND a.outcome = 'ok' AND coalesce(s.access_withheld, 0) = 0 ORDER BY a.seq DESC LIMIT $2 OFFSET $3",
                    &[national_number.into(), (limit as i64).into(), (offset as i64).into()],
                )?
                .iter()
                .map(|r| AccessEntry {
                    at_ms: r[0].int(),
                    entity: r[1].opt_text(),
                    purpose: r[2].opt_text(),
                    action: r[3].text(),
                })
                .collect())
        })
    }
}
