//! Exactly-once application of change events, on both backends: upserts, deletes, key
//! changes, truncates, duplicates and redeliveries, new source columns, and every kind of bad
//! event ending in the dead-letter table with its reason.

use nur_core::Catalog;
use nur_ingest::cdc::{Kind, Mapper, Received, SourceConfig, SourceDef};
use nur_store::testing::{Backend, TestDb};
use nur_store::{Applied, Store, Warehouse};
use serde_json::{json, Value as J};
use std::collections::BTreeMap;

pub struct Http {
    pub store: Store,
    pub catalog: Catalog,
    pub mapper: Mapper,
    _db: TestDb,
}

pub fn nn(i: u32) -> String {
    format!("98010{i:05}")
}

impl Http {
    pub fn new(b: Backend) -> Http {
        let db = TestDb::new(b);
        let store = db.open();
        let catalog = Catalog::jordan();
        store.migrate(&catalog).unwrap();
        let def = SourceDef {
            name: "dvld-http".into(),
            kind: Kind::Http,
            entity: "DVLD".into(),
            config: SourceConfig::default(),
        };
        let def = def.add(&store, &catalog, Default::default()).unwrap();
        let mapper = def.clone().check(&catalog).unwrap();
        Http {
            store,
            catalog,
            mapper,
            _db: db,
        }
    }

    pub fn send(&self, events: &[J]) -> Applied {
        let received = events
            .iter()
            .map(|e| Received::from_json_text(e.to_string().as_bytes()))
            .collect();
        let batch = self.mapper.batch("dvld-http", "", received, |_| None);
        self.store.apply_changes(&batch).unwrap()
    }

    pub fn send_raw(&self, texts: &[&str]) -> Applied {
        let received = texts
            .iter()
            .map(|t| Received::from_json_text(t.as_bytes()))
            .collect();
        let batch = self.mapper.batch("dvld-http", "", received, |_| None);
        self.store.apply_changes(&batch).unwrap()
    }

    /// Registration number → (national number, make, model year) of the cars this source wrote.
    pub fn cars(&self) -> BTreeMap<String, (String, Option<String>, Option<String>)> {
        let t = self.catalog.table("DVLD_Car_Info").unwrap();
        let make = t.column_index("Make").unwrap();
        let year = t.column_index("Model_Year").unwrap();
        let nn = t.column_index("National_Number").unwrap();
        self.store
            .rows_by_source(t, "dvld-http")
            .unwrap()
            .into_iter()
            .map(|(k, r)| {
                (
                    k,
                    (r[nn].clone().unwrap(), r[make].clone(), r[year].clone()),
                )
            })
            .collect()
    }
}

pub fn car(op: &str, lsn: u64, reg: &str, owner: u32, make: &str, year: i64) -> J {
    let row = json!({"Registration_Number": reg, "National_Number": nn(owner), "Make": make, "Model_Year": year});
    let (before, after) = match op {
        "d" => (row, J::Null),
        _ => (J::Null, row),
    };
    json!({"before": before, "after": after, "op": op, "ts_ms": 1_700_000_000_000i64,
           "source": {"table": "DVLD_Car_Info", "lsn": lsn, "ts_ms": 1_700_000_000_000i64}})
}

