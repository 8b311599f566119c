//! Change events over HTTP, source freshness and metrics, on the real app.

use super::{call, error_code, request, spawn_app, token_for, App};
use nur_core::{Catalog, Ident};
use nur_ingest::cdc::{Kind, SourceConfig, SourceDef};
use nur_store::testing::Backend;
use serde_json::{json, Value};

pub(super) fn car(lsn: u64, reg: &str) -> Value {
    json!({"op": "c", "before": null, "ts_ms": 1_700_000_000_000i64,
           "after": {"Registration_Number": reg, "National_Number": "9801000001", "Make": "Kia", "Model_Year": 2020},
           "source": {"table": "DVLD_Car_Info", "lsn": lsn, "ts_ms": 1_700_000_000_000i64}})
}

pub(super) fn client_token(app: &App, entity: &str) -> String {
    let (row, secret) =
        nur_app::new_client(&Ident::parse(entity).unwrap(), "feeds", vec![]).unwrap();
    app.store
        .create_client(&row, super::ev("client.create"))
        .unwrap();
    let (st, v) = token_for(app, &row.client_id, &secret);
    assert_eq!(st, 200, "{v}");
    v["access_token"].as_str().unwrap().to_owned()
}

pub(super) fn events_metrics_and_freshness(b: Backend) {
    let app = spawn_app(b);
    let c = Catalog::jordan();
    for (name, kind, config) in [
        ("dvld-http", Kind::Http, SourceConfig::default()),
        (
            "dvld-nats",
            Kind::Nats,
            SourceConfig {
                url: Some("nats://127.0.0.1:4222".into()),
                ..SourceConfig::default()
            },
        ),
    ] {
        SourceDef {
            name: name.into(),
            kind,
            entity: "DVLD".into(),
            config,
        }
        .add(&app.store, &c, Default::default())
        .unwrap();
    }
    let dvld = client_token(&app, "DVLD");
    let naf = client_token(&app, "NAF");
    let path = "/api/v1/ingest/dvld-http/events";
    let body = json!([car(10, "R1"), car(11, "R2")]).to_string();

    // Only clients of the custodian may feed its source, and to others it answers as an
    // unknown source would; only http sources take posts.
    let (st, v) = call(&app, &naf, "POST", path, &body);
    assert_eq!((st, error_code(&v)), (404, "source_not_found"), "{v}");
    let (unknown, u) = call(&app, &naf, "POST", "/api/v1/ingest/no-such/events", &body);
    assert_eq!((unknown, &u["error"]["code"]), (st, &v["error"]["code"]));
    let (st, v) = request(&app, "POST", path, &[], &body);
    assert_eq!(st, 401, "{v}");
    let (st, v) = call(
        &app,
        &dvld,
        "POST",
        "/api/v1/ingest/dvld-nats/events",
        &body,
    );
    assert_eq!((st, error_code(&v)), (400, "not_an_http_source"), "{v}");
    let (st, _) = call(&app, &dvld, "POST", "/api/v1/ingest/nope/events", &body);
    assert_eq!(st, 404);

    // Malformed bodies are refused whole, with the reason.
    for (bad, code) in [
        ("{not json", "malformed_json"),
        ("{\"op\": \"c\"}", "malformed_json"),
        ("[]", "batch_size"),
        (
            &json!([car(12, "R1"), car(11, "R2")]).to_string()[..],
            "out_of_order",
        ),
    ] {
        let (st, v) = call(&app, &dvld, "POST", path, bad);
        assert_eq!((st, error_code(&v)), (400, code), "{bad}: {v}");
    }

    let (st, v) = call(&app, &dvld, "POST", path, &body);
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["applied"].as_u64(), v["duplicates"].as_u64()),
        (Some(2), Some(0))
    );
    // The same events again change nothing; a bad event is dead-lettered, the rest apply.
    let (_, v) = call(&app, &dvld, "POST", path, &body);
    assert_eq!(
        (v["applied"].as_u64(), v["duplicates"].as_u64()),
        (Some(0), Some(2))
    );
    let mut bad = car(13, "R4");
    bad["after"]["Model_Year"] = json!("old");
    let (_, v) = call(
        &app,
        &dvld,
        "POST",
        path,
        &json!([car(12, "R3"), bad]).to_string(),
    );
    assert_eq!(
        (v["applied"].as_u64(), v["dead_lettered"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    let dead = app.store.dead_letters("dvld-http", 5).unwrap();
    assert!(dead[0].reason.contains("Model_Year"), "{dead:?}");

    // Another entity's client does not see DVLD's feeds; DVLD's does.
    let (st, v) = call(&app, &naf, "GET", "/api/v1/sources", "");
    assert_eq!(st, 200, "{v}");
    assert!(!v.to_string().contains("dvld-http"), "{v}");
    let (st, v) = call(&app, &dvld, "GET", "/api/v1/sources", "");
    assert_eq!(st, 200, "{v}");
    let s = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "dvld-http")
        .unwrap();
    assert_eq!(s["applied"], 3);
    assert_eq!(s["duplicates"], 2);
    assert_eq!(s["dead_letters"], 1);
    assert_eq!(s["last_event_ms"], 1_700_000_000_000i64);
    assert!(s.get("config").is_none() && !v.to_string().contains("nats://"));

    let (st, text) = request(&app, "GET", "/metrics", &[], "");
    assert_eq!(st, 200);
    assert!(
        text.contains(
            "nur_source_applied_total{source=\"dvld-http\",kind=\"http\",entity=\"DVLD\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains("# TYPE nur_source_lag_seconds gauge"));
    // Every ingestion request is audited.
    let f = nur_store::AuditFilter {
        action: Some("ingest.events".into()),
        limit: 10,
        ..Default::default()
    };
    let events = app.store.audit_events(&f).unwrap();
    assert!(events.len() >= 3 && events.iter().all(|e| e.target == "source:dvld-http"));
}
