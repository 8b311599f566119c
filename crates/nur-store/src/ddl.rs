//! Warehouse DDL and per-table statements, built with sea-query from catalog identifiers for
//! both dialects. Every warehouse table holds the catalog's columns followed by the lineage
//! columns; it is indexed on its key (unique) and on every identity column for lookups.

use nur_core::{Catalog, ColumnType, Table};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_query::{
    Alias, ColumnDef, Expr, Index, IndexCreateStatement, IndexDropStatement, OnConflict,
    PostgresQueryBuilder, Query, SchemaBuilder, SqliteQueryBuilder, Table as SqlTable,
};

/// Lineage columns appended to every warehouse table.
pub const LINEAGE: [&str; 5] = [
    "nur_source",
    "nur_source_key",
    "nur_batch",
    "nur_position",
    "nur_loaded_at",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

fn col_def(d: Dialect, name: &str, ty: ColumnType, required: bool) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    match (ty, d) {
        (ColumnType::Integer, _) => c.big_integer(),
        (ColumnType::Decimal, Dialect::Sqlite) => c.double(),
        (ColumnType::Decimal, Dialect::Postgres) => c.decimal_len(18, 3),
        (ColumnType::Date, Dialect::Sqlite) => c.text(),
        (ColumnType::Date, Dialect::Postgres) => c.date(),
        (ColumnType::Boolean, Dialect::Sqlite) => c.integer(),
        (ColumnType::Boolean, Dialect::Postgres) => c.boolean(),
        _ => c.text(),
    };
    if required {
        c.not_null();
    }
    c
}

fn build_schema(d: Dialect, stmt: &impl SchemaStatement) -> String {
    match d {
        Dialect::Sqlite => stmt.build_with(SqliteQueryBuilder),
        Dialect::Postgres => stmt.build_with(PostgresQueryBuilder),
    }
}

/// A small bridge so the helpers below can take any sea-query schema statement.
pub trait SchemaStatement {
    fn build_with<B: SchemaBuilder>(&self, b: B) -> String;
}
impl SchemaStatement for sea_query::TableCreateStatement {
    fn build_with<B: SchemaBuilder>(&self, b: B) -> String {
        self.build(b)
    }
}
impl SchemaStatement for IndexCreateStatement {
    fn build_with<B: SchemaBuilder>(&self, b: B) -> String {
        self.build(b)
    }
}
impl SchemaStatement for IndexDropStatement {
    fn build_with<B: SchemaBuilder>(&self, b: B) -> String {
        self.build(b)
    }
}
impl SchemaStatement for sea_query::TableAlterStatement {
    fn build_with<B: SchemaBuilder>(&self, b: B) -> String {
        self.build(b)
    }
}

pub fn create_table(d: Dialect, t: &Table) -> String {
    let mut stmt = SqlTable::create();
    stmt.table(Alias::new(t.name.as_str())).if_not_exists();
    for c in &t.columns {
        stmt.col(col_def(d, c.name.as_str(), c.ty, c.required));
    }
    stmt.col(ColumnDef::new(Alias::new("nur_source")).text().not_null())
        .col(
            ColumnDef::new(Alias::new("nur_source_key"))
                .text()
                .not_null(),
        )
        .col(
            ColumnDef::new(Alias::new("nur_batch"))
                .big_integer()
                .not_null(),
        )
        .col(ColumnDef::new(Alias::new("nur_position")).text())
        .col(
            ColumnDef::new(Alias::new("nur_loaded_at"))
                .big_integer()
                .not_null(),
        );
    build_schema(d, &stmt)
}

/// `ALTER TABLE … ADD COLUMN` for a catalog column the table does not have yet. New columns
/// are always nullable: existing rows have no value for them.
pub fn add_column(d: Dialect, t: &Table, column: &str) -> String {
    let c = t.column(column).expect("caller passes a catalog column");
    let stmt = SqlTable::alter()
        .table(Alias::new(t.name.as_str()))
        .add_column(col_def(d, column, c.ty, false))
        .to_owned();
    build_schema(d, &stmt)
}

