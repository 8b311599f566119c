//! DCI on the real app: the CRVS registry's sync and async search under the client's
//! grants, bad envelopes, the official samples, subscriptions notified from ingestion, and
//! the outbox's retries. Every answer, callback and notification is validated against the
//! official OpenAPI schemas.

use super::dci_schema::{samples, Part, Schemas};
use super::ingest::client_token;
use super::{
    call, column, eventually, grant, id, request, revoke, spawn_app_with, table, token, App, Tweaks,
};
use nur_core::Catalog;
use nur_ingest::cdc::{Kind, SourceConfig, SourceDef};
use nur_store::testing::Backend;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(super) const SENDER: &str = "naf-mis";
const SYNC: &str = "/dci/crvs/registry/sync/search";

static SEQ: AtomicUsize = AtomicUsize::new(0);

pub(super) fn message_id() -> String {
    format!(
        "m-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

pub(super) fn envelope(action: &str, sender_uri: Option<&str>, message: Value) -> Value {
    let n = ["search_request", "subscribe_request", "subscription_codes"]
        .iter()
        .find_map(|k| message[k].as_array().map(Vec::len))
        .unwrap_or(1);
    let mut h = json!({"version": "1.0.0", "message_id": message_id(), "message_ts": "2026-12-02T10:00:00+03:00",
        "action": action, "sender_id": SENDER, "receiver_id": "nur", "total_count": n});
    if let Some(u) = sender_uri {
        h["sender_uri"] = u.into();
    }
    json!({"signature": "", "header": h, "message": message})
}

fn item(reference: &str, query_type: &str, query: Value) -> Value {
    json!({"reference_id": reference, "timestamp": "2026-12-02T10:00:00Z", "locale": "eng",
           "search_criteria": {"version": "1.0.0", "reg_type": "ns:org:RegistryType:Civil",
             "query_type": query_type, "query": query, "pagination": {"page_size": 5, "page_number": 1}}})
}

pub(super) fn search(items: Vec<Value>) -> Value {
    envelope(
        "search",
        None,
        json!({"transaction_id": "t-1", "search_request": items}),
    )
}

fn uin(nn: &str) -> Value {
    item("r-uin", "idtype-value", json!({"type": "UIN", "value": nn}))
}

pub(super) fn post(app: &App, tok: &str, path: &str, body: &Value) -> (u16, Value) {
    call(app, tok, "POST", path, &body.to_string())
}

/// The records of the first item of a sync answer.
pub(super) fn records(v: &Value) -> Vec<Value> {
    v["message"]["search_response"][0]["data"]["reg_records"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn fast() -> nur_dci::Backoff {
    nur_dci::Backoff {
        first: Duration::from_millis(100),
        max: Duration::from_millis(400),
        attempts: 6,
        timeout: Duration::from_secs(2),
        poll: Duration::from_millis(100),
    }
}

pub(super) fn dci_app(b: Backend) -> App {
    let app = spawn_app_with(
        b,
        Tweaks {
            dci_backoff: Some(fast()),
            ..Default::default()
        },
    );
    app.uses
        .register_dci_sender(
            &nur_app::Caller::operator("test"),
            &app.client_id,
            SENDER,
            "none",
            None,
        )
        .unwrap();
    app
}

pub(super) fn dci_crvs_search_under_grants_and_bad_input(b: Backend) {
    let app = dci_app(b);
    let c = Catalog::jordan();
    let tok = token(&app);
    let mut schemas = Schemas::new();

    // By national number: a CRVSPerson with exactly NAF's granted columns.
    let (st, v) = post(&app, &tok, SYNC, &search(vec![uin(&app.person)]));
    assert_eq!(st, 200, "{v}");
    schemas.check("crvs", "/registry/sync/search", Part::Answer, &v);
    assert_eq!(v["header"]["status"], "succ", "{v}");
    assert_eq!(v["header"]["action"], "on-search");
    let item0 = &v["message"]["search_response"][0];
    assert_eq!(item0["reference_id"], "r-uin");
    assert_eq!(item0["pagination"]["total_count"], 1);
    let r = &records(&v)[0];
    assert_eq!(
        r["identifier"][0]["identifier_value"],
        app.person.as_str(),
        "{r}"
    );
    assert!(r["name"]["given_name"].is_string(), "{r}");
    assert!(r["birth_date"].is_string(), "{r}");
    for ungranted in ["sex", "marital_status", "death_date", "address", "name_en"] {
        assert!(
            r.get(ungranted).is_none(),
            "{ungranted} is not granted: {r}"
        );
    }
    assert!(
        v["signature"]
            .as_str()
            .is_some_and(|s| s.split('.').count() == 3),
        "signed: {v}"
    );

    // A revocation applies to the next call.
    revoke(&app.store, &c, column("CSPD_Personal_Info", "First_Name"));
    let (_, v) = post(&app, &tok, SYNC, &search(vec![uin(&app.person)]));
    assert!(records(&v)[0]["name"].get("given_name").is_none(), "{v}");
    grant(&app.store, &c, column("CSPD_Personal_Info", "First_Name"));

    // A birth registration number: refused while its column is not granted (a condition
    // reveals values too), answered once it is.
    let cert: String = app
        .store
        .registry_rows(
            &[c.table("CSPD_Birth_Info").unwrap()],
            &[app.person.as_str()],
        )
        .unwrap()
        .get(&app.person)
        .and_then(|t| t.get("CSPD_Birth_Info"))
        .and_then(|rows| rows[0]["Certificate_Number"].as_str().map(str::to_owned))
        .expect("the person has a birth record");
    let brn = item(
        "r-brn",
        "idtype-value",
        json!({"type": "BRN", "value": cert}),
    );
    let (_, v) = post(&app, &tok, SYNC, &search(vec![brn.clone()]));
    schemas.check("crvs", "/registry/sync/search", Part::Answer, &v);
    let it = &v["message"]["search_response"][0];
    assert_eq!(
        (&it["status"], &it["status_reason_code"]),
        (&json!("rjct"), &json!("rjct.search_criteria.invalid")),
        "{v}"
    );
    grant(
        &app.store,
        &c,
        column("CSPD_Birth_Info", "Certificate_Number"),
    );
    let (_, v) = post(&app, &tok, SYNC, &search(vec![brn]));
    assert!(
        records(&v)
            .iter()
            .any(|r| r["identifier"][0]["identifier_value"] == app.person.as_str()),
        "{v}"
    );

    // Predicates and expressions, paged; many items in one request, each with its reference.
    let pred = json!([{"seq_num": 1, "expression1": {"attribute_name": "birth_date", "operator": "ge", "attribute_value": "1900-01-01"}}]);
    let mut p2 = item("r-p2", "predicate", pred.clone());
    p2["search_criteria"]["pagination"] = json!({"page_size": 3, "page_number": 2});
    let mongo = item(
        "r-mongo",
        "expression",
        json!({"collection": "Person", "query": {"$and": [{"age": {"$gte": 18}}]}}),
    );
    let dup = item("r-p2", "predicate", pred);
    let (_, v) = post(&app, &tok, SYNC, &search(vec![p2, mongo, dup]));
    schemas.check("crvs", "/registry/sync/search", Part::Answer, &v);
    let items = v["message"]["search_response"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["status"], "succ", "{v}");
    assert_eq!(items[0]["pagination"]["page_number"], 2);
    assert_eq!(items[0]["data"]["reg_records"].as_array().unwrap().len(), 3);
    let everyone = items[0]["pagination"]["total_count"].as_u64().unwrap();
    assert!(everyone > 400, "{everyone}");
    let adults = items[1]["pagination"]["total_count"].as_u64().unwrap();
    assert!(adults > 0 && adults < everyone, "{adults} of {everyone}");
    assert_eq!(
        items[2]["status_reason_code"],
        "rjct.reference_id.duplicate"
    );
    assert_eq!(v["header"]["completed_count"], 2);

    // Many persons by national number in one message (read together): each item answered
    // with its own person, the same person twice alike; with a malformed number among them,
    // that item alone is refused and the others answered the same.
    let persons: Vec<String> = app
        .store
        .sp_households_after(&c, "", 3)
        .unwrap()
        .into_iter()
        .flat_map(|(_, nns)| nns)
        .take(6)
        .collect();
    let mut asked: Vec<Value> = persons
        .iter()
        .enumerate()
        .map(|(i, nn)| {
            item(
                &format!("r-{i}"),
                "idtype-value",
                json!({"type": "UIN", "value": nn}),
            )
        })
        .collect();
    asked.push(item(
        "r-again",
        "idtype-value",
        json!({"type": "UIN", "value": persons[0]}),
    ));
    let answered = |v: &Value| -> Vec<(String, String, Option<String>)> {
        v["message"]["search_response"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["reference_id"].as_str().unwrap().to_owned(),
                    r["status"].as_str().unwrap().to_owned(),
                    r["data"]["reg_records"][0]["identifier"][0]["identifier_value"]
                        .as_str()
                        .map(str::to_owned),
                )
            })
            .collect()
    };
    let (_, v) = post(&app, &tok, SYNC, &search(asked.clone()));
    schemas.check("crvs", "/registry/sync/search", Part::Answer, &v);
    let together = answered(&v);
    for (i, nn) in persons.iter().enumerate() {
        assert_eq!(
            together[i],
            (format!("r-{i}"), "succ".into(), Some(nn.clone())),
            "{v}"
        );
    }
    assert_eq!(
        together[persons.len()].2.as_deref(),
        Some(persons[0].as_str())
    );
    asked.push(item(
        "r-bad",
        "idtype-value",
        json!({"type": "UIN", "value": "123"}),
    ));
    let (_, v) = post(&app, &tok, SYNC, &search(asked));
    let alone = answered(&v);
    assert_eq!(&alone[..together.len()], &together[..]);
    assert_eq!(alone.last().unwrap().1, "rjct", "{v}");

    // Bad criteria: each item refused with its reason, never a 500.
    for (q_type, q, code) in [
        (
            "idtype-value",
            json!({"type": "PASSPORT", "value": "X1"}),
            "rjct.search_criteria.invalid",
        ),
        (
            "predicate",
            json!([{"expression1": {"attribute_name": "shoe_size", "operator": "eq", "attribute_value": 1}}]),
            "rjct.search_criteria.invalid",
        ),
        (
            "graphql",
            json!("{ persons }"),
            "rjct.search_criteria.invalid",
        ),
        (
            "expression",
            json!({"$where": "1"}),
            "rjct.search_criteria.invalid",
        ),
        (
            "predicate",
            json!([{"expression1": {"attribute_name": "birth_date", "operator": "ge", "attribute_value": "not a date"}}]),
            "rjct.search_criteria.invalid",
        ),
    ] {
        let (st, v) = post(
            &app,
            &tok,
            SYNC,
            &search(vec![item("r", q_type, q.clone())]),
        );
        assert_eq!(st, 200, "{q}: {v}");
        schemas.check("crvs", "/registry/sync/search", Part::Answer, &v);
        assert_eq!(
            v["message"]["search_response"][0]["status_reason_code"], code,
            "{q}: {v}"
        );
        assert_eq!(v["header"]["status"], "rjct");
    }
    let mut paged = uin(&app.person);
    paged["search_criteria"]["pagination"] = json!({"page_size": 0});
    let (_, v) = post(&app, &tok, SYNC, &search(vec![paged]));
    assert_eq!(
        v["message"]["search_response"][0]["status_reason_code"],
        "rjct.pagination.invalid"
    );

    // Bad envelopes: every header field missing or malformed in turn, the wrong action, an
    // oversized batch, a repeated message id — each a schema-valid rejection.
    let good = search(vec![uin(&app.person)]);
    let mut cases: Vec<(Value, &str)> = Vec::new();
    for (field, code) in [
        ("message_id", None),
        ("message_ts", Some("rjct.message_ts.invalid")),
        ("action", Some("rjct.action.invalid")),
        ("sender_id", None),
        ("total_count", Some("rjct.total_count.invalid")),
    ] {
        let mut b = good.clone();
        b["header"].as_object_mut().unwrap().remove(field);
        cases.push((b, code.unwrap_or("")));
        let mut b = good.clone();
        b["header"][field] = json!({"no": "object"});
        cases.push((b, ""));
    }
    let mut b = good.clone();
    b["header"]["action"] = "subscribe".into();
    cases.push((b, "rjct.action.invalid"));
    let mut b = good.clone();
    b["header"]["message_ts"] = "yesterday".into();
    cases.push((b, "rjct.message_ts.invalid"));
    let mut b = good.clone();
    b["header"]["total_count"] = 101.into();
    cases.push((b, "rjct.total_count.limit_exceeded"));
    let mut b = good.clone();
    b["header"]["version"] = "2.0.0".into();
    cases.push((b, ""));
    let mut b = good.clone();
    b["header"]["sender_id"] = "someone-else".into();
    cases.push((b, ""));
    let mut b = good.clone();
    b["message"] = json!("text");
    cases.push((b, ""));
    let mut b = good.clone();
    b.as_object_mut().unwrap().remove("header");
    cases.push((b, ""));
    for (body, code) in cases {
        let (st, v) = post(&app, &tok, SYNC, &body);
        assert_eq!(st, 400, "{body}: {v}");
        schemas.check("crvs", "/registry/sync/search", Part::Answer, &v);
        assert_eq!(v["header"]["status"], "rjct", "{v}");
        if !code.is_empty() {
            assert_eq!(v["header"]["status_reason_code"], code, "{body}: {v}");
        }
    }
    for raw in ["{not json", "[]", ""] {
        let (st, v) = call(&app, &tok, "POST", SYNC, raw);
        assert_eq!(st, 400, "{raw}: {v}");
        schemas.check("crvs", "/registry/sync/search", Part::Answer, &v);
    }
    let many: Vec<Value> = (0..101)
        .map(|i| {
            item(
                &format!("r{i}"),
                "idtype-value",
                json!({"type": "UIN", "value": app.person}),
            )
        })
        .collect();
    let mut b = search(many);
    b["header"]["total_count"] = 1.into();
    let (_, v) = post(&app, &tok, SYNC, &b);
    schemas.check("crvs", "/registry/sync/search", Part::Answer, &v);
    assert_eq!(v["header"]["status"], "rjct", "{v}");
    let once = search(vec![uin(&app.person)]);
    let (st, _) = post(&app, &tok, SYNC, &once);
    assert_eq!(st, 200);
    let (st, v) = post(&app, &tok, SYNC, &once);
    assert_eq!(
        (st, &v["header"]["status_reason_code"]),
        (400, &json!("rjct.message_id.duplicate")),
        "{v}"
    );

    // Async endpoints refuse with an ERR ack.
    let (st, v) = post(
        &app,
        &tok,
        "/dci/crvs/registry/search",
        &search(vec![uin(&app.person)]),
    );
    assert_eq!(st, 400, "no sender_uri: {v}");
    schemas.check("crvs", "/registry/search", Part::Ack, &v);
    assert_eq!(
        (&v["message"]["ack_status"], &v["message"]["error"]["code"]),
        (&json!("ERR"), &json!("err.sender_uri.invalid"))
    );

    // No token, a bad one, a client that is no DCI sender.
    let (st, v) = request(
        &app,
        "POST",
        SYNC,
        &[("Content-Type", "application/json")],
        &good.to_string(),
    );
    assert_eq!(st, 401, "{v}");
    let v: Value = serde_json::from_str(&v).unwrap();
    schemas.check("crvs", "/registry/sync/search", Part::HttpError, &v);
    assert_eq!(v["errors"][0]["code"], "err.request.unauthorized");
    let (st, _) = post(&app, "not-a-token", SYNC, &good);
    assert_eq!(st, 401);
    let other = client_token(&app, "NAF");
    let (st, v) = post(&app, &other, SYNC, &good);
    assert_eq!(
        (st, &v["errors"][0]["code"]),
        (403, &json!("err.request.forbidden")),
        "{v}"
    );
    let (st, _) = post(&app, &tok, "/dci/crvs/registry/nothing", &good);
    assert_eq!(st, 404);

    // The official sample requests are accepted (their sender and ids made ours).
    for (name, mut s) in samples("crvs") {
        let action = s["header"]["action"].as_str().unwrap_or("").to_owned();
        let path = match action.as_str() {
            "search" => "/dci/crvs/registry/search",
            "subscribe" => "/dci/crvs/registry/subscribe",
            "unsubscribe" => "/dci/crvs/registry/unsubscribe",
            "txn-status" => "/dci/crvs/registry/txn/status",
            _ => continue,
        };
        s["header"]["sender_id"] = SENDER.into();
        s["header"]["message_id"] = message_id().into();
        s["header"]["sender_uri"] = "http://127.0.0.1:9/callbacks".into();
        let (st, v) = post(&app, &tok, path, &s);
        assert_eq!(
            (st, &v["message"]["ack_status"]),
            (200, &json!("ACK")),
            "{name}: {v}"
        );
        schemas.check("crvs", &path["/dci/crvs".len()..], Part::Ack, &v);
    }

    // Every search is in the person's access report.
    let (st, v) = call(
        &app,
        &tok,
        "GET",
        &format!("/api/v1/persons/{}/access-log", app.person),
        "",
    );
    assert_eq!(st, 200, "{v}");
    assert!(v.to_string().contains("person.search"), "{v}");

    // The country's places.
    let (st, v) = request(&app, "GET", "/.well-known/locations.json", &[], "");
    assert_eq!(st, 200);
    let v: Value = serde_json::from_str(&v).unwrap();
    schemas.check("locations", "/.well-known/locations.json", Part::Get, &v);
    assert!(v["locations"].as_array().unwrap().len() > 12);
    let _ = (id, table);
}

/// A receiver of callbacks and notifications on port 0 that fails its first `fail` requests.
pub(super) struct Receiver {
    pub(super) base: String,
    pub(super) got: Arc<Mutex<Vec<(String, Value)>>>,
    tries: Arc<AtomicUsize>,
}

impl Receiver {
    pub(super) fn start(fail: usize) -> Receiver {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/callbacks", l.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let tries = Arc::new(AtomicUsize::new(0));
        let (g, t) = (got.clone(), tries.clone());
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let (head, body) = loop {
                    let n = s.read(&mut chunk).unwrap_or(0);
                    if n == 0 {
                        break (String::new(), Vec::new());
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..at]).into_owned();
                        let len: usize = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        while buf.len() < at + 4 + len {
                            let n = s.read(&mut chunk).unwrap_or(0);
                            if n == 0 {
                                break;
                            }
                            buf.extend_from_slice(&chunk[..n]);
                        }
                        break (head, buf[at + 4..].to_vec());
                    }
                };
                let n = t.fetch_add(1, Ordering::SeqCst);
                let status = if n < fail {
                    "500 Internal Server Error"
                } else {
                    "200 OK"
                };
                if n >= fail {
                    let path = head.split(' ').nth(1).unwrap_or("").to_owned();
                    g.lock()
                        .unwrap()
                        .push((path, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                }
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Receiver { base, got, tries }
    }

    /// Waits for the first received body at `path`.
    pub(super) fn wait(&self, path: &str) -> Value {
        eventually(
            || {
                format!(
                    "nothing arrived at {path}; got {:?}",
                    self.got.lock().unwrap()
                )
            },
            || {
                self.got
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|(p, _)| p.ends_with(path))
                    .map(|(_, v)| v.clone())
            },
        )
    }

    /// Waits until the app has nothing left to answer, notify or deliver, then counts what arrived
    /// at `path`.
    pub(super) fn settled_count(&self, app: &App, path: &str) -> usize {
        eventually(
            || "the worker never settled".into(),
            || {
                (app.uses.dci_unanswered(1).unwrap().is_empty()
                    && app.uses.dci_events(1).unwrap().is_empty()
                    && app.uses.dci_outbox_due(1).unwrap().is_empty())
                .then_some(())
            },
        );
        self.count(path)
    }

    pub(super) fn count(&self, path: &str) -> usize {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.ends_with(path))
            .count()
    }
}

