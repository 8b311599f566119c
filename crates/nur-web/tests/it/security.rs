//! One regression test per finding of the security test against the running demo, over HTTP
//! on the real app (both backends): each fails on the code before its fix.

use super::browser::Browser;
use super::{call, column, ev, id, request, spawn_app, table, token, token_for, App};
use nur_core::account::{hash_password, NewAccount, Role};
use nur_core::grant::Target;
use nur_store::testing::Backend;
use nur_store::{ReportScope, Store, Warehouse};
use serde_json::{json, Value};

fn grant_to(store: &Store, consumer: &str, target: Target) {
    let custodian = target
        .custodian(&nur_core::Catalog::jordan())
        .unwrap()
        .to_string();
    store
        .change_grant(true, consumer, &custodian, &target, ev("grant"))
        .unwrap();
}

/// A token of a new client of `entity`.
pub(super) fn client_of(app: &App, entity: &str) -> String {
    let (row, secret) = nur_app::new_client(&id(entity), "t", vec![]).unwrap();
    app.store.create_client(&row, ev("client.create")).unwrap();
    let (st, v) = token_for(app, &row.client_id, &secret);
    assert_eq!(st, 200, "{v}");
    v["access_token"].as_str().unwrap().to_owned()
}

fn account(app: &App, username: &str, role: Role, entity: Option<&str>) {
    app.store
        .put_account(
            &NewAccount {
                username: username.into(),
                display_name: username.into(),
                role,
                entity: entity.map(str::to_owned),
                password_hash: hash_password(PW, &[7u8; 16]).unwrap(),
                contact: None,
            },
            ev("account.create"),
        )
        .unwrap();
}

const PW: &str = "correct horse battery";

fn last_code(app: &App) -> String {
    let text = std::fs::read_to_string(&app.outbox).unwrap();
    let v: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    v["text"].as_str().unwrap().split(": ").nth(1).unwrap()[..6].to_owned()
}

/// A browser whose password step passed: waiting for its code.
fn pending(app: &App, username: &str) -> Browser {
    let mut b = Browser::new(app.addr);
    let r = b.post(
        "/login",
        "/login",
        &[("username", username), ("password", PW)],
    );
    assert_eq!(r.location(), "/login/code", "{}", r.body);
    b
}

