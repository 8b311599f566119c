//! Change-data sources and exactly-once application of their changes.
//!
//! Delivery from every transport is at-least-once; the effect is exactly-once because each
//! batch of changes is applied in one transaction together with the source's new position,
//! and a change whose position is not past the committed one is a duplicate and skipped. The
//! check runs inside the transaction, with the cursor row locked, so two appliers of the same
//! source (two HTTP requests, a restarted process) cannot both apply a change.

use crate::access::append;
use crate::ddl::{quote, Dialect};
use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store, StoreError};
use nur_core::audit::NewEvent;
use nur_core::{ColumnType, Table, Value};
use serde::Serialize;

/// A configured source as stored. `config` is the kind-specific JSON document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRow {
    pub name: String,
    pub kind: String,
    pub entity: String,
    #[serde(skip)]
    pub config: String,
    pub created_at_ms: i64,
    pub snapshot_done: bool,
    /// The source's commit time of the last applied change.
    pub last_event_ms: Option<i64>,
    /// When NUR last committed a batch of this source.
    pub last_applied_ms: Option<i64>,
    /// Apply time − source commit time of the last batch's newest change.
    pub lag_ms: Option<i64>,
    pub events_total: i64,
    pub applied_total: i64,
    pub duplicates_total: i64,
    pub errors_total: i64,
    pub last_error: Option<String>,
    /// (stream, position) cursors.
    pub cursors: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetterRow {
    pub source: String,
    pub seq: i64,
    pub position: Option<String>,
    pub reason: String,
    pub payload: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeOp {
    /// Insert or update by key; only the columns given are written on update (a column the
    /// source left out, such as an unchanged TOAST value, keeps its stored value).
    Upsert,
    /// Delete by key; `columns` are the key columns.
    Delete,
    /// Remove every row this source wrote to the table.
    Truncate,
}

/// One validated change to a catalog table.
#[derive(Debug, Clone)]
pub struct Change {
    pub position: String,
    pub table: std::sync::Arc<Table>,
    pub op: ChangeOp,
    /// Catalog column index and value.
    pub columns: Vec<(usize, Value)>,
    /// The row's key as text (lineage `nur_source_key`).
    pub key: String,
    /// Source commit time, Unix ms.
    pub source_ts_ms: Option<i64>,
    /// The change continues the previous one's event (same position).
    pub same_event: bool,
}

/// An event that could not be turned into a change, kept with its reason.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub position: Option<String>,
    pub reason: String,
    pub payload: String,
}

/// One batch: changes in stream order, the events that failed, and the position to record
/// even when nothing applies (a transaction touching no mapped table still moves the cursor).
#[derive(Debug, Clone, Default)]
pub struct ChangeBatch {
    pub source: String,
    pub stream: String,
    pub changes: Vec<Change>,
    pub dead: Vec<DeadLetter>,
    /// Events received, counting those that became dead letters.
    pub received: u64,
    pub end_position: Option<String>,
    /// Snapshot rows (initial copy, full refresh) are applied whatever the cursor says.
    pub snapshot: bool,
    /// Marks the source's snapshot complete in the same transaction.
    pub snapshot_done: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub applied: u64,
    pub duplicates: u64,
    pub dead_lettered: u64,
    pub position: Option<String>,
}

