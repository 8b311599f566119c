//! The PostgreSQL backend: a small pool of synchronous clients, bulk writes through `COPY`
//! (straight into an empty table, or through a temporary staging table and one
//! `INSERT … ON CONFLICT` when the table already holds rows).

use crate::bulk::{Batch, BatchStatus, Chunk, NewBatch, Rejected};
use crate::ddl::{self, Dialect};
use crate::lookup::{self, PersonRecord};
use crate::migrate::{LATEST, MIGRATIONS, VERSION_TABLE};
use crate::{now_ms, QuarantineEntry, Result, Stats, StoreError, TableStats};
use nur_core::{Catalog, ColumnType, Date, NationalNumber, Table, Value};
use postgres::{Client, NoTls, Statement, Transaction};
use std::collections::HashMap;
use std::io::Write;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

const D: Dialect = Dialect::Postgres;

/// Prepared statements kept per connection before the cache is emptied.
const MAX_STATEMENTS: usize = 1024;

pub struct PgStore {
    url: String,
    pool: Mutex<Vec<PgConn>>,
    lookup_sql: ddl::LookupSql,
    pub(crate) audit_group: crate::group::GroupCommit,
    /// Test support: the next write transaction fails just before its commit.
    pub(crate) fail_next_write: std::sync::atomic::AtomicBool,
}

/// A client with the statements prepared on its connection (a prepared statement belongs to
/// one connection), so hot queries skip the prepare round trip.
struct PgConn {
    client: Client,
    statements: HashMap<Arc<str>, Statement>,
}

struct Pooled<'a> {
    store: &'a PgStore,
    conn: Option<PgConn>,
}

impl Pooled<'_> {
    fn prepared(&mut self, sql: &Arc<str>) -> Result<Statement> {
        let conn = self.conn.as_mut().expect("present until drop");
        if let Some(st) = conn.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = conn.client.prepare(sql)?;
        conn.statements.insert(sql.clone(), st.clone());
        Ok(st)
    }
}

impl Pooled<'_> {
    /// Like [`Pooled::prepared`], with each parameter's type fixed by its bound kind (text
    /// parameters stay text and are cast in SQL). A statement's kinds follow from its text.
    fn prepared_typed(&mut self, sql: &str, bound: &[crate::query::Bound]) -> Result<Statement> {
        use crate::query::Bound;
        use postgres::types::Type;
        let conn = self.conn.as_mut().expect("present until drop");
        if let Some(st) = conn.statements.get(sql) {
            return Ok(st.clone());
        }
        let types: Vec<Type> = bound
            .iter()
            .map(|b| match b {
                Bound::Int(_) => Type::INT8,
                Bound::Real(_) => Type::FLOAT8,
                Bound::Text(_) | Bound::Null => Type::TEXT,
            })
            .collect();
        let st = conn.client.prepare_typed(sql, &types)?;
        // Ad hoc query specs each compile to their own text: keep the cache bounded.
        if conn.statements.len() >= MAX_STATEMENTS {
            conn.statements.clear();
        }
        conn.statements.insert(sql.into(), st.clone());
        Ok(st)
    }
}

impl Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.conn.as_ref().expect("present until drop").client
    }
}
impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.conn.as_mut().expect("present until drop").client
    }
}
impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            // A client whose connection broke is dropped rather than reused.
            if !c.client.is_closed() {
                if let Ok(mut pool) = self.store.pool.lock() {
                    pool.push(c);
                }
            }
        }
    }
}

impl Drop for PgStore {
    /// A synchronous client's drop blocks on its connection; when the last handle to the
    /// store goes away on an async worker (a server shutting down), that would panic, so the
    /// clients are closed on a plain thread.
    fn drop(&mut self) {
        let conns = std::mem::take(&mut *self.pool.lock().unwrap_or_else(|e| e.into_inner()));
        if !conns.is_empty() {
            let _ = std::thread::spawn(move || drop(conns)).join();
        }
    }
}

impl PgStore {
    pub fn open(url: &str) -> Result<PgStore> {
        let store = PgStore {
            url: url.to_owned(),
            pool: Mutex::new(Vec::new()),
            lookup_sql: ddl::LookupSql::default(),
            audit_group: Default::default(),
            fail_next_write: Default::default(),
        };
        let c = store.connect()?;
        store.pool.lock().expect("pool lock").push(PgConn {
            client: c,
            statements: HashMap::new(),
        });
        Ok(store)
    }

    fn connect(&self) -> Result<Client> {
        let mut c = Client::connect(&self.url, NoTls)?;
        c.batch_execute("SET client_min_messages = warning")?;
        Ok(c)
    }