pub(super) fn death(person: &str, lsn: u64, cert: &str) -> Value {
    json!({"op": "c", "before": null, "ts_ms": 1_764_000_000_000i64,
           "after": {"Certificate_Number": cert, "National_Number": person, "Death_Date": "2026-11-30",
                     "Death_Place": "Amman", "Registration_Date": "2026-12-01"},
           "source": {"table": "CSPD_Death_Info", "lsn": lsn, "ts_ms": 1_764_000_000_000i64}})
}

pub(super) fn dci_async_callbacks_and_death_notifications(b: Backend) {
    let app = dci_app(b);
    let c = Catalog::jordan();
    grant(&app.store, &c, table("CSPD_Death_Info"));
    grant(&app.store, &c, column("CSPD_Death_Info", "National_Number"));
    grant(&app.store, &c, column("CSPD_Death_Info", "Death_Date"));
    let tok = token(&app);
    let mut schemas = Schemas::new();
    let rx = Receiver::start(2);

    // Async search: ACK at once, the answer on the callback, delivered on the third try.
    let mut body = search(vec![uin(&app.person)]);
    body["header"]["sender_uri"] = rx.base.clone().into();
    body["message"]["transaction_id"] = "t-async".into();
    let (st, ack) = post(&app, &tok, "/dci/crvs/registry/search", &body);
    assert_eq!(
        (st, &ack["message"]["ack_status"]),
        (200, &json!("ACK")),
        "{ack}"
    );
    schemas.check("crvs", "/registry/search", Part::Ack, &ack);
    let cb = rx.wait("/registry/on-search");
    schemas.check("crvs", "/registry/on-search", Part::Request, &cb);
    assert_eq!(cb["message"]["transaction_id"], "t-async");
    assert_eq!(
        cb["message"]["correlation_id"],
        ack["message"]["correlation_id"]
    );
    assert_eq!(
        records(&cb)[0]["identifier"][0]["identifier_value"],
        app.person.as_str()
    );
    assert_eq!(
        rx.tries.load(Ordering::SeqCst),
        3,
        "two failures, then the delivery"
    );

    // The transaction's status, sync.
    let status = envelope(
        "txn-status",
        None,
        json!({"transaction_id": "t-status", "txnstatus_request": {"reference_id": "s1", "txn_type": "search",
               "attribute_type": "transaction_id", "attribute_value": "t-async"}}),
    );
    let (st, v) = post(&app, &tok, "/dci/crvs/registry/sync/txn/status", &status);
    assert_eq!(st, 200, "{v}");
    schemas.check("crvs", "/registry/sync/txn/status", Part::Answer, &v);
    assert_eq!(
        v["message"]["txnstatus_response"]["txn_status"]["correlation_id"],
        ack["message"]["correlation_id"],
        "{v}"
    );

    // A message acknowledged by one server process is answered by another's worker: the
    // request is stored, not held in memory.
    let other = nur_dci::Dci::new(app.uses.clone(), "nur").unwrap();
    let mut body = search(vec![uin(&app.person)]);
    body["header"]["sender_uri"] = rx.base.clone().into();
    body["message"]["transaction_id"] = "t-restart".into();
    let caller = app
        .uses
        .caller_from_token(&tok, "127.0.0.1".parse().unwrap(), None, None)
        .unwrap();
    let reply = other.handle(
        nur_dci::Registry::Crvs,
        nur_dci::Endpoint::Search,
        Ok(caller),
        body.to_string().as_bytes(),
    );
    assert_eq!(reply.body["message"]["ack_status"], "ACK");
    drop(other);
    eventually(
        || "the stored message was never answered".into(),
        || {
            rx.got
                .lock()
                .unwrap()
                .iter()
                .any(|(_, v)| v["message"]["transaction_id"] == "t-restart")
                .then_some(())
        },
    );

    // Subscribe to deaths; a death applied by ingestion notifies once.
    let sub = envelope(
        "subscribe",
        Some(&rx.base),
        json!({"transaction_id": "t-sub", "subscribe_request": [{"reference_id": "s-death", "timestamp": "2026-12-02T10:00:00Z",
            "subscribe_criteria": {"version": "1.0.0", "reg_type": "ns:org:RegistryType:Civil", "reg_event_type": "death",
              "notify_record_type": "CRVSPerson"}}]}),
    );
    let (st, v) = post(&app, &tok, "/dci/crvs/registry/subscribe", &sub);
    assert_eq!(st, 200, "{v}");
    let on_sub = rx.wait("/registry/on-subscribe");
    schemas.check("crvs", "/registry/on-subscribe", Part::Request, &on_sub);
    let code = on_sub["message"]["subscribe_response"][0]["subscriptions"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{on_sub}"))
        .to_owned();
    // The same subscription again is refused.
    let mut again = sub.clone();
    again["header"]["message_id"] = message_id().into();
    post(&app, &tok, "/dci/crvs/registry/subscribe", &again);

    SourceDef {
        name: "cspd-http".into(),
        kind: Kind::Http,
        entity: "CSPD".into(),
        config: SourceConfig::default(),
    }
    .add(&app.store, &c, Default::default())
    .unwrap();
    let cspd = client_token(&app, "CSPD");
    let events = json!([death(&app.person, 10, "D-DCI-1")]).to_string();
    let (st, v) = call(
        &app,
        &cspd,
        "POST",
        "/api/v1/ingest/cspd-http/events",
        &events,
    );
    assert_eq!(st, 200, "{v}");
    let note = rx.wait("/registry/notify");
    schemas.check("crvs", "/registry/notify", Part::Request, &note);
    let ev = &note["message"]["notify_event"][0];
    assert_eq!(ev["reference_id"], code.as_str());
    assert_eq!(ev["data"]["reg_event_type"], "death");
    assert_eq!(
        ev["data"]["reg_records"]["identifier"][0]["identifier_value"],
        app.person.as_str()
    );
    assert_eq!(
        ev["data"]["reg_records"]["death_date"], "2026-11-30",
        "{note}"
    );
    // Offered again (an at-least-once transport), it is not applied, so not notified again.
    let (st, _) = call(
        &app,
        &cspd,
        "POST",
        "/api/v1/ingest/cspd-http/events",
        &events,
    );
    assert_eq!(st, 200);
    assert_eq!(rx.settled_count(&app, "/registry/notify"), 1);
    let subscribed = rx.count("/registry/on-subscribe");
    assert_eq!(subscribed, 2, "the second subscribe was answered too");

    // Unsubscribed, the next death is not notified.
    let unsub = envelope(
        "unsubscribe",
        Some(&rx.base),
        json!({"transaction_id": "t-un", "timestamp": "2026-12-02T10:00:00Z", "subscription_codes": [code]}),
    );
    let (st, v) = post(&app, &tok, "/dci/crvs/registry/unsubscribe", &unsub);
    assert_eq!(st, 200, "{v}");
    let on_un = rx.wait("/registry/on-unsubscribe");
    schemas.check("crvs", "/registry/on-unsubscribe", Part::Request, &on_un);
    assert_eq!(on_un["message"]["status"], "succ", "{on_un}");
    let events = json!([death(&app.person, 11, "D-DCI-2")]).to_string();
    call(
        &app,
        &cspd,
        "POST",
        "/api/v1/ingest/cspd-http/events",
        &events,
    );
    assert_eq!(rx.settled_count(&app, "/registry/notify"), 1);
}

/// Publishes to a JetStream stream (created for the test) and waits for each ack.
fn publish(stream: &str, subject: &str, messages: &[String]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
        let js = async_nats::jetstream::new(client);
        js.get_or_create_stream(async_nats::jetstream::stream::Config {
            name: stream.to_owned(),
            subjects: vec![format!("{}.>", subject.split('.').next().unwrap())],
            ..Default::default()
        })
        .await
        .unwrap();
        for m in messages {
            js.publish(subject.to_owned(), m.clone().into())
                .await
                .unwrap()
                .await
                .unwrap();
        }
    });
}

