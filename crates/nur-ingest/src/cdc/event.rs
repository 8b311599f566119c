//! Change events in the Debezium envelope: `before`, `after`, `source` (with the connector's
//! position fields), `op` (c, u, d, r, t) and `ts_ms`. Events published with the JSON
//! converter's schemas arrive wrapped as `{"schema": …, "payload": {…}}`; both shapes parse.

use super::position;
use serde_json::{Map, Value as J};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
    /// A snapshot read.
    Read,
    Truncate,
}

/// One cell of a row image.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A JSON value (HTTP and NATS events).
    Json(J),
    /// A value in PostgreSQL's or MariaDB's text form (logical replication, pulls); `None` is
    /// NULL.
    Text(Option<String>),
    /// A value the source did not send because it did not change (PostgreSQL's unchanged
    /// TOAST, Debezium's `__debezium_unavailable_value`): the stored value is kept.
    Unchanged,
}

pub type Row = Vec<(String, Cell)>;

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The source table (`source.table`), without schema.
    pub table: String,
    pub op: Op,
    pub before: Option<Row>,
    pub after: Option<Row>,
    /// Encoded position ([`position::encode`]), when the source block carries one.
    pub position: Option<String>,
    /// Source commit time (Unix ms): `source.ts_ms`, else the envelope's `ts_ms`.
    pub ts_ms: Option<i64>,
}

impl Event {
    /// A row read from a table (snapshot, pull), with no position of its own.
    pub fn read(table: &str, row: Row) -> Event {
        Event {
            table: table.to_owned(),
            op: Op::Read,
            before: None,
            after: Some(row),
            position: None,
            ts_ms: None,
        }
    }
}

/// A row image as a JSON object (a dead letter's payload: what the source sent).
pub fn row_json(table: &str, row: &Row) -> String {
    let m: Map<String, J> = row
        .iter()
        .map(|(k, c)| {
            let v = match c {
                Cell::Json(j) => j.clone(),
                Cell::Text(Some(t)) => J::String(t.clone()),
                Cell::Text(None) => J::Null,
                Cell::Unchanged => J::String(UNAVAILABLE.into()),
            };
            (k.clone(), v)
        })
        .collect();
    serde_json::json!({"table": table, "row": m}).to_string()
}

const UNAVAILABLE: &str = "__debezium_unavailable_value";

/// Parses one event. The error says what is wrong, for the dead-letter table.
pub fn parse(v: &J) -> Result<Event, String> {
    let obj = v.as_object().ok_or("an event must be a JSON object")?;
    let obj = match obj.get("payload") {
        Some(J::Object(p)) if !obj.contains_key("op") => p,
        _ => obj,
    };
    let op = match obj.get("op").and_then(J::as_str) {
        Some("c") => Op::Create,
        Some("u") => Op::Update,
        Some("d") => Op::Delete,
        Some("r") => Op::Read,
        Some("t") => Op::Truncate,
        Some(other) => return Err(format!("unknown op {other:?} (expected c, u, d, r or t)")),
        None => return Err("missing op".into()),
    };
    let source = match obj.get("source") {
        Some(J::Object(s)) => s,
        Some(_) => return Err("source must be an object".into()),
        None => return Err("missing source block".into()),
    };
    let table = source
        .get("table")
        .and_then(J::as_str)
        .filter(|t| !t.is_empty())
        .ok_or("missing source.table")?
        .to_owned();
    let image = |name: &str| -> Result<Option<Row>, String> {
        match obj.get(name) {
            None | Some(J::Null) => Ok(None),
            Some(J::Object(m)) => Ok(Some(row(m))),
            Some(_) => Err(format!("{name} must be an object or null")),
        }
    };
    let before = image("before")?;
    let after = image("after")?;
    match op {
        Op::Create | Op::Update | Op::Read if after.is_none() => {
            return Err(format!("op {op:?} without an after image"))
        }
        Op::Delete if before.is_none() => return Err("op d without a before image".into()),
        _ => {}
    }
    let position = source_position(source)?;
    let ts_ms = source
        .get("ts_ms")
        .and_then(J::as_i64)
        .or_else(|| obj.get("ts_ms").and_then(J::as_i64));
    Ok(Event {
        table,
        op,
        before,
        after,
        position,
        ts_ms,
    })
}

/// The position of an event that failed to parse, when its source block still gives one
/// (so a redelivered bad event is recognised as a duplicate rather than dead-lettered twice).
pub fn position_of(v: &J) -> Option<String> {
    let obj = v.as_object()?;
    let obj = match obj.get("payload") {
        Some(J::Object(p)) if !obj.contains_key("op") => p,
        _ => obj,
    };
    match obj.get("source") {
        Some(J::Object(s)) => source_position(s).ok().flatten(),
        _ => None,
    }
}

