//! HTTP tests on the real app: the router served on port 0 over a loaded database, on both
//! backends, spoken to with a plain HTTP/1.1 client; the simulated upstream on its own port.

use nur_core::audit::NewEvent;
use nur_core::grant::Target;
use nur_core::query::RevokePolicy;
use nur_core::{Catalog, Ident};
use nur_store::testing::{Backend, TestDb};
use nur_store::{ClientChange, EntitySettings, NewProcedure, Store, Upstream, Warehouse};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Waits (up to 30 s) until `f` gives a value, polling; `what` says what never came.
fn eventually<T>(what: impl Fn() -> String, mut f: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < until, "{}", what());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The column names of a query or procedure answer.
fn column_names(v: &Value) -> Vec<&str> {
    v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

mod browser;
mod builder;
mod citizen;
mod dci;
mod dci_client;
mod dci_schema;
mod dci_sr;
mod ingest;
mod openapi;
mod pages;
mod pay_portal;
mod portal;
mod security;
mod sp;
mod sp_pay_api;
use builder::{
    builder_refuses_malformed_forms, results_page_and_export_without_running_again,
    seed_query_builder_with_a_join,
};
use citizen::citizens_sign_in_and_apply_for_their_own_household;
use dci::{
    dci_async_callbacks_and_death_notifications, dci_crvs_search_under_grants_and_bad_input,
    dci_death_over_nats_and_file_drop_notifies_once, dci_signatures_and_expired_tokens,
};
use dci_client::{dci_nur_asks_a_partner_registry, dci_partner_events_apply_as_a_change_source};
use dci_sr::dci_sr_groups_members_and_events;
use ingest::events_metrics_and_freshness;
use openapi::openapi_document_is_valid_and_complete;
use pages::{
    freshness_lists_sources_and_their_dead_letters, portal_asks_the_purpose_of_data_access,
    portal_errors_are_pages_in_the_frame,
};
use pay_portal::{portal_appeals_and_citizen_benefits, portal_payment_cycles};
use portal::{
    portal_grants_and_query_builder, portal_intake_form, portal_routes_check_role_and_csrf,
    portal_settings_users_and_clients, portal_sign_in_and_lockout,
};
use security::*;
use sp::{
    intake_api_answers_in_the_callers_language, targeting_api_refuses_bad_input_and_explains,
};
use sp_pay_api::payments_api_refuses_bad_input;

struct App {
    addr: std::net::SocketAddr,
    store: Arc<Store>,
    /// The use cases the server runs (to rotate keys as the operator would).
    uses: Arc<nur_app::App>,
    _db: TestDb,
    _rt: tokio::runtime::Runtime,
    person: String,
    client_id: String,
    secret: String,
    outbox: std::path::PathBuf,
    _data: tempfile::TempDir,
}

fn ev(action: &str) -> NewEvent {
    NewEvent {
        actor_kind: "operator".into(),
        actor: "test".into(),
        action: action.into(),
        target: "t".into(),
        outcome: "ok".into(),
        ..Default::default()
    }
}

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

fn grant(store: &Store, c: &Catalog, target: Target) {
    let custodian = target.custodian(c).unwrap().to_string();
    store
        .change_grant(true, "NAF", &custodian, &target, ev("grant"))
        .unwrap();
}

fn revoke(store: &Store, c: &Catalog, target: Target) {
    let custodian = target.custodian(c).unwrap().to_string();
    store
        .change_grant(false, "NAF", &custodian, &target, ev("revoke"))
        .unwrap();
}

fn table(t: &str) -> Target {
    Target::Table { table: id(t) }
}
fn column(t: &str, c: &str) -> Target {
    Target::Column {
        table: id(t),
        column: id(c),
    }
}

fn spawn_app(b: Backend) -> App {
    spawn_app_with(b, Default::default())
}

/// What a test changes of the deployment.
#[derive(Default)]
struct Tweaks {
    guards: nur_app::GuardLimits,
    metrics_token: Option<&'static str>,
    secure_cookies: bool,
    dci_backoff: Option<nur_dci::Backoff>,
}

fn spawn_app_with(b: Backend, tweaks: Tweaks) -> App {
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
    // NAF sees part of the person table and the birth table.
    grant(&store, &c, table("CSPD_Personal_Info"));
    for col in [
        "National_Number",
        "First_Name",
        "Family_Name",
        "Birth_Date",
        "Civil_Record_Id",
    ] {
        grant(&store, &c, column("CSPD_Personal_Info", col));
    }
    grant(&store, &c, table("CSPD_Birth_Info"));
    grant(&store, &c, column("CSPD_Birth_Info", "National_Number"));
    let (row, secret) = nur_app::new_client(&id("NAF"), "tests", vec![]).unwrap();
    let client_id = row.client_id.clone();
    store.create_client(&row, ev("client.create")).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let store = Arc::new(store);
    let catalog = Arc::new(c);
    let upstream = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let up_addr = upstream.local_addr().unwrap();
    rt.spawn(nur_web::serve_upstream(
        upstream,
        store.clone(),
        catalog.clone(),
        std::future::pending(),
    ));
    store
        .put_upstream(
            &Upstream {
                service: "CSPD".into(),
                base_url: format!("http://{up_addr}"),
                timeout_ms: 5000,
            },
            ev("upstream"),
        )
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let outbox = data.path().join("outbox.jsonl");
    let state = nur_web::app_state(
        store.clone(),
        catalog,
        nur_app::Options {
            token_ttl_secs: 300,
            signin: nur_app::SignInPolicy {
                resend_after_ms: 2_000,
                ..Default::default()
            },
            guards: tweaks.guards,
            ..Default::default()
        },
        nur_web::portal::PortalConfig {
            outbox: Some(outbox.clone()),
            secure_cookies: tweaks.secure_cookies,
            ..Default::default()
        },
    )
    .unwrap()
    .with_metrics_token(tweaks.metrics_token);
    let mut state = state;
    if let Some(b) = tweaks.dci_backoff {
        state.dci_backoff = b;
    }
    let uses = state.app.clone();
    rt.spawn(nur_web::serve(listener, state, std::future::pending()));
    App {
        addr,
        store,
        uses,
        _db: db,
        _rt: rt,
        person,
        client_id,
        secret,
        outbox,
        _data: data,
    }
}

/// One request over a fresh connection; returns (status, body).
fn request(
    app: &App,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(app.addr).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    write!(s, "{head}\r\n{body}").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    // Undo chunked framing if the server chose it.
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

fn token_for(app: &App, id: &str, secret: &str) -> (u16, Value) {
    let (st, body) = request(
        app,
        "POST",
        "/oauth2/client/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &format!("grant_type=client_credentials&client_id={id}&client_secret={secret}"),
    );
    (st, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn token(app: &App) -> String {
    let (st, v) = token_for(app, &app.client_id, &app.secret);
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    v["access_token"].as_str().unwrap().to_owned()
}

/// An authorised request with a purpose.
fn call(app: &App, tok: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    let auth = format!("Bearer {tok}");
    let (st, b) = request(
        app,
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            ("X-NUR-Purpose", "case 7"),
            ("X-NUR-User-Id", "officer-12"),
        ],
        body,
    );
    (st, serde_json::from_str(&b).unwrap_or(Value::String(b)))
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

macro_rules! both {
    ($($case:ident),* $(,)?) => {
        mod sqlite { $(#[test] fn $case() { super::$case(super::Backend::Sqlite) })* }
        mod postgres { $(#[test] fn $case() { super::$case(super::Backend::Postgres) })* }
    };
}

/// Verifies `token` with the `jose` package against the published key set.
fn jose_verifies(app: &App, token: &str) -> Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser");
    assert!(
        dir.join("node_modules/jose").is_dir(),
        "test tools missing: run scripts/browser-deps.sh (scripts/test does)"
    );
    let out = std::process::Command::new("node")
        .current_dir(&dir)
        .arg("verify-token.mjs")
        .arg(format!("http://{}/.well-known/jwks.json", app.addr))
        .arg(token)
        .output()
        .expect("node runs");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
}

fn tokens_verify_independently_and_survive_key_rotation(b: Backend) {
    let app = spawn_app(b);
    let t1 = token(&app);
    let v = jose_verifies(&app, &t1);
    assert_eq!(
        (v["ok"].as_bool(), v["sub"].as_str()),
        (Some(true), Some(app.client_id.as_str())),
        "{v}"
    );
    let k1 = v["kid"].as_str().unwrap().to_owned();
    let (st, jwks) = request(&app, "GET", "/.well-known/jwks.json", &[], "");
    assert_eq!(st, 200);
    let jwks: Value = serde_json::from_str(&jwks).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    assert!(
        jwks["keys"][0].get("d").is_none(),
        "no private part is published"
    );
    // A rotation: the old key still verifies its tokens, new ones carry the new key.
    let k2 = app
        .uses
        .rotate_signing_key(&nur_app::Caller::operator("op"))
        .unwrap();
    assert_ne!(k1, k2);
    assert_eq!(call(&app, &t1, "GET", "/api/v1/procedures", "").0, 200);
    assert_eq!(jose_verifies(&app, &t1)["ok"], true);
    let t2 = token(&app);
    let v = jose_verifies(&app, &t2);
    assert_eq!(
        (v["ok"].as_bool(), v["kid"].as_str()),
        (Some(true), Some(k2.as_str())),
        "{v}"
    );
    // A token signed by a key NUR never published is refused, by NUR and by jose.
    let other_db = TestDb::new(Backend::Sqlite);
    let other = Arc::new(other_db.open());
    other.migrate(&Catalog::jordan()).unwrap();
    let (row, secret) = nur_app::new_client(&id("NAF"), "elsewhere", vec![]).unwrap();
    other.create_client(&row, ev("client.create")).unwrap();
    let elsewhere =
        nur_app::App::new(other, Arc::new(Catalog::jordan()), Default::default()).unwrap();
    let forged = elsewhere
        .issue_token(&row.client_id, &secret, "127.0.0.1".parse().unwrap())
        .unwrap()
        .access_token;
    let (st, body) = call(&app, &forged, "GET", "/api/v1/procedures", "");
    assert_eq!(st, 401, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown key"),
        "{body}"
    );
    assert_eq!(jose_verifies(&app, &forged)["ok"], false);
}

/// The raw answer's head (status line and headers), lower-cased.
fn head_of(app: &App, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut s = std::net::TcpStream::connect(app.addr).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    // A server refusing a body may answer and close before the body is all sent.
    let _ = write!(s, "{head}\r\n{body}");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.split("\r\n\r\n").next().unwrap().to_ascii_lowercase()
}

fn middleware_ids_compression_limits_and_route_metrics(b: Backend) {
    let app = spawn_app(b);
    // Every answer carries a request id: the caller's own, or a new one.
    let h = head_of(&app, "GET", "/healthz", &[], "");
    assert!(h.contains("x-request-id: "), "{h}");
    let h = head_of(&app, "GET", "/healthz", &[("X-Request-Id", "case-77")], "");
    assert!(h.contains("x-request-id: case-77"), "{h}");
    // Answers are compressed for clients that ask.
    let tok = token(&app);
    let auth = format!("Bearer {tok}");
    let h = head_of(
        &app,
        "GET",
        "/api/openapi.json",
        &[("Authorization", &auth), ("Accept-Encoding", "gzip")],
        "",
    );
    assert!(h.contains("content-encoding: gzip"), "{h}");
    // A body over the limit is refused before it is read.
    let big = "x".repeat((32 << 20) + 1);
    let h = head_of(
        &app,
        "POST",
        "/api/v1/queries/run",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &big,
    );
    assert!(h.starts_with("http/1.1 413"), "{}", &h[..h.len().min(200)]);
    // Every route is counted under its pattern, errors by status and machine code.
    let nn = format!("/api/v1/persons/{}", app.person);
    assert_eq!(call(&app, &tok, "GET", &nn, "").0, 200);
    assert_eq!(call(&app, &tok, "GET", "/api/v1/persons/12", "").0, 400);
    let (st, text) = request(&app, "GET", "/metrics", &[], "");
    assert_eq!(st, 200);
    for want in [
        "nur_http_requests_total{method=\"GET\",route=\"/api/v1/persons/{national_number}\",status=\"200\"} 1",
        "nur_http_errors_total{route=\"/api/v1/persons/{national_number}\",status=\"400\",code=\"invalid_national_number\"} 1",
        "# TYPE nur_http_request_duration_seconds histogram",
        "nur_audit_events_total",
    ] {
        assert!(text.contains(want), "{want} missing from\n{text}");
    }
    assert!(
        !text.contains(&app.person),
        "no national number in a metric"
    );
}

both!(
    dci_nur_asks_a_partner_registry,
    dci_partner_events_apply_as_a_change_source,
    dci_signatures_and_expired_tokens,
    dci_sr_groups_members_and_events,
    dci_death_over_nats_and_file_drop_notifies_once,
    dci_crvs_search_under_grants_and_bad_input,
    dci_async_callbacks_and_death_notifications,
    middleware_ids_compression_limits_and_route_metrics,
    tokens_verify_independently_and_survive_key_rotation,
    health_and_person_lookup,
    bad_requests_get_clear_errors,
    tokens_rotation_revocation_and_allowlists,
    procedures_follow_grants_at_every_call,
    query_specs_and_hostile_input,
    gateway_filters_properties_and_maps_failures,
    events_metrics_and_freshness,
    openapi_document_is_valid_and_complete,
    portal_sign_in_and_lockout,
    portal_routes_check_role_and_csrf,
    portal_grants_and_query_builder,
    seed_query_builder_with_a_join,
    builder_refuses_malformed_forms,
    portal_errors_are_pages_in_the_frame,
    portal_asks_the_purpose_of_data_access,
    freshness_lists_sources_and_their_dead_letters,
    results_page_and_export_without_running_again,
    portal_settings_users_and_clients,
    code_failures_count_on_the_account,
    lookups_hide_the_household_without_its_grant,
    access_reports_hold_every_person_a_result_is_about,
    access_reports_of_others_are_not_for_any_client,
    language_switch_is_no_open_redirect,
    too_many_bound_values_are_a_clear_400,
    joining_needs_the_person_column,
    token_refusals_are_all_alike,
    anonymous_requests_write_nothing,
    replayed_bad_batches_are_dead_lettered_once,
    the_simulated_upstream_is_loopback_only,
    hardening_headers_tokens_and_purposes,
    over_the_rate_callers_are_told_when_to_come_back,
    operational_endpoints_need_the_token_and_tls_is_pinned,
    a_flood_of_sign_ins_is_told_busy_not_served,
    the_auditor_reads_the_trail_and_no_data,
    intake_api_answers_in_the_callers_language,
    targeting_api_refuses_bad_input_and_explains,
    payments_api_refuses_bad_input,
    portal_intake_form,
    citizens_sign_in_and_apply_for_their_own_household,
    portal_payment_cycles,
    portal_appeals_and_citizen_benefits,
);

fn health_and_person_lookup(b: Backend) {
    let app = spawn_app(b);
    assert_eq!(
        request(&app, "GET", "/healthz", &[], ""),
        (200, "ok".into())
    );
    assert_eq!(
        request(&app, "GET", "/readyz", &[], ""),
        (200, "ready".into())
    );
    let path = format!("/api/v1/persons/{}", app.person);
    let (st, body) = request(&app, "GET", &path, &[], "");
    assert_eq!(st, 401, "no token: {body}");
    let tok = token(&app);
    let (st, v) = call(&app, &tok, "GET", &path, "");
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["national_number"], app.person.as_str());
    assert!(v["person"]["First_Name"].is_string());
    assert!(
        v["person"].get("Mother_Name").is_none(),
        "ungranted column leaked: {v}"
    );
    assert!(v["records"]["CSPD_Birth_Info"].is_array());
    let tables: Vec<&String> = v["records"].as_object().unwrap().keys().collect();
    assert!(
        tables
            .iter()
            .all(|t| *t == "CSPD_Birth_Info" || *t == "CSPD_Personal_Info"),
        "{tables:?}"
    );
    // The lookup is in the citizen's access report, with the purpose.
    let (st, log) = call(&app, &tok, "GET", &format!("{path}/access-log"), "");
    assert_eq!(st, 200, "{log}");
    assert_eq!(log["accesses"][0]["entity"], "NAF");
    assert_eq!(log["accesses"][0]["purpose"], "case 7");
    assert_eq!(app.store.verify_audit().unwrap().map(|n| n > 0), Ok(true));
}

fn bad_requests_get_clear_errors(b: Backend) {
    let app = spawn_app(b);
    let tok = token(&app);
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
        (
            "/api/v1/procedures/NAF/nothing_here",
            404,
            "procedure_not_found",
            "no procedure NAF/nothing_here",
        ),
        (
            "/api/v1/procedures/DVLD/x",
            403,
            "not_owner",
            "only its own procedures",
        ),
    ];
    for (path, status, code, message) in cases {
        let (got, v) = call(&app, &tok, "GET", path, "");
        assert_eq!(got, status, "{path}: {v}");
        assert_eq!(error_code(&v), code, "{path}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(message),
            "{path}: {v}"
        );
    }
    let long = "x".repeat(300);
    let auth = format!("Bearer {tok}");
    let (st, body) = request(
        &app,
        "GET",
        &format!("/api/v1/persons/{}", app.person),
        &[("Authorization", &auth), ("X-NUR-Purpose", &long)],
        "",
    );
    assert_eq!(st, 400, "{body}");
    for bad in ["Bearer nonsense", "Bearer a.b.c", "Basic Zm9vOmJhcg=="] {
        let (st, _) = request(
            &app,
            "GET",
            "/api/v1/procedures",
            &[("Authorization", bad)],
            "",
        );
        assert_eq!(st, 401, "{bad}");
    }
}

fn tokens_rotation_revocation_and_allowlists(b: Backend) {
    let app = spawn_app(b);
    let (st, v) = token_for(&app, &app.client_id, "wrong");
    assert_eq!((st, v["error"].as_str()), (401, Some("invalid_client")));
    let (st, v) = token_for(&app, "nobody", "x");
    assert_eq!((st, v["error"].as_str()), (401, Some("invalid_client")));
    let (st, body) = request(
        &app,
        "POST",
        "/oauth2/client/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "grant_type=password&client_id=a&client_secret=b",
    );
    assert_eq!(st, 400, "{body}");
    assert!(body.contains("unsupported_grant_type"));
    let (st, body) = request(
        &app,
        "POST",
        "/oauth2/client/token",
        &[("Content-Type", "application/json")],
        "{}",
    );
    assert_eq!(st, 400, "{body}");
    let tok = token(&app);
    assert_eq!(call(&app, &tok, "GET", "/api/v1/procedures", "").0, 200);
    // Rotation ends older tokens at once.
    let (_, hash) = nur_app::new_secret().unwrap();
    app.store
        .change_client(
            &app.client_id,
            &ClientChange::Rotate { secret_hash: hash },
            ev("rotate"),
        )
        .unwrap();
    assert_eq!(call(&app, &tok, "GET", "/api/v1/procedures", "").0, 401);
    // An allowlist that excludes the test's address.
    let (row, secret) =
        nur_app::new_client(&id("NAF"), "far away", vec!["10.9.0.0/16".into()]).unwrap();
    app.store.create_client(&row, ev("client.create")).unwrap();
    let (st, v) = token_for(&app, &row.client_id, &secret);
    assert_eq!(st, 401, "{v}");
    // Revocation.
    let (row, secret) =
        nur_app::new_client(&id("NAF"), "short lived", vec!["127.0.0.1".into()]).unwrap();
    app.store.create_client(&row, ev("client.create")).unwrap();
    let (st, v) = token_for(&app, &row.client_id, &secret);
    assert_eq!(st, 200, "{v}");
    let tok = v["access_token"].as_str().unwrap().to_owned();
    app.store
        .change_client(&row.client_id, &ClientChange::Revoke, ev("revoke"))
        .unwrap();
    assert_eq!(call(&app, &tok, "GET", "/api/v1/procedures", "").0, 401);
    assert_eq!(token_for(&app, &row.client_id, &secret).0, 401);
}

fn save(app: &App, name: &str, spec: Value, policy: RevokePolicy) {
    app.store
        .save_procedure(
            &NewProcedure {
                entity: "NAF".into(),
                name: name.into(),
                description: format!("test {name}"),
                spec: spec.to_string(),
                on_revoke: policy,
                saved_by: "test".into(),
            },
            ev("procedure.save"),
        )
        .unwrap();
}

fn procedures_follow_grants_at_every_call(b: Backend) {
    let app = spawn_app(b);
    let c = Catalog::jordan();
    let spec = json!({"version": 1,
        "tables": [{"table": "CSPD_Personal_Info", "columns": ["National_Number", "First_Name", "Birth_Date"]}],
        "conditions": {"column": "National_Number", "op": "=", "param": "national_number"},
        "parameters": [{"name": "national_number", "type": "national_number"}]});
    save(&app, "person", spec.clone(), RevokePolicy::Refuse);
    save(&app, "person_lenient", spec, RevokePolicy::DropColumns);
    let tok = token(&app);
    let body = json!({"national_number": app.person}).to_string();
    let (st, v) = call(&app, &tok, "POST", "/api/v1/procedures/NAF/person", &body);
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["rows"][0]["National_Number"], app.person.as_str());
    assert_eq!(v["procedure"]["version"], 1);
    let (st, v) = call(
        &app,
        &tok,
        "GET",
        &format!(
            "/api/v1/procedures/NAF/person?national_number={}",
            app.person
        ),
        "",
    );
    assert_eq!((st, v["row_count"].as_u64()), (200, Some(1)));
    // CSV on request.
    let auth = format!("Bearer {tok}");
    let (st, csv) = request(
        &app,
        "GET",
        &format!(
            "/api/v1/procedures/NAF/person?national_number={}",
            app.person
        ),
        &[("Authorization", &auth), ("Accept", "text/csv")],
        "",
    );
    assert_eq!(st, 200);
    assert!(
        csv.starts_with("National_Number,First_Name,Birth_Date\n"),
        "{csv}"
    );
    // Parameter errors.
    let (st, v) = call(
        &app,
        &tok,
        "POST",
        "/api/v1/procedures/NAF/person",
        r#"{"national_number": "12"}"#,
    );
    assert_eq!((st, error_code(&v)), (400, "invalid_parameter"), "{v}");
    let (st, v) = call(
        &app,
        &tok,
        "POST",
        "/api/v1/procedures/NAF/person",
        r#"{"nn": 1}"#,
    );
    assert_eq!((st, error_code(&v)), (400, "invalid_parameter"), "{v}");
    let (st, _) = call(
        &app,
        &tok,
        "POST",
        "/api/v1/procedures/NAF/person",
        "{not json",
    );
    assert_eq!(st, 400);
    // The OpenAPI document has both procedures with typed parameters.
    let (st, doc) = call(&app, &tok, "GET", "/api/openapi.json", "");
    assert_eq!((st, doc["openapi"].as_str()), (200, Some("3.1.0")));
    let post = &doc["paths"]["/api/v1/procedures/NAF/person"]["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["properties"]
            ["national_number"]["pattern"],
        "^[0-9]{10}$"
    );
    let row = &post["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
        ["rows"]["items"]["properties"];
    assert_eq!(row["Birth_Date"]["anyOf"][0]["format"], "date");
    // Revoke one column: the very next call is refused, or the column dropped by policy.
    revoke(&app.store, &c, column("CSPD_Personal_Info", "Birth_Date"));
    let (st, v) = call(&app, &tok, "POST", "/api/v1/procedures/NAF/person", &body);
    assert_eq!((st, error_code(&v)), (403, "not_granted"), "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("CSPD_Personal_Info.Birth_Date"));
    // The reason's code and arguments, for a client that says it in its own language.
    assert_eq!(v["error"]["reason"]["code"], "column_not_granted", "{v}");
    assert_eq!(
        v["error"]["reason"]["args"]["column"],
        "CSPD_Personal_Info.Birth_Date"
    );
    assert_eq!(v["error"]["reason"]["args"]["entity"], "NAF");
    let (st, v) = call(
        &app,
        &tok,
        "POST",
        "/api/v1/procedures/NAF/person_lenient",
        &body,
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["dropped_columns"],
        json!(["CSPD_Personal_Info.Birth_Date"])
    );
    assert!(v["rows"][0].get("Birth_Date").is_none());
    let (_, doc) = call(&app, &tok, "GET", "/api/openapi.json", "");
    assert!(
        doc["paths"].get("/api/v1/procedures/NAF/person").is_none(),
        "a refused procedure stays out of the document"
    );
    assert!(doc["paths"]
        .get("/api/v1/procedures/NAF/person_lenient")
        .is_some());
    // Purpose made mandatory for NAF.
    app.store
        .set_entity_settings(
            "NAF",
            EntitySettings {
                purpose_required: true,
                access_withheld: false,
            },
            ev("settings"),
        )
        .unwrap();
    let (st, body_text) = request(
        &app,
        "POST",
        "/api/v1/procedures/NAF/person_lenient",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &body,
    );
    assert_eq!(st, 400, "{body_text}");
    assert!(body_text.contains("purpose_required"));
    // The audit trail holds the calls, the refusal and who asked for whom.
    let events = app
        .store
        .audit_events(&nur_store::AuditFilter {
            entity: Some("NAF".into()),
            action: Some("procedure.call".into()),
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    assert!(events.iter().any(|e| e.outcome.starts_with("refused")));
    let ok = events
        .iter()
        .find(|e| e.outcome == "ok" && e.purpose.is_some())
        .unwrap();
    assert_eq!(
        (ok.on_behalf_of.as_deref(), ok.purpose.as_deref()),
        (Some("officer-12"), Some("case 7"))
    );
    assert_eq!(ok.persons, vec![app.person.clone()]);
    assert!(app.store.verify_audit().unwrap().is_ok());
}

fn query_specs_and_hostile_input(b: Backend) {
    let app = spawn_app(b);
    let tok = token(&app);
    let spec = json!({"version": 1,
        "tables": [{"table": "CSPD_Personal_Info", "columns": ["National_Number", "First_Name"]},
                   {"table": "CSPD_Birth_Info", "columns": ["National_Number"], "join": "inner"}],
        "conditions": {"and": [{"column": "CSPD_Personal_Info.National_Number", "op": "in", "param": "nns"}]},
        "parameters": [{"name": "nns", "type": "national_number", "list": true}],
        "order_by": [{"column": "CSPD_Personal_Info.National_Number", "direction": "desc"}],
        "limit": 5});
    let (st, v) = call(&app, &tok, "POST", "/api/v1/queries/sql", &spec.to_string());
    assert_eq!(st, 200, "{v}");
    let sql = v["sql"].as_str().unwrap();
    assert!(
        sql.contains("INNER JOIN") && sql.contains("ORDER BY"),
        "{sql}"
    );
    let run = json!({"spec": spec, "parameters": {"nns": [app.person]}});
    let (st, v) = call(&app, &tok, "POST", "/api/v1/queries/run", &run.to_string());
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["columns"][0]["name"],
        "CSPD_Personal_Info.National_Number"
    );
    // Hostile specs and values: clear errors, nothing executed.
    let hostile = [
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info; DROP TABLE nur_audit", "columns": ["First_Name"]}]}),
            400,
            "invalid_query",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name\" FROM nur_client --"]}]}),
            400,
            "invalid_query",
        ),
        (
            json!({"version": 1, "tables": [{"table": "nur_client", "columns": ["secret_hash"]}]}),
            400,
            "invalid_query",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["Mother_Name"]}]}),
            403,
            "not_granted",
        ),
        (
            json!({"version": 1, "tables": [{"table": "SSC_Salaries", "columns": ["Salary_Amount"]}]}),
            403,
            "not_granted",
        ),
        (
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}], "conditions": {"column": "First_Name", "op": "= 1 OR", "value": "x"}}),
            400,
            "invalid_query",
        ),
        (json!({"version": 9, "tables": []}), 400, "invalid_query"),
        (json!([1, 2]), 400, "invalid_query"),
    ];
    for (spec, status, code) in hostile {
        let (st, v) = call(
            &app,
            &tok,
            "POST",
            "/api/v1/queries/run",
            &json!({"spec": spec}).to_string(),
        );
        assert_eq!((st, error_code(&v)), (status, code), "{spec}: {v}");
    }
    let values = json!({"spec": {"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
        "conditions": {"column": "First_Name", "op": "=", "param": "n"}, "parameters": [{"name": "n", "type": "text"}]},
        "parameters": {"n": "' OR '1'='1"}});
    let (st, v) = call(
        &app,
        &tok,
        "POST",
        "/api/v1/queries/run",
        &values.to_string(),
    );
    assert_eq!((st, v["row_count"].as_u64()), (200, Some(0)), "{v}");
    assert!(app.store.verify_audit().unwrap().is_ok());
}