/// Index names fit PostgreSQL's 63-byte identifier limit whatever the table name.
fn index_name(prefix: &str, table: &str, n: usize) -> String {
    let name = format!("{prefix}_{table}_{n}");
    if name.len() <= 63 {
        return name;
    }
    // FNV-1a keeps long names distinct and stable.
    let h = table.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{prefix}_{h:016x}_{n}")
}

/// The table's indexes: the unique key, then one per identity column (national number,
/// personal id, civil record id) not already covered by being the sole key column.
pub fn indexes(t: &Table) -> Vec<(String, IndexCreateStatement)> {
    let name = t.name.as_str();
    let mut out = Vec::new();
    let mut uk = Index::create();
    let uk_name = index_name("nur_uk", name, 0);
    uk.name(&uk_name)
        .table(Alias::new(name))
        .unique()
        .if_not_exists();
    for k in &t.key {
        uk.col(Alias::new(k.as_str()));
    }
    out.push((uk_name, uk));
    for (i, c) in t.columns.iter().enumerate() {
        let identity = matches!(
            c.ty,
            ColumnType::NationalNumber | ColumnType::PersonalId | ColumnType::CivilRecordId
        );
        let sole_key = t.key.len() == 1 && t.key[0] == c.name;
        if identity && !sole_key {
            let mut ix = Index::create();
            let ix_name = index_name("nur_ix", name, i);
            ix.name(&ix_name)
                .table(Alias::new(name))
                .col(Alias::new(c.name.as_str()))
                .if_not_exists();
            out.push((ix_name, ix));
        }
    }
    out
}

pub fn create_indexes(d: Dialect, t: &Table) -> Vec<String> {
    indexes(t)
        .iter()
        .map(|(_, ix)| build_schema(d, ix))
        .collect()
}

pub fn drop_indexes(d: Dialect, t: &Table) -> Vec<String> {
    indexes(t)
        .iter()
        .map(|(name, _)| {
            let mut drop = Index::drop();
            drop.name(name).if_exists();
            build_schema(d, &drop)
        })
        .collect()
}

fn all_columns(t: &Table) -> Vec<Alias> {
    t.columns
        .iter()
        .map(|c| Alias::new(c.name.as_str()))
        .chain(LINEAGE.iter().map(|l| Alias::new(*l)))
        .collect()
}

/// `INSERT INTO t (cols…, lineage…) VALUES (?, …)`; with `upsert`, a conflict on the key
/// replaces the row's values and lineage (a later batch supersedes an earlier one).
pub fn insert(d: Dialect, t: &Table, upsert: bool) -> String {
    let cols = all_columns(t);
    let n = cols.len();
    let mut q = Query::insert();
    q.into_table(Alias::new(t.name.as_str()))
        .columns(cols)
        .values_panic((0..n).map(|_| Expr::value(0)).collect::<Vec<_>>());
    if upsert {
        let update: Vec<Alias> = t
            .columns
            .iter()
            .filter(|c| !t.key.contains(&c.name))
            .map(|c| Alias::new(c.name.as_str()))
            .chain(LINEAGE.iter().map(|l| Alias::new(*l)))
            .collect();
        q.on_conflict(
            OnConflict::columns(t.key.iter().map(|k| Alias::new(k.as_str())))
                .update_columns(update)
                .to_owned(),
        );
    }
    match d {
        Dialect::Sqlite => q.build(SqliteQueryBuilder).0,
        Dialect::Postgres => q.build(PostgresQueryBuilder).0,
    }
}

/// `SELECT cols… FROM t WHERE col IN (?, …)` (`keys` placeholders) for lookups, with every
/// column cast to text on PostgreSQL (values are re-typed from the catalog, which avoids
/// numeric/date codecs).
pub fn select_where(d: Dialect, t: &Table, column: &str, lineage: bool, keys: usize) -> String {
    let mut q = Query::select();
    for c in &t.columns {
        push_col(&mut q, d, c.name.as_str());
    }
    if lineage {
        for l in ["nur_source", "nur_batch", "nur_loaded_at"] {
            push_col(&mut q, d, l);
        }
    }
    q.from(Alias::new(t.name.as_str()))
        .and_where(Expr::col(Alias::new(column)).is_in(vec![""; keys.max(1)]))
        .order_by(Alias::new(t.key[0].as_str()), sea_query::Order::Asc);
    match d {
        Dialect::Sqlite => q.build(SqliteQueryBuilder).0,
        Dialect::Postgres => q.build(PostgresQueryBuilder).0,
    }
}

