//! Helpers shared by the source tests here and the crash tests of the `nur` binary
//! (included there by path): the `cars` table of a source database, the services' clients,
//! and convergence checks.
#![allow(dead_code)]

use nur_core::Catalog;
use nur_ingest::cdc::TableMap;
use nur_store::Store;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
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
