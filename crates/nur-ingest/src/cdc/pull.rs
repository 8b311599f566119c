//! Scheduled pulls from PostgreSQL and MariaDB/MySQL databases.
//!
//! *Watermark pulls* read, per table, the rows whose watermark column (an increasing id or an
//! updated-at time) is past the last one applied, in watermark order, a page at a time; the
//! table's position is the watermark, committed with the rows. A page that ends inside a run
//! of equal watermarks is cut before that run, which is read whole on the next page, so ties
//! are never split. A watermark pull cannot see deletes: use a full refresh for that.
//!
//! *Full-refresh pulls* read every row and apply only the differences with what this source
//! wrote before: new and changed rows are upserted, rows gone at the source are deleted.
//!
//! Values are read in the databases' text form (simple/text protocol) and typed by the
//! catalog, as for every other source.

use super::event::{Cell, Event, Row};
use super::mapping::{Mapper, Received, TableMap};
use super::pg_logical::pg_err;
use super::position;
use super::source::{Kind, Mode, SourceDef};
use super::Control;
use mysql::prelude::Queryable;
use nur_core::{Table, Value};
use nur_store::{ChangeBatch, ChangeOp, Store};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A source database read in text form.
enum Db {
    Pg(Box<postgres::Client>),
    My(mysql::Conn),
}

impl Db {
    fn connect(kind: Kind, url: &str) -> Result<Db, String> {
        match kind {
            Kind::Postgres => postgres::Client::connect(url, postgres::NoTls)
                .map(|c| Db::Pg(Box::new(c)))
                .map_err(|e| format!("connect: {}", pg_err(&e))),
            _ => {
                let url = url.replacen("mariadb://", "mysql://", 1);
                let opts = mysql::Opts::from_url(&url).map_err(|e| format!("url: {e}"))?;
                mysql::Conn::new(opts)
                    .map(Db::My)
                    .map_err(|e| format!("connect: {e}"))
            }
        }
    }

    fn quote(&self, ident: &str) -> String {
        match self {
            Db::Pg(_) => format!("\"{}\"", ident.replace('"', "\"\"")),
            Db::My(_) => format!("`{}`", ident.replace('`', "``")),
        }
    }

    /// Rows as (column, text) pairs.
    fn rows(&mut self, sql: &str) -> Result<Vec<Row>, String> {
        match self {
            Db::Pg(c) => {
                let mut out = Vec::new();
                for m in c.simple_query(sql).map_err(|e| pg_err(&e))? {
                    if let postgres::SimpleQueryMessage::Row(r) = m {
                        out.push(
                            r.columns()
                                .iter()
                                .enumerate()
                                .map(|(i, c)| {
                                    (c.name().to_owned(), Cell::Text(r.get(i).map(str::to_owned)))
                                })
                                .collect(),
                        );
                    }
                }
                Ok(out)
            }
            Db::My(c) => {
                let result: Vec<mysql::Row> = c.query(sql).map_err(|e| e.to_string())?;
                Ok(result
                    .into_iter()
                    .map(|r| {
                        let cols = r.columns();
                        cols.iter()
                            .enumerate()
                            .map(|(i, col)| {
                                let text = match r.as_ref(i) {
                                    None | Some(mysql::Value::NULL) => None,
                                    Some(mysql::Value::Bytes(b)) => {
                                        Some(String::from_utf8_lossy(b).into_owned())
                                    }
                                    Some(v) => Some(v.as_sql(true).trim_matches('\'').to_owned()),
                                };
                                (col.name_str().into_owned(), Cell::Text(text))
                            })
                            .collect()
                    })
                    .collect())
            }
        }
    }

