//! `nur ingest run` killed with SIGKILL at random moments while its source keeps changing,
//! ten times per transport; restarted at the end, the warehouse must equal the source
//! exactly: no change lost, none applied twice.

use super::{nur, run};
use crate::support::*;
use nur_core::Catalog;
use nur_store::{OpenMode, Store};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const TRIALS: u32 = 10;

fn warehouse(tmp: &std::path::Path) -> String {
    let db = format!("sqlite:{}", tmp.join("w.db").display());
    run(&["init", "--db", &db]);
    db
}

fn ingest(db: &str, source: &str) -> Child {
    nur()
        .args(["ingest", "run", "--db", db, "--source", source])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Starts and SIGKILLs the ingesting process `TRIALS` times at pseudo-random moments.
fn kill_trials(db: &str, source: &str, seed: u64) {
    let mut x = seed;
    for _ in 0..TRIALS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut child = ingest(db, source);
        std::thread::sleep(Duration::from_millis(150 + x % 700));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
}

/// Runs the ingester until the warehouse equals the source, then stops it.
fn settle(db: &str, source: &str, want: impl Fn() -> Cars) -> Store {
    let mut child = ingest(db, source);
    let store = Store::open(db, OpenMode::MustExist).unwrap();
    let catalog = Catalog::jordan();
    converge(
        &format!("{source} after {TRIALS} kills"),
        Duration::from_secs(90),
        want,
        || warehouse_cars(&store, &catalog, source),
    );
    child.kill().unwrap();
    child.wait().unwrap();
    store
}

fn car_flags() -> Vec<String> {
    let mut a = vec!["--table".to_string(), "cars=DVLD_Car_Info".to_string()];
    for (s, t) in [
        ("reg", "Registration_Number"),
        ("owner", "National_Number"),
        ("make", "Make"),
        ("model_year", "Model_Year"),
        ("registered", "Registration_Date"),
    ] {
        a.push("--column".into());
        a.push(format!("cars.{s}={t}"));
    }
    a
}

fn add_source(db: &str, args: &[&str]) {
    let mut all = vec!["source", "add", "--db", db];
    all.extend_from_slice(args);
    run(&all);
}

#[test]
fn postgres_cdc_survives_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let db = warehouse(tmp.path());
    let src = nur_store::testing::TestDb::new(nur_store::testing::Backend::Postgres);
    let mut c = postgres::Client::connect(&src.url, postgres::NoTls).unwrap();
    c.batch_execute(PG_CARS).unwrap();
    c.batch_execute("INSERT INTO cars SELECT 'S' || i, '98010' || lpad(i::text, 5, '0'), 'Kia', 2000, NULL FROM generate_series(1, 3000) i").unwrap();
    let slot = unique("nurtest");
    let _guard = SlotGuard {
        url: src.url.clone(),
        slot: slot.clone(),
    };
    let flags = car_flags();
    let mut args: Vec<&str> = vec![
        "--name",
        "dvld-pg",
        "--kind",
        "postgres",
        "--entity",
        "DVLD",
        "--mode",
        "cdc",
        "--url",
        &src.url,
        "--slot",
        &slot,
        "--publication",
        &slot,
        "--every-ms",
        "20",
        "--batch",
        "200",
    ];
    args.extend(flags.iter().map(String::as_str));
    add_source(&db, &args);

    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (url, writing) = (src.url.clone(), writing.clone());
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let mut i = 0u64;
            while writing.load(Ordering::Relaxed) {
                i += 1;
                let s = format!("S{}", i % 3000 + 1);
                let r = match i % 4 {
                    0 => c.execute("INSERT INTO cars VALUES ($1, $2, 'Toyota', 2015, NULL) ON CONFLICT (reg) DO UPDATE SET make = 'Toyota2'", &[&format!("N{i}"), &nn(i)]),
                    1 => c.execute("UPDATE cars SET model_year = model_year + 1 WHERE reg = $1", &[&s]),
                    2 => c.execute("DELETE FROM cars WHERE reg = $1", &[&format!("N{}", i - 2)]),
                    _ => c.execute("UPDATE cars SET reg = $2 WHERE reg = $1", &[&s, &format!("K{i}")]),
                };
                r.unwrap();
                std::thread::sleep(Duration::from_micros(500));
            }
        })
    };
    kill_trials(&db, "dvld-pg", 0x9e37_79b9);
    writing.store(false, Ordering::Relaxed);
    writer.join().unwrap();
    let url = src.url.clone();
    let store = settle(&db, "dvld-pg", || {
        pg_cars(&mut postgres::Client::connect(&url, postgres::NoTls).unwrap())
    });
    assert_eq!(store.source("dvld-pg").unwrap().errors_total, 0);
}