impl Store {
    /// Registers a source (its name must be new), with its audit event.
    pub fn add_source(
        &self,
        name: &str,
        kind: &str,
        entity: &str,
        config: &str,
        event: NewEvent,
    ) -> Result<()> {
        self.write(|tx| {
            if tx
                .row("SELECT 1 FROM nur_source WHERE name = $1", &[name.into()])?
                .is_some()
            {
                return Err(StoreError::Invalid(format!("source {name} already exists")));
            }
            tx.exec(
                "INSERT INTO nur_source (name, kind, entity, config, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[name.into(), kind.into(), entity.into(), config.into(), now_ms().into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    /// Removes a source with its cursors and dead letters, with its audit event; rows it
    /// wrote stay, with lineage.
    pub fn remove_source(&self, name: &str, event: NewEvent) -> Result<()> {
        self.write(|tx| {
            let n = tx.exec("DELETE FROM nur_source WHERE name = $1", &[name.into()])?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("source {name}")));
            }
            tx.exec(
                "DELETE FROM nur_source_cursor WHERE source = $1",
                &[name.into()],
            )?;
            tx.exec(
                "DELETE FROM nur_dead_letter WHERE source = $1",
                &[name.into()],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    pub fn sources(&self) -> Result<Vec<SourceRow>> {
        self.read(|tx| read_sources(tx, None))
    }

    /// One source with its cursors (runners read it at every page: one source, not all).
    pub fn source(&self, name: &str) -> Result<SourceRow> {
        self.read(|tx| read_sources(tx, Some(name)))?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("source {name}")))
    }

    pub fn dead_letters(&self, source: &str, limit: u32) -> Result<Vec<DeadLetterRow>> {
        self.read(|tx| {
            let rows = tx.rows(
                "SELECT source, seq, position, reason, payload, at_ms FROM nur_dead_letter WHERE source = $1 ORDER BY seq DESC LIMIT $2",
                &[source.into(), i64::from(limit).into()],
            )?;
            Ok(rows
                .into_iter()
                .map(|r| DeadLetterRow {
                    source: r[0].text(),
                    seq: r[1].int(),
                    position: r[2].opt_text(),
                    reason: r[3].text(),
                    payload: r[4].text(),
                    at_ms: r[5].int(),
                })
                .collect())
        })
    }

    /// Records a failure of the source's transport (connection lost, bad configuration) for
    /// `nur source status`; the runner retries.
    pub fn source_error(&self, source: &str, error: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE nur_source SET last_error = $1 WHERE name = $2",
                &[error.into(), source.into()],
            )?;
            Ok(())
        })
    }

    /// Counts rows a file-drop source read and loaded (the bulk loader wrote them, with its
    /// own resumable batches and quarantine).
    pub fn note_loaded(&self, source: &str, read: u64, loaded: u64) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE nur_source SET events_total = events_total + $2, applied_total = applied_total + $3, last_applied_ms = $4, last_error = NULL WHERE name = $1",
                &[source.into(), (read as i64).into(), (loaded as i64).into(), now_ms().into()],
            )?;
            Ok(())
        })
    }

    /// Applies a batch exactly once: changes past the committed position are written, the
    /// others counted as duplicates, dead letters stored, and the cursor and counters moved,
    /// all in one transaction.
    pub fn apply_changes(&self, batch: &ChangeBatch) -> Result<Applied> {
        let d = self.dialect();
        self.write(|tx| apply_in(tx, d, batch))
    }

    /// The rows this source wrote to `table`: key text and catalog columns as text (NULL →
    /// None). Full-refresh pulls diff against it; tests compare it with the source.
    pub fn rows_by_source(
        &self,
        table: &Table,
        source: &str,
    ) -> Result<Vec<(String, Vec<Option<String>>)>> {
        let d = self.dialect();
        self.read(|tx| {
            let cols: Vec<String> = table
                .columns
                .iter()
                .map(|c| text_expr(d, c.ty, &quote(d, c.name.as_str())))
                .collect();
            let sql = format!(
                "SELECT nur_source_key, {} FROM {} WHERE nur_source = $1",
                cols.join(", "),
                quote(d, table.name.as_str())
            );
            Ok(tx
                .rows(&sql, &[source.into()])?
                .into_iter()
                .map(|mut r| {
                    let key = r.remove(0).text();
                    (key, r.into_iter().map(|c| c.opt_text()).collect())
                })
                .collect())
        })
    }
}

impl Store {
    /// The lineage of one warehouse row, found by its key text: (source, position,
    /// loaded-at ms). `None` when no row has that key.
    pub fn lineage(
        &self,
        table: &Table,
        key: &str,
    ) -> Result<Option<(String, Option<String>, i64)>> {
        let d = self.dialect();
        self.read(|tx| {
            let sql = format!(
                "SELECT nur_source, nur_position, nur_loaded_at FROM {} WHERE nur_source_key = $1",
                quote(d, table.name.as_str())
            );
            Ok(tx
                .row(&sql, &[key.into()])?
                .map(|r| (r[0].text(), r[1].opt_text(), r[2].int())))
        })
    }
}

