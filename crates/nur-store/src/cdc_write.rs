//! Writing a batch of changes with few statements. Changes to different rows commute, so a
//! batch is cut into *layers*: the k-th change of each row goes to layer k. Within a layer
//! every row appears once, and its changes are grouped by table, operation and column set
//! into multi-row statements (`INSERT … VALUES (…), (…) ON CONFLICT … DO UPDATE`, `DELETE …
//! WHERE key IN (…)`); layers run in order, so each row still sees its changes in stream
//! order. A truncate is a barrier: what precedes it is written first.
//!
//! Values are bound natively on SQLite and as text with a cast on PostgreSQL (dates,
//! decimals, booleans).

use crate::cdc::{Change, ChangeOp};
use crate::ddl::{quote, Dialect, LINEAGE};
use crate::query::pg_type;
use crate::sql::{Tx, P};
use crate::Result;
use nur_core::{ColumnType, Table, Value};
use std::collections::HashMap;

/// Changes written by one statement share a table, an operation and a column set.
type Group<'a> = (&'a str, ChangeOp, Vec<usize>);

/// Rows per statement; keeps every statement under both backends' bind-parameter limits.
const ROWS_PER_STATEMENT: usize = 500;

pub(crate) fn write(
    tx: &mut dyn Tx,
    d: Dialect,
    source: &str,
    changes: &[&Change],
    now: i64,
) -> Result<()> {
    let mut segment: Vec<&Change> = Vec::new();
    for c in changes {
        if c.op == ChangeOp::Truncate {
            write_segment(tx, d, source, &segment, now)?;
            segment.clear();
            tx.exec(
                &format!(
                    "DELETE FROM {} WHERE nur_source = $1",
                    quote(d, c.table.name.as_str())
                ),
                &[source.into()],
            )?;
        } else {
            segment.push(c);
        }
    }
    write_segment(tx, d, source, &segment, now)
}

fn write_segment(
    tx: &mut dyn Tx,
    d: Dialect,
    source: &str,
    changes: &[&Change],
    now: i64,
) -> Result<()> {
    let mut depth: HashMap<(&str, &str), usize> = HashMap::with_capacity(changes.len());
    let mut layers: Vec<Vec<&Change>> = Vec::new();
    for c in changes {
        let k = depth
            .entry((c.table.name.as_str(), c.key.as_str()))
            .or_insert(0);
        if layers.len() == *k {
            layers.push(Vec::new());
        }
        layers[*k].push(c);
        *k += 1;
    }
    for layer in layers {
        // Groups in order of first appearance: (table, op, column indexes).
        let mut groups: Vec<(Group<'_>, Vec<&Change>)> = Vec::new();
        let mut index: HashMap<Group<'_>, usize> = HashMap::new();
        for c in layer {
            let cols: Vec<usize> = c.columns.iter().map(|(i, _)| *i).collect();
            let key = (c.table.name.as_str(), c.op, cols);
            let g = *index.entry(key.clone()).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(c);
        }
        for ((_, op, cols), rows) in &groups {
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                match op {
                    ChangeOp::Upsert => upsert(tx, d, source, cols, chunk, now)?,
                    ChangeOp::Delete => delete(tx, d, cols, chunk)?,
                    ChangeOp::Truncate => unreachable!("truncates are barriers"),
                }
            }
        }
    }
    Ok(())
}

