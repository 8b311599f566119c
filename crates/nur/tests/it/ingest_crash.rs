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
            let mut published = 0i64;
            for chunk in events.chunks(500) {
                let mut msgs = Vec::new();
                for (i, e) in chunk.iter().enumerate() {
                    msgs.push(e.clone());
                    if i % 10 == 0 {
                        msgs.push(e.clone());
                    }
                }
                publish(&stream, &format!("{subject}.DVLD_Car_Info"), &msgs);
                published += msgs.len() as i64;
                std::thread::sleep(Duration::from_millis(20));
            }
            published
        })
    };
    kill_trials(&db, "dvld-nats", 0x2545_f491);
    let published = writer.join().unwrap();
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
    // Every message published has been received (redeliveries count again) and committed.
    while store.source("dvld-nats").unwrap().events_total < published {
        assert!(std::time::Instant::now() < deadline, "messages left unread");
        std::thread::sleep(Duration::from_millis(50));
    }
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

/// One HTTP/1.1 request; `Err` when the server is not there (being killed or restarted).
fn post(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    write!(s, "{head}\r\n{body}")?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no response"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("bad status line"))?;
    Ok((status, body.to_owned()))
}

#[test]
fn http_ingest_survives_kill_9_of_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let db = warehouse(tmp.path());
    add_source(
        &db,
        &["--name", "dvld-http", "--kind", "http", "--entity", "DVLD"],
    );
    let creds: serde_json::Value =
        serde_json::from_str(&run(&["client", "create", "--db", &db, "--entity", "DVLD"])).unwrap();
    let (id, secret) = (
        creds["client_id"].as_str().unwrap().to_owned(),
        creds["client_secret"].as_str().unwrap().to_owned(),
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let serve = || {
        nur()
            .args(["serve", "--db", &db, "--listen", &addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let events = nats_events(8_000);
    let mut want = Cars::new();
    for e in &events {
        apply_expected(&mut want, &serde_json::from_str(e).unwrap());
    }
    let mut server = serve();
    let done = Arc::new(AtomicBool::new(false));
    let sender = {
        let (events, addr, done) = (events.clone(), addr.clone(), done.clone());
        std::thread::spawn(move || {
            let form =
                format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
            let mut token: Option<String> = None;
            for batch in events.chunks(20) {
                let body = format!("[{}]", batch.join(","));
                loop {
                    let Some(t) = &token else {
                        match post(
                            &addr,
                            "/oauth2/client/token",
                            &[("Content-Type", "application/x-www-form-urlencoded")],
                            &form,
                        ) {
                            Ok((200, b)) => {
                                let v: serde_json::Value = serde_json::from_str(&b).unwrap();
                                token = Some(v["access_token"].as_str().unwrap().to_owned());
                            }
                            _ => std::thread::sleep(Duration::from_millis(20)),
                        }
                        continue;
                    };
                    let auth = format!("Bearer {t}");
                    match post(
                        &addr,
                        "/api/v1/ingest/dvld-http/events",
                        &[
                            ("Authorization", &auth),
                            ("Content-Type", "application/json"),
                        ],
                        &body,
                    ) {
                        Ok((200, _)) => {
                            std::thread::sleep(Duration::from_millis(25));
                            break;
                        }
                        Ok((401, _)) => token = None,
                        Ok((status, b)) => panic!("{status}: {b}"),
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            }
            done.store(true, Ordering::Relaxed);
        })
    };
    let mut x = 0x3c6e_f372_fe94_f82bu64;
    for _ in 0..TRIALS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::thread::sleep(Duration::from_millis(150 + x % 600));
        server.kill().unwrap(); // SIGKILL, possibly in the middle of a request
        server.wait().unwrap();
        server = serve();
    }
    assert!(
        !done.load(Ordering::Relaxed),
        "the sender finished before the last kill: the trials did not overlap it"
    );
    sender.join().unwrap();
    assert!(done.load(Ordering::Relaxed));
    server.kill().unwrap();
    server.wait().unwrap();
    let store = Store::open(&db, OpenMode::MustExist).unwrap();
    assert_eq!(
        warehouse_cars(&store, &Catalog::jordan(), "dvld-http"),
        want
    );
    let s = store.source("dvld-http").unwrap();
    assert_eq!(
        s.applied_total,
        events.len() as i64,
        "each event applied once"
    );
    assert_eq!(s.errors_total, 0);
}