fn row(m: &Map<String, J>) -> Row {
    m.iter()
        .map(|(k, v)| {
            let cell = match v {
                J::String(s) if s == UNAVAILABLE => Cell::Unchanged,
                v => Cell::Json(v.clone()),
            };
            (k.clone(), cell)
        })
        .collect()
}

/// The position fields Debezium's connectors put in `source`:
/// PostgreSQL `sequence` (`["<last commit lsn>","<lsn>"]`) or `lsn`; MySQL/MariaDB `file`,
/// `pos`, `row`; otherwise a plain `position` or `seq` number.
fn source_position(s: &Map<String, J>) -> Result<Option<String>, String> {
    let num = |k: &str| -> Result<Option<u64>, String> {
        match s.get(k) {
            None | Some(J::Null) => Ok(None),
            Some(J::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("source.{k} must be a non-negative integer")),
            Some(J::String(t)) => t
                .parse::<u64>()
                .map(Some)
                .map_err(|_| format!("source.{k} must be a non-negative integer")),
            Some(_) => Err(format!("source.{k} must be a non-negative integer")),
        }
    };
    if let Some(J::String(seq)) = s.get("sequence") {
        let parts: Vec<Option<String>> = serde_json::from_str(seq)
            .map_err(|_| "source.sequence must be a JSON array of two LSNs".to_string())?;
        let nums: Vec<u64> = parts
            .iter()
            .map(|p| p.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0))
            .collect();
        if nums.len() == 2 {
            return Ok(Some(position::encode(&nums)));
        }
        return Err("source.sequence must be a JSON array of two LSNs".into());
    }
    if let Some(lsn) = num("lsn")? {
        return Ok(Some(position::encode(&[lsn])));
    }
    if let (Some(J::String(file)), Some(pos)) = (s.get("file"), num("pos")?) {
        let file_no = file
            .rsplit('.')
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| format!("source.file {file:?} has no binlog number"))?;
        let row = num("row")?.unwrap_or(0);
        return Ok(Some(position::encode(&[file_no, pos, row])));
    }
    for k in ["position", "seq"] {
        if let Some(p) = num(k)? {
            return Ok(Some(position::encode(&[p])));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_a_postgres_connector_event() {
        let e = parse(&json!({
            "before": null,
            "after": {"id": 1, "name": "x", "big": UNAVAILABLE},
            "source": {"table": "items", "schema": "public", "lsn": 24023128, "ts_ms": 1700000000000i64},
            "op": "c", "ts_ms": 1700000000100i64
        }))
        .unwrap();
        assert_eq!(e.op, Op::Create);
        assert_eq!(e.table, "items");
        assert_eq!(e.position, Some(position::encode(&[24023128])));
        assert_eq!(e.ts_ms, Some(1700000000000));
        assert!(e.after.unwrap().contains(&("big".into(), Cell::Unchanged)));
    }

    #[test]
    fn reads_binlog_and_sequence_positions_and_the_schema_wrapper() {
        let e = parse(&json!({"schema": {}, "payload": {
            "after": {"id": 1}, "op": "u",
            "source": {"table": "t", "file": "mysql-bin.000003", "pos": 154, "row": 2}
        }}))
        .unwrap();
        assert_eq!(e.position, Some(position::encode(&[3, 154, 2])));
        let e = parse(&json!({"after": {"id": 1}, "op": "r",
            "source": {"table": "t", "sequence": "[\"100\",\"120\"]"}}))
        .unwrap();
        assert_eq!(e.position, Some(position::encode(&[100, 120])));
    }

    #[test]
    fn malformed_events_say_why() {
        let cases = [
            (json!([1]), "JSON object"),
            (json!({"op": "x", "source": {"table": "t"}}), "unknown op"),
            (json!({"source": {"table": "t"}}), "missing op"),
            (json!({"op": "c", "after": {"a": 1}}), "missing source"),
            (
                json!({"op": "c", "after": {"a": 1}, "source": {}}),
                "source.table",
            ),
            (
                json!({"op": "c", "source": {"table": "t"}}),
                "without an after",
            ),
            (
                json!({"op": "d", "after": {"a": 1}, "source": {"table": "t"}}),
                "before",
            ),
            (
                json!({"op": "c", "after": 5, "source": {"table": "t"}}),
                "after must be",
            ),
            (
                json!({"op": "c", "after": {}, "source": {"table": "t", "lsn": -4}}),
                "source.lsn",
            ),
            (
                json!({"op": "c", "after": {}, "source": {"table": "t", "file": "x", "pos": 4}}),
                "binlog number",
            ),
        ];
        for (v, want) in cases {
            let err = parse(&v).unwrap_err();
            assert!(err.contains(want), "{v}: {err}");
        }
    }
}