fn upsert(
    tx: &mut dyn Tx,
    d: Dialect,
    source: &str,
    cols: &[usize],
    rows: &[&Change],
    now: i64,
) -> Result<()> {
    let t: &Table = &rows[0].table;
    let mut names: Vec<String> = cols
        .iter()
        .map(|i| quote(d, t.columns[*i].name.as_str()))
        .collect();
    names.extend(LINEAGE.iter().map(|l| l.to_string()));
    let per_row = cols.len() + LINEAGE.len();
    let texts = texts(d, rows);
    let mut params: Vec<P<'_>> = Vec::with_capacity(rows.len() * per_row);
    let mut tuples = Vec::with_capacity(rows.len());
    for (r, c) in rows.iter().enumerate() {
        let base = r * per_row;
        let mut ph: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(n, i)| placeholder(d, t.columns[*i].ty, base + n + 1))
            .collect();
        ph.extend((0..LINEAGE.len()).map(|k| format!("${}", base + cols.len() + k + 1)));
        tuples.push(format!("({})", ph.join(", ")));
        params.extend(
            c.columns
                .iter()
                .zip(texts[r].iter())
                .map(|((_, v), t)| param(d, v, t)),
        );
        params.extend([
            P::Text(source),
            P::Text(&c.key),
            P::Int(0),
            P::Text(&c.position),
            P::Int(now),
        ]);
    }
    let key: Vec<String> = t.key.iter().map(|k| quote(d, k.as_str())).collect();
    let set: Vec<String> = names
        .iter()
        .filter(|n| !key.contains(n))
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        quote(d, t.name.as_str()),
        names.join(", "),
        tuples.join(", "),
        key.join(", "),
        set.join(", ")
    );
    tx.exec(&sql, &params)?;
    Ok(())
}

fn delete(tx: &mut dyn Tx, d: Dialect, cols: &[usize], rows: &[&Change]) -> Result<()> {
    let t: &Table = &rows[0].table;
    let texts = texts(d, rows);
    let mut params: Vec<P<'_>> = Vec::with_capacity(rows.len() * cols.len());
    let mut tuples = Vec::with_capacity(rows.len());
    for (r, c) in rows.iter().enumerate() {
        let ph: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(n, i)| placeholder(d, t.columns[*i].ty, r * cols.len() + n + 1))
            .collect();
        tuples.push(if cols.len() == 1 {
            ph[0].clone()
        } else {
            format!("({})", ph.join(", "))
        });
        params.extend(
            c.columns
                .iter()
                .zip(texts[r].iter())
                .map(|((_, v), t)| param(d, v, t)),
        );
    }
    let names: Vec<String> = cols
        .iter()
        .map(|i| quote(d, t.columns[*i].name.as_str()))
        .collect();
    let target = if cols.len() == 1 {
        names[0].clone()
    } else {
        format!("({})", names.join(", "))
    };
    let list = if cols.len() == 1 {
        tuples.join(", ")
    } else {
        format!("VALUES {}", tuples.join(", "))
    };
    tx.exec(
        &format!(
            "DELETE FROM {} WHERE {target} IN ({list})",
            quote(d, t.name.as_str())
        ),
        &params,
    )?;
    Ok(())
}

/// A placeholder of a column's type. On PostgreSQL every value is bound as text and cast, as
/// the query compiler does (`query::pg_type`); on SQLite values bind natively.
fn placeholder(d: Dialect, ty: ColumnType, n: usize) -> String {
    match (d, pg_type(ty)) {
        (Dialect::Postgres, Some(t)) => format!("CAST(CAST(${n} AS TEXT) AS {t})"),
        (Dialect::Postgres, None) => format!("CAST(${n} AS TEXT)"),
        (Dialect::Sqlite, _) => format!("${n}"),
    }
}

/// The text of each value that is bound as text: every value on PostgreSQL, dates on SQLite
/// (the empty string, which does not allocate, stands for the others).
fn texts(d: Dialect, rows: &[&Change]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|c| {
            c.columns
                .iter()
                .map(|(_, v)| match (d, v) {
                    (Dialect::Postgres, _) | (Dialect::Sqlite, Value::Date(_)) => v.to_string(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect()
}

fn param<'a>(d: Dialect, v: &'a Value, text: &'a str) -> P<'a> {
    match (d, v) {
        (_, Value::Null) => P::Null,
        (Dialect::Postgres, _) | (Dialect::Sqlite, Value::Date(_)) => P::Text(text),
        (Dialect::Sqlite, Value::Text(s)) => P::Text(s),
        (Dialect::Sqlite, Value::Int(i)) => P::Int(*i),
        (Dialect::Sqlite, Value::Decimal(x)) => P::Real(*x),
        (Dialect::Sqlite, Value::Bool(b)) => P::Int(i64::from(*b)),
    }
}
