//! From source rows to warehouse changes: which source table feeds which catalog table, which
//! source column is which catalog column, and the typing and checks every value passes. A
//! source writes only tables of its own custodian entity.

use super::event::{Cell, Event, Op, Row};
use nur_core::{Catalog, Column, ColumnType, Date, IdentityRules, Table, Value};
use nur_store::{Change, ChangeBatch, ChangeOp, DeadLetter};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One source table mapped to a catalog table. Columns not listed map by name; a source
/// column that maps to no catalog column is ignored (a column added at the source does not
/// stop the stream).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableMap {
    /// The table's name at the source (without schema).
    pub source: String,
    /// The catalog table.
    pub table: String,
    /// Source column → catalog column, where the names differ.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
    /// For watermark pulls: the increasing column (an updated-at time or an id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<String>,
}

struct Target {
    table: Arc<Table>,
    /// Source column name → catalog column index.
    columns: HashMap<String, usize>,
    map: TableMap,
}

pub struct Mapper {
    rules: IdentityRules,
    targets: HashMap<String, Target>,
}

impl Mapper {
    /// Checks the maps against the catalog. With no maps, every table of `entity` maps to
    /// itself by name.
    pub fn new(catalog: &Catalog, entity: &str, maps: &[TableMap]) -> Result<Mapper, String> {
        let owned = |t: &Table| t.custodian().as_str() == entity;
        let mut targets = HashMap::new();
        let maps: Vec<TableMap> = if maps.is_empty() {
            catalog
                .tables
                .iter()
                .filter(|t| owned(t))
                .map(|t| TableMap {
                    source: t.name.as_str().to_owned(),
                    table: t.name.as_str().to_owned(),
                    columns: BTreeMap::new(),
                    watermark: None,
                })
                .collect()
        } else {
            maps.to_vec()
        };
        if maps.is_empty() {
            return Err(format!(
                "entity {entity} is the custodian of no catalog table"
            ));
        }
        for m in maps {
            let t = catalog
                .table(&m.table)
                .ok_or_else(|| format!("{}: no catalog table {}", m.source, m.table))?;
            if !owned(t) {
                return Err(format!(
                    "{}: table {} belongs to {}, not to the source's entity {entity}",
                    m.source,
                    m.table,
                    t.custodian()
                ));
            }
            let mut columns: HashMap<String, usize> = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.as_str().to_owned(), i))
                .collect();
            for (from, to) in &m.columns {
                let i = t
                    .column_index(to)
                    .ok_or_else(|| format!("{}: no column {to} in {}", m.source, m.table))?;
                columns.retain(|_, v| *v != i);
                columns.insert(from.clone(), i);
            }
            if targets.contains_key(&m.source) {
                return Err(format!("source table {} is mapped twice", m.source));
            }
            targets.insert(
                m.source.clone(),
                Target {
                    table: Arc::new(t.clone()),
                    columns,
                    map: m,
                },
            );
        }
        Ok(Mapper {
            rules: catalog.identity.clone(),
            targets,
        })
    }

    pub fn rules(&self) -> &IdentityRules {
        &self.rules
    }

    pub fn maps(&self) -> impl Iterator<Item = (&TableMap, &Arc<Table>)> {
        self.targets.values().map(|t| (&t.map, &t.table))
    }

    /// The source column that feeds catalog column `i` of the table mapped from `source`.
    pub fn source_column(&self, source: &str, i: usize) -> Option<&str> {
        let t = self.targets.get(source)?;
        t.columns
            .iter()
            .find(|(_, v)| **v == i)
            .map(|(k, _)| k.as_str())
    }

    /// The key text of an event's row when its table is mapped and its key is valid, even if
    /// other values are not (a full refresh must not delete a row whose new version is bad).
    pub fn key_text(&self, e: &Event) -> Option<String> {
        let t = self.targets.get(&e.table)?;
        let row = e.after.as_ref().or(e.before.as_ref())?;
        let key = self.key_of(t, row).ok()?;
        Some(key_text(&t.table, &key))
    }

    /// The changes one event makes (two for an update that changes the key).
    pub fn changes(&self, e: &Event, position: &str) -> Result<Vec<Change>, String> {
        let t = self.targets.get(&e.table).ok_or_else(|| {
            format!(
                "unknown table {:?}: no catalog table is mapped to it",
                e.table
            )
        })?;
        let change = |op, columns: Vec<(usize, Value)>| -> Change {
            let key = key_text(&t.table, &columns);
            Change {
                position: position.to_owned(),
                table: t.table.clone(),
                op,
                columns,
                key,
                source_ts_ms: e.ts_ms,
                same_event: false,
            }
        };
        match e.op {
            Op::Truncate => Ok(vec![change(ChangeOp::Truncate, Vec::new())]),
            Op::Delete => {
                let before = e.before.as_ref().ok_or("op d without a before image")?;
                let key = self.key_of(t, before)?;
                Ok(vec![change(ChangeOp::Delete, key)])
            }
            Op::Create | Op::Update | Op::Read => {
                let after = e.after.as_ref().ok_or("no after image")?;
                let new_key = self.key_of(t, after)?;
                let columns = self.values(t, after)?;
                let mut out = Vec::with_capacity(2);
                if let Some(before) = &e.before {
                    // An update that moves the row to another key deletes the old one.
                    if let Ok(old_key) = self.key_of(t, before) {
                        if old_key != new_key {
                            out.push(change(ChangeOp::Delete, old_key));
                        }
                    }
                }
                let mut upsert = change(ChangeOp::Upsert, columns);
                upsert.same_event = !out.is_empty();
                out.push(upsert);
                Ok(out)
            }
        }
    }

    /// Every mapped column of a row image, typed and checked; required catalog columns must
    /// be present.
    fn values(&self, t: &Target, row: &Row) -> Result<Vec<(usize, Value)>, String> {
        let mut out = Vec::with_capacity(row.len());
        let mut seen = vec![false; t.table.columns.len()];
        for (name, cell) in row {
            let Some(&i) = t.columns.get(name) else {
                continue;
            };
            seen[i] = true;
            if *cell == Cell::Unchanged {
                continue;
            }
            let col = &t.table.columns[i];
            out.push((i, self.value(col, cell)?));
        }
        for (i, c) in t.table.columns.iter().enumerate() {
            if c.required && !seen[i] {
                return Err(format!("column {}: a value is required", c.name));
            }
        }
        Ok(out)
    }

    fn key_of(&self, t: &Target, row: &Row) -> Result<Vec<(usize, Value)>, String> {
        let mut out = Vec::with_capacity(t.table.key.len());
        for k in &t.table.key {
            let i = t.table.column_index(k.as_str()).expect("key is a column");
            let cell = row
                .iter()
                .find(|(n, _)| t.columns.get(n) == Some(&i))
                .map(|(_, c)| c)
                .ok_or_else(|| format!("missing key column {k}"))?;
            let v = self.value(&t.table.columns[i], cell)?;
            if v.is_null() {
                return Err(format!("key column {k} is null"));
            }
            out.push((i, v));
        }
        Ok(out)
    }

    fn value(&self, col: &Column, cell: &Cell) -> Result<Value, String> {
        use serde_json::Value as J;
        let name = col.name.as_str();
        let v = match cell {
            Cell::Unchanged => return Err(format!("column {name}: value not sent by the source")),
            Cell::Text(None) | Cell::Json(J::Null) => Value::Null,
            Cell::Text(Some(s)) => {
                let s = match (col.ty, s.as_str()) {
                    (ColumnType::Boolean, "t") => "true",
                    (ColumnType::Boolean, "f") => "false",
                    (_, s) => s,
                };
                Value::parse(&self.rules, col, s).map_err(|e| e.to_string())?
            }
            Cell::Json(J::String(s)) => {
                Value::parse(&self.rules, col, s).map_err(|e| e.to_string())?
            }
            // Debezium sends dates as days since 1970-01-01.
            Cell::Json(J::Number(n)) if col.ty == ColumnType::Date => {
                // Past the year 9999 there is no calendar date to store (jiff's range).
                let date = n
                    .as_i64()
                    .filter(|d| d.abs() < 3_000_000)
                    .and_then(Date::checked_from_days)
                    .ok_or_else(|| format!("column {name}: {n} is not a number of days"))?;
                Value::Date(date)
            }
            Cell::Json(j) => Value::from_json(&self.rules, col.ty, j)
                .map_err(|e| format!("column {name}: {e}"))?,
        };
        if v.is_null() && col.required {
            return Err(format!("column {name}: a value is required"));
        }
        Ok(v)
    }

    /// Turns received events into one batch: each event becomes its changes or a dead
    /// letter with its reason and payload. `position` supplies the position of an event
    /// whose source block has none (a transport sequence), or `None` to dead-letter it.
    pub fn batch(
        &self,
        source: &str,
        stream: &str,
        events: Vec<Received>,
        position: impl Fn(usize) -> Option<String>,
    ) -> ChangeBatch {
        let mut b = ChangeBatch {
            source: source.to_owned(),
            stream: stream.to_owned(),
            received: events.len() as u64,
            ..ChangeBatch::default()
        };
        for (n, r) in events.into_iter().enumerate() {
            let fallback = position(n);
            let dead = |reason: String, position: Option<String>, payload: String| DeadLetter {
                position,
                reason,
                payload,
            };
            match r.event {
                Err(reason) => b
                    .dead
                    .push(dead(reason, r.position.or(fallback), r.payload)),
                Ok(e) => {
                    let Some(pos) = e.position.clone().or(fallback) else {
                        b.dead.push(dead(
                            "no position in the source block (lsn, sequence, file/pos, position or seq)".into(),
                            None,
                            r.payload,
                        ));
                        continue;
                    };
                    match self.changes(&e, &pos) {
                        Ok(cs) => b.changes.extend(cs),
                        Err(reason) => b.dead.push(dead(reason, Some(pos), r.payload)),
                    }
                }
            }
        }
        b
    }
}

