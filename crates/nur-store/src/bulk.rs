//! The bulk-load protocol between the loader (nur-ingest) and the store: its types, and the
//! steps written once over [`Tx`] for both backends. Only the rows of a chunk are written by
//! each backend its own way (`COPY` on PostgreSQL, cached prepared inserts on SQLite).
//!
//! A batch is one input file, identified by the digest of its content: loading the same
//! content again finds the finished batch and changes nothing. Each chunk is written in one
//! transaction together with the batch's resume point, so a load killed half-way resumes
//! exactly after the last committed chunk.

use crate::ddl::{self, Dialect};
use crate::sql::{Cell, Tx, P};
use crate::{now_ms, Result, Store};
use nur_core::{Catalog, Table, Value};
use serde::Serialize;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchStatus {
    Running,
    Done,
}

impl BatchStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Running => "running",
            BatchStatus::Done => "done",
        }
    }
    pub(crate) fn parse(s: &str) -> BatchStatus {
        if s == "done" {
            BatchStatus::Done
        } else {
            BatchStatus::Running
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewBatch {
    pub source: String,
    pub file: String,
    pub digest: String,
    /// The catalog table the file maps to, or `None` for a file that maps to none (all of
    /// its rows are quarantined).
    pub table: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Batch {
    pub id: i64,
    pub source: String,
    pub file: String,
    pub digest: String,
    pub table: Option<String>,
    pub status: BatchStatus,
    /// The table was empty when the batch started: rows are appended without index
    /// maintenance and the indexes are built when the batch finishes.
    pub fresh: bool,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    /// Byte offset and line number just after the last committed row.
    pub resume_offset: u64,
    pub resume_line: u64,
}

/// A validated row ready for the warehouse.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The record's key at its source (the catalog key columns joined by `|`).
    pub source_key: String,
    /// One value per catalog column, in catalog order.
    pub values: Vec<Value>,
}

/// An input row that could not be loaded, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub line: u64,
    pub reason: String,
    pub raw: String,
}

#[derive(Debug, Clone, Default)]
pub struct Chunk {
    pub rows: Vec<Row>,
    pub rejected: Vec<Rejected>,
    /// Where to resume after this chunk commits.
    pub resume_offset: u64,
    pub resume_line: u64,
}

const BATCH_COLUMNS: &str = "id, source, file, digest, table_name, status, fresh, rows_loaded, rows_quarantined, resume_offset, resume_line";

fn batch_from(r: &[Cell]) -> Batch {
    Batch {
        id: r[0].int(),
        source: r[1].text(),
        file: r[2].text(),
        digest: r[3].text(),
        table: r[4].opt_text(),
        status: BatchStatus::parse(&r[5].text()),
        fresh: r[6].int() != 0,
        rows_loaded: r[7].int() as u64,
        rows_quarantined: r[8].int() as u64,
        resume_offset: r[9].int() as u64,
        resume_line: r[10].int() as u64,
    }
}

pub(crate) fn find_batch(tx: &mut dyn Tx, digest: &str) -> Result<Option<Batch>> {
    Ok(tx
        .row(
            &format!("SELECT {BATCH_COLUMNS} FROM nur_load_batch WHERE digest = $1"),
            &[digest.into()],
        )?
        .map(|r| batch_from(&r)))
}

/// Records a new batch; an empty table loses its indexes until [`finish_batch`].
pub(crate) fn start_batch(tx: &mut dyn Tx, table: Option<&Table>, new: &NewBatch) -> Result<Batch> {
    let d = tx.dialect();
    let mut fresh = false;
    if let Some(table) = table {
        fresh = tx.row(&ddl::any_row(d, table), &[])?.is_none();
        if fresh {
            for drop in ddl::drop_indexes(d, table) {
                tx.batch(&drop)?;
            }
        }
    }
    let row = tx
        .row(
            &format!("INSERT INTO nur_load_batch (source, file, digest, table_name, status, fresh, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {BATCH_COLUMNS}"),
            &[
                (&new.source).into(),
                (&new.file).into(),
                (&new.digest).into(),
                new.table.as_deref().into(),
                BatchStatus::Running.as_str().into(),
                fresh.into(),
                now_ms().into(),
            ],
        )?
        .expect("RETURNING gives the inserted row");
    Ok(batch_from(&row))
}

pub(crate) fn batch_keys(tx: &mut dyn Tx, table: &Table, batch: i64) -> Result<Vec<String>> {
    let sql = ddl::batch_keys(tx.dialect(), table);
    let mut keys = Vec::new();
    tx.for_each_text(&sql, &[batch.into()], &mut |k| keys.push(k.to_owned()))?;
    Ok(keys)
}

/// Records a chunk's rejected rows and moves the batch's resume point. Each backend calls it
/// in the transaction that wrote the chunk's rows, so they commit together.
pub(crate) fn chunk_written(
    tx: &mut dyn Tx,
    table: &nur_core::Table,
    batch: &Batch,
    chunk: &Chunk,
) -> Result<()> {
    insert_rejected(tx, batch, &chunk.rejected)?;
    crate::dci::fan_out_rows(tx, table, batch, &chunk.rows)?;
    tx.exec(
        "UPDATE nur_load_batch SET rows_loaded = rows_loaded + $1, rows_quarantined = rows_quarantined + $2, resume_offset = $3, resume_line = $4 WHERE id = $5",
        &[
            (chunk.rows.len() as i64).into(),
            (chunk.rejected.len() as i64).into(),
            (chunk.resume_offset as i64).into(),
            (chunk.resume_line as i64).into(),
            batch.id.into(),
        ],
    )?;
    Ok(())
}

pub(crate) fn quarantine_file(tx: &mut dyn Tx, batch: &Batch, rejected: &[Rejected]) -> Result<()> {
    insert_rejected(tx, batch, rejected)?;
    tx.exec(
        "UPDATE nur_load_batch SET rows_quarantined = rows_quarantined + $1 WHERE id = $2",
        &[(rejected.len() as i64).into(), batch.id.into()],
    )?;
    Ok(())
}

/// Rejected rows bound per round of [`Tx::exec_many`]: a file whose every row is quarantined
/// arrives whole, and its parameters are built a part at a time rather than all at once.
const REJECTED_PART: usize = 10_000;

fn insert_rejected(tx: &mut dyn Tx, batch: &Batch, rejected: &[Rejected]) -> Result<()> {
    let d = tx.dialect();
    for part in rejected.chunks(REJECTED_PART) {
        let raws: Vec<Cow<'_, str>> = part
            .iter()
            .map(|r| match d {
                // PostgreSQL text cannot hold NUL; keep the rest of the raw line.
                Dialect::Postgres => Cow::Owned(r.raw.replace('\0', "\u{FFFD}")),
                Dialect::Sqlite => Cow::Borrowed(r.raw.as_str()),
            })
            .collect();
        let rows: Vec<Vec<P<'_>>> = part
            .iter()
            .zip(&raws)
            .map(|(r, raw)| {
                vec![
                    batch.id.into(),
                    (&batch.file).into(),
                    (r.line as i64).into(),
                    batch.table.as_deref().into(),
                    (&r.reason).into(),
                    raw.as_ref().into(),
                ]
            })
            .collect();
        tx.exec_many(
            "INSERT INTO nur_quarantine (batch_id, file, line, table_name, reason, raw) VALUES ($1, $2, $3, $4, $5, $6)",
            &rows,
        )?;
    }
    Ok(())
}

/// Keeps SQLite's per-index row counts (`sqlite_stat1`) and drops its value samples
/// (`sqlite_stat4`, in builds that have it): with samples, SQLite plans `column = ?` with the
/// bound value, so every call of a cached statement binding a national number is prepared
/// again (measured on the one-person procedure at 1M persons: 2,000 runs 61 ms with the
/// samples, 41 ms without). Equality lookups on identity columns need only the counts.
fn forget_samples(tx: &mut dyn Tx, t: &Table) -> Result<()> {
    let has = tx
        .row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'",
            &[],
        )?
        .is_some();
    if has {
        tx.exec(
            "DELETE FROM sqlite_stat4 WHERE tbl = $1",
            &[P::Text(t.name.as_str())],
        )?;
    }
    Ok(())
}