    fn conn(&self) -> Result<Pooled<'_>> {
        let pooled = self.pool.lock().expect("pool lock").pop();
        let conn = match pooled {
            Some(c) => c,
            None => PgConn {
                client: self.connect()?,
                statements: HashMap::new(),
            },
        };
        Ok(Pooled {
            store: self,
            conn: Some(conn),
        })
    }

    /// Runs `f` in one transaction.
    pub fn with_tx<T>(
        &self,
        _write: bool,
        f: impl FnOnce(&mut dyn crate::sql::Tx) -> Result<T>,
    ) -> Result<T> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn migrate(&self, catalog: &Catalog) -> Result<()> {
        self.lookup_sql.clear();
        let mut c = self.conn()?;
        c.batch_execute(VERSION_TABLE)?;
        // Serialise concurrent migrations (several `nur` processes starting together).
        let mut tx = c.transaction()?;
        tx.batch_execute("SELECT pg_advisory_xact_lock(7120001)")?;
        let current = current_version(&mut tx)?;
        if current > LATEST {
            return Err(StoreError::Downgrade {
                found: current,
                known: LATEST,
            });
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            tx.batch_execute(m.postgres)?;
            tx.execute(
                "INSERT INTO nur_schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
                &[&m.version, &m.name, &now_ms()],
            )?;
        }
        for t in &catalog.tables {
            tx.batch_execute(&ddl::create_table(D, t))?;
            let known: Option<String> = tx
                .query_opt(
                    "SELECT columns FROM nur_warehouse_table WHERE name = $1",
                    &[&t.name.as_str()],
                )?
                .map(|r| r.get(0));
            let known: Vec<String> = known
                .map(|k| serde_json::from_str(&k).unwrap_or_default())
                .unwrap_or_default();
            if !known.is_empty() {
                for col in t
                    .columns
                    .iter()
                    .filter(|c| !known.iter().any(|k| k == c.name.as_str()))
                {
                    tx.batch_execute(&ddl::add_column(D, t, col.name.as_str()))?;
                }
            }
            let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            let names = serde_json::to_string(&names).expect("strings");
            tx.execute(
                "INSERT INTO nur_warehouse_table (name, columns) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET columns = excluded.columns",
                &[&t.name.as_str(), &names],
            )?;
            for ix in ddl::create_indexes(D, t) {
                tx.batch_execute(&ix)?;
            }
        }
        for v in ddl::dimension_views(D, catalog) {
            tx.batch_execute(&v)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64> {
        let mut c = self.conn()?;
        c.batch_execute(VERSION_TABLE)?;
        let mut tx = c.transaction()?;
        current_version(&mut tx)
    }

    pub fn find_batch(&self, digest: &str) -> Result<Option<Batch>> {
        let mut c = self.conn()?;
        let row = c.query_opt(&format!("{BATCH_SELECT} WHERE digest = $1"), &[&digest])?;
        Ok(row.map(|r| batch_from_row(&r)))
    }

    pub fn start_batch(&self, table: Option<&Table>, new: &NewBatch) -> Result<Batch> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let mut empty = false;
        if let Some(table) = table {
            empty = tx.query_opt(&ddl::any_row(D, table), &[])?.is_none();
            if empty {
                for drop in ddl::drop_indexes(D, table) {
                    tx.batch_execute(&drop)?;
                }
            }
        }
        let row = tx.query_one(
            &format!(
                "INSERT INTO nur_load_batch (source, file, digest, table_name, status, fresh, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {BATCH_COLUMNS}"
            ),
            &[
                &new.source,
                &new.file,
                &new.digest,
                &new.table,
                &BatchStatus::Running.as_str(),
                &empty,
                &now_ms(),
            ],
        )?;
        tx.commit()?;
        Ok(batch_from_row(&row))
    }

    pub fn batch_keys(&self, table: &Table, batch: i64) -> Result<Vec<String>> {
        let mut c = self.conn()?;
        let rows = c.query(&ddl::batch_keys(D, table), &[&batch])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub fn write_chunk(&self, table: &Table, batch: &Batch, chunk: &Chunk) -> Result<()> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        if !chunk.rows.is_empty() {
            let stage = format!("nur_stage_{}", table.name);
            let target = if batch.fresh {
                table.name.as_str().to_owned()
            } else {
                tx.batch_execute(&format!(
                    "CREATE TEMP TABLE IF NOT EXISTS {s} (LIKE {t}) ON COMMIT DELETE ROWS",
                    s = ddl::quote(D, &stage),
                    t = ddl::quote(D, table.name.as_str())
                ))?;
                stage.clone()
            };
            let now = now_ms().to_string();
            let batch_id = batch.id.to_string();
            let mut buf = Vec::with_capacity(chunk.rows.len() * 160);
            for row in &chunk.rows {
                for v in &row.values {
                    copy_value(&mut buf, v);
                    buf.push(b'\t');
                }
                copy_text(&mut buf, &batch.source);
                buf.push(b'\t');
                copy_text(&mut buf, &row.source_key);
                buf.push(b'\t');
                buf.extend_from_slice(batch_id.as_bytes());
                buf.extend_from_slice(b"\t\\N\t");
                buf.extend_from_slice(now.as_bytes());
                buf.push(b'\n');
            }
            let mut w = tx.copy_in(&ddl::copy_in(table, &target))?;
            w.write_all(&buf)?;
            w.finish()?;
            if !batch.fresh {
                tx.batch_execute(&ddl::upsert_from_stage(table, &stage))?;
            }
        }
        insert_rejected(&mut tx, batch, &chunk.rejected)?;
        tx.execute(
            "UPDATE nur_load_batch SET rows_loaded = rows_loaded + $1, rows_quarantined = rows_quarantined + $2, resume_offset = $3, resume_line = $4 WHERE id = $5",
            &[
                &(chunk.rows.len() as i64),
                &(chunk.rejected.len() as i64),
                &(chunk.resume_offset as i64),
                &(chunk.resume_line as i64),
                &batch.id,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn quarantine_file(&self, batch: &Batch, rejected: &[Rejected]) -> Result<()> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        insert_rejected(&mut tx, batch, rejected)?;
        tx.execute(
            "UPDATE nur_load_batch SET rows_quarantined = rows_quarantined + $1 WHERE id = $2",
            &[&(rejected.len() as i64), &batch.id],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn finish_batch(&self, table: Option<&Table>, batch: &Batch) -> Result<()> {
        let mut c = self.conn()?;
        if let (Some(t), true) = (table, batch.fresh) {
            for ix in ddl::create_indexes(D, t) {
                c.batch_execute(&ix)?;
            }
            c.batch_execute(&format!("ANALYZE {}", ddl::quote(D, t.name.as_str())))?;
        }
        c.execute(
            "UPDATE nur_load_batch SET status = $1, finished_at = $2 WHERE id = $3",
            &[&BatchStatus::Done.as_str(), &now_ms(), &batch.id],
        )?;
        Ok(())
    }

    pub fn for_each_person(&self, catalog: &Catalog, f: &mut dyn FnMut(&str)) -> Result<()> {
        let mut c = self.conn()?;
        let p = &catalog.dimensions.person;
        let sql = format!(
            "SELECT {} FROM {}",
            ddl::quote(D, p.national_number.as_str()),
            ddl::quote(D, p.table.as_str())
        );
        let mut tx = c.transaction()?;
        let portal = tx.bind(&sql, &[])?;
        loop {
            let rows = tx.query_portal(&portal, 50_000)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                f(r.get::<_, &str>(0));
            }
        }
        Ok(())
    }

    pub fn stats(&self, catalog: &Catalog) -> Result<Stats> {
        let mut c = self.conn()?;
        let mut tables = Vec::new();
        let mut total = 0;
        for t in &catalog.tables {
            let rows: i64 = c.query_one(&ddl::count_rows(D, t), &[])?.get(0);
            let q: i64 = c
                .query_one(
                    "SELECT count(*) FROM nur_quarantine WHERE table_name = $1",
                    &[&t.name.as_str()],
                )?
                .get(0);
            total += rows as u64;
            tables.push(TableStats {
                table: t.name.to_string(),
                custodian: t.custodian().to_string(),
                rows: rows as u64,
                quarantined: q as u64,
            });
        }
        let quarantined: i64 = c
            .query_one("SELECT count(*) FROM nur_quarantine", &[])?
            .get(0);
        let batches: i64 = c
            .query_one("SELECT count(*) FROM nur_load_batch", &[])?
            .get(0);
        let mut tx = c.transaction()?;
        let schema_version = current_version(&mut tx)?;
        Ok(Stats {
            backend: "postgres",
            schema_version,
            tables,
            total_rows: total,
            quarantined: quarantined as u64,
            batches: batches as u64,
        })
    }

    pub fn quarantine(&self, limit: u32) -> Result<Vec<QuarantineEntry>> {
        let mut c = self.conn()?;
        let rows = c.query(
            "SELECT batch_id, file, line, table_name, reason, raw FROM nur_quarantine ORDER BY id LIMIT $1",
            &[&i64::from(limit)],
        )?;
        Ok(rows
            .iter()
            .map(|r| QuarantineEntry {
                batch: r.get(0),
                file: r.get(1),
                line: r.get::<_, i64>(2) as u64,
                table: r.get(3),
                reason: r.get(4),
                raw: r.get(5),
            })
            .collect())
    }

    pub fn lookup_person(
        &self,
        catalog: &Catalog,
        nn: &NationalNumber,
    ) -> Result<Option<PersonRecord>> {
        let mut c = self.conn()?;
        lookup::person(catalog, nn, &mut |table, column, key| {
            let st = c.prepared(&self.lookup_sql.get(D, table, column))?;
            let rows = c.query(&st, &[&key])?;
            let n = table.columns.len();
            Ok(rows
                .iter()
                .map(|r| {
                    let values = table
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, col)| text_value(r.get::<_, Option<&str>>(i), col.ty))
                        .collect();
                    let lineage = lookup::Lineage {
                        source: r.get::<_, Option<String>>(n).unwrap_or_default(),
                        batch: r
                            .get::<_, Option<&str>>(n + 1)
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(0),
                        loaded_at_ms: r
                            .get::<_, Option<&str>>(n + 2)
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(0),
                    };
                    (values, lineage)
                })
                .collect())
        })
    }
}

impl PgStore {
    /// Runs a compiled query; every cell was selected as text and is re-typed by its output
    /// column's catalog type. Parameters are typed TEXT or INT8 as compiled.
    pub(crate) fn run_select(
        &self,
        sql: &str,
        bound: &[crate::query::Bound],
        types: &[ColumnType],
    ) -> Result<Vec<Vec<Value>>> {
        let mut c = self.conn()?;
        let st = c.prepared_typed(sql, bound)?;
        let params: Vec<crate::sql::P<'_>> = bound.iter().map(Into::into).collect();
        let rows = c.query(&st, &crate::sql::pg_params(&params))?;
        Ok(rows
            .iter()
            .map(|r| {
                types
                    .iter()
                    .enumerate()
                    .map(|(i, ty)| text_value(r.get::<_, Option<&str>>(i), *ty))
                    .collect()
            })
            .collect())
    }
}

fn current_version(tx: &mut Transaction<'_>) -> Result<i64> {
    Ok(tx
        .query_one(
            "SELECT coalesce(max(version), 0)::bigint FROM nur_schema_version",
            &[],
        )?
        .get(0))
}

const BATCH_COLUMNS: &str = "id, source, file, digest, table_name, status, fresh, rows_loaded, rows_quarantined, resume_offset, resume_line";
const BATCH_SELECT: &str = "SELECT id, source, file, digest, table_name, status, fresh, rows_loaded, rows_quarantined, resume_offset, resume_line FROM nur_load_batch";

fn batch_from_row(r: &postgres::Row) -> Batch {
    Batch {
        id: r.get(0),
        source: r.get(1),
        file: r.get(2),
        digest: r.get(3),
        table: r.get(4),
        status: BatchStatus::parse(r.get(5)),
        fresh: r.get(6),
        rows_loaded: r.get::<_, i64>(7) as u64,
        rows_quarantined: r.get::<_, i64>(8) as u64,
        resume_offset: r.get::<_, i64>(9) as u64,
        resume_line: r.get::<_, i64>(10) as u64,
    }
}

fn insert_rejected(tx: &mut Transaction<'_>, batch: &Batch, rejected: &[Rejected]) -> Result<()> {
    if rejected.is_empty() {
        return Ok(());
    }
    let st = tx.prepare(
        "INSERT INTO nur_quarantine (batch_id, file, line, table_name, reason, raw) VALUES ($1, $2, $3, $4, $5, $6)",
    )?;
    for r in rejected {
        // PostgreSQL text cannot hold NUL; keep the rest of the raw line.
        let raw = r.raw.replace('\0', "\u{FFFD}");
        tx.execute(
            &st,
            &[
                &batch.id,
                &batch.file,
                &(r.line as i64),
                &batch.table,
                &r.reason,
                &raw,
            ],
        )?;
    }
    Ok(())
}

/// Escapes text for COPY's text format.
fn copy_text(buf: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

fn copy_value(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => buf.extend_from_slice(b"\\N"),
        Value::Text(s) => copy_text(buf, s),
        Value::Bool(b) => buf.push(if *b { b't' } else { b'f' }),
        other => {
            let _ = write!(buf, "{other}");
        }
    }
}

/// Re-types a cell that was selected as text.
fn text_value(s: Option<&str>, ty: ColumnType) -> Value {
    let Some(s) = s else { return Value::Null };
    match ty {
        ColumnType::Integer => s.parse().map(Value::Int).unwrap_or(Value::Null),
        ColumnType::Decimal => s.parse().map(Value::Decimal).unwrap_or(Value::Null),
        ColumnType::Date => Date::parse(s).map(Value::Date).unwrap_or(Value::Null),
        ColumnType::Boolean => Value::Bool(s == "true" || s == "t"),
        _ => Value::Text(s.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_escapes() {
        let mut b = Vec::new();
        copy_text(&mut b, "a\tb\\c\nd");
        assert_eq!(b, b"a\\tb\\\\c\\nd");
        let mut b = Vec::new();
        copy_value(&mut b, &Value::Null);
        copy_value(&mut b, &Value::Decimal(350.125));
        assert_eq!(b, b"\\N350.125");
    }
}
