//! Sources against the real services of the machine: a PostgreSQL source database followed
//! by logical replication (snapshot + stream), a MariaDB database pulled by watermark and by
//! full refresh, and a NATS JetStream stream of Debezium events. Each test changes the source
//! while NUR follows it, then waits until the warehouse equals the source exactly.

use nur_core::Catalog;
use nur_ingest::cdc::{self, Kind, Mode, SourceConfig, SourceDef, Stop, TableMap};
use nur_store::testing::{Backend, TestDb};
use nur_store::{Store, Warehouse};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Registration number → (owner, make, model year) as text.
pub type Cars = BTreeMap<String, (String, Option<String>, Option<String>)>;

pub fn nn(i: u64) -> String {
    format!("98010{:05}", i % 100_000)
}

static N: AtomicU64 = AtomicU64::new(0);

/// A name unique to this test process and call, safe as an identifier everywhere.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The source's `cars` table mapped onto DVLD's car registry.
pub fn cars_map(watermark: Option<&str>) -> Vec<TableMap> {
    let columns = [
        ("reg", "Registration_Number"),
        ("owner", "National_Number"),
        ("make", "Make"),
        ("model_year", "Model_Year"),
        ("registered", "Registration_Date"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    vec![TableMap {
        source: "cars".into(),
        table: "DVLD_Car_Info".into(),
        columns,
        watermark: watermark.map(str::to_owned),
    }]
}

pub fn warehouse_cars(store: &Store, catalog: &Catalog, source: &str) -> Cars {
    let t = catalog.table("DVLD_Car_Info").unwrap();
    let i = |c| t.column_index(c).unwrap();
    let (nn, make, year) = (i("National_Number"), i("Make"), i("Model_Year"));
    store
        .rows_by_source(t, source)
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

/// Polls until `got()` equals `want()` (both re-read each time) or the deadline passes.
pub fn converge(what: &str, timeout: Duration, want: impl Fn() -> Cars, got: impl Fn() -> Cars) {
    let deadline = Instant::now() + timeout;
    loop {
        let (w, g) = (want(), got());
        if w == g {
            return;
        }
        if Instant::now() > deadline {
            let missing: Vec<_> = w.keys().filter(|k| !g.contains_key(*k)).take(5).collect();
            let extra: Vec<_> = g.keys().filter(|k| !w.contains_key(*k)).take(5).collect();
            let differ: Vec<_> = w
                .iter()
                .filter(|(k, v)| g.get(*k).is_some_and(|x| x != *v))
                .take(5)
                .collect();
            panic!(
                "{what}: warehouse ({}) != source ({}); missing {missing:?}, extra {extra:?}, differ {differ:?}",
                g.len(),
                w.len()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub struct Running {
    stop: Stop,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Running {
    pub fn start(store: &Arc<Store>, catalog: &Arc<Catalog>, def: &SourceDef) -> Running {
        let stop = Stop::default();
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

/// Drops a test's replication slot and publication (an abandoned slot keeps WAL forever).
pub struct SlotGuard {
    pub url: String,
    pub slot: String,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.url, postgres::NoTls) {
            for _ in 0..50 {
                let r = c.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1",
                    &[&self.slot],
                );
                if r.is_ok() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

pub fn pg_cars(c: &mut postgres::Client) -> Cars {
    c.query(
        "SELECT reg, owner, make, CAST(model_year AS TEXT) FROM cars",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3))))
    .collect()
}

pub const PG_CARS: &str = "CREATE TABLE cars (reg TEXT PRIMARY KEY, owner TEXT NOT NULL, make TEXT, model_year INT, registered DATE, note TEXT)";

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
    let def = def.add(&store, &catalog).unwrap();
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

pub fn my_admin() -> mysql::Conn {
    mysql::Conn::new(mysql::Opts::from_url("mysql://root@127.0.0.1:3306/test").unwrap())
        .expect("MariaDB at 127.0.0.1:3306 (root, no password)")
}

/// A fresh MariaDB database with a `cars` table; dropped with the guard.
pub struct MyDb {
    pub name: String,
    pub url: String,
}

impl MyDb {
    pub fn new() -> MyDb {
        use mysql::prelude::Queryable;
        let name = unique("nurtest");
        let mut c = my_admin();
        c.query_drop(format!("CREATE DATABASE {name}")).unwrap();
        c.query_drop(format!("CREATE TABLE {name}.cars (reg VARCHAR(20) PRIMARY KEY, owner VARCHAR(10) NOT NULL, make VARCHAR(40), model_year INT, registered DATE, version BIGINT NOT NULL, KEY (version))")).unwrap();
        MyDb {
            url: format!("mysql://root@127.0.0.1:3306/{name}"),
            name,
        }
    }
    pub fn conn(&self) -> mysql::Conn {
        mysql::Conn::new(mysql::Opts::from_url(&self.url).unwrap()).unwrap()
    }
    pub fn cars(&self) -> Cars {
        use mysql::prelude::Queryable;
        let rows: Vec<(String, String, Option<String>, Option<String>)> = self
            .conn()
            .query("SELECT reg, owner, make, CAST(model_year AS CHAR) FROM cars")
            .unwrap();
        rows.into_iter()
            .map(|(a, b, c, d)| (a, (b, c, d)))
            .collect()
    }
}

impl Drop for MyDb {
    fn drop(&mut self) {
        use mysql::prelude::Queryable;
        let _ = my_admin().query_drop(format!("DROP DATABASE IF EXISTS {}", self.name));
    }
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
        .add(&store, &catalog)
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
        .add(&store, &catalog)
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
    .add(&store, &catalog)
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

/// Debezium-shaped car events with increasing LSNs: inserts, updates and deletes.
pub fn nats_events(n: u64) -> Vec<String> {
    (0..n)
        .map(|i| {
            let reg = format!("R{}", i % 97);
            let row = serde_json::json!({"Registration_Number": reg, "National_Number": nn(i % 97), "Make": "Kia", "Model_Year": 2000 + i as i64});
            let (op, before, after) = match i % 7 {
                6 => ("d", row, serde_json::Value::Null),
                _ => ("u", serde_json::Value::Null, row),
            };
            serde_json::json!({"before": before, "after": after, "op": op, "ts_ms": 1_700_000_000_000i64 + i as i64,
                "source": {"table": "DVLD_Car_Info", "lsn": 1000 + i, "ts_ms": 1_700_000_000_000i64 + i as i64}})
            .to_string()
        })
        .collect()
}

pub fn apply_expected(want: &mut Cars, v: &serde_json::Value) {
    let row = if v["op"] == "d" {
        &v["before"]
    } else {
        &v["after"]
    };
    let reg = row["Registration_Number"].as_str().unwrap().to_owned();
    if v["op"] == "d" {
        want.remove(&reg);
    } else {
        want.insert(
            reg,
            (
                row["National_Number"].as_str().unwrap().to_owned(),
                row["Make"].as_str().map(str::to_owned),
                row["Model_Year"].as_i64().map(|y| y.to_string()),
            ),
        );
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Publishes to a JetStream stream (created when missing) and waits for each ack.
pub fn publish(stream: &str, subject: &str, messages: &[String]) {
    rt().block_on(async {
        let client = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
        let js = async_nats::jetstream::new(client);
        js.get_or_create_stream(async_nats::jetstream::stream::Config {
            name: stream.to_owned(),
            subjects: vec![format!("{}.>", subject.split('.').next().unwrap())],
            storage: async_nats::jetstream::stream::StorageType::File,
            ..Default::default()
        })
        .await
        .unwrap();
        let mut acks = Vec::new();
        for m in messages {
            acks.push(
                js.publish(subject.to_owned(), m.clone().into())
                    .await
                    .unwrap(),
            );
            if acks.len() >= 1000 {
                for a in acks.drain(..) {
                    a.await.unwrap();
                }
            }
        }
        for a in acks {
            a.await.unwrap();
        }
    });
}

pub fn delete_stream(stream: &str) {
    rt().block_on(async {
        let client = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
        let _ = async_nats::jetstream::new(client)
            .delete_stream(stream)
            .await;
    });
}
