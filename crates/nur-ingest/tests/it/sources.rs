//! Sources against the real services of the machine: a PostgreSQL source database followed
//! by logical replication (snapshot + stream), a MariaDB database pulled by watermark and by
//! full refresh, and a NATS JetStream stream of Debezium events. Each test changes the source
//! while NUR follows it, then waits until the warehouse equals the source exactly.

use crate::support::*;
use nur_core::Catalog;
use nur_ingest::cdc::{self, Control, Kind, Mode, SourceConfig, SourceDef};
use nur_store::testing::{Backend, TestDb};
use nur_store::{Store, Warehouse};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Running {
    stop: Control,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Running {
    pub fn start(store: &Arc<Store>, catalog: &Arc<Catalog>, def: &SourceDef) -> Running {
        let stop = Control::default();
        let (s, c, d, st) = (store.clone(), catalog.clone(), def.clone(), stop.clone());
        let thread = std::thread::spawn(move || cdc::run_source(&s, &c, d, &st));
        Running {
            stop,
            thread: Some(thread),
        }
    }
    pub fn finish(mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            t.join().unwrap().unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

fn warehouse() -> (TestDb, Arc<Store>, Arc<Catalog>) {
    let db = TestDb::new(Backend::Sqlite);
    let store = db.open();
    let catalog = Catalog::jordan();
    store.migrate(&catalog).unwrap();
    (db, Arc::new(store), Arc::new(catalog))
}

#[test]
fn postgres_source_snapshot_and_stream_give_the_source_state() {
    let (_w, store, catalog) = warehouse();
    let src = TestDb::new(Backend::Postgres);
    let mut c = postgres::Client::connect(&src.url, postgres::NoTls).unwrap();
    c.batch_execute(PG_CARS).unwrap();
    c.batch_execute(
        "INSERT INTO cars SELECT 'S' || i, '98010' || lpad(i::text, 5, '0'), 'Kia', 2000 + i % 20, DATE '2020-01-01' + i FROM generate_series(1, 300) i",
    )
    .unwrap();
    let slot = unique("nurtest");
    let _guard = SlotGuard {
        url: src.url.clone(),
        slot: slot.clone(),
    };
    let def = SourceDef {
        name: "dvld-pg".into(),
        kind: Kind::Postgres,
        entity: "DVLD".into(),
        config: SourceConfig {
            tables: cars_map(None),
            url: Some(src.url.clone()),
            mode: Some(Mode::Cdc),
            slot: Some(slot.clone()),
            publication: Some(slot.clone()),
            every_ms: Some(20),
            batch: Some(100),
            ..SourceConfig::default()
        },
    };
    let def = def.add(&store, &catalog, Default::default()).unwrap();
    let run = Running::start(&store, &catalog, &def);
    // Change the source while the snapshot and the stream run.
    for i in 0..200u64 {
        match i % 5 {
            0 => c
                .execute(
                    "INSERT INTO cars VALUES ($1, $2, 'Toyota', 2015, NULL, NULL)",
                    &[&format!("N{i}"), &nn(i)],
                )
                .unwrap(),
            1 => c
                .execute(
                    "UPDATE cars SET model_year = model_year + 1 WHERE reg = $1",
                    &[&format!("S{}", i + 1)],
                )
                .unwrap(),
            2 => c
                .execute("DELETE FROM cars WHERE reg = $1", &[&format!("S{}", i + 2)])
                .unwrap(),
            3 => c
                .execute(
                    "UPDATE cars SET reg = $2 WHERE reg = $1",
                    &[&format!("S{}", i + 3), &format!("K{i}")],
                )
                .unwrap(),
            _ => {
                let mut tx = c.transaction().unwrap();
                tx.execute(
                    "UPDATE cars SET make = 'Fiat' WHERE reg = $1",
                    &[&format!("S{}", i + 4)],
                )
                .unwrap();
                tx.execute(
                    "INSERT INTO cars VALUES ($1, $2, 'Seat', 2001, '2001-02-03', 'x')",
                    &[&format!("T{i}"), &nn(i + 7)],
                )
                .unwrap();
                tx.commit().unwrap();
                0
            }
        };
    }
    let url = src.url.clone();
    let want = || pg_cars(&mut postgres::Client::connect(&url, postgres::NoTls).unwrap());
    converge(
        "after snapshot and stream",
        Duration::from_secs(60),
        want,
        || warehouse_cars(&store, &catalog, "dvld-pg"),
    );
    // A column added at the source does not stop the stream.
    c.batch_execute("ALTER TABLE cars ADD COLUMN colour TEXT; INSERT INTO cars VALUES ('C1', '9801000001', 'Audi', 2022, NULL, NULL, 'red'); DELETE FROM cars WHERE reg = 'S100'; TRUNCATE cars; INSERT INTO cars VALUES ('C2', '9801000002', 'BMW', 2023, NULL, NULL, 'blue')").unwrap();
    converge(
        "after a new column and a truncate",
        Duration::from_secs(30),
        want,
        || warehouse_cars(&store, &catalog, "dvld-pg"),
    );
    let s = store.source("dvld-pg").unwrap();
    assert!(s.snapshot_done);
    assert_eq!(s.errors_total, 0, "{:?}", store.dead_letters("dvld-pg", 5));
    assert!(s.lag_ms.is_some() && s.last_event_ms.is_some());
    run.finish();
}

fn mariadb_def(name: &str, db: &MyDb, mode: Mode) -> SourceDef {
    SourceDef {
        name: name.into(),
        kind: Kind::Mariadb,
        entity: "DVLD".into(),
        config: SourceConfig {
            tables: cars_map((mode == Mode::Pull).then_some("version")),
            url: Some(db.url.clone()),
            mode: Some(mode),
            every_ms: Some(50),
            batch: Some(64),
            ..SourceConfig::default()
        },
    }
}

#[test]
fn mariadb_watermark_pull_follows_inserts_and_updates() {
    use mysql::prelude::Queryable;
    let (_w, store, catalog) = warehouse();
    let my = MyDb::new();
    let mut c = my.conn();
    // Many rows share a watermark: pages must never split them.
    c.query_drop("INSERT INTO cars SELECT CONCAT('S', seq), CONCAT('98010', LPAD(seq, 5, '0')), 'Kia', 2000, '2020-01-01', seq DIV 100 FROM seq_1_to_500").unwrap();
    let def = mariadb_def("dvld-my", &my, Mode::Pull)
        .add(&store, &catalog, Default::default())
        .unwrap();
    let run = Running::start(&store, &catalog, &def);
    let mut version = 1000;
    for i in 0..300u64 {
        version += 1;
        if i % 2 == 0 {
            c.exec_drop(
                "INSERT INTO cars VALUES (?, ?, 'Toyota', 2015, NULL, ?)",
                (format!("N{i}"), nn(i), version),
            )
            .unwrap();
        } else {
            c.exec_drop(
                "UPDATE cars SET model_year = model_year + 1, version = ? WHERE reg = ?",
                (version, format!("S{}", i + 1)),
            )
            .unwrap();
        }
    }
    converge(
        "watermark pull",
        Duration::from_secs(60),
        || my.cars(),
        || warehouse_cars(&store, &catalog, "dvld-my"),
    );
    let s = store.source("dvld-my").unwrap();
    assert_eq!(s.errors_total, 0);
    assert_eq!(s.cursors[0].0, "cars");
    run.finish();
}

#[test]
fn mariadb_full_refresh_applies_differences_with_deletes() {
    use mysql::prelude::Queryable;
    let (_w, store, catalog) = warehouse();
    let my = MyDb::new();
    let mut c = my.conn();
    c.query_drop("INSERT INTO cars SELECT CONCAT('S', seq), CONCAT('98010', LPAD(seq, 5, '0')), 'Kia', 2000, '2020-01-01', 0 FROM seq_1_to_400").unwrap();
    let def = mariadb_def("dvld-full", &my, Mode::Full)
        .add(&store, &catalog, Default::default())
        .unwrap();
    let run = Running::start(&store, &catalog, &def);
    converge(
        "first refresh",
        Duration::from_secs(30),
        || my.cars(),
        || warehouse_cars(&store, &catalog, "dvld-full"),
    );
    let applied_first = store.source("dvld-full").unwrap().applied_total;
    assert_eq!(applied_first, 400);
    c.query_drop("DELETE FROM cars WHERE reg LIKE 'S1%'")
        .unwrap();
    c.query_drop("UPDATE cars SET make = 'Fiat' WHERE reg LIKE 'S2%'")
        .unwrap();
    c.query_drop("INSERT INTO cars VALUES ('X1', '9801000001', 'BMW', 2021, NULL, 0)")
        .unwrap();
    converge(
        "refresh after changes",
        Duration::from_secs(30),
        || my.cars(),
        || warehouse_cars(&store, &catalog, "dvld-full"),
    );
    // Only the differences were applied: 111 deletes (S1, S10–S19, S100–S199), 111 updates, 1 insert.
    let s = store.source("dvld-full").unwrap();
    assert_eq!(s.applied_total - applied_first, 111 + 111 + 1, "{s:?}");
    // A row whose new version is invalid is dead-lettered and keeps its last good version.
    c.query_drop("UPDATE cars SET owner = 'bad' WHERE reg = 'S5'")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.source("dvld-full").unwrap().errors_total == 0 {
        assert!(
            Instant::now() < deadline,
            "the bad row was not dead-lettered"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Two more complete refresh passes, so a second recording would show.
    for _ in 0..2 {
        let t = nur_store::now_ms();
        let deadline = Instant::now() + Duration::from_secs(30);
        while store
            .source("dvld-full")
            .unwrap()
            .last_applied_ms
            .unwrap_or(0)
            <= t
        {
            assert!(Instant::now() < deadline, "the refresh stopped");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let cars = warehouse_cars(&store, &catalog, "dvld-full");
    assert_eq!(cars["S5"].0, "9801000005", "the last good version stays");
    let dead = store.dead_letters("dvld-full", 10).unwrap();
    assert_eq!(
        dead.len(),
        1,
        "a refresh records a bad row once, not at every pass: {dead:?}"
    );
    assert!(
        dead[0].payload.contains("\"owner\":\"bad\"") && dead[0].reason.contains("National_Number"),
        "{dead:?}"
    );
    // Rows of other sources of the same table are never touched by the refresh.
    run.finish();
}

#[test]
fn nats_events_apply_once_and_bad_ones_are_dead_lettered() {
    let (_w, store, catalog) = warehouse();
    let name = unique("NURTEST");
    let subject = name.to_lowercase();
    let def = SourceDef {
        name: "dvld-nats".into(),
        kind: Kind::Nats,
        entity: "DVLD".into(),
        config: SourceConfig {
            url: Some("nats://127.0.0.1:4222".into()),
            stream: Some(name.clone()),
            subjects: vec![format!("{subject}.>")],
            durable: Some(format!("{name}_c")),
            batch: Some(50),
            ..SourceConfig::default()
        },
    }
    .add(&store, &catalog, Default::default())
    .unwrap();
    let events = nats_events(500);
    let mut want = Cars::new();
    for e in &events {
        let v: serde_json::Value = serde_json::from_str(e).unwrap();
        apply_expected(&mut want, &v);
    }
    // Every event twice (a republishing connector), and a malformed one in the middle.
    let mut published: Vec<String> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        published.push(e.clone());
        if i % 3 == 0 {
            published.push(e.clone());
        }
        if i == 250 {
            published.push("{\"op\": \"c\", \"source\": {\"table\": \"DVLD_Car_Info\", \"lsn\": 1}, \"after\": {\"Registration_Number\": 5}}".into());
        }
    }
    publish(&name, &format!("{subject}.DVLD_Car_Info"), &published);
    let run = Running::start(&store, &catalog, &def);
    converge(
        "nats",
        Duration::from_secs(30),
        || want.clone(),
        || warehouse_cars(&store, &catalog, "dvld-nats"),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.source("dvld-nats").unwrap().events_total < published.len() as i64 {
        assert!(Instant::now() < deadline, "not every message was consumed");
        std::thread::sleep(Duration::from_millis(50));
    }
    let s = store.source("dvld-nats").unwrap();
    assert_eq!(s.applied_total, events.len() as i64);
    assert_eq!(s.duplicates_total, (events.len() as i64 + 2) / 3 + 1);
    let dead = store.dead_letters("dvld-nats", 10).unwrap();
    assert_eq!(
        dead.len(),
        0,
        "the malformed event's position is old: it is a duplicate"
    );
    run.finish();
    // Restarting the consumer re-reads nothing new.
    let run = Running::start(&store, &catalog, &def);
    publish(
        &name,
        &format!("{subject}.DVLD_Car_Info"),
        &["not json at all".to_string()],
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.dead_letters("dvld-nats", 10).unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the malformed event was not dead-lettered"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let dead = store.dead_letters("dvld-nats", 10).unwrap();
    assert!(dead[0].reason.contains("malformed JSON"), "{dead:?}");
    assert_eq!(dead[0].payload, "not json at all");
    assert_eq!(
        store.source("dvld-nats").unwrap().applied_total,
        events.len() as i64
    );
    run.finish();
    delete_stream(&name);
}

#[test]
fn dropped_files_load_once_and_strays_are_dead_lettered() {
    let (_w, store, catalog) = warehouse();
    let dir = tempfile::tempdir().unwrap();
    let def = SourceDef {
        name: "dvld-drop".into(),
        kind: Kind::Files,
        entity: "DVLD".into(),
        config: SourceConfig {
            dir: Some(dir.path().display().to_string()),
            every_ms: Some(50),
            ..SourceConfig::default()
        },
    }
    .add(&store, &catalog, Default::default())
    .unwrap();
    let run = Running::start(&store, &catalog, &def);
    let csv = "National_Number,Registration_Number,Make,Model_Year\n9801000001,F1,Kia,2001\n9801000002,F2,Fiat,2002\n12,F3,Bad,2003\n";
    // A file appears whole: written aside, then renamed in.
    let drop = |name: &str, text: &str| {
        let part = dir.path().join(format!("{name}.part"));
        std::fs::write(&part, text).unwrap();
        std::fs::rename(&part, dir.path().join(name)).unwrap();
    };
    drop("DVLD_Car_Info.csv", csv);
    let wait = |what: &str, ok: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ok() {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait("file loaded and moved to done/", &|| {
        dir.path().join("done/DVLD_Car_Info.csv").exists()
    });
    let cars = warehouse_cars(&store, &catalog, "dvld-drop");
    assert_eq!(cars.keys().collect::<Vec<_>>(), vec!["F1", "F2"]);
    // The bad row is in the quarantine with its reason.
    let q = store.quarantine(10).unwrap();
    assert!(
        q.iter()
            .any(|e| e.line == 4 && e.reason.contains("National_Number")),
        "{q:?}"
    );
    // The same content again loads nothing new; a stray file is set aside and reported.
    drop("DVLD_Car_Info.again.csv", csv);
    drop("typo.csv", "a,b\n1,2\n");
    drop("CSPD_Personal_Info.csv", "National_Number\n9801000001\n");
    wait("strays moved to failed/", &|| {
        dir.path().join("failed/typo.csv").exists()
            && dir.path().join("failed/CSPD_Personal_Info.csv").exists()
            && dir.path().join("done/DVLD_Car_Info.again.csv").exists()
    });
    assert_eq!(warehouse_cars(&store, &catalog, "dvld-drop"), cars);
    let dead = store.dead_letters("dvld-drop", 10).unwrap();
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert!(dead
        .iter()
        .all(|d| d.reason.contains("names no table of DVLD")));
    run.finish();
}