/// Marks a batch done, first rebuilding the indexes of a batch that ran on the fresh path.
pub(crate) fn finish_batch(store: &Store, table: Option<&Table>, batch: &Batch) -> Result<()> {
    if let (Some(t), true) = (table, batch.fresh) {
        let d = store.dialect();
        // Each statement commits on its own: one transaction over every index build would
        // keep the whole rebuild in SQLite's write-ahead log until its end.
        for ix in ddl::create_indexes(d, t) {
            store.bulk(|tx| tx.batch(&ix))?;
        }
        store.bulk(|tx| tx.batch(&format!("ANALYZE {}", ddl::quote(d, t.name.as_str()))))?;
        if d == Dialect::Sqlite {
            store.bulk(|tx| forget_samples(tx, t))?;
        }
    }
    store.bulk(|tx| {
        tx.exec(
            "UPDATE nur_load_batch SET status = $1, finished_at = $2 WHERE id = $3",
            &[
                BatchStatus::Done.as_str().into(),
                now_ms().into(),
                batch.id.into(),
            ],
        )?;
        Ok(())
    })
}

/// Streams every national number of the person dimension's table (the loader's orphan
/// checks).
pub(crate) fn for_each_person(
    tx: &mut dyn Tx,
    catalog: &Catalog,
    f: &mut dyn FnMut(&str),
) -> Result<()> {
    let d = tx.dialect();
    let p = &catalog.dimensions.person;
    let sql = format!(
        "SELECT {} FROM {}",
        ddl::quote(d, p.national_number.as_str()),
        ddl::quote(d, p.table.as_str())
    );
    tx.for_each_text(&sql, &[], f)
}
