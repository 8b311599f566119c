//! What the warehouse holds, read back: the counts `nur stats` prints and the quarantined rows
//! `nur quarantine` lists, written once over [`Tx`] for both backends.

use crate::ddl;
use crate::sql::Tx;
use crate::Result;
use nur_core::Catalog;
use serde::Serialize;

/// What the warehouse holds, for `nur stats`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    pub backend: &'static str,
    pub schema_version: i64,
    pub tables: Vec<TableStats>,
    pub total_rows: u64,
    pub quarantined: u64,
    pub batches: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TableStats {
    pub table: String,
    pub custodian: String,
    pub rows: u64,
    pub quarantined: u64,
}

/// A quarantined input row, as listed for inspection.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QuarantineEntry {
    pub batch: i64,
    pub file: String,
    pub line: u64,
    pub table: Option<String>,
    pub reason: String,
    pub raw: String,
}

fn count(tx: &mut dyn Tx, sql: &str, params: &[crate::sql::P<'_>]) -> Result<i64> {
    Ok(tx.row(sql, params)?.map(|r| r[0].int()).unwrap_or(0))
}

pub(crate) fn stats(tx: &mut dyn Tx, backend: &'static str, catalog: &Catalog) -> Result<Stats> {
    let d = tx.dialect();
    let mut tables = Vec::new();
    let mut total = 0;
    for t in &catalog.tables {
        let rows = count(tx, &ddl::count_rows(d, t), &[])?;
        let q = count(
            tx,
            "SELECT count(*) FROM nur_quarantine WHERE table_name = $1",
            &[t.name.as_str().into()],
        )?;
        total += rows as u64;
        tables.push(TableStats {
            table: t.name.to_string(),
            custodian: t.custodian().to_string(),
            rows: rows as u64,
            quarantined: q as u64,
        });
    }
    let quarantined = count(tx, "SELECT count(*) FROM nur_quarantine", &[])?;
    let batches = count(tx, "SELECT count(*) FROM nur_load_batch", &[])?;
    Ok(Stats {
        backend,
        schema_version: crate::migrate::current_version(tx)?,
        tables,
        total_rows: total,
        quarantined: quarantined as u64,
        batches: batches as u64,
    })
}

pub(crate) fn quarantine(tx: &mut dyn Tx, limit: u32) -> Result<Vec<QuarantineEntry>> {
    Ok(tx
        .rows(
            "SELECT batch_id, file, line, table_name, reason, raw FROM nur_quarantine ORDER BY id LIMIT $1",
            &[i64::from(limit).into()],
        )?
        .iter()
        .map(|r| QuarantineEntry {
            batch: r[0].int(),
            file: r[1].text(),
            line: r[2].int() as u64,
            table: r[3].opt_text(),
            reason: r[4].text(),
            raw: r[5].text(),
        })
        .collect())
}
