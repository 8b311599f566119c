//! HTTP tests on the real app: the router served on port 0 over a loaded database, on both
//! backends, spoken to with a plain HTTP/1.1 client.

use nur_core::Catalog;
use nur_store::testing::{Backend, TestDb};
use nur_store::Warehouse;
use std::io::{Read, Write};
use std::sync::Arc;

struct App {
    addr: std::net::SocketAddr,
    _db: TestDb,
    _rt: tokio::runtime::Runtime,
    person: String,
}

fn spawn_app(b: Backend) -> App {
    let c = Catalog::jordan();
    let data = tempfile::tempdir().unwrap();
    nur_synth::generate(&c, &nur_synth::SynthOptions::new(500, 3), data.path()).unwrap();
    let db = TestDb::new(b);
    let store = db.open();
    store.migrate(&c).unwrap();
    struct Quiet;
    impl nur_ingest::Progress for Quiet {
        fn file_started(&mut self, _: &str, _: u64) {}
        fn advanced(&mut self, _: u64, _: u64) {}
        fn file_finished(&mut self, _: &nur_ingest::FileReport) {}
    }
    nur_ingest::load_dir(&store, &c, data.path(), &Default::default(), &mut Quiet).unwrap();
    let mut person = String::new();
    store
        .for_each_person(&c, &mut |nn| {
            if person.is_empty() {
                person = nn.to_owned();
            }
        })
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let state = nur_web::AppState {
        store: Arc::new(store),
        catalog: Arc::new(c),
    };
    rt.spawn(nur_web::serve(listener, state, std::future::pending()));
    App {
        addr,
        _db: db,
        _rt: rt,
        person,
    }
}

/// GET over a fresh connection; returns (status, body).
fn get(app: &App, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(app.addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    // Responses here are small; undo chunked framing if the server chose it.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        while let Some((len, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        body.to_owned()
    };
    (status, body)
}

macro_rules! both {
    ($($case:ident),* $(,)?) => {
        mod sqlite { $(#[test] fn $case() { super::$case(super::Backend::Sqlite) })* }
        mod postgres { $(#[test] fn $case() { super::$case(super::Backend::Postgres) })* }
    };
}

both!(health_and_person_lookup, bad_requests_get_clear_errors);

fn health_and_person_lookup(b: Backend) {
    let app = spawn_app(b);
    assert_eq!(get(&app, "/healthz"), (200, "ok".into()));
    assert_eq!(get(&app, "/readyz"), (200, "ready".into()));
    let (status, body) = get(&app, &format!("/api/v1/persons/{}", app.person));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["national_number"], app.person.as_str());
    assert_eq!(v["person"]["National_Number"], app.person.as_str());
    assert!(!v["household"]["members"].as_array().unwrap().is_empty());
    assert!(v["records"]["CSPD_Birth_Info"].is_array());
}

fn bad_requests_get_clear_errors(b: Backend) {
    let app = spawn_app(b);
    let cases = [
        (
            "/api/v1/persons/98210170",
            400,
            "invalid_national_number",
            "expected 10 digits, got 8",
        ),
        (
            "/api/v1/persons/9011000001",
            404,
            "person_not_found",
            "no person",
        ),
        (
            "/api/v1/persons/%27%20OR%201=1--",
            400,
            "invalid_national_number",
            "national number",
        ),
        ("/api/v1/nowhere", 404, "route_not_found", "no such route"),
    ];
    for (path, status, code, message) in cases {
        let (got, body) = get(&app, path);
        assert_eq!(got, status, "{path}: {body}");
        let e: nur_web::ErrorBody = serde_json::from_str(&body).unwrap();
        assert_eq!(e.error.code, code, "{path}");
        assert!(
            e.error.message.contains(message),
            "{path}: {}",
            e.error.message
        );
    }
}