fn gateway_filters_properties_and_maps_failures(b: Backend) {
    let app = spawn_app(b);
    let c = Catalog::jordan();
    let tok = token(&app);
    let path = "/api/v1/operations/CSPD/CSPD/gePersonal";
    let body = json!({"National_Number": app.person}).to_string();
    let (st, v) = call(&app, &tok, "POST", path, &body);
    assert_eq!((st, error_code(&v)), (403, "not_granted"), "{v}");
    let op = Target::Operation {
        service: id("CSPD"),
        operation: id("gePersonal"),
    };
    grant(&app.store, &c, op.clone());
    for p in ["National_Number", "First_Name"] {
        grant(
            &app.store,
            &c,
            Target::Property {
                service: id("CSPD"),
                operation: id("gePersonal"),
                property: id(p),
            },
        );
    }
    let (st, v) = call(&app, &tok, "POST", path, &body);
    assert_eq!(st, 200, "{v}");
    let rec = v["records"][0].as_object().unwrap();
    let mut keys: Vec<&String> = rec.keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["First_Name", "National_Number"],
        "only granted properties pass"
    );
    let (st, v) = call(&app, &tok, "POST", path, r#"{"National_Number": "123"}"#);
    assert_eq!((st, error_code(&v)), (400, "invalid_parameter"), "{v}");
    let (st, v) = call(
        &app,
        &tok,
        "POST",
        path,
        r#"{"National_Number": "9821017042", "x": 1}"#,
    );
    assert_eq!((st, error_code(&v)), (400, "invalid_parameter"), "{v}");
    let (st, v) = call(
        &app,
        &tok,
        "POST",
        "/api/v1/operations/CSPD/CSPD/noSuchOp",
        &body,
    );
    assert_eq!((st, error_code(&v)), (404, "operation_not_found"), "{v}");
    // The upstream goes away: a clear 502.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    app.store
        .put_upstream(
            &Upstream {
                service: "CSPD".into(),
                base_url: format!("http://{closed}"),
                timeout_ms: 2000,
            },
            ev("upstream"),
        )
        .unwrap();
    let (st, v) = call(&app, &tok, "POST", path, &body);
    assert_eq!((st, error_code(&v)), (502, "upstream_unavailable"), "{v}");
    // Revoking the operation hides it at once.
    revoke(&app.store, &c, op);
    let (st, _) = call(&app, &tok, "POST", path, &body);
    assert_eq!(st, 403);
    let events = app
        .store
        .audit_events(&nur_store::AuditFilter {
            action: Some("operation.call".into()),
            limit: 20,
            ..Default::default()
        })
        .unwrap();
    assert!(events.iter().any(|e| e
        .outcome
        .starts_with("failed: the upstream service did not answer")));
    assert!(events
        .iter()
        .any(|e| e.outcome == "ok" && e.columns == ["First_Name", "National_Number"]));
}