    /// The watermark as a signed integer expression: time columns in microseconds since
    /// 1970, integer columns as they are.
    fn watermark_expr(&mut self, table: &str, column: &str) -> Result<String, String> {
        let col = self.quote(column);
        let ty_sql = format!(
            "SELECT data_type FROM information_schema.columns WHERE table_name = '{}' AND column_name = '{}'",
            table.replace('\'', "''"),
            column.replace('\'', "''")
        );
        let ty = self
            .rows(&ty_sql)?
            .into_iter()
            .next()
            .and_then(|r| match r.into_iter().next() {
                Some((_, Cell::Text(t))) => t,
                _ => None,
            })
            .ok_or_else(|| format!("{table}.{column}: no such watermark column"))?
            .to_lowercase();
        let time = ty.contains("time") || ty == "date";
        Ok(match (self, time) {
            (_, false) => col,
            (Db::Pg(_), true) => format!("CAST(EXTRACT(EPOCH FROM {col}) * 1000000 AS BIGINT)"),
            (Db::My(_), true) => format!("CAST(UNIX_TIMESTAMP({col}) * 1000000 AS SIGNED)"),
        })
    }
}

pub(crate) fn run(
    store: &Store,
    def: &SourceDef,
    mapper: &Mapper,
    stop: &Control,
) -> Result<(), String> {
    let c = &def.config;
    let mode = c.mode.expect("defaulted");
    let every = Duration::from_millis(c.every_ms.unwrap_or(match mode {
        Mode::Full => 60_000,
        _ => 1_000,
    }));
    let mut db = Db::connect(def.kind, c.url.as_deref().expect("checked"))?;
    let maps: Vec<(TableMap, std::sync::Arc<Table>)> =
        mapper.maps().map(|(m, t)| (m.clone(), t.clone())).collect();
    let mut exprs = HashMap::new();
    while !stop.stopped() {
        let started = Instant::now();
        for (m, t) in &maps {
            match mode {
                Mode::Full => full_refresh(&mut db, store, def, mapper, stop, m, t)?,
                _ => {
                    let wm = m.watermark.as_deref().expect("checked");
                    if !exprs.contains_key(&m.source) {
                        exprs.insert(m.source.clone(), db.watermark_expr(&m.source, wm)?);
                    }
                    while watermark_page(&mut db, store, def, mapper, stop, m, &exprs[&m.source])? {
                        if stop.stopped() {
                            return Ok(());
                        }
                    }
                }
            }
        }
        stop.sleep(every.saturating_sub(started.elapsed()));
    }
    Ok(())
}

/// Pulls one page of a table; true when the page was full (more may follow).
fn watermark_page(
    db: &mut Db,
    store: &Store,
    def: &SourceDef,
    mapper: &Mapper,
    stop: &Control,
    m: &TableMap,
    expr: &str,
) -> Result<bool, String> {
    let page = def.config.batch.unwrap_or(5_000);
    let state = store.source(&def.name).map_err(|e| e.to_string())?;
    let last = state
        .cursors
        .iter()
        .find(|(s, _)| *s == m.source)
        .and_then(|(_, p)| position::decode(p))
        .map(|p| position::to_signed(p[0]))
        .unwrap_or(i64::MIN);
    let table = db.quote(&m.source);
    let sql = format!(
        "SELECT {table}.*, {expr} AS nur_watermark FROM {table} WHERE {expr} > {last} ORDER BY {expr} LIMIT {page}"
    );
    let mut rows = with_watermark(db.rows(&sql)?)?;
    let full = rows.len() == page;
    if full {
        let top = rows.last().expect("full page").0;
        if rows[0].0 == top {
            // One watermark fills the page: read all of its rows.
            let sql = format!(
                "SELECT {table}.*, {expr} AS nur_watermark FROM {table} WHERE {expr} = {top}"
            );
            rows = with_watermark(db.rows(&sql)?)?;
        } else {
            rows.retain(|(w, _)| *w != top);
        }
    }
    if rows.is_empty() {
        return Ok(false);
    }
    // Rows sharing a watermark are told apart by their order in the page (a run of equal
    // watermarks is always committed whole, so the order never needs to repeat).
    let mut positions: Vec<String> = Vec::with_capacity(rows.len());
    let mut run = 0u64;
    for (i, (w, _)) in rows.iter().enumerate() {
        run = if i > 0 && rows[i - 1].0 == *w {
            run + 1
        } else {
            0
        };
        positions.push(position::encode(&[position::from_signed(*w), run]));
    }
    let received = rows
        .into_iter()
        .map(|(_, row)| {
            let payload = super::event::row_json(&m.source, &row);
            Received::event(Event::read(&m.source, row), payload)
        })
        .collect();
    let batch = mapper.batch(&def.name, &m.source, received, |i| {
        positions.get(i).cloned()
    });
    let applied = store.apply_changes(&batch).map_err(|e| e.to_string())?;
    stop.committed(&def.name, &batch, &applied);
    Ok(full)
}