/// A stored cell rendered as text the same way on both backends (dates ISO, booleans
/// true/false, decimals without trailing zeros are left to the caller).
fn text_expr(d: Dialect, ty: ColumnType, col: &str) -> String {
    match (d, ty) {
        (Dialect::Postgres, _) => format!("CAST({col} AS TEXT)"),
        (Dialect::Sqlite, ColumnType::Boolean) => {
            format!("CASE {col} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END")
        }
        (Dialect::Sqlite, _) => format!("CAST({col} AS TEXT)"),
    }
}

const SOURCE_COLUMNS: &str = "SELECT name, kind, entity, config, created_at, snapshot_done, last_event_ms, last_applied_ms, lag_ms, events_total, applied_total, duplicates_total, errors_total, last_error FROM nur_source";

/// Sources (all, or the one named) with their cursors.
fn read_sources(tx: &mut dyn Tx, name: Option<&str>) -> Result<Vec<SourceRow>> {
    let cursors = tx.rows(
        "SELECT source, stream, position FROM nur_source_cursor WHERE (CAST($1 AS TEXT) IS NULL OR source = $1) ORDER BY source, stream",
        &[name.into()],
    )?;
    let rows = tx.rows(
        &format!("{SOURCE_COLUMNS} WHERE (CAST($1 AS TEXT) IS NULL OR name = $1) ORDER BY name"),
        &[name.into()],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut s = source_row(r);
            s.cursors = cursors
                .iter()
                .filter(|c| c[0].text() == s.name)
                .map(|c| (c[1].text(), c[2].text()))
                .collect();
            s
        })
        .collect())
}

fn source_row(r: Vec<Cell>) -> SourceRow {
    SourceRow {
        name: r[0].text(),
        kind: r[1].text(),
        entity: r[2].text(),
        config: r[3].text(),
        created_at_ms: r[4].int(),
        snapshot_done: r[5].int() != 0,
        last_event_ms: r[6].opt_int(),
        last_applied_ms: r[7].opt_int(),
        lag_ms: r[8].opt_int(),
        events_total: r[9].int(),
        applied_total: r[10].int(),
        duplicates_total: r[11].int(),
        errors_total: r[12].int(),
        last_error: r[13].opt_text(),
        cursors: Vec::new(),
    }
}

/// The most of a bad event's payload kept (its digest covers the whole).
pub const MAX_DEAD_LETTER_PAYLOAD: usize = 16 * 1024;

/// A payload cut to [`MAX_DEAD_LETTER_PAYLOAD`] bytes at a character boundary, saying so.
fn capped(payload: &str) -> std::borrow::Cow<'_, str> {
    if payload.len() <= MAX_DEAD_LETTER_PAYLOAD {
        return payload.into();
    }
    let mut end = MAX_DEAD_LETTER_PAYLOAD;
    while !payload.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [cut: {} bytes in all]", &payload[..end], payload.len()).into()
}

/// Marks the social-registry households whose members the changes name (in a
/// national-number column) for re-verification, in the changes' transaction.
fn mark_households(tx: &mut dyn Tx, source: &str, fresh: &[&Change]) -> Result<()> {
    let mut by_reason: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for c in fresh {
        for (i, v) in &c.columns {
            let is_person = c
                .table
                .columns
                .get(*i)
                .is_some_and(|col| col.ty == ColumnType::NationalNumber);
            if let (true, Value::Text(nn)) = (is_person, v) {
                let reason = format!("{} {:?} from {source}", c.table.name, c.op);
                by_reason.entry(reason).or_default().push(nn.as_str());
            }
        }
    }
    for (reason, mut persons) in by_reason {
        persons.sort_unstable();
        persons.dedup();
        crate::sp::mark_reverify(tx, &persons, &reason)?;
    }
    Ok(())
}

