//! The audit trail: appending to the hash chain, reading events back, verifying the chain
//! and the citizen's access report.

use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store, StoreError};
use nur_core::audit::{
    digest_persons, AuditEvent, Broken, ChainVerifier, NewEvent, MAX_LISTED_PERSONS,
};
use serde::Serialize;

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

/// Whose accesses an access report shows, and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportScope {
    /// The person themself: every entity's, except those withheld from citizens.
    Citizen,
    /// An entity looking at its own accesses of the person.
    Entity(String),
    /// The platform and its auditors: everything, withheld entities included.
    Full,
}

/// The end of the chain as verified: its last position and hash (what an anchor records).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

/// One line of a citizen's access report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessEntry {
    pub at_ms: i64,
    pub entity: Option<String>,
    pub purpose: Option<String>,
    pub action: String,
    /// The columns the access returned (`Table.Column`).
    pub columns: Vec<String>,
}

/// Appends `e` to the chain inside the caller's transaction. The head row is updated first,
/// which takes its row lock on PostgreSQL (SQLite's write transaction already excludes other
/// writers), so concurrent appends serialise and the chain never forks.
pub(crate) fn append(tx: &mut dyn Tx, e: NewEvent) -> Result<AuditEvent> {
    tx.exec("UPDATE nur_audit_head SET seq = seq WHERE id = 1", &[])?;
    let head = tx
        .row("SELECT seq, hash FROM nur_audit_head WHERE id = 1", &[])?
        .ok_or_else(|| StoreError::Invalid("the audit chain head is missing".into()))?;
    // Every person the event is about is indexed (for their access report), however many;
    // the event keeps their count and digest, which its hash covers.
    let persons_all = e.persons_sorted();
    let event = e.seal_with(head[0].int() + 1, now_ms(), &head[1].text(), tx.audit_key());
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
    if !persons_all.is_empty() {
        let rows: Vec<Vec<crate::sql::P<'_>>> = persons_all
            .iter()
            .map(|p| vec![p.into(), event.seq.into()])
            .collect();
        tx.exec_many(
            "INSERT INTO nur_audit_person (national_number, seq) VALUES ($1, $2)",
            &rows,
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

impl Store {
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

    /// Walks the whole chain in order, a page at a time, under the deployment's key; checks
    /// each event's persons index against the digest its hash covers. `Ok(Err(broken))` names
    /// the first broken link; otherwise the head as verified.
    pub fn verify_audit_head(&self) -> Result<std::result::Result<ChainHead, Broken>> {
        let key = self.audit_key();
        let indexed_from = key.as_ref().map_or(i64::MAX, |k| k.since_seq);
        self.read(|tx| {
            let head = tx
                .row("SELECT seq, hash FROM nur_audit_head WHERE id = 1", &[])?
                .map(|r| (r[0].int(), r[1].text()));
            let mut chain = ChainVerifier::keyed(key);
            let mut after = 0i64;
            loop {
                let page = tx.rows(
                    &format!("SELECT {AUDIT_COLUMNS} FROM nur_audit a WHERE a.seq > $1 ORDER BY a.seq LIMIT 10000"),
                    &[after.into()],
                )?;
                let Some(last) = page.last() else { break };
                let upto = last[0].int();
                let mut index: std::collections::HashMap<i64, Vec<String>> = Default::default();
                for r in tx.rows(
                    "SELECT seq, national_number FROM nur_audit_person WHERE seq > $1 AND seq <= $2 ORDER BY seq, national_number",
                    &[after.into(), upto.into()],
                )? {
                    index.entry(r[0].int()).or_default().push(r[1].text());
                }
                after = upto;
                for r in &page {
                    let e = audit_from(r);
                    if let Err(b) = chain.push(&e) {
                        return Ok(Err(b));
                    }
                    // Events written before every person was indexed (before the key) are
                    // checked only where they listed everyone.
                    let full = e.seq >= indexed_from || e.persons_count as usize <= MAX_LISTED_PERSONS;
                    let rows = index.remove(&e.seq).unwrap_or_default();
                    if full
                        && (rows.len() as i64 != e.persons_count
                            || digest_persons(&rows) != e.persons_digest)
                    {
                        return Ok(Err(Broken {
                            seq: e.seq,
                            reason: format!(
                                "the persons recorded for event {} were altered ({} indexed, the event names {})",
                                e.seq,
                                rows.len(),
                                e.persons_count
                            ),
                        }));
                    }
                }
            }
            let (seq, hash) = chain.last();
            let (seq, hash) = (seq, hash.to_owned());
            Ok(chain
                .finish(head.as_ref().map(|(s, h)| (*s, h.as_str())))
                .map(|_| ChainHead { seq, hash }))
        })
    }

    /// [`Store::verify_audit_head`], answering the number of events verified.
    pub fn verify_audit(&self) -> Result<std::result::Result<i64, Broken>> {
        Ok(self.verify_audit_head()?.map(|h| h.seq))
    }

    /// The hash of the event at `seq`, if there is one (to compare with an anchor).
    pub fn audit_hash(&self, seq: i64) -> Result<Option<String>> {
        self.read(|tx| {
            Ok(tx
                .row("SELECT hash FROM nur_audit WHERE seq = $1", &[seq.into()])?
                .map(|r| r[0].text()))
        })
    }

    /// The recorded head of the chain.
    pub fn audit_head(&self) -> Result<ChainHead> {
        self.read(|tx| {
            let r = tx
                .row("SELECT seq, hash FROM nur_audit_head WHERE id = 1", &[])?
                .ok_or_else(|| StoreError::Invalid("the audit chain head is missing".into()))?;
            Ok(ChainHead {
                seq: r[0].int(),
                hash: r[1].text(),
            })
        })
    }

    /// An access report: data accesses (query runs, procedure and operation calls, lookups)
    /// that returned this national number or were about them, and succeeded (whatever their
    /// outcome's detail, such as dropped columns), newest first, as `scope` allows.
    pub fn access_log(
        &self,
        national_number: &str,
        scope: &ReportScope,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<AccessEntry>> {
        let (entity, citizen): (Option<&str>, i64) = match scope {
            ReportScope::Citizen => (None, 1),
            ReportScope::Entity(e) => (Some(e.as_str()), 0),
            ReportScope::Full => (None, 0),
        };
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT a.at_ms, a.entity, a.purpose, a.action, a.columns FROM nur_audit_person p JOIN nur_audit a ON a.seq = p.seq LEFT JOIN nur_entity_setting s ON s.entity = a.entity WHERE p.national_number = $1 AND a.action IN ('query.run', 'procedure.call', 'operation.call', 'person.lookup', 'person.search', 'dci.partner.search', 'sp.verify', 'sp.facts', 'data.export') AND (a.outcome = 'ok' OR a.outcome LIKE 'ok;%') AND (CAST($2 AS TEXT) IS NULL OR a.entity = $2) AND (CAST($3 AS BIGINT) = 0 OR coalesce(s.access_withheld, 0) = 0) ORDER BY a.seq DESC LIMIT $4 OFFSET $5",
                    &[national_number.into(), entity.into(), citizen.into(), (limit as i64).into(), (offset as i64).into()],
                )?
                .iter()
                .map(|r| AccessEntry {
                    at_ms: r[0].int(),
                    entity: r[1].opt_text(),
                    purpose: r[2].opt_text(),
                    action: r[3].text(),
                    columns: serde_json::from_str(&r[4].text()).unwrap_or_default(),
                })
                .collect())
        })
    }
}