fn events(app: &App, action: &str) -> Vec<nur_core::audit::AuditEvent> {
    app.store
        .audit_events(&nur_store::AuditFilter {
            action: Some(action.into()),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap()
}

/// Finding 2: wrong codes spread over several sign-ins lock the account; the lock holds at
/// the code step, and every pending sign-in ends with it.
pub(super) fn code_failures_count_on_the_account(b: Backend) {
    let app = spawn_app(b);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"));
    let mut a = pending(&app, "NAFAdmin");
    let mut bb = pending(&app, "NAFAdmin");
    let code_b = last_code(&app);
    for i in 0..4 {
        let br = if i % 2 == 0 { &mut a } else { &mut bb };
        let r = br.post("/login/code", "/login/code", &[("code", "000000")]);
        assert_eq!(r.location(), "/login/code?e=login-code-wrong", "{i}");
    }
    let r = a.post("/login/code", "/login/code", &[("code", "000000")]);
    assert_eq!(r.location(), "/login?e=login-locked");
    // B holds the right code, but the account is locked and B's sign-in was ended.
    let r = bb.post("/login/code", "/login/code", &[("code", &code_b)]);
    assert_ne!(
        r.location(),
        "/",
        "a second session must not get past the lock"
    );
    assert!(app
        .store
        .account("NAFAdmin")
        .unwrap()
        .unwrap()
        .locked_until_ms
        .is_some());
    assert_eq!(events(&app, "account.locked").len(), 1);
}

/// Finding 3: a lookup shows no civil record id, household or members without a grant of a
/// column holding the civil record id.
pub(super) fn lookups_hide_the_household_without_its_grant(b: Backend) {
    let app = spawn_app(b);
    grant_to(&app.store, "MOSD", table("CSPD_Personal_Info"));
    grant_to(
        &app.store,
        "MOSD",
        column("CSPD_Personal_Info", "First_Name"),
    );
    let tok = client_of(&app, "MOSD");
    let (st, v) = call(
        &app,
        &tok,
        "GET",
        &format!("/api/v1/persons/{}", app.person),
        "",
    );
    assert_eq!(st, 200, "{v}");
    assert!(v["household"].is_null(), "{v}");
    assert!(!v.to_string().contains("Civil_Record_Id"), "{v}");
    assert_eq!(
        v["person"].as_object().unwrap().len(),
        2,
        "First_Name and lineage: {v}"
    );
}

/// Finding 4: every person a result is about is in their access report — a query filtering
/// on a person without selecting them; household members whose national number is not
/// granted; a procedure call after a revocation under drop_columns.
pub(super) fn access_reports_hold_every_person_a_result_is_about(b: Backend) {
    let app = spawn_app(b);
    let tok = token(&app);
    let report = |nn: &str| {
        app.store
            .access_log(nn, &ReportScope::Full, 100, 0)
            .unwrap()
    };
    let before = report(&app.person).len();
    let spec = json!({"spec": {"version": 1,
        "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
        "conditions": {"column": "National_Number", "op": "=", "value": app.person}}});
    let (st, v) = call(&app, &tok, "POST", "/api/v1/queries/run", &spec.to_string());
    assert_eq!((st, v["row_count"].as_u64()), (200, Some(1)), "{v}");
    assert_eq!(report(&app.person).len(), before + 1, "the filtered person");
    // Household members, shown without their national number: MOSD may see first names and
    // the civil record id, not national numbers.
    for c in ["First_Name", "Civil_Record_Id"] {
        grant_to(&app.store, "MOSD", column("CSPD_Personal_Info", c));
    }
    grant_to(&app.store, "MOSD", table("CSPD_Personal_Info"));
    let mosd = client_of(&app, "MOSD");
    let (st, v) = call(
        &app,
        &mosd,
        "GET",
        &format!("/api/v1/persons/{}", app.person),
        "",
    );
    assert_eq!(st, 200, "{v}");
    let crid = v["household"]["civil_record_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!v.to_string().contains("\"National_Number\""), "{v}");
    let members: Vec<String> = {
        let mut all = Vec::new();
        app.store
            .for_each_person(&nur_core::Catalog::jordan(), &mut |nn| {
                all.push(nn.to_owned())
            })
            .unwrap();
        all.into_iter()
            .filter(|nn| {
                app.store
                    .lookup_person(
                        &nur_core::Catalog::jordan(),
                        &nur_core::NationalNumber::parse(&nur_core::Catalog::jordan().identity, nn)
                            .unwrap(),
                    )
                    .unwrap()
                    .and_then(|r| r.household)
                    .is_some_and(|h| h.civil_record_id == crid)
            })
            .collect()
    };
    assert!(!members.is_empty());
    for m in &members {
        assert!(
            report(m)
                .iter()
                .any(|e| e.entity.as_deref() == Some("MOSD")),
            "member {m} is missing from their report"
        );
    }
    // A drop_columns procedure after a revocation is an access like any other.
    super::save(
        &app,
        "names",
        json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name", "Family_Name"]}],
               "conditions": {"column": "National_Number", "op": "=", "param": "nn"},
               "parameters": [{"name": "nn", "type": "national_number"}]}),
        nur_core::query::RevokePolicy::DropColumns,
    );
    super::revoke(
        &app.store,
        &nur_core::Catalog::jordan(),
        column("CSPD_Personal_Info", "Family_Name"),
    );
    let n = report(&app.person).len();
    let (st, v) = call(
        &app,
        &tok,
        "GET",
        &format!("/api/v1/procedures/NAF/names?nn={}", app.person),
        "",
    );
    assert_eq!(st, 200, "{v}");
    assert!(v["dropped_columns"].is_array(), "{v}");
    assert_eq!(report(&app.person).len(), n + 1);
    // Above a thousand persons an event keeps only their count, but each is still indexed.
    let many = nur_core::audit::NewEvent {
        persons: (0..1500).map(|i| format!("98010{i:05}")).collect(),
        ..ev("query.run")
    };
    app.store.audit(many).unwrap();
    assert_eq!(report("9801001499").len(), 1);
    assert!(app.store.verify_audit().unwrap().is_ok());
}

/// Finding 5: a client sees its own entity's accesses of a person, never another agency's.
pub(super) fn access_reports_of_others_are_not_for_any_client(b: Backend) {
    let app = spawn_app(b);
    let naf = token(&app);
    assert_eq!(
        call(
            &app,
            &naf,
            "GET",
            &format!("/api/v1/persons/{}", app.person),
            ""
        )
        .0,
        200
    );
    let stranger = client_of(&app, "MOSD");
    let path = format!("/api/v1/persons/{}/access-log", app.person);
    let (st, v) = call(&app, &stranger, "GET", &path, "");
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["accesses"], json!([]), "another agency's accesses: {v}");
    let (_, v) = call(&app, &naf, "GET", &path, "");
    let accesses = v["accesses"].as_array().unwrap();
    assert!(
        !accesses.is_empty() && accesses.iter().all(|a| a["entity"] == "NAF"),
        "{v}"
    );
}