#[test]
fn mariadb_pull_survives_kill_9() {
    use mysql::prelude::Queryable;
    let tmp = tempfile::tempdir().unwrap();
    let db = warehouse(tmp.path());
    let my = MyDb::new();
    my.conn().query_drop("INSERT INTO cars SELECT CONCAT('S', seq), CONCAT('98010', LPAD(seq, 5, '0')), 'Kia', 2000, NULL, seq FROM seq_1_to_3000").unwrap();
    let flags = car_flags();
    let mut args: Vec<&str> = vec![
        "--name",
        "dvld-my",
        "--kind",
        "mariadb",
        "--entity",
        "DVLD",
        "--mode",
        "pull",
        "--url",
        &my.url,
        "--watermark",
        "cars=version",
        "--every-ms",
        "20",
        "--batch",
        "100",
    ];
    args.extend(flags.iter().map(String::as_str));
    add_source(&db, &args);

    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (url, writing) = (my.url.clone(), writing.clone());
        std::thread::spawn(move || {
            let mut c = mysql::Conn::new(mysql::Opts::from_url(&url).unwrap()).unwrap();
            let mut version = 10_000u64;
            while writing.load(Ordering::Relaxed) {
                version += 1;
                if version.is_multiple_of(2) {
                    c.exec_drop(
                        "INSERT INTO cars VALUES (?, ?, 'Toyota', 2015, NULL, ?)",
                        (format!("N{version}"), nn(version), version),
                    )
                    .unwrap();
                } else {
                    c.exec_drop(
                        "UPDATE cars SET model_year = model_year + 1, version = ? WHERE reg = ?",
                        (version, format!("S{}", version % 3000 + 1)),
                    )
                    .unwrap();
                }
                std::thread::sleep(Duration::from_micros(500));
            }
        })
    };
    kill_trials(&db, "dvld-my", 0x51_7cc1_b727);
    writing.store(false, Ordering::Relaxed);
    writer.join().unwrap();
    let store = settle(&db, "dvld-my", || my.cars());
    assert_eq!(store.source("dvld-my").unwrap().errors_total, 0);
}

#[test]
fn nats_survives_kill_9_and_applies_each_event_once() {
    let tmp = tempfile::tempdir().unwrap();
    let db = warehouse(tmp.path());
    let stream = unique("NURCRASH");
    let subject = stream.to_lowercase();
    add_source(
        &db,
        &[
            "--name",
            "dvld-nats",
            "--kind",
            "nats",
            "--entity",
            "DVLD",
            "--url",
            "nats://127.0.0.1:4222",
            "--stream",
            &stream,
            "--subject",
            &format!("{subject}.>"),
            "--durable",
            "nur",
            "--batch",
            "100",
        ],
    );
    let events = nats_events(30_000);
    let mut want = Cars::new();
    for e in &events {
        apply_expected(&mut want, &serde_json::from_str(e).unwrap());
    }
    let writer = {
        let (events, stream, subject) = (events.clone(), stream.clone(), subject.clone());
        std::thread::spawn(move || {
            // Published in slices while the consumer is being killed; every 10th event twice.
            for chunk in events.chunks(500) {
                let mut msgs = Vec::new();
                for (i, e) in chunk.iter().enumerate() {
                    msgs.push(e.clone());
                    if i % 10 == 0 {
                        msgs.push(e.clone());
                    }
                }
                publish(&stream, &format!("{subject}.DVLD_Car_Info"), &msgs);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    kill_trials(&db, "dvld-nats", 0x2545_f491);
    writer.join().unwrap();
    let store = settle(&db, "dvld-nats", || want.clone());
    // Wait for the last events to be counted, then check each was applied exactly once.
    let mut child = ingest(&db, "dvld-nats");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let applied = store.source("dvld-nats").unwrap().applied_total;
        if applied >= events.len() as i64 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "events lost: {applied} of {} applied",
            events.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let s = store.source("dvld-nats").unwrap();
    assert_eq!(
        s.applied_total,
        events.len() as i64,
        "each event applied once"
    );
    assert_eq!(s.errors_total, 0);
    delete_stream(&stream);
}