/// An event as received: parsed (or why not) and its original text.
pub struct Received {
    pub event: Result<Event, String>,
    pub payload: String,
    /// For an event that failed to parse: its position, if it could still be read.
    pub position: Option<String>,
}

impl Received {
    pub fn from_json_text(text: &[u8]) -> Received {
        let payload = String::from_utf8_lossy(text).into_owned();
        match serde_json::from_slice::<serde_json::Value>(text) {
            Err(e) => Received::failed(format!("malformed JSON: {e}"), payload),
            Ok(v) => Received::from_value(&v, payload),
        }
    }

    pub fn from_value(v: &serde_json::Value, payload: String) -> Received {
        match super::event::parse(v) {
            Ok(e) => Received::event(e, payload),
            Err(reason) => Received {
                event: Err(reason),
                payload,
                position: super::event::position_of(v),
            },
        }
    }

    pub fn event(e: Event, payload: String) -> Received {
        Received {
            event: Ok(e),
            payload,
            position: None,
        }
    }

    pub fn failed(reason: String, payload: String) -> Received {
        Received {
            event: Err(reason),
            payload,
            position: None,
        }
    }
}

/// The key as lineage text: key values joined by `|`, as the bulk loader writes it.
fn key_text(t: &Table, columns: &[(usize, Value)]) -> String {
    let mut parts = Vec::with_capacity(t.key.len());
    for k in &t.key {
        let i = t.column_index(k.as_str()).expect("key is a column");
        if let Some((_, v)) = columns.iter().find(|(c, _)| *c == i) {
            parts.push(v.to_string());
        }
    }
    parts.join("|")
}