/// Lookup statements by table and column, built once instead of on every lookup (a person
/// lookup issues about sixty of them). Hits allocate nothing. `migrate` clears it, since a new
/// catalog may give a table other columns.
#[derive(Default)]
pub struct LookupSql(Mutex<HashMap<String, ByColumn>>);

/// A table's statements by (column, number of keys).
type ByColumn = HashMap<(String, usize), Arc<str>>;

impl LookupSql {
    /// The statement for `keys` values of `column` (one of [`crate::lookup::FETCH_SIZES`]),
    /// selecting the columns `t` lists: a caller may pass a table cut down to the columns it
    /// reads, so the statements are kept by table *and* column list.
    pub fn get(&self, d: Dialect, t: &Table, column: &str, keys: usize) -> Arc<str> {
        let mut name = String::with_capacity(t.name.as_str().len() + 8 * t.columns.len());
        name.push_str(t.name.as_str());
        for c in &t.columns {
            name.push(',');
            name.push_str(c.name.as_str());
        }
        let mut cache = self.0.lock().expect("lookup cache lock");
        let by_table = cache.entry(name).or_default();
        if let Some(sql) = by_table.get(&(column.to_owned(), keys)) {
            return sql.clone();
        }
        let sql: Arc<str> = select_where(d, t, column, true, keys).into();
        by_table.insert((column.to_owned(), keys), sql.clone());
        sql
    }

    pub fn clear(&self) {
        self.0.lock().expect("lookup cache lock").clear();
    }
}

fn push_col(q: &mut sea_query::SelectStatement, d: Dialect, name: &str) {
    match d {
        Dialect::Sqlite => {
            q.column(Alias::new(name));
        }
        Dialect::Postgres => {
            q.expr_as(
                Expr::col(Alias::new(name)).cast_as(Alias::new("text")),
                Alias::new(name),
            );
        }
    }
}

pub fn count_rows(d: Dialect, t: &Table) -> String {
    let q = Query::select()
        .expr(Expr::col(sea_query::Asterisk).count())
        .from(Alias::new(t.name.as_str()))
        .to_owned();
    match d {
        Dialect::Sqlite => q.to_string(SqliteQueryBuilder),
        Dialect::Postgres => q.to_string(PostgresQueryBuilder),
    }
}

/// Whether a table has any row (cheaper than counting).
pub fn any_row(d: Dialect, t: &Table) -> String {
    let q = Query::select()
        .expr(Expr::val(1))
        .from(Alias::new(t.name.as_str()))
        .limit(1)
        .to_owned();
    match d {
        Dialect::Sqlite => q.to_string(SqliteQueryBuilder),
        Dialect::Postgres => q.to_string(PostgresQueryBuilder),
    }
}

pub fn batch_keys(d: Dialect, t: &Table) -> String {
    let q = Query::select()
        .column(Alias::new("nur_source_key"))
        .from(Alias::new(t.name.as_str()))
        .and_where(Expr::col(Alias::new("nur_batch")).eq(0))
        .to_owned();
    match d {
        Dialect::Sqlite => q.build(SqliteQueryBuilder).0,
        Dialect::Postgres => q.build(PostgresQueryBuilder).0,
    }
}