fn apply_in(tx: &mut dyn Tx, d: Dialect, b: &ChangeBatch) -> Result<Applied> {
    let lock = match d {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    };
    let Some(src) = tx.row(
        &format!("SELECT errors_total FROM nur_source WHERE name = $1{lock}"),
        &[b.source.as_str().into()],
    )?
    else {
        return Err(StoreError::NotFound(format!("source {}", b.source)));
    };
    let mut errors_total = src[0].int();
    let committed = tx
        .row(
            &format!(
                "SELECT position FROM nur_source_cursor WHERE source = $1 AND stream = $2{lock}"
            ),
            &[b.source.as_str().into(), b.stream.as_str().into()],
        )?
        .map(|r| r[0].text());
    let now = now_ms();
    let mut out = Applied::default();
    let mut cursor = committed.clone();
    let past = |cursor: &Option<String>, p: &str| cursor.as_deref().is_none_or(|c| p > c);
    let mut newest_ts: Option<i64> = None;
    let mut fresh: Vec<&Change> = Vec::with_capacity(b.changes.len());
    // The changes of one event share its position (an update that moves a row's key is a
    // delete and an insert): a change continuing an event just applied is applied too.
    let mut prev_applied = false;
    for c in &b.changes {
        let new = b.snapshot || past(&cursor, &c.position) || (c.same_event && prev_applied);
        if !new {
            out.duplicates += 1;
            prev_applied = false;
            continue;
        }
        prev_applied = true;
        fresh.push(c);
        out.applied += 1;
        if !b.snapshot {
            cursor = Some(c.position.clone());
        }
        if let Some(ts) = c.source_ts_ms {
            newest_ts = Some(newest_ts.map_or(ts, |n| n.max(ts)));
        }
    }
    crate::cdc_write::write(tx, d, &b.source, &fresh, now)?;
    mark_households(tx, &b.source, &fresh)?;
    if !b.snapshot {
        crate::dci::fan_out(tx, &b.source, &fresh)?;
    }
    for dl in &b.dead {
        if let Some(p) = &dl.position {
            if !b.snapshot && !past(&committed, p) {
                out.duplicates += 1;
                continue;
            }
        }
        // A bad event is recorded once, however often it is offered again (a retried request,
        // a redelivery, a snapshot reading the same bad row): its digest is unique.
        // (A snapshot's positions are its own each time: there the row itself is the key.)
        let at = if b.snapshot {
            ""
        } else {
            dl.position.as_deref().unwrap_or("")
        };
        let digest = nur_core::audit::sha256_hex(
            format!("{at}\u{1f}{}\u{1f}{}", dl.reason, dl.payload).as_bytes(),
        );
        let payload = capped(&dl.payload);
        let inserted = tx.exec(
            "INSERT INTO nur_dead_letter (source, seq, position, reason, payload, at_ms, digest) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, digest) DO NOTHING",
            &[
                b.source.as_str().into(),
                (errors_total + 1).into(),
                dl.position.as_deref().into(),
                dl.reason.as_str().into(),
                payload.as_ref().into(),
                now.into(),
                digest.as_str().into(),
            ],
        )?;
        if inserted == 0 {
            out.duplicates += 1;
            continue;
        }
        errors_total += 1;
        out.dead_lettered += 1;
    }
    if let Some(end) = &b.end_position {
        if past(&cursor, end) {
            cursor = Some(end.clone());
        }
    }
    if cursor != committed {
        if let Some(p) = &cursor {
            let sql = if committed.is_some() {
                "UPDATE nur_source_cursor SET position = $3 WHERE source = $1 AND stream = $2"
            } else {
                "INSERT INTO nur_source_cursor (source, stream, position) VALUES ($1, $2, $3)"
            };
            tx.exec(
                sql,
                &[
                    b.source.as_str().into(),
                    b.stream.as_str().into(),
                    p.as_str().into(),
                ],
            )?;
        }
    }
    tx.exec(
        "UPDATE nur_source SET events_total = events_total + $2, applied_total = applied_total + $3, \
         duplicates_total = duplicates_total + $4, errors_total = $5, last_applied_ms = $6, \
         last_event_ms = CASE WHEN $7 > COALESCE(last_event_ms, 0) THEN $7 ELSE last_event_ms END, \
         lag_ms = CASE WHEN $7 > 0 THEN $6 - $7 ELSE lag_ms END, \
         snapshot_done = CASE WHEN CAST($8 AS BIGINT) = 1 THEN 1 ELSE snapshot_done END, last_error = NULL \
         WHERE name = $1",
        &[
            b.source.as_str().into(),
            (b.received as i64).into(),
            (out.applied as i64).into(),
            (out.duplicates as i64).into(),
            errors_total.into(),
            now.into(),
            newest_ts.unwrap_or(0).into(),
            i64::from(b.snapshot_done).into(),
        ],
    )?;
    out.position = cursor;
    Ok(out)
}
