//! A small common surface over a SQLite and a PostgreSQL transaction, so the access code
//! (grants, procedures, clients, audit) and the warehouse steps both backends share
//! (migrations, batches, quarantine, statistics) are written once. Statements use `$1, $2, …`
//! placeholders; the SQLite side rewrites them to `?1, ?2, …`. Only three cell kinds come
//! back (text, 64-bit integer, NULL; a PostgreSQL boolean reads as 0 or 1): the system tables
//! use nothing else.

use crate::ddl::Dialect;
use crate::Result;
use std::borrow::Cow;

/// Rows fetched per round trip when a PostgreSQL scan streams through a portal.
const PORTAL_ROWS: i32 = 50_000;

/// How a transaction begins. Only SQLite tells the two apart; PostgreSQL begins every
/// transaction alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// Locks are taken as the statements need them.
    Deferred,
    /// Behind the process's writer lock, with SQLite's write lock taken up front, so the
    /// transaction never fails half way on a lock upgrade.
    Immediate,
    /// Deferred, for bulk work (loading, index builds): on SQLite with a wide page cache
    /// while it runs.
    Bulk,
}

/// A bind parameter.
#[derive(Debug, Clone, Copy)]
pub enum P<'a> {
    Text(&'a str),
    Int(i64),
    Real(f64),
    Bool(bool),
    Null,
}

impl<'a> From<&'a crate::query::Bound> for P<'a> {
    fn from(b: &'a crate::query::Bound) -> P<'a> {
        use crate::query::Bound;
        match b {
            Bound::Text(s) => P::Text(s),
            Bound::Int(i) => P::Int(*i),
            Bound::Real(x) => P::Real(*x),
            Bound::Null => P::Null,
        }
    }
}

impl<'a> From<&'a str> for P<'a> {
    fn from(s: &'a str) -> P<'a> {
        P::Text(s)
    }
}
impl<'a> From<&'a String> for P<'a> {
    fn from(s: &'a String) -> P<'a> {
        P::Text(s)
    }
}
impl From<i64> for P<'_> {
    fn from(i: i64) -> P<'static> {
        P::Int(i)
    }
}
impl From<bool> for P<'_> {
    fn from(b: bool) -> P<'static> {
        P::Bool(b)
    }
}
impl<'a> From<Option<&'a str>> for P<'a> {
    fn from(s: Option<&'a str>) -> P<'a> {
        s.map(P::Text).unwrap_or(P::Null)
    }
}
impl From<Option<i64>> for P<'_> {
    fn from(i: Option<i64>) -> P<'static> {
        i.map(P::Int).unwrap_or(P::Null)
    }
}

/// A result cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Null,
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Null => String::new(),
        }
    }
    pub fn opt_text(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            c => Some(c.text()),
        }
    }
    pub fn int(&self) -> i64 {
        match self {
            Cell::Int(i) => *i,
            Cell::Text(s) => s.parse().unwrap_or(0),
            Cell::Null => 0,
        }
    }
    pub fn opt_int(&self) -> Option<i64> {
        match self {
            Cell::Null => None,
            c => Some(c.int()),
        }
    }
}

pub type Rows = Vec<Vec<Cell>>;

