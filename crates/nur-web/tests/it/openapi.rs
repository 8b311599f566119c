//! The served OpenAPI document, checked by validators that share no code with the generator
//! (the Python packages openapi-spec-validator and openapi-schema-validator, installed by
//! `scripts/test-tools.sh`): it is valid OpenAPI, it documents every route of the router and
//! nothing else, every error answer has the stable error body, and real answers of the app
//! match the schemas it gives.

use super::ingest::{car, client_token};
use super::{call, grant, id, request, save, spawn_app, token, token_for, App};
use nur_core::grant::Target;
use nur_core::query::RevokePolicy;
use nur_core::Catalog;
use nur_ingest::cdc::{Kind, SourceDef};
use nur_store::testing::Backend;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::Command;

const CHECK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/openapi_check.py");
const ROUTER: &str = include_str!("../../src/lib.rs");
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (method, path) of every `.route(…)` in `router()`: read from its source, so a route added
/// there without its `#[utoipa::path]` fails this test.
fn router_routes() -> BTreeSet<(String, String)> {
    let start = ROUTER.find("pub fn router(").expect("lib.rs has router()");
    let body = &ROUTER[start..];
    let body = &body[..body.find("\n}\n").expect("router() ends")];
    let mut routes = BTreeSet::new();
    for (at, _) in body.match_indices(".route(") {
        let rest = &body[at + ".route(".len()..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, ch)| {
                depth += match ch {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .expect("the route call closes")
            .0;
        let route = &rest[..end];
        let path = route.split('"').nth(1).expect("the route's path");
        let methods: Vec<&str> = METHODS
            .into_iter()
            .filter(|m| {
                route.match_indices(&format!("{m}(")).any(|(i, _)| {
                    i == 0
                        || !route.as_bytes()[i - 1].is_ascii_alphanumeric()
                            && route.as_bytes()[i - 1] != b'_'
                })
            })
            .collect();
        assert!(!methods.is_empty(), "no method found in {route}");
        for m in methods {
            routes.insert((m.to_owned(), path.to_owned()));
        }
    }
    routes
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_owned(), path.clone()));
            }
        }
    }
    out
}

/// Runs the Python checker on `doc` (and on `answers`, if any); its verdict and what it said.
fn check(doc: &Value, answers: Option<&Value>) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let doc_file = dir.path().join("openapi.json");
    std::fs::write(&doc_file, doc.to_string()).unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(CHECK).arg(&doc_file);
    if let Some(a) = answers {
        let file = dir.path().join("answers.json");
        std::fs::write(&file, a.to_string()).unwrap();
        cmd.arg(file);
    }
    let out = cmd
        .output()
        .expect("python3 runs (scripts/test-tools.sh installs the validators)");
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !said.contains("ModuleNotFoundError"),
        "the validators are missing: run scripts/test-tools.sh\n{said}"
    );
    (out.status.success(), said)
}

/// An answer the app gave, for the checker: `path` as the document names the operation.
fn answer(path: &str, method: &str, (status, body): (u16, Value)) -> Value {
    assert!(!body.is_string(), "{method} {path}: not JSON: {body}");
    json!({"path": path, "method": method, "status": status, "body": body})
}

fn get(app: &App, tok: &str, path: &str) -> (u16, Value) {
    call(app, tok, "GET", path, "")
}