macro_rules! both {
    ($($case:ident),* $(,)?) => {
        mod sqlite { $(#[test] fn $case() { super::$case(super::Backend::Sqlite) })* }
        mod postgres { $(#[test] fn $case() { super::$case(super::Backend::Postgres) })* }
    };
}

both!(
    inserts_updates_deletes_apply_in_order,
    duplicates_and_redeliveries_change_nothing,
    key_changes_truncates_and_new_columns,
    bad_events_become_dead_letters_and_the_stream_goes_on,
    one_batch_equals_one_event_at_a_time,
);

fn inserts_updates_deletes_apply_in_order(b: Backend) {
    let h = Http::new(b);
    let a = h.send(&[
        car("c", 10, "R1", 1, "Kia", 2010),
        car("c", 11, "R2", 2, "Toyota", 2015),
        car("u", 12, "R1", 1, "Kia", 2011),
        car("d", 13, "R2", 2, "Toyota", 2015),
        car("c", 14, "R3", 3, "كيا", 2020),
    ]);
    assert_eq!((a.applied, a.duplicates, a.dead_lettered), (5, 0, 0));
    let cars = h.cars();
    assert_eq!(cars.len(), 2, "{cars:?}");
    assert_eq!(cars["R1"].2.as_deref(), Some("2011"));
    assert_eq!(cars["R3"].1.as_deref(), Some("كيا"));
    let s = h.store.source("dvld-http").unwrap();
    assert_eq!((s.events_total, s.applied_total), (5, 5));
    assert_eq!(s.last_event_ms, Some(1_700_000_000_000));
    assert!(s.lag_ms.unwrap() > 0);
    assert_eq!(s.cursors.len(), 1);
    // Lineage: source, key and position on every row.
    let t = h.catalog.table("DVLD_Car_Info").unwrap();
    let (source, position, at) = h.store.lineage(t, "R1").unwrap().unwrap();
    assert_eq!(source, "dvld-http");
    assert_eq!(position, Some(nur_ingest::cdc::position::encode(&[12])));
    assert!(at > 1_700_000_000_000);
}

fn duplicates_and_redeliveries_change_nothing(b: Backend) {
    let h = Http::new(b);
    let events = [
        car("c", 10, "R1", 1, "Kia", 2010),
        car("u", 11, "R1", 1, "Kia", 2012),
    ];
    h.send(&events);
    let before = h.cars();
    // The same batch again, one event of it, and an older event after a newer one.
    let a = h.send(&events);
    assert_eq!((a.applied, a.duplicates), (0, 2));
    let a = h.send(&[car("u", 10, "R1", 1, "Old", 1990)]);
    assert_eq!((a.applied, a.duplicates), (0, 1));
    assert_eq!(h.cars(), before);
    // A batch that overlaps the committed position applies only what is new.
    let a = h.send(&[
        car("u", 11, "R1", 1, "Kia", 2012),
        car("u", 12, "R1", 1, "Kia", 2013),
    ]);
    assert_eq!((a.applied, a.duplicates), (1, 1));
    assert_eq!(h.cars()["R1"].2.as_deref(), Some("2013"));
    let s = h.store.source("dvld-http").unwrap();
    assert_eq!(s.duplicates_total, 4);
}

fn key_changes_truncates_and_new_columns(b: Backend) {
    let h = Http::new(b);
    h.send(&[car("c", 1, "R1", 1, "Kia", 2010)]);
    // An update that renames the key removes the old row.
    let mut moved = car("u", 2, "R9", 1, "Kia", 2010);
    moved["before"] = json!({"Registration_Number": "R1", "National_Number": nn(1)});
    // A column the catalog does not know (added at the source) is ignored.
    moved["after"]["Colour"] = json!("red");
    let a = h.send(&[moved]);
    assert_eq!(a.dead_lettered, 0);
    assert_eq!(h.cars().keys().collect::<Vec<_>>(), vec!["R9"]);
    // An unchanged TOAST value keeps the stored one.
    let mut partial = car("u", 3, "R9", 1, "x", 2011);
    partial["after"]["Make"] = json!("__debezium_unavailable_value");
    h.send(&[partial]);
    assert_eq!(h.cars()["R9"].1.as_deref(), Some("Kia"));
    assert_eq!(h.cars()["R9"].2.as_deref(), Some("2011"));
    // Dates as Debezium's days since 1970 and as ISO text.
    let mut dated = car("c", 4, "R8", 2, "Fiat", 2001);
    dated["after"]["Registration_Date"] = json!(19_000);
    h.send(&[dated]);
    let t = h.catalog.table("DVLD_Car_Info").unwrap();
    let i = t.column_index("Registration_Date").unwrap();
    let rows = h.store.rows_by_source(t, "dvld-http").unwrap();
    let r8 = rows.iter().find(|(k, _)| k == "R8").unwrap();
    assert_eq!(r8.1[i].as_deref(), Some("2022-01-08"));
    // A truncate removes this source's rows of the table.
    let a = h.send(&[json!({"op": "t", "source": {"table": "DVLD_Car_Info", "lsn": 5}})]);
    assert_eq!(a.applied, 1);
    assert!(h.cars().is_empty());
}

fn bad_events_become_dead_letters_and_the_stream_goes_on(b: Backend) {
    let h = Http::new(b);
    let mut wrong_type = car("c", 3, "R3", 3, "Kia", 2000);
    wrong_type["after"]["Model_Year"] = json!("nineteen");
    let mut no_key = car("c", 4, "R4", 4, "Kia", 2000);
    no_key["after"]
        .as_object_mut()
        .unwrap()
        .remove("Registration_Number");
    let mut bad_nn = car("c", 5, "R5", 5, "Kia", 2000);
    bad_nn["after"]["National_Number"] = json!("12345");
    let mut unknown = car("c", 6, "R6", 6, "Kia", 2000);
    unknown["source"]["table"] = json!("no_such_table");
    let mut other_entity = car("c", 7, "R7", 7, "Kia", 2000);
    other_entity["source"]["table"] = json!("CSPD_Personal_Info");
    let mut no_position = car("c", 0, "R8", 8, "Kia", 2000);
    no_position["source"].as_object_mut().unwrap().remove("lsn");
    let events = [
        car("c", 1, "R1", 1, "Kia", 2000).to_string(),
        "{not json".to_string(),
        wrong_type.to_string(),
        no_key.to_string(),
        bad_nn.to_string(),
        unknown.to_string(),
        other_entity.to_string(),
        no_position.to_string(),
        json!({"op": "c", "source": {"table": "DVLD_Car_Info", "lsn": 9}}).to_string(),
        car("c", 10, "R10", 10, "Kia", 2000).to_string(),
    ];
    let texts: Vec<&str> = events.iter().map(String::as_str).collect();
    let a = h.send_raw(&texts);
    assert_eq!((a.applied, a.dead_lettered), (2, 8), "{a:?}");
    assert_eq!(h.cars().keys().collect::<Vec<_>>(), vec!["R1", "R10"]);
    let dead = h.store.dead_letters("dvld-http", 100).unwrap();
    let reasons: Vec<&str> = dead.iter().rev().map(|d| d.reason.as_str()).collect();
    let want = [
        "malformed JSON",
        "Model_Year",
        "missing key column Registration_Number",
        "National_Number",
        "unknown table \"no_such_table\"",
        "unknown table \"CSPD_Personal_Info\"",
        "no position",
        "without an after image",
    ];
    for (r, w) in reasons.iter().zip(want) {
        assert!(r.contains(w), "{r:?} should mention {w:?}");
    }
    assert!(dead.iter().any(|d| d.payload == "{not json"));
    assert_eq!(h.store.source("dvld-http").unwrap().errors_total, 8);
    // Sending the same batch again records nothing twice, not even what has no position.
    let a = h.send_raw(&texts);
    assert_eq!((a.applied, a.dead_lettered), (0, 0), "{a:?}");
    assert_eq!(h.store.dead_letters("dvld-http", 100).unwrap().len(), 8);
    // A huge bad event is kept cut to size, its digest over the whole.
    let huge = format!("{{not json {}", "x".repeat(1 << 20));
    let a = h.send_raw(&[huge.as_str()]);
    assert_eq!(a.dead_lettered, 1, "{a:?}");
    let kept = &h.store.dead_letters("dvld-http", 1).unwrap()[0];
    assert!(
        kept.payload.len() < 20_000 && kept.payload.contains("bytes in all"),
        "{}",
        kept.payload.len()
    );
    assert_eq!(h.send_raw(&[huge.as_str()]).dead_lettered, 0);
}

/// Random streams over a few keys (inserts, updates, partial updates, key moves, deletes,
/// truncates): applied as one batch (written in layers of multi-row statements) they must
/// leave exactly the state of applying each event in its own transaction.
fn one_batch_equals_one_event_at_a_time(b: Backend) {
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    for round in 0..6 {
        let batched = Http::new(b);
        let single = Http::new(b);
        let mut events = Vec::new();
        for lsn in 1..=300u64 {
            let reg = format!("R{}", next(12));
            let e = match next(20) {
                0..=6 => car(
                    "c",
                    lsn,
                    &reg,
                    next(50) as u32,
                    "Kia",
                    2000 + next(20) as i64,
                ),
                7..=10 => {
                    let mut e = car("u", lsn, &reg, next(50) as u32, "x", 2000 + next(20) as i64);
                    e["after"]["Make"] = json!("__debezium_unavailable_value");
                    e
                }
                11..=13 => {
                    let mut e = car("u", lsn, &format!("R{}", next(12)), 3, "Moved", 2001);
                    e["before"] = json!({"Registration_Number": reg, "National_Number": nn(3)});
                    e
                }
                14 if round % 2 == 0 => {
                    json!({"op": "t", "source": {"table": "DVLD_Car_Info", "lsn": lsn}})
                }
                _ => car("d", lsn, &reg, 1, "Kia", 2000),
            };
            events.push(e);
        }
        batched.send(&events);
        for e in &events {
            single.send(std::slice::from_ref(e));
        }
        assert_eq!(batched.cars(), single.cars(), "round {round}");
    }
}