/// One open transaction on either backend.
pub trait Tx {
    /// The backend's dialect, for the statements `ddl` builds per dialect.
    fn dialect(&self) -> Dialect;
    /// Runs statements without parameters, several separated by `;` (a migration, DDL).
    fn batch(&mut self, sql: &str) -> Result<()>;
    fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64>;
    /// Runs one statement once per parameter row, preparing it once.
    fn exec_many(&mut self, sql: &str, rows: &[Vec<P<'_>>]) -> Result<u64>;
    fn rows(&mut self, sql: &str, params: &[P<'_>]) -> Result<Rows>;
    fn row(&mut self, sql: &str, params: &[P<'_>]) -> Result<Option<Vec<Cell>>> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
    /// Calls `f` with the first column of every row that holds text, streaming: unlike
    /// [`Tx::rows`] the result is never all in memory (the person table is 11.3M rows at
    /// national scale).
    fn for_each_text(&mut self, sql: &str, params: &[P<'_>], f: &mut dyn FnMut(&str))
        -> Result<()>;
    /// The key the audit chain is written with inside this transaction (set by
    /// [`crate::Store`] on its write transactions).
    fn audit_key(&self) -> Option<&nur_core::audit::ChainKey> {
        None
    }
}

/// A write transaction that carries the audit chain's key, so an append anywhere inside it
/// chains with the deployment's key.
pub(crate) struct Keyed<'a> {
    pub tx: &'a mut dyn Tx,
    pub key: Option<nur_core::audit::ChainKey>,
}

impl Tx for Keyed<'_> {
    fn dialect(&self) -> Dialect {
        self.tx.dialect()
    }
    fn batch(&mut self, sql: &str) -> Result<()> {
        self.tx.batch(sql)
    }
    fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64> {
        self.tx.exec(sql, params)
    }
    fn exec_many(&mut self, sql: &str, rows: &[Vec<P<'_>>]) -> Result<u64> {
        self.tx.exec_many(sql, rows)
    }
    fn rows(&mut self, sql: &str, params: &[P<'_>]) -> Result<Rows> {
        self.tx.rows(sql, params)
    }
    fn for_each_text(
        &mut self,
        sql: &str,
        params: &[P<'_>],
        f: &mut dyn FnMut(&str),
    ) -> Result<()> {
        self.tx.for_each_text(sql, params, f)
    }
    fn audit_key(&self) -> Option<&nur_core::audit::ChainKey> {
        self.key.as_ref()
    }
}

/// `$1` → `?1` (the static statements contain no `$` elsewhere).
fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    if sql.contains('$') {
        Cow::Owned(sql.replace('$', "?"))
    } else {
        Cow::Borrowed(sql)
    }
}

impl rusqlite::ToSql for P<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            P::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            P::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
            P::Real(x) => ToSqlOutput::Owned(rusqlite::types::Value::Real(*x)),
            P::Bool(b) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(i64::from(*b))),
            P::Null => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

impl Tx for rusqlite::Transaction<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.execute_batch(sql)?)
    }
    fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64> {
        let mut st = self.prepare_cached(&sqlite_sql(sql))?;
        Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }
    fn exec_many(&mut self, sql: &str, rows: &[Vec<P<'_>>]) -> Result<u64> {
        let mut st = self.prepare_cached(&sqlite_sql(sql))?;
        let mut n = 0;
        for params in rows {
            n += st.execute(rusqlite::params_from_iter(params.iter()))? as u64;
        }
        Ok(n)
    }
    fn rows(&mut self, sql: &str, params: &[P<'_>]) -> Result<Rows> {
        use rusqlite::types::ValueRef;
        let mut st = self.prepare_cached(&sqlite_sql(sql))?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Real(v) => Cell::Text(v.to_string()),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Cell::Text(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(row);
        }
        Ok(out)
    }
    fn for_each_text(
        &mut self,
        sql: &str,
        params: &[P<'_>],
        f: &mut dyn FnMut(&str),
    ) -> Result<()> {
        use rusqlite::types::ValueRef;
        // Not cached: a scan runs once, and would push hot statements out of the cache.
        let mut st = self.prepare(&sqlite_sql(sql))?;
        let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            if let ValueRef::Text(t) = r.get_ref(0)? {
                f(std::str::from_utf8(t).unwrap_or_default());
            }
        }
        Ok(())
    }
}

impl postgres::types::ToSql for P<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        match self {
            P::Text(s) => s.to_sql(ty, out),
            P::Int(i) => i.to_sql(ty, out),
            P::Real(x) => x.to_sql(ty, out),
            P::Bool(b) => b.to_sql(ty, out),
            P::Null => Ok(postgres::types::IsNull::Yes),
        }
    }
    fn accepts(ty: &postgres::types::Type) -> bool {
        <&str as postgres::types::ToSql>::accepts(ty)
            || <i64 as postgres::types::ToSql>::accepts(ty)
            || <f64 as postgres::types::ToSql>::accepts(ty)
            || <bool as postgres::types::ToSql>::accepts(ty)
    }
    postgres::types::to_sql_checked!();
}

pub(crate) fn pg_params<'a>(params: &'a [P<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

impl Tx for postgres::Transaction<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
    fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.batch_execute(sql)?)
    }
    fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64> {
        Ok(self.execute(sql, &pg_params(params))?)
    }
    fn exec_many(&mut self, sql: &str, rows: &[Vec<P<'_>>]) -> Result<u64> {
        let st = self.prepare(sql)?;
        let mut n = 0;
        for params in rows {
            n += self.execute(&st, &pg_params(params))?;
        }
        Ok(n)
    }
    fn rows(&mut self, sql: &str, params: &[P<'_>]) -> Result<Rows> {
        use postgres::types::Type;
        let rows = self.query(sql, &pg_params(params))?;
        Ok(rows
            .iter()
            .map(|r| {
                r.columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        match *c.type_() {
                            Type::INT8 => r.get::<_, Option<i64>>(i).map(Cell::Int),
                            Type::INT4 => r.get::<_, Option<i32>>(i).map(|v| Cell::Int(v as i64)),
                            Type::BOOL => r.get::<_, Option<bool>>(i).map(|v| Cell::Int(v as i64)),
                            _ => r.get::<_, Option<String>>(i).map(Cell::Text),
                        }
                        .unwrap_or(Cell::Null)
                    })
                    .collect()
            })
            .collect())
    }
    fn for_each_text(
        &mut self,
        sql: &str,
        params: &[P<'_>],
        f: &mut dyn FnMut(&str),
    ) -> Result<()> {
        let portal = self.bind(sql, &pg_params(params))?;
        loop {
            let rows = self.query_portal(&portal, PORTAL_ROWS)?;
            if rows.is_empty() {
                return Ok(());
            }
            for r in &rows {
                if let Some(s) = r.get::<_, Option<&str>>(0) {
                    f(s);
                }
            }
        }
    }
}
