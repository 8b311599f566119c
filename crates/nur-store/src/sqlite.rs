//! The embedded SQLite backend: one database file in WAL mode, a small connection pool, and
//! cached prepared statements for the bulk and lookup paths.

use crate::bulk::{Batch, BatchStatus, Chunk, NewBatch, Rejected};
use crate::ddl::{self, Dialect};
use crate::lookup::{self, PersonRecord};
use crate::migrate::{LATEST, MIGRATIONS, VERSION_TABLE};
use crate::{now_ms, OpenMode, QuarantineEntry, Result, Stats, StoreError, TableStats};
use nur_core::{Catalog, ColumnType, Date, NationalNumber, Table, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, ToSql};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const D: Dialect = Dialect::Sqlite;

pub struct SqliteStore {
    path: PathBuf,
    pool: Mutex<Vec<Connection>>,
    /// Serialises this process's write transactions. SQLite admits one writer; without this,
    /// concurrent writers (audit appends under load) wait in SQLite's busy handler, which
    /// sleeps in steps of up to 100 ms, instead of being woken as soon as the lock is free.
    writer: Mutex<()>,
    lookup_sql: ddl::LookupSql,
    pub(crate) audit_group: crate::group::GroupCommit,
    /// Test support: the next write transaction fails just before its commit.
    pub(crate) fail_next_write: std::sync::atomic::AtomicBool,
}

/// A pooled connection, returned to the pool on drop.
struct Pooled<'a> {
    store: &'a SqliteStore,
    conn: Option<Connection>,
}

impl Deref for Pooled<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until drop")
    }
}
impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("present until drop")
    }
}
impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let (Some(c), Ok(mut pool)) = (self.conn.take(), self.store.pool.lock()) {
            pool.push(c);
        }
    }
}

impl SqliteStore {
    pub fn open(path: &Path, mode: OpenMode) -> Result<SqliteStore> {
        if !path.exists() {
            if mode == OpenMode::MustExist {
                return Err(StoreError::NotFound(format!(
                    "database file {} does not exist (create it with `nur init --db sqlite:{}`)",
                    path.display(),
                    path.display()
                )));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
        }
        let store = SqliteStore {
            path: path.to_owned(),
            pool: Mutex::new(Vec::new()),
            writer: Mutex::new(()),
            lookup_sql: ddl::LookupSql::default(),
            audit_group: Default::default(),
            fail_next_write: Default::default(),
        };
        let c = store.connect()?;
        c.pragma_update(None, "journal_mode", "WAL")?;
        store.pool.lock().expect("pool lock").push(c);
        Ok(store)
    }

    fn connect(&self) -> Result<Connection> {
        let c = Connection::open(&self.path)?;
        c.busy_timeout(std::time::Duration::from_secs(30))?;
        // NORMAL is durable across application crashes in WAL mode (only an OS crash can lose
        // the last commits), which is the guarantee the loader's resume logic needs.
        c.pragma_update(None, "synchronous", "NORMAL")?;
        c.pragma_update(None, "foreign_keys", "ON")?;
        c.pragma_update(None, "temp_store", "MEMORY")?;
        c.pragma_update(None, "cache_size", -262_144)?; // 256 MiB
        c.pragma_update(None, "mmap_size", 1_073_741_824i64)?;
        c.set_prepared_statement_cache_capacity(256);
        Ok(c)
    }

    fn conn(&self) -> Result<Pooled<'_>> {
        let pooled = self.pool.lock().expect("pool lock").pop();
        let conn = match pooled {
            Some(c) => c,
            None => self.connect()?,
        };
        Ok(Pooled {
            store: self,
            conn: Some(conn),
        })
    }