/// The dimension views. The person dimension is the custodian's conformed person table and
/// the household dimension its family-booklet table with a member count: views rather than
/// copies, so they cost nothing to load and can never go stale under CDC.
pub fn dimension_views(d: Dialect, catalog: &Catalog) -> Vec<String> {
    let p = &catalog.dimensions.person;
    let h = &catalog.dimensions.household;
    let q = |s: &str| quote(d, s);
    let person = format!(
        "CREATE VIEW nur_dim_person AS SELECT {} AS national_number, {} AS civil_record_id, {} AS gender, {} AS birth_date FROM {}",
        q(p.national_number.as_str()),
        q(p.civil_record_id.as_str()),
        q(p.gender.as_str()),
        q(p.birth_date.as_str()),
        q(p.table.as_str()),
    );
    let household = format!(
        "CREATE VIEW nur_dim_household AS SELECT h.{crid} AS civil_record_id, h.{head} AS head_national_number, h.{gov} AS governorate_code, \
         (SELECT count(*) FROM {pt} p WHERE p.{pcrid} = h.{crid}) AS members FROM {ht} h",
        crid = q(h.civil_record_id.as_str()),
        head = q(h.head.as_str()),
        gov = q(h.governorate.as_str()),
        pt = q(p.table.as_str()),
        pcrid = q(p.civil_record_id.as_str()),
        ht = q(h.table.as_str()),
    );
    vec![
        "DROP VIEW IF EXISTS nur_dim_person".into(),
        "DROP VIEW IF EXISTS nur_dim_household".into(),
        person,
        household,
    ]
}

/// Quotes a catalog identifier (already restricted to `[A-Za-z0-9_]`) the way sea-query does.
pub fn quote(d: Dialect, ident: &str) -> String {
    let q = Query::select().column(Alias::new(ident)).to_owned();
    let sql = match d {
        Dialect::Sqlite => q.to_string(SqliteQueryBuilder),
        Dialect::Postgres => q.to_string(PostgresQueryBuilder),
    };
    sql.trim_start_matches("SELECT ").to_owned()
}

/// Text COPY of a table's columns (PostgreSQL bulk path).
pub fn copy_in(t: &Table, target: &str) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| quote(Dialect::Postgres, c.name.as_str()))
        .chain(LINEAGE.iter().map(|l| quote(Dialect::Postgres, l)))
        .collect();
    format!(
        "COPY {} ({}) FROM STDIN",
        quote(Dialect::Postgres, target),
        cols.join(", ")
    )
}

/// `INSERT INTO t SELECT * FROM stage ON CONFLICT (key) DO UPDATE …` (PostgreSQL upsert path).
pub fn upsert_from_stage(t: &Table, stage: &str) -> String {
    let q = |s: &str| quote(Dialect::Postgres, s);
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| q(c.name.as_str()))
        .chain(LINEAGE.iter().map(|l| q(l)))
        .collect();
    let keys: Vec<String> = t.key.iter().map(|k| q(k.as_str())).collect();
    let updates: Vec<String> = t
        .columns
        .iter()
        .filter(|c| !t.key.contains(&c.name))
        .map(|c| q(c.name.as_str()))
        .chain(LINEAGE.iter().map(|l| q(l)))
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    format!(
        "INSERT INTO {} ({cols}) SELECT {cols} FROM {} ON CONFLICT ({}) DO UPDATE SET {}",
        q(t.name.as_str()),
        q(stage),
        keys.join(", "),
        updates.join(", "),
        cols = cols.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_quote_catalog_names() {
        let c = Catalog::jordan();
        let t = c.table("DVLD_Car_Info").unwrap();
        let s = create_table(Dialect::Postgres, t);
        assert!(
            s.starts_with("CREATE TABLE IF NOT EXISTS \"DVLD_Car_Info\""),
            "{s}"
        );
        assert!(s.contains("\"nur_loaded_at\" bigint NOT NULL"), "{s}");
        let i = insert(Dialect::Sqlite, t, true);
        assert!(
            i.contains("ON CONFLICT (\"Registration_Number\") DO UPDATE"),
            "{i}"
        );
        assert!(i.contains('?'), "{i}");
        let p = insert(Dialect::Postgres, t, false);
        assert!(p.contains("$1"), "{p}");
        assert_eq!(quote(Dialect::Postgres, "A_b"), "\"A_b\"");
    }

    #[test]
    fn long_index_names_fit_postgres() {
        assert!(index_name("nur_ix", &"T".repeat(63), 12).len() <= 63);
        assert_ne!(
            index_name("nur_ix", &"T".repeat(63), 1),
            index_name("nur_ix", &format!("{}U", "T".repeat(62)), 1)
        );
    }
}
