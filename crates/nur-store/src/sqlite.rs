//! The embedded SQLite backend: one database file in WAL mode with its pragmas, a small
//! connection pool, transactions ([`crate::sql::Tx`] is implemented in `sql`), and what is
//! SQLite's own: a chunk's rows through cached prepared inserts, and stored cells re-typed by
//! their catalog column for lookups and queries. Everything else is written once in `bulk`,
//! `migrate`, `stats` and `access`.

use crate::bulk::{self, Batch, Chunk};
use crate::ddl::{self, Dialect};
use crate::lookup::{self, PersonRecord};
use crate::sql::Begin;
use crate::{now_ms, OpenMode, Result, StoreError};
use nur_core::{Catalog, ColumnType, Date, NationalNumber, Table, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const D: Dialect = Dialect::Sqlite;

/// Page cache of a pooled connection, in KiB (SQLite's negative `cache_size`).
const POOL_CACHE_KIB: i64 = -32_768;
/// Page cache while a connection loads rows or builds indexes.
const BULK_CACHE_KIB: i64 = -262_144;
/// The memory map of a connection, in bytes: of every connection of a batch process (a load,
/// the facts run), and of a server's connection while it loads rows or builds indexes.
const BULK_MMAP: i64 = 1_073_741_824;

pub struct SqliteStore {
    path: PathBuf,
    pub(crate) pool: crate::pool::Pool<Connection>,
    /// Serialises this process's write transactions. SQLite admits one writer; without this,
    /// concurrent writers (audit appends under load) wait in SQLite's busy handler, which
    /// sleeps in steps of up to 100 ms, instead of being woken as soon as the lock is free.
    writer: Mutex<()>,
    pub(crate) lookup_sql: ddl::LookupSql,
    pub(crate) audit_group: crate::group::GroupCommit,
    /// Test support: the next write transaction fails just before its commit.
    pub(crate) fail_next_write: std::sync::atomic::AtomicBool,
    /// The key the audit chain is written and verified with (`Store::set_audit_key`).
    pub(crate) audit_key: std::sync::RwLock<Option<nur_core::audit::ChainKey>>,
    /// The memory map of a new pooled connection (`BULK_MMAP`, or none once serving).
    mmap: std::sync::atomic::AtomicI64,
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
        if let Some(c) = self.conn.take() {
            self.store.pool.put(c);
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
            pool: crate::pool::Pool::new(crate::pool::MAX_CONNECTIONS),
            writer: Mutex::new(()),
            lookup_sql: ddl::LookupSql::default(),
            audit_group: Default::default(),
            fail_next_write: Default::default(),
            audit_key: Default::default(),
            mmap: std::sync::atomic::AtomicI64::new(BULK_MMAP),
        };
        let c = store.pool.get(|| store.connect())?;
        c.pragma_update(None, "journal_mode", "WAL")?;
        store.pool.put(c);
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
        // A modest page cache per pooled connection (a burst of requests must not take
        // gigabytes); bulk work widens its own connection's cache while it runs.
        c.pragma_update(None, "cache_size", POOL_CACHE_KIB)?;
        c.pragma_update(None, "mmap_size", self.mmap())?;
        c.set_prepared_statement_cache_capacity(256);
        Ok(c)
    }

    fn mmap(&self) -> i64 {
        self.mmap.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Tunes the connections for serving requests: no memory map. In WAL mode a read that
    /// starts after another connection's commit unmaps the reader's whole mapping, and a
    /// server commits an audit event on every data request. Measured on the one-person
    /// procedure at 1M persons: 2,590–2,730 req/s with a 1 GiB map, 3,410–3,690 without; a
    /// batch run that only reads (the facts of 216,278 households) took 40–46 s with the map
    /// and 48 s without, so batch processes keep it (bench/RESULTS.md).
    pub fn serve_requests(&self) {
        self.mmap.store(0, std::sync::atomic::Ordering::Relaxed);
        self.pool.close_idle();
    }

    fn conn(&self) -> Result<Pooled<'_>> {
        let conn = self.pool.get(|| self.connect())?;
        Ok(Pooled {
            store: self,
            conn: Some(conn),
        })
    }

    /// Runs `f` in one transaction; an immediate one takes the process's writer lock and
    /// SQLite's write lock up front, so it never fails half way on a lock upgrade.
    pub fn with_tx<T>(
        &self,
        begin: Begin,
        f: impl FnOnce(&mut dyn crate::sql::Tx) -> Result<T>,
    ) -> Result<T> {
        let write = begin == Begin::Immediate;
        let _writing = write.then(|| self.writer.lock().unwrap_or_else(|e| e.into_inner()));
        let mut c = self.conn()?;
        let behavior = if write {
            rusqlite::TransactionBehavior::Immediate
        } else {
            rusqlite::TransactionBehavior::Deferred
        };
        let wide = begin == Begin::Bulk;
        if wide {
            c.pragma_update(None, "cache_size", BULK_CACHE_KIB)?;
            c.pragma_update(None, "mmap_size", BULK_MMAP)?;
        }
        let done = (|| {
            let mut tx = c.transaction_with_behavior(behavior)?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })();
        if wide {
            // Shrinking the cache frees the pages beyond the pool's size.
            c.pragma_update(None, "cache_size", POOL_CACHE_KIB)?;
            c.pragma_update(None, "mmap_size", self.mmap())?;
        }
        done
    }

    /// Writes a chunk's rows through one cached prepared insert; the rest of the chunk is
    /// recorded by [`bulk::chunk_written`] in the same transaction.
    pub fn write_chunk(&self, table: &Table, batch: &Batch, chunk: &Chunk) -> Result<()> {
        let mut c = self.conn()?;
        c.pragma_update(None, "cache_size", BULK_CACHE_KIB)?;
        c.pragma_update(None, "mmap_size", BULK_MMAP)?;
        let done = self.write_rows(&mut c, table, batch, chunk);
        c.pragma_update(None, "cache_size", POOL_CACHE_KIB)?;
        c.pragma_update(None, "mmap_size", self.mmap())?;
        done
    }

    fn write_rows(
        &self,
        c: &mut Connection,
        table: &Table,
        batch: &Batch,
        chunk: &Chunk,
    ) -> Result<()> {
        let mut tx = c.transaction()?;
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
        bulk::chunk_written(&mut tx, table, batch, chunk)?;
        tx.commit()?;
        Ok(())
    }

    pub fn lookup_person(
        &self,
        catalog: &Catalog,
        nn: &NationalNumber,
    ) -> Result<Option<PersonRecord>> {
        self.with_fetch(|fetch| lookup::person(catalog, nn, fetch))
    }

    /// Registry rows of `tables` naming each of `keys` (`lookup::rows_for`).
    pub fn registry_rows(
        &self,
        tables: &[&nur_core::Table],
        keys: &[&str],
    ) -> Result<std::collections::BTreeMap<String, lookup::RowsByTable>> {
        self.with_fetch(|fetch| lookup::rows_for(tables, keys, fetch))
    }

    /// Runs `f` with the indexed fetch of rows by one column's value, on one connection.
    fn with_fetch<T>(&self, f: impl FnOnce(&mut lookup::Fetch<'_>) -> Result<T>) -> Result<T> {
        let c = self.conn()?;
        f(&mut |table, column, keys| {
            let sql = self.lookup_sql.get(D, table, column, keys.len());
            let mut st = c.prepare_cached(&sql)?;
            let mut rows = st.query(rusqlite::params_from_iter(keys.iter()))?;
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