/// Finding 7: only plain local paths are followed after a language switch.
pub(super) fn language_switch_is_no_open_redirect(b: Backend) {
    let app = spawn_app(b);
    let mut br = Browser::new(app.addr);
    for back in [
        "/%5Cevil.example",
        "/%09/evil.example",
        "//evil.example",
        "https://evil.example",
    ] {
        let r = br.get(&format!("/lang?to=en&back={back}"));
        assert_eq!(r.location(), "/", "{back}");
    }
    assert_eq!(br.get("/lang?to=en&back=/login").location(), "/login");
}

/// Finding 8: a spec binding more values than a database takes is refused with a reason.
pub(super) fn too_many_bound_values_are_a_clear_400(b: Backend) {
    let app = spawn_app(b);
    let tok = token(&app);
    let tests: Vec<Value> = (0..256)
        .map(|_| json!({"column": "First_Name", "op": "in", "param": "names"}))
        .collect();
    let names: Vec<String> = (0..1000).map(|i| format!("n{i}")).collect();
    let body = json!({"spec": {"version": 1,
        "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}],
        "conditions": {"or": tests},
        "parameters": [{"name": "names", "type": "text", "list": true}]},
        "parameters": {"names": names}});
    let (st, v) = call(&app, &tok, "POST", "/api/v1/queries/run", &body.to_string());
    assert_eq!(
        (st, super::error_code(&v)),
        (400, "invalid_parameter"),
        "{v}"
    );
}

/// Finding 9: a table-only grant cannot list who has rows there through an inner join.
pub(super) fn joining_needs_the_person_column(b: Backend) {
    let app = spawn_app(b);
    grant_to(&app.store, "NAF", table("MOJ_Bails"));
    let tok = token(&app);
    let body = json!({"spec": {"version": 1, "tables": [
        {"table": "CSPD_Personal_Info", "columns": ["First_Name"]},
        {"table": "MOJ_Bails", "columns": [], "join": "inner"}]}});
    let (st, v) = call(&app, &tok, "POST", "/api/v1/queries/run", &body.to_string());
    assert_eq!((st, super::error_code(&v)), (403, "not_granted"), "{v}");
    assert!(v.to_string().contains("joining table MOJ_Bails"), "{v}");
}

/// Finding 10: unknown, revoked and wrong-secret clients get one answer (and, measured in
/// bench/signin_burst.sh, the same time).
pub(super) fn token_refusals_are_all_alike(b: Backend) {
    let app = spawn_app(b);
    let (row, secret) = nur_app::new_client(&id("NAF"), "gone", vec![]).unwrap();
    app.store.create_client(&row, ev("client.create")).unwrap();
    app.store
        .change_client(
            &row.client_id,
            &nur_store::ClientChange::Revoke,
            ev("revoke"),
        )
        .unwrap();
    let answers: Vec<(u16, Value)> = [
        ("naf-000000000000", "x"),
        (row.client_id.as_str(), secret.as_str()),
        (app.client_id.as_str(), "wrong"),
    ]
    .iter()
    .map(|(i, s)| token_for(&app, i, s))
    .collect();
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 401);
}

/// Finding 11: a visitor's pages store nothing, and a flood of failed sign-ins is a handful of
/// audit events.
pub(super) fn anonymous_requests_write_nothing(b: Backend) {
    let app = spawn_app(b);
    let sessions = |app: &App| app.store.expire_sessions(i64::MAX, i64::MAX).unwrap();
    let before = events(&app, "login.failed").len();
    let mut br = Browser::new(app.addr);
    for _ in 0..30 {
        assert_eq!(Browser::new(app.addr).get("/login").status, 200);
    }
    for i in 0..30 {
        br.post(
            "/login",
            "/login",
            &[("username", &format!("nobody{i}")), ("password", "x")],
        );
    }
    assert_eq!(
        sessions(&app),
        0,
        "no session for anyone who has not signed in"
    );
    let written = events(&app, "login.failed").len() - before;
    assert!(
        written <= 2,
        "{written} events for 30 failures from one address"
    );
}

