//! The PostgreSQL backend: a small pool of synchronous clients with their prepared
//! statements, transactions ([`crate::sql::Tx`] is implemented in `sql`), and what is
//! PostgreSQL's own: a chunk's rows through `COPY` (straight into an empty table, or through a
//! temporary staging table and one `INSERT … ON CONFLICT` when the table already holds rows),
//! and cells selected as text re-typed by their catalog column for lookups and queries.
//! Everything else is written once in `bulk`, `migrate`, `stats` and `access`.

use crate::bulk::{self, Batch, Chunk};
use crate::ddl::{self, Dialect};
use crate::lookup::{self, PersonRecord};
use crate::sql::Begin;
use crate::{now_ms, Result};
use nur_core::{Catalog, ColumnType, Date, NationalNumber, Table, Value};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::io::Write;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

const D: Dialect = Dialect::Postgres;

/// Prepared statements kept per connection before the cache is emptied.
const MAX_STATEMENTS: usize = 1024;

pub struct PgStore {
    url: String,
    pub(crate) pool: crate::pool::Pool<PgConn>,
    pub(crate) lookup_sql: ddl::LookupSql,
    pub(crate) audit_group: crate::group::GroupCommit,
    /// Test support: the next write transaction fails just before its commit.
    pub(crate) fail_next_write: std::sync::atomic::AtomicBool,
    /// The key the audit chain is written and verified with (`Store::set_audit_key`).
    pub(crate) audit_key: std::sync::RwLock<Option<nur_core::audit::ChainKey>>,
}

/// A client with the statements prepared on its connection (a prepared statement belongs to
/// one connection), so hot queries skip the prepare round trip.
pub(crate) struct PgConn {
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
            if c.client.is_closed() {
                self.store.pool.forget();
            } else {
                self.store.pool.put(c);
            }
        }
    }
}

impl Drop for PgStore {
    /// A synchronous client's drop blocks on its connection; when the last handle to the
    /// store goes away on an async worker (a server shutting down), that would panic, so the
    /// clients are closed on a plain thread.
    fn drop(&mut self) {
        let conns = self.pool.drain();
        if !conns.is_empty() {
            let _ = std::thread::spawn(move || drop(conns)).join();
        }
    }
}

impl PgStore {
    pub fn open(url: &str) -> Result<PgStore> {
        let store = PgStore {
            url: url.to_owned(),
            pool: crate::pool::Pool::new(crate::pool::MAX_CONNECTIONS),
            lookup_sql: ddl::LookupSql::default(),
            audit_group: Default::default(),
            fail_next_write: Default::default(),
            audit_key: Default::default(),
        };
        let c = store.pool.get(|| {
            Ok(PgConn {
                client: store.connect()?,
                statements: HashMap::new(),
            })
        })?;
        store.pool.put(c);
        Ok(store)
    }

    fn connect(&self) -> Result<Client> {
        let mut c = Client::connect(&self.url, NoTls)?;
        c.batch_execute("SET client_min_messages = warning")?;
        Ok(c)
    }

    fn conn(&self) -> Result<Pooled<'_>> {
        let conn = self.pool.get(|| {
            Ok(PgConn {
                client: self.connect()?,
                statements: HashMap::new(),
            })
        })?;
        Ok(Pooled {
            store: self,
            conn: Some(conn),
        })
    }

    /// Runs `f` in one transaction (PostgreSQL begins every transaction alike).
    pub fn with_tx<T>(
        &self,
        _begin: Begin,
        f: impl FnOnce(&mut dyn crate::sql::Tx) -> Result<T>,
    ) -> Result<T> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Writes a chunk's rows through `COPY`; the rest of the chunk is recorded by
    /// [`bulk::chunk_written`] in the same transaction.
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
        let mut c = self.conn()?;
        f(&mut |table, column, keys| {
            let st = c.prepared(&self.lookup_sql.get(D, table, column, keys.len()))?;
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> = keys
                .iter()
                .map(|k| k as &(dyn postgres::types::ToSql + Sync))
                .collect();
            let rows = c.query(&st, &params)?;
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