    /// Runs `f` in one transaction; a write transaction takes SQLite's write lock up front,
    /// so it never fails half way on a lock upgrade.
    pub fn with_tx<T>(
        &self,
        write: bool,
        f: impl FnOnce(&mut dyn crate::sql::Tx) -> Result<T>,
    ) -> Result<T> {
        let _writing = write.then(|| self.writer.lock().unwrap_or_else(|e| e.into_inner()));
        let mut c = self.conn()?;
        let behavior = if write {
            rusqlite::TransactionBehavior::Immediate
        } else {
            rusqlite::TransactionBehavior::Deferred
        };
        let mut tx = c.transaction_with_behavior(behavior)?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn migrate(&self, catalog: &Catalog) -> Result<()> {
        self.lookup_sql.clear();
        let mut c = self.conn()?;
        c.execute_batch(VERSION_TABLE)?;
        let current = current_version(&c)?;
        if current > LATEST {
            return Err(StoreError::Downgrade {
                found: current,
                known: LATEST,
            });
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            let tx = c.transaction()?;
            tx.execute_batch(m.sqlite)?;
            tx.execute(
                "INSERT INTO nur_schema_version (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![m.version, m.name, now_ms()],
            )?;
            tx.commit()?;
        }
        let tx = c.transaction()?;
        for t in &catalog.tables {
            tx.execute_batch(&ddl::create_table(D, t))?;
            let known: Option<String> = tx
                .query_row(
                    "SELECT columns FROM nur_warehouse_table WHERE name = ?1",
                    [t.name.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            let known: Vec<String> = known
                .map(|k| serde_json::from_str(&k).unwrap_or_default())
                .unwrap_or_default();
            if !known.is_empty() {
                for col in t
                    .columns
                    .iter()
                    .filter(|c| !known.iter().any(|k| k == c.name.as_str()))
                {
                    tx.execute_batch(&ddl::add_column(D, t, col.name.as_str()))?;
                }
            }
            let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            tx.execute(
                "INSERT INTO nur_warehouse_table (name, columns) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET columns = excluded.columns",
                params![t.name.as_str(), serde_json::to_string(&names).expect("strings")],
            )?;
            for ix in ddl::create_indexes(D, t) {
                tx.execute_batch(&ix)?;
            }
        }
        for v in ddl::dimension_views(D, catalog) {
            tx.execute_batch(&v)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64> {
        let c = self.conn()?;
        c.execute_batch(VERSION_TABLE)?;
        current_version(&c)
    }

    pub fn find_batch(&self, digest: &str) -> Result<Option<Batch>> {
        let c = self.conn()?;
        let b = c
            .query_row(
                &format!("{BATCH_SELECT} WHERE digest = ?1"),
                [digest],
                batch_from_row,
            )
            .optional()?;
        Ok(b)
    }

    pub fn start_batch(&self, table: Option<&Table>, new: &NewBatch) -> Result<Batch> {
        let mut c = self.conn()?;
        let tx = c.transaction()?;
        let mut empty = false;
        if let Some(table) = table {
            empty = tx
                .query_row(&ddl::any_row(D, table), [], |_| Ok(()))
                .optional()?
                .is_none();
            if empty {
                for drop in ddl::drop_indexes(D, table) {
                    tx.execute_batch(&drop)?;
                }
            }
        }
        let id = insert_batch(&tx, new, empty)?;
        let b = tx.query_row(
            &format!("{BATCH_SELECT} WHERE id = ?1"),
            [id],
            batch_from_row,
        )?;
        tx.commit()?;
        Ok(b)
    }

    pub fn batch_keys(&self, table: &Table, batch: i64) -> Result<Vec<String>> {
        let c = self.conn()?;
        let mut st = c.prepare(&ddl::batch_keys(D, table))?;
        let keys = st
            .query_map([batch], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(keys)
    }

    pub fn write_chunk(&self, table: &Table, batch: &Batch, chunk: &Chunk) -> Result<()> {
        let mut c = self.conn()?;
        let tx = c.transaction()?;
        {
            let sql = ddl::insert(D, table, !batch.fresh);
            let mut st = tx.prepare_cached(&sql)?;
            let now = now_ms();
            let n = table.columns.len();
            let mut bound: Vec<Bind<'_>> = Vec::with_capacity(n + 5);
            for row in &chunk.rows {
                bound.clear();
                bound.extend(row.values.iter().map(Bind::Value));
                bound.push(Bind::Str(&batch.source));
                bound.push(Bind::Str(&row.source_key));
                bound.push(Bind::Int(batch.id));
                bound.push(Bind::Null);
                bound.push(Bind::Int(now));
                st.execute(rusqlite::params_from_iter(bound.iter()))?;
            }
        }
        insert_rejected(&tx, batch, &chunk.rejected)?;
        tx.execute(
            "UPDATE nur_load_batch SET rows_loaded = rows_loaded + ?1, rows_quarantined = rows_quarantined + ?2, resume_offset = ?3, resume_line = ?4 WHERE id = ?5",
            params![
                chunk.rows.len() as i64,
                chunk.rejected.len() as i64,
                chunk.resume_offset as i64,
                chunk.resume_line as i64,
                batch.id
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn quarantine_file(&self, batch: &Batch, rejected: &[Rejected]) -> Result<()> {
        let mut c = self.conn()?;
        let tx = c.transaction()?;
        insert_rejected(&tx, batch, rejected)?;
        tx.execute(
            "UPDATE nur_load_batch SET rows_quarantined = rows_quarantined + ?1 WHERE id = ?2",
            params![rejected.len() as i64, batch.id],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn finish_batch(&self, table: Option<&Table>, batch: &Batch) -> Result<()> {
        let c = self.conn()?;
        if let (Some(t), true) = (table, batch.fresh) {
            for ix in ddl::create_indexes(D, t) {
                c.execute_batch(&ix)?;
            }
            c.execute_batch(&format!("ANALYZE {}", ddl::quote(D, t.name.as_str())))?;
        }
        c.execute(
            "UPDATE nur_load_batch SET status = ?1, finished_at = ?2 WHERE id = ?3",
            params![BatchStatus::Done.as_str(), now_ms(), batch.id],
        )?;
        Ok(())
    }

    pub fn stats(&self, catalog: &Catalog) -> Result<Stats> {
        let c = self.conn()?;
        let mut tables = Vec::new();
        let mut total = 0;
        for t in &catalog.tables {
            let rows: i64 = c.query_row(&ddl::count_rows(D, t), [], |r| r.get(0))?;
            let q: i64 = c.query_row(
                "SELECT count(*) FROM nur_quarantine WHERE table_name = ?1",
                [t.name.as_str()],
                |r| r.get(0),
            )?;
            total += rows as u64;
            tables.push(TableStats {
                table: t.name.to_string(),
                custodian: t.custodian().to_string(),
                rows: rows as u64,
                quarantined: q as u64,
            });
        }
        let quarantined: i64 =
            c.query_row("SELECT count(*) FROM nur_quarantine", [], |r| r.get(0))?;
        let batches: i64 = c.query_row("SELECT count(*) FROM nur_load_batch", [], |r| r.get(0))?;
        Ok(Stats {
            backend: "sqlite",
            schema_version: current_version(&c)?,
            tables,
            total_rows: total,
            quarantined: quarantined as u64,
            batches: batches as u64,
        })
    }

    pub fn quarantine(&self, limit: u32) -> Result<Vec<QuarantineEntry>> {
        let c = self.conn()?;
        let mut st = c.prepare(
            "SELECT batch_id, file, line, table_name, reason, raw FROM nur_quarantine ORDER BY id LIMIT ?1",
        )?;
        let rows = st
            .query_map([limit], |r| {
                Ok(QuarantineEntry {
                    batch: r.get(0)?,
                    file: r.get(1)?,
                    line: r.get::<_, i64>(2)? as u64,
                    table: r.get(3)?,
                    reason: r.get(4)?,
                    raw: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn for_each_person(&self, catalog: &Catalog, f: &mut dyn FnMut(&str)) -> Result<()> {
        let c = self.conn()?;
        let p = &catalog.dimensions.person;
        let sql = format!(
            "SELECT {} FROM {}",
            ddl::quote(D, p.national_number.as_str()),
            ddl::quote(D, p.table.as_str())
        );
        let mut st = c.prepare(&sql)?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if let ValueRef::Text(t) = r.get_ref(0)? {
                f(std::str::from_utf8(t).unwrap_or_default());
            }
        }
        Ok(())
    }

    pub fn lookup_person(
        &self,
        catalog: &Catalog,
        nn: &NationalNumber,
    ) -> Result<Option<PersonRecord>> {
        let c = self.conn()?;
        lookup::person(catalog, nn, &mut |table, column, key| {
            let sql = self.lookup_sql.get(D, table, column);
            let mut st = c.prepare_cached(&sql)?;
            let mut rows = st.query([key])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let mut values = Vec::with_capacity(table.columns.len());
                for (i, col) in table.columns.iter().enumerate() {
                    values.push(read_value(r.get_ref(i)?, col.ty));
                }
                let n = table.columns.len();
                let lineage = lookup::Lineage {
                    source: r.get(n)?,
                    batch: r.get(n + 1)?,
                    loaded_at_ms: r.get(n + 2)?,
                };
                out.push((values, lineage));
            }
            Ok(out)
        })
    }
}

impl SqliteStore {
    /// Runs a compiled query, re-typing each cell by its output column's catalog type.
    pub(crate) fn run_select(
        &self,
        sql: &str,
        bound: &[crate::query::Bound],
        types: &[ColumnType],
    ) -> Result<Vec<Vec<Value>>> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(sql)?;
        let params: Vec<crate::sql::P<'_>> = bound.iter().map(Into::into).collect();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(types.len());
            for (i, ty) in types.iter().enumerate() {
                row.push(read_value(r.get_ref(i)?, *ty));
            }
            out.push(row);
        }
        Ok(out)
    }
}

fn current_version(c: &Connection) -> Result<i64> {
    Ok(c.query_row(
        "SELECT coalesce(max(version), 0) FROM nur_schema_version",
        [],
        |r| r.get(0),
    )?)
}

const BATCH_SELECT: &str = "SELECT id, source, file, digest, table_name, status, fresh, rows_loaded, rows_quarantined, resume_offset, resume_line FROM nur_load_batch";

fn batch_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Batch> {
    Ok(Batch {
        id: r.get(0)?,
        source: r.get(1)?,
        file: r.get(2)?,
        digest: r.get(3)?,
        table: r.get(4)?,
        status: BatchStatus::parse(&r.get::<_, String>(5)?),
        fresh: r.get::<_, i64>(6)? != 0,
        rows_loaded: r.get::<_, i64>(7)? as u64,
        rows_quarantined: r.get::<_, i64>(8)? as u64,
        resume_offset: r.get::<_, i64>(9)? as u64,
        resume_line: r.get::<_, i64>(10)? as u64,
    })
}

fn insert_batch(c: &Connection, new: &NewBatch, fresh: bool) -> Result<i64> {
    c.execute(
        "INSERT INTO nur_load_batch (source, file, digest, table_name, status, fresh, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            new.source,
            new.file,
            new.digest,
            new.table,
            BatchStatus::Running.as_str(),
            fresh as i64,
            now_ms()
        ],
    )?;
    Ok(c.last_insert_rowid())
}

fn insert_rejected(c: &Connection, batch: &Batch, rejected: &[Rejected]) -> Result<()> {
    if rejected.is_empty() {
        return Ok(());
    }
    let mut st = c.prepare_cached(
        "INSERT INTO nur_quarantine (batch_id, file, line, table_name, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for r in rejected {
        st.execute(params![
            batch.id,
            batch.file,
            r.line as i64,
            batch.table,
            r.reason,
            r.raw
        ])?;
    }
    Ok(())
}

/// A borrowed bind parameter: catalog values plus the lineage fields.
enum Bind<'a> {
    Value(&'a Value),
    Str(&'a str),
    Int(i64),
    Null,
}

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Bind::Value(v) => match v {
                Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
                Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
                Value::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
                Value::Decimal(x) => ToSqlOutput::Owned(rusqlite::types::Value::Real(*x)),
                Value::Date(d) => ToSqlOutput::Owned(rusqlite::types::Value::Text(d.to_string())),
                Value::Bool(b) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*b as i64)),
            },
            Bind::Str(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Bind::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
            Bind::Null => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

/// Re-types a stored cell by its catalog column type.
fn read_value(v: ValueRef<'_>, ty: ColumnType) -> Value {
    match (v, ty) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), ColumnType::Boolean) => Value::Bool(i != 0),
        (ValueRef::Integer(i), ColumnType::Decimal) => Value::Decimal(i as f64),
        (ValueRef::Integer(i), _) => Value::Int(i),
        (ValueRef::Real(x), _) => Value::Decimal(x),
        (ValueRef::Text(t), ColumnType::Date) => {
            let s = String::from_utf8_lossy(t);
            Date::parse(&s)
                .map(Value::Date)
                .unwrap_or(Value::Text(s.into_owned()))
        }
        (ValueRef::Text(t), _) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        (ValueRef::Blob(_), _) => Value::Null,
    }
}