/// Finding 12: a bad batch sent again records its dead letters once.
pub(super) fn replayed_bad_batches_are_dead_lettered_once(b: Backend) {
    let app = spawn_app(b);
    nur_ingest::cdc::SourceDef {
        name: "dvld-feed".into(),
        kind: nur_ingest::cdc::Kind::Http,
        entity: "DVLD".into(),
        config: Default::default(),
    }
    .add(&app.store, &nur_core::Catalog::jordan(), ev("source.add"))
    .unwrap();
    let dvld = client_of(&app, "DVLD");
    let bad: Vec<Value> = (0..50)
        .map(|i| {
            json!({"op": "c", "after": {"Registration_Number": format!("R{i}")},
                        "source": {"table": "no_such_table", "lsn": i + 1}})
        })
        .collect();
    let body = Value::Array(bad).to_string();
    for _ in 0..3 {
        let (st, v) = call(
            &app,
            &dvld,
            "POST",
            "/api/v1/ingest/dvld-feed/events",
            &body,
        );
        assert_eq!(st, 200, "{v}");
    }
    assert_eq!(app.store.dead_letters("dvld-feed", 1000).unwrap().len(), 50);
}

/// Finding 13: the simulated upstream refuses any address but loopback.
pub(super) fn the_simulated_upstream_is_loopback_only(_: Backend) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = nur_store::testing::TestDb::new(Backend::Sqlite);
    let store = std::sync::Arc::new(db.open());
    let e = rt
        .block_on(async {
            let l = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
            nur_web::serve_upstream(
                l,
                store,
                std::sync::Arc::new(nur_core::Catalog::jordan()),
                std::future::pending(),
            )
            .await
        })
        .unwrap_err();
    assert!(e.to_string().contains("loopback"), "{e}");
}

/// Finding 14: answers with personal data are not cached; token issuance is audited; an
/// Arabic purpose arrives percent-encoded and is stored as written.
pub(super) fn hardening_headers_tokens_and_purposes(b: Backend) {
    let app = spawn_app(b);
    let issued = events(&app, "client.token").len();
    let tok = token(&app);
    assert_eq!(events(&app, "client.token").len(), issued + 1);
    let auth = format!("Bearer {tok}");
    let path = format!("/api/v1/persons/{}", app.person);
    let head = super::head_of(
        &app,
        "GET",
        &path,
        &[
            ("Authorization", &auth),
            (
                "X-NUR-Purpose",
                "%D8%AF%D8%B9%D9%85%20%D8%A7%D9%84%D8%A3%D8%B3%D8%B1%D8%A9",
            ),
        ],
        "",
    );
    assert!(head.contains("cache-control: no-store"), "{head}");
    let e = &events(&app, "person.lookup")[0];
    assert_eq!(e.purpose.as_deref(), Some("دعم الأسرة"));
    let (st, v) = request(
        &app,
        "GET",
        &path,
        &[("Authorization", &auth), ("X-NUR-Purpose", "%FF%FE")],
        "",
    );
    assert_eq!(
        (st, super::error_code(&serde_json::from_str(&v).unwrap())),
        (400, "invalid_header")
    );
}

/// Finding 1 at the doors: beyond the per-address rate, the token endpoint and the sign-in
/// form answer 429 at once, with when to come back, and the refusals are one audit event.
pub(super) fn over_the_rate_callers_are_told_when_to_come_back(b: Backend) {
    let app = super::spawn_app_with(
        b,
        super::Tweaks {
            guards: nur_app::GuardLimits {
                token_per_minute: 3,
                signin_per_minute: 3,
                ..Default::default()
            },
            ..Default::default()
        },
    );
    let statuses: Vec<u16> = (0..6)
        .map(|_| token_for(&app, &app.client_id, &app.secret).0)
        .collect();
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    let h = super::head_of(
        &app,
        "POST",
        "/oauth2/client/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "grant_type=client_credentials&client_id=x&client_secret=y",
    );
    assert!(
        h.starts_with("http/1.1 429") && h.contains("retry-after: "),
        "{h}"
    );
    let mut br = Browser::new(app.addr);
    let codes: Vec<u16> = (0..5)
        .map(|_| {
            br.post(
                "/login",
                "/login",
                &[("username", "nobody"), ("password", "x")],
            )
            .status
        })
        .collect();
    assert_eq!(codes.last(), Some(&429), "{codes:?}");
    app.uses.flush_refusals(true);
    let refusals = |action: &str| -> Vec<String> {
        events(&app, action)
            .into_iter()
            .filter(|e| e.outcome.starts_with("refused"))
            .map(|e| e.outcome)
            .collect()
    };
    // Per kind and address, the first refusal at once and the rest counted into one event.
    let tokens = refusals("client.token");
    assert_eq!(tokens.len(), 2, "{tokens:#?}");
    assert!(
        tokens
            .iter()
            .any(|o| o.contains("; 3 more refused like it")),
        "{tokens:#?}"
    );
    let logins = refusals("login.failed");
    assert_eq!(logins.len(), 2, "{logins:#?}");
    assert!(
        logins
            .iter()
            .any(|o| o.contains("; 4 more refused like it")),
        "{logins:#?}"
    );
}