fn delete_stream(stream: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
        let _ = async_nats::jetstream::new(client)
            .delete_stream(stream)
            .await;
    });
}

/// A death published twice on NATS JetStream (a republishing connector) is applied once and
/// notified once, and one dropped as a file is notified once; the source's runner and the
/// server's worker are separate, as in production.
pub(super) fn dci_death_over_nats_and_file_drop_notifies_once(b: Backend) {
    let app = dci_app(b);
    let c = Catalog::jordan();
    grant(&app.store, &c, table("CSPD_Death_Info"));
    grant(&app.store, &c, column("CSPD_Death_Info", "National_Number"));
    grant(&app.store, &c, column("CSPD_Death_Info", "Death_Date"));
    let tok = token(&app);
    let mut schemas = Schemas::new();
    let rx = Receiver::start(0);
    let sub = envelope(
        "subscribe",
        Some(&rx.base),
        json!({"transaction_id": "t-sub", "subscribe_request": [{"reference_id": "s-death", "timestamp": "2026-12-02T10:00:00Z",
            "subscribe_criteria": {"version": "1.0.0", "reg_type": "ns:org:RegistryType:Civil", "reg_event_type": "death"}}]}),
    );
    let (st, v) = post(&app, &tok, "/dci/crvs/registry/subscribe", &sub);
    assert_eq!(st, 200, "{v}");
    rx.wait("/registry/on-subscribe");

    let stream = format!(
        "NURDCI{}{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let subject = stream.to_lowercase();
    let def = SourceDef {
        name: "cspd-nats".into(),
        kind: Kind::Nats,
        entity: "CSPD".into(),
        config: SourceConfig {
            url: Some("nats://127.0.0.1:4222".into()),
            stream: Some(stream.clone()),
            subjects: vec![format!("{subject}.>")],
            durable: Some(format!("{stream}_c")),
            batch: Some(10),
            ..SourceConfig::default()
        },
    }
    .add(&app.store, &c, Default::default())
    .unwrap();
    let death = death(&app.person, 30, "D-NATS-1").to_string();
    publish(
        &stream,
        &format!("{subject}.CSPD_Death_Info"),
        &[death.clone(), death],
    );
    let stop = nur_ingest::cdc::Control::default();
    let runner = {
        let (store, stop) = (app.store.clone(), stop.clone());
        let catalog = Catalog::jordan();
        std::thread::spawn(move || nur_ingest::cdc::run_source(&store, &catalog, def, &stop))
    };
    eventually(
        || "the source never consumed both messages".into(),
        || (app.store.source("cspd-nats").unwrap().events_total >= 2).then_some(()),
    );
    let s = app.store.source("cspd-nats").unwrap();
    assert_eq!((s.applied_total, s.duplicates_total), (1, 1));
    let note = rx.wait("/registry/notify");
    schemas.check("crvs", "/registry/notify", Part::Request, &note);
    assert_eq!(
        note["message"]["notify_event"][0]["data"]["reg_records"]["identifier"][0]
            ["identifier_value"],
        app.person.as_str()
    );
    assert_eq!(rx.settled_count(&app, "/registry/notify"), 1);
    stop.stop();
    runner.join().unwrap().unwrap();
    delete_stream(&stream);

    // A file drop of deaths (the bulk loader's path) notifies too, once per row even when
    // the same file is dropped again.
    let drop_dir = app._data.path().join("cspd-drop");
    std::fs::create_dir_all(&drop_dir).unwrap();
    let files = SourceDef {
        name: "cspd-files".into(),
        kind: Kind::Files,
        entity: "CSPD".into(),
        config: SourceConfig {
            dir: Some(drop_dir.display().to_string()),
            every_ms: Some(100),
            ..SourceConfig::default()
        },
    }
    .add(&app.store, &c, Default::default())
    .unwrap();
    let csv = format!(
        "Certificate_Number,National_Number,Death_Date,Death_Place,Registration_Date\nD-FILE-1,{},2026-11-29,Irbid,2026-11-30\n",
        app.person
    );
    let stop = nur_ingest::cdc::Control::default();
    let runner = {
        let (store, stop) = (app.store.clone(), stop.clone());
        let catalog = Catalog::jordan();
        std::thread::spawn(move || nur_ingest::cdc::run_source(&store, &catalog, files, &stop))
    };
    for round in 0..2 {
        let part = drop_dir.join("CSPD_Death_Info.csv.part");
        std::fs::write(&part, &csv).unwrap();
        std::fs::rename(&part, drop_dir.join("CSPD_Death_Info.csv")).unwrap();
        eventually(
            || format!("the drop was never taken ({round})"),
            || (!drop_dir.join("CSPD_Death_Info.csv").exists()).then_some(()),
        );
        assert_eq!(
            rx.settled_count(&app, "/registry/notify"),
            2,
            "round {round}"
        );
    }
    stop.stop();
    runner.join().unwrap().unwrap();
}

/// A sync rejection's code: the header's, or the code leading its message (the official
/// header takes only its own reasons).
fn reason(v: &Value) -> String {
    let h = &v["header"];
    h["status_reason_code"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| {
            h["status_reason_message"]
                .as_str()
                .and_then(|m| m.split(':').next())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

/// A token NUR signed that expired ten minutes ago (the claims of a real one, re-dated).
fn expired_token(app: &App, tok: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = tok.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let now = nur_store::now_ms() / 1000;
    claims["iat"] = (now - 900).into();
    claims["exp"] = (now - 600).into();
    if claims.get("nbf").is_some() {
        claims["nbf"] = (now - 900).into();
    }
    let input = format!(
        "{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let (_, sig) = app.uses.sign_message(input.as_bytes()).unwrap();
    format!("{input}.{sig}")
}

/// Signed messages from a partner whose key is on file (the partner here is another NUR, so
/// its private key signs for real): draft-cavage and compact JWS verified, a tampered or
/// unsigned message refused with the signature's code; an expired token refused at the door.
pub(super) fn dci_signatures_and_expired_tokens(b: Backend) {
    let app = dci_app(b);
    let partner = spawn_app_with(b, Tweaks::default());
    let op = nur_app::Caller::operator("tests");
    let jwk = serde_json::to_string(&partner.uses.jwks().unwrap().keys[0]).unwrap();
    let tok = token(&app);
    let mut schemas = Schemas::new();

    let (st, v) = post(
        &app,
        &expired_token(&app, &tok),
        SYNC,
        &search(vec![uin(&app.person)]),
    );
    assert_eq!(st, 401, "{v}");
    schemas.check("crvs", "/registry/sync/search", Part::HttpError, &v);
    assert_eq!(v["errors"][0]["code"], "err.request.unauthorized", "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{v}"
    );

    let signer = |bytes: &[u8]| partner.uses.sign_message(bytes).map_err(|e| e.to_string());
    for scheme in ["cavage-ed25519", "jws"] {
        app.uses
            .register_dci_sender(&op, &app.client_id, SENDER, scheme, Some(&jwk))
            .unwrap();
        let mut body = search(vec![uin(&app.person)]);
        body["signature"] =
            nur_dci::sign::sign(scheme, SENDER, &body["header"], &body["message"], &signer)
                .unwrap()
                .into();
        let (st, v) = post(&app, &tok, SYNC, &body);
        assert_eq!(
            (st, &v["header"]["status"]),
            (200, &json!("succ")),
            "{scheme}: {v}"
        );

        // The same signature over another message (another person asked for) is refused.
        let mut tampered = body.clone();
        tampered["header"]["message_id"] = message_id().into();
        let (st, v) = post(&app, &tok, SYNC, &tampered);
        schemas.check("crvs", "/registry/sync/search", Part::Answer, &v);
        assert_eq!(st, 400, "{scheme}: {v}");
        assert_eq!(reason(&v), "err.signature.invalid", "{scheme}: {v}");
        // Signed by a key that is not the one on file.
        let mut other = search(vec![uin(&app.person)]);
        let own = |bytes: &[u8]| app.uses.sign_message(bytes).map_err(|e| e.to_string());
        other["signature"] =
            nur_dci::sign::sign(scheme, SENDER, &other["header"], &other["message"], &own)
                .unwrap()
                .into();
        let (st, v) = post(&app, &tok, SYNC, &other);
        assert_eq!(
            (st, reason(&v).as_str()),
            (400, "err.signature.invalid"),
            "{scheme}: {v}"
        );
        // Not signed at all, while a key is on file.
        let (st, v) = post(&app, &tok, SYNC, &search(vec![uin(&app.person)]));
        assert_eq!(
            (st, reason(&v).as_str()),
            (400, "err.signature.missing"),
            "{scheme}: {v}"
        );
        // Async: the refusal is an ERR ack with the code.
        let mut unsigned = search(vec![uin(&app.person)]);
        unsigned["header"]["sender_uri"] = "http://127.0.0.1:9/cb".into();
        let (st, v) = post(&app, &tok, "/dci/crvs/registry/search", &unsigned);
        schemas.check("crvs", "/registry/search", Part::Ack, &v);
        assert_eq!(
            (st, &v["message"]["ack_status"]),
            (400, &json!("ERR")),
            "{v}"
        );
        assert_eq!(
            v["message"]["error"]["code"], "err.signature.missing",
            "{v}"
        );
    }
}