fn with_watermark(rows: Vec<Row>) -> Result<Vec<(i64, Row)>, String> {
    rows.into_iter()
        .map(|mut r| {
            let (_, w) = r.pop().ok_or("empty row")?;
            let w = match w {
                Cell::Text(Some(t)) => t
                    .split('.')
                    .next()
                    .and_then(|t| t.parse::<i64>().ok())
                    .ok_or_else(|| format!("watermark {t:?} is not a number"))?,
                _ => return Err("a row has no watermark value (NULL)".into()),
            };
            Ok((w, r))
        })
        .collect()
}

/// Reads the whole table and applies only the differences, deletes included, in one
/// transaction.
fn full_refresh(
    db: &mut Db,
    store: &Store,
    def: &SourceDef,
    mapper: &Mapper,
    stop: &Control,
    m: &TableMap,
    t: &Table,
) -> Result<(), String> {
    let rows = db.rows(&format!("SELECT * FROM {}", db.quote(&m.source)))?;
    // Every key still at the source, including rows whose new version is invalid (those are
    // dead-lettered and keep their last good version here, they are not deleted).
    let present: std::collections::HashSet<String> = rows
        .iter()
        .filter_map(|r| mapper.key_text(&Event::read(&m.source, r.clone())))
        .collect();
    let zero = position::encode(&[0]);
    let received = rows
        .into_iter()
        .map(|row| {
            let payload = super::event::row_json(&m.source, &row);
            Received::event(Event::read(&m.source, row), payload)
        })
        .collect();
    let mut wanted: ChangeBatch =
        mapper.batch(&def.name, &m.source, received, |_| Some(zero.clone()));
    let stored: HashMap<String, Vec<Option<String>>> = store
        .rows_by_source(t, &def.name)
        .map_err(|e| e.to_string())?
        .into_iter()
        .collect();
    let rules = mapper.rules();
    wanted.changes.retain(|c| match stored.get(&c.key) {
        None => true,
        Some(old) => c.columns.iter().any(|(i, v)| {
            let col = &t.columns[*i];
            let was = match &old[*i] {
                None => Value::Null,
                Some(s) => Value::parse_typed(rules, col.ty, s, None).unwrap_or(Value::Null),
            };
            !same(&was, v)
        }),
    });
    for key in stored.keys().filter(|k| !present.contains(*k)) {
        let columns = key_columns(mapper, t, key);
        wanted.changes.push(nur_store::Change {
            position: zero.clone(),
            table: std::sync::Arc::new(t.clone()),
            op: ChangeOp::Delete,
            columns,
            key: key.clone(),
            source_ts_ms: None,
            same_event: false,
        });
    }
    wanted.snapshot = true;
    let applied = store.apply_changes(&wanted).map_err(|e| e.to_string())?;
    stop.committed(&def.name, &wanted, &applied);
    Ok(())
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Decimal(x), Value::Decimal(y)) => (x - y).abs() < 1e-9,
        (Value::Int(x), Value::Decimal(y)) | (Value::Decimal(y), Value::Int(x)) => {
            (*x as f64 - y).abs() < 1e-9
        }
        _ => a == b,
    }
}

/// The key columns back from the lineage key text (`|`-joined, as written).
fn key_columns(mapper: &Mapper, t: &Table, key: &str) -> Vec<(usize, Value)> {
    let rules = mapper.rules();
    t.key
        .iter()
        .zip(key.split('|'))
        .map(|(k, s)| {
            let i = t.column_index(k.as_str()).expect("key is a column");
            let v = Value::parse_typed(rules, t.columns[i].ty, s, None)
                .unwrap_or_else(|_| Value::Text(s.to_owned()));
            (i, v)
        })
        .collect()
}