/// Finding 14: with a metrics token, `/metrics` and the all-sources view need it
/// (even from this machine); behind TLS every answer pins it (HSTS).
pub(super) fn operational_endpoints_need_the_token_and_tls_is_pinned(b: Backend) {
    let app = super::spawn_app_with(
        b,
        super::Tweaks {
            metrics_token: Some("m3tr1cs-t0ken-of-this-deployment"),
            secure_cookies: true,
            ..Default::default()
        },
    );
    let (st, body) = request(&app, "GET", "/metrics", &[], "");
    assert_eq!(st, 401, "{body}");
    let (st, _) = request(
        &app,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer wrong")],
        "",
    );
    assert_eq!(st, 401);
    let ok = [("Authorization", "Bearer m3tr1cs-t0ken-of-this-deployment")];
    let (st, body) = request(&app, "GET", "/metrics", &ok, "");
    assert_eq!(st, 200);
    assert!(
        body.contains("nur_http_requests"),
        "{}",
        &body[..body.len().min(300)]
    );
    // The token opens every source's freshness; a client sees only its own entity's.
    let (st, v) = request(&app, "GET", "/api/v1/sources", &ok, "");
    assert_eq!(st, 200, "{v}");
    let h = super::head_of(&app, "GET", "/healthz", &[], "");
    assert!(
        h.contains("strict-transport-security: max-age=31536000"),
        "{h}"
    );
    let h = super::head_of(&app, "GET", "/login", &[], "");
    assert!(h.contains("strict-transport-security"), "{h}");
    assert!(h.contains("; secure"), "the CSRF cookie is Secure too: {h}");
}

/// Finding 1: password checks beyond the bound are told the service is busy (503) instead of
/// each taking its ~19 MiB; once the flood is over, the right password signs in.
pub(super) fn a_flood_of_sign_ins_is_told_busy_not_served(b: Backend) {
    let app = super::spawn_app_with(
        b,
        super::Tweaks {
            guards: nur_app::GuardLimits {
                password_checks: 1,
                password_queue: 0,
                signin_per_minute: 10_000,
                address_failures: 10_000,
                pair_failures: 10_000,
                ..Default::default()
            },
            ..Default::default()
        },
    );
    account(&app, "NAFUser", Role::EntityUser, Some("NAF"));
    let start = std::sync::Barrier::new(16);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let (app, start) = (&app, &start);
                s.spawn(move || {
                    let mut br = Browser::new(app.addr);
                    br.get("/login");
                    start.wait();
                    br.post(
                        "/login",
                        "/login",
                        &[("username", &format!("flood{i}")), ("password", "x")],
                    )
                    .status
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(statuses.contains(&503), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [302, 303, 503].contains(s)),
        "{statuses:?}"
    );
    // The password step passes (`pending` checks it).
    pending(&app, "NAFUser");
}

/// The Auditor reads the whole trail and no registry data; the portal offers it only that.
pub(super) fn the_auditor_reads_the_trail_and_no_data(b: Backend) {
    let app = spawn_app(b);
    account(&app, "watch", Role::Auditor, None);
    let mut br = pending(&app, "watch");
    let code = last_code(&app);
    assert_eq!(
        br.post("/login/code", "/login/code", &[("code", &code)])
            .location(),
        "/"
    );
    let home = br.get("/");
    assert!(home.body.contains(r#"href="/audit""#), "{}", home.body);
    assert!(!home.body.contains(r#"href="/persons""#), "{}", home.body);
    let page = br.get(&format!("/persons?nn={}", app.person));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("acts for no entity"), "{}", page.body);
    let trail = br.get("/audit");
    assert_eq!(trail.status, 200);
    assert!(trail.body.contains("login"), "{}", trail.body);
    assert_eq!(br.get("/settings/users").status, 403);
    assert_eq!(br.get("/security/columns").status, 403);
    // The lookup refused is not an access on the person's report.
    let report = app
        .store
        .access_log(&app.person, &ReportScope::Full, 100, 0)
        .unwrap();
    assert!(report.is_empty(), "{report:?}");
}