pub(super) fn openapi_document_is_valid_and_complete(b: Backend) {
    let app = spawn_app(b);
    let c = Catalog::jordan();
    save(
        &app,
        "person",
        json!({"version": 1,
            "tables": [{"table": "CSPD_Personal_Info", "columns": ["National_Number", "First_Name", "Birth_Date"]}],
            "conditions": {"column": "National_Number", "op": "=", "param": "national_number"},
            "parameters": [{"name": "national_number", "type": "national_number", "description": "whose row"}]}),
        RevokePolicy::Refuse,
    );
    save(
        &app,
        "people",
        json!({"version": 1,
            "tables": [{"table": "CSPD_Personal_Info", "columns": ["National_Number", "Birth_Date"]}],
            "conditions": {"column": "National_Number", "op": "in", "param": "nns"},
            "parameters": [{"name": "nns", "type": "national_number", "list": true}]}),
        RevokePolicy::DropColumns,
    );
    let tok = token(&app);
    let (st, doc) = get(&app, &tok, "/api/openapi.json");
    assert_eq!(st, 200, "{doc}");
    assert_eq!(doc["openapi"], "3.1.0");

    // Every route of the router, each procedure the caller may call, and nothing else.
    let mut expected = router_routes();
    assert!(expected.contains(&("post".into(), "/oauth2/client/token".into())));
    for name in ["person", "people"] {
        for m in ["get", "post"] {
            expected.insert((m.into(), format!("/api/v1/procedures/NAF/{name}")));
        }
    }
    assert_eq!(documented(&doc), expected);

    // Every error answer carries the stable error body (the token endpoint's 400 and 401,
    // the OAuth2 one), and every operation behind the bearer token says it can answer 401.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let responses = op["responses"].as_object().unwrap();
            for (status, r) in responses {
                if status.as_str() < "400" {
                    continue;
                }
                let want = if path == "/oauth2/client/token" && status != "500" {
                    "#/components/schemas/OAuthError"
                } else {
                    "#/components/schemas/ErrorBody"
                };
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"], want,
                    "{m} {path} {status}"
                );
            }
            if op.get("security").is_none() {
                assert!(responses.contains_key("401"), "{m} {path} has no 401");
            }
        }
    }

    // Real answers, on every JSON route, match what the document says of them.
    let nn = app.person.clone();
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let token_body = |body: String| {
        let (st, b) = request(&app, "POST", "/oauth2/client/token", &form, &body);
        (st, serde_json::from_str(&b).unwrap())
    };
    let spec = json!({"version": 1,
        "tables": [{"table": "CSPD_Personal_Info", "columns": ["National_Number", "First_Name"]}],
        "conditions": {"column": "National_Number", "op": "=", "param": "n"},
        "parameters": [{"name": "n", "type": "national_number"}],
        "order_by": [{"column": "National_Number"}], "limit": 3});
    let run = json!({"spec": spec, "parameters": {"n": nn}}).to_string();
    let op = "/api/v1/operations/CSPD/CSPD/gePersonal";
    let op_body = json!({"National_Number": nn}).to_string();
    let refused = call(&app, &tok, "POST", op, &op_body);
    grant(
        &app.store,
        &c,
        Target::Operation {
            service: id("CSPD"),
            operation: id("gePersonal"),
        },
    );
    SourceDef {
        name: "dvld-http".into(),
        kind: Kind::Http,
        entity: "DVLD".into(),
        config: Default::default(),
    }
    .add(&app.store, &c, Default::default())
    .unwrap();
    let dvld = client_token(&app, "DVLD");
    let events = json!([car(10, "R1"), car(11, "R2"), {"op": "x"}]).to_string();
    let post = |tok: &str, url: &str, body: &str| call(&app, tok, "POST", url, body);
    let anonymous = |url: &str| {
        let (st, b) = request(&app, "GET", url, &[], "");
        (st, serde_json::from_str(&b).unwrap())
    };
    let salaries = json!({"spec": {"version": 1,
        "tables": [{"table": "SSC_Salaries", "columns": ["Salary_Amount"]}]}});
    let mut answers = Vec::new();
    let mut saw = |path: &str, method: &str, got| answers.push(answer(path, method, got));

    let token = "/oauth2/client/token";
    saw(token, "post", token_for(&app, &app.client_id, &app.secret));
    saw(token, "post", token_for(&app, &app.client_id, "wrong"));
    saw(token, "post", token_body("grant_type=password".into()));
    saw(
        token,
        "post",
        token_body("grant_type=client_credentials".into()),
    );
    saw(
        "/.well-known/jwks.json",
        "get",
        anonymous("/.well-known/jwks.json"),
    );
    saw("/api/openapi.json", "get", (200, doc.clone()));
    saw("/api/v1/grants", "get", get(&app, &tok, "/api/v1/grants"));
    saw("/api/v1/grants", "get", anonymous("/api/v1/grants"));

    let procedures = "/api/v1/procedures";
    saw(procedures, "get", get(&app, &tok, procedures));
    let p = "/api/v1/procedures/NAF/person";
    saw(
        p,
        "post",
        post(&tok, p, &json!({"national_number": nn}).to_string()),
    );
    saw(p, "post", post(&tok, p, r#"{"national_number": "12"}"#));
    saw(p, "post", post(&tok, p, "{not json"));
    let people = format!("/api/v1/procedures/NAF/people?nns={nn},9011000001");
    saw(
        "/api/v1/procedures/NAF/people",
        "get",
        get(&app, &tok, &people),
    );
    let generic = "/api/v1/procedures/{entity}/{name}";
    saw(
        generic,
        "get",
        get(&app, &tok, "/api/v1/procedures/NAF/nothing_here"),
    );
    saw(
        generic,
        "post",
        post(&tok, "/api/v1/procedures/DVLD/x", "{}"),
    );

    let (sql, run_path) = ("/api/v1/queries/sql", "/api/v1/queries/run");
    saw(sql, "post", post(&tok, sql, &spec.to_string()));
    saw(run_path, "post", post(&tok, run_path, &run));
    saw(run_path, "post", post(&tok, run_path, "{}"));
    saw(
        run_path,
        "post",
        post(&tok, run_path, &salaries.to_string()),
    );

    let person = "/api/v1/persons/{national_number}";
    saw(
        person,
        "get",
        get(&app, &tok, &format!("/api/v1/persons/{nn}")),
    );
    saw(person, "get", get(&app, &tok, "/api/v1/persons/9011000001"));
    saw(person, "get", get(&app, &tok, "/api/v1/persons/123"));
    let log = "/api/v1/persons/{national_number}/access-log";
    saw(
        log,
        "get",
        get(
            &app,
            &tok,
            &format!("/api/v1/persons/{nn}/access-log?limit=5"),
        ),
    );
    saw(
        log,
        "get",
        get(
            &app,
            &tok,
            &format!("/api/v1/persons/{nn}/access-log?limit=x"),
        ),
    );

    let gateway = "/api/v1/operations/{entity}/{service}/{operation}";
    saw(gateway, "post", refused);
    saw(gateway, "post", post(&tok, op, &op_body));
    saw(
        gateway,
        "post",
        post(&tok, "/api/v1/operations/CSPD/CSPD/noSuch", &op_body),
    );

    let (ingest, http) = (
        "/api/v1/ingest/{source}/events",
        "/api/v1/ingest/dvld-http/events",
    );
    saw(ingest, "post", post(&dvld, http, &events));
    saw(ingest, "post", post(&dvld, http, "{not json"));
    saw(ingest, "post", post(&tok, http, &events));
    saw(
        ingest,
        "post",
        post(&tok, "/api/v1/ingest/nowhere/events", "[]"),
    );
    saw("/api/v1/sources", "get", get(&app, &tok, "/api/v1/sources"));
    let answers = Value::from(answers);
    let (ok, said) = check(&doc, Some(&answers));
    assert!(ok, "{said}");

    // The checker itself catches a broken document: a response without its description.
    let mut broken = doc.clone();
    broken["paths"]["/healthz"]["get"]["responses"]["200"]
        .as_object_mut()
        .unwrap()
        .remove("description");
    let (ok, said) = check(&broken, None);
    assert!(!ok && said.contains("description"), "{said}");
}
