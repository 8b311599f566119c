//! Grants, query plans run on the warehouse, procedures, clients and the audit chain, on both
//! backends.

use crate::conformance::{load, person_row, text};
use nur_core::audit::NewEvent;
use nur_core::grant::{Grants, Target};
use nur_core::query::{self, Limits, QuerySpec, RevokePolicy};
use nur_core::{Catalog, Ident, Value};
use nur_store::testing::{Backend, TestDb};
use nur_store::{
    AuditFilter, ClientChange, ClientRow, EntitySettings, GrantFilter, NewProcedure, ReportScope,
    Row, Store, StoreError, Warehouse,
};
use serde_json::json;

conformance!(
    grants_change_with_history_and_audit,
    queries_run_with_every_operator,
    hostile_values_are_inert,
    procedures_are_versioned,
    clients_rotate_and_revoke,
    audit_chain_catches_tampering,
    access_log_lists_accesses_newest_first,
);

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

fn event(action: &str, entity: &str, persons: &[&str]) -> NewEvent {
    NewEvent {
        actor_kind: "client".into(),
        actor: "c-1".into(),
        entity: Some(entity.into()),
        action: action.into(),
        target: "t".into(),
        persons: persons.iter().map(|s| s.to_string()).collect(),
        outcome: "ok".into(),
        ..Default::default()
    }
}

fn fresh(b: Backend) -> (TestDb, Store, Catalog) {
    let db = TestDb::new(b);
    let store = db.open();
    let c = Catalog::jordan();
    store.migrate(&c).unwrap();
    (db, store, c)
}

const P1: &str = "9821017042";
const P2: &str = "9851023456";
const P3: &str = "2001234567";

fn car(nn: &str, reg: &str, ty: &str, year: i64) -> Row {
    let c = Catalog::jordan();
    let t = c.table("DVLD_Car_Info").unwrap();
    let values = t
        .columns
        .iter()
        .map(|col| match col.name.as_str() {
            "National_Number" => text(nn),
            "Registration_Number" => text(reg),
            "Vehicle_Type" => text(ty),
            "Model_Year" => Value::Int(year),
            _ => Value::Null,
        })
        .collect();
    Row {
        source_key: reg.into(),
        values,
    }
}

fn seed(store: &Store, c: &Catalog) {
    load(
        store,
        c,
        "CSPD_Personal_Info",
        "p",
        vec![
            person_row(c, P1, "محمد", "1000001"),
            person_row(c, P2, "50%_off\\", "1000002"),
            person_row(c, P3, "سارة", "1000003"),
        ],
        vec![],
    );
    load(
        store,
        c,
        "DVLD_Car_Info",
        "v",
        vec![
            car(P1, "10-1", "Saloon", 2015),
            car(P1, "10-2", "Pickup", 2020),
            car(P2, "10-3", "Saloon", 2009),
        ],
        vec![],
    );
}

fn naf() -> Grants {
    let mut held = vec![
        Target::Table {
            table: id("CSPD_Personal_Info"),
        },
        Target::Table {
            table: id("DVLD_Car_Info"),
        },
    ];
    for (t, cols) in [
        (
            "CSPD_Personal_Info",
            &["National_Number", "First_Name", "Birth_Date", "Mother_Name"][..],
        ),
        // The national number: joining the table needs the column it is joined on.
        (
            "DVLD_Car_Info",
            &["Vehicle_Type", "Model_Year", "National_Number"][..],
        ),
    ] {
        for col in cols {
            held.push(Target::Column {
                table: id(t),
                column: id(col),
            });
        }
    }
    Grants::new(id("NAF"), held)
}

fn run(
    store: &Store,
    c: &Catalog,
    spec: serde_json::Value,
    args: serde_json::Value,
) -> Vec<Vec<Value>> {
    let spec: QuerySpec = serde_json::from_value(spec).unwrap();
    let plan = query::plan(c, &naf(), &spec, Limits::default(), RevokePolicy::Refuse).unwrap();
    let args = plan.bind(&c.identity, args.as_object().unwrap()).unwrap();
    store.run_query(&plan, &args).unwrap().rows
}

fn grants_change_with_history_and_audit(b: Backend) {
    let (_db, store, _c) = fresh(b);
    let t = Target::Column {
        table: id("DVLD_Car_Info"),
        column: id("Vehicle_Type"),
    };
    let ev = || NewEvent {
        actor_kind: "operator".into(),
        actor: "ops".into(),
        action: "grant".into(),
        target: t.to_string(),
        outcome: "ok".into(),
        ..Default::default()
    };
    assert!(store.change_grant(true, "NAF", "DVLD", &t, ev()).unwrap());
    assert!(
        !store.change_grant(true, "NAF", "DVLD", &t, ev()).unwrap(),
        "granting twice changes nothing"
    );
    assert_eq!(store.grants_of("NAF").unwrap(), vec![t.clone()]);
    let rows = store
        .grants(&GrantFilter {
            custodian: Some("DVLD".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((rows.len(), rows[0].granted_by.as_str()), (1, "ops"));
    assert!(store.change_grant(false, "NAF", "DVLD", &t, ev()).unwrap());
    assert!(store.grants_of("NAF").unwrap().is_empty());
    let history = store.grant_history(&GrantFilter::default(), 10).unwrap();
    let actions: Vec<_> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["revoke", "grant"]);
    assert_eq!(store.verify_audit().unwrap(), Ok(2));
}

fn queries_run_with_every_operator(b: Backend) {
    let (_db, store, c) = fresh(b);
    seed(&store, &c);
    let base = |conditions: serde_json::Value, params: serde_json::Value| {
        json!({"version": 1,
               "tables": [{"table": "CSPD_Personal_Info", "columns": ["National_Number"]},
                          {"table": "DVLD_Car_Info", "columns": ["Vehicle_Type", "Model_Year"]}],
               "conditions": conditions, "parameters": params,
               "order_by": [{"column": "CSPD_Personal_Info.National_Number"}, {"column": "Model_Year", "direction": "desc"}]})
    };
    let nns = |rows: &[Vec<Value>]| rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>();
    // The example: left join, parameter bound.
    let rows = run(
        &store,
        &c,
        base(
            json!({"column": "CSPD_Personal_Info.National_Number", "op": "=", "param": "nn"}),
            json!([{"name": "nn", "type": "national_number"}]),
        ),
        json!({"nn": P1}),
    );
    assert_eq!(
        rows,
        vec![
            vec![text(P1), text("Pickup"), Value::Int(2020)],
            vec![text(P1), text("Saloon"), Value::Int(2015)],
        ]
    );
    // Left join keeps the person without a car; inner drops them.
    let all = run(
        &store,
        &c,
        base(
            json!({"column": "CSPD_Personal_Info.National_Number", "op": "is_not_null"}),
            json!([]),
        ),
        json!({}),
    );
    assert_eq!(nns(&all), [P3, P1, P1, P2]);
    let mut inner = base(
        json!({"column": "CSPD_Personal_Info.National_Number", "op": "is_not_null"}),
        json!([]),
    );
    inner["tables"][1]["join"] = json!("inner");
    assert_eq!(run(&store, &c, inner, json!({})).len(), 3);
    let cases: Vec<(
        serde_json::Value,
        serde_json::Value,
        serde_json::Value,
        usize,
    )> = vec![
        (
            json!({"column": "Model_Year", "op": ">=", "param": "y"}),
            json!([{"name": "y", "type": "integer"}]),
            json!({"y": 2015}),
            2,
        ),
        (
            json!({"column": "Model_Year", "op": "<", "value": 2015}),
            json!([]),
            json!({}),
            1,
        ),
        (
            json!({"column": "Model_Year", "op": "<>", "value": 2015}),
            json!([]),
            json!({}),
            2,
        ),
        (
            json!({"column": "Model_Year", "op": "between", "value": [2009, 2015]}),
            json!([]),
            json!({}),
            2,
        ),
        (
            json!({"column": "Vehicle_Type", "op": "in", "param": "types"}),
            json!([{"name": "types", "type": "text", "list": true}]),
            json!({"types": ["Pickup", "Van"]}),
            1,
        ),
        (
            json!({"column": "Vehicle_Type", "op": "starts_with", "value": "Sal"}),
            json!([]),
            json!({}),
            2,
        ),
        (
            json!({"column": "Vehicle_Type", "op": "like", "value": "%ck%"}),
            json!([]),
            json!({}),
            1,
        ),
        (
            json!({"column": "Vehicle_Type", "op": "is_null"}),
            json!([]),
            json!({}),
            1,
        ),
        (
            json!({"column": "Birth_Date", "op": "between", "params": ["a", "b"]}),
            json!([{"name": "a", "type": "date"}, {"name": "b", "type": "date"}]),
            json!({"a": "1982-01-01", "b": "1982-12-31"}),
            4,
        ),
        (
            json!({"or": [{"column": "Model_Year", "op": "=", "value": 2009}, {"and": [{"column": "Vehicle_Type", "op": "=", "value": "Pickup"}, {"column": "Model_Year", "op": ">", "value": 2019}]}]}),
            json!([]),
            json!({}),
            2,
        ),
    ];
    for (cond, params, args, want) in cases {
        let got = run(&store, &c, base(cond.clone(), params), args);
        assert_eq!(got.len(), want, "{cond}: {got:?}");
    }
    let mut limited = base(
        json!({"column": "CSPD_Personal_Info.National_Number", "op": "is_not_null"}),
        json!([]),
    );
    limited["limit"] = json!(2);
    assert_eq!(run(&store, &c, limited, json!({})).len(), 2);
}

fn hostile_values_are_inert(b: Backend) {
    let (_db, store, c) = fresh(b);
    seed(&store, &c);
    let spec = |op: &str| {
        json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["National_Number", "First_Name"]}],
               "conditions": {"column": "First_Name", "op": op, "param": "n"},
               "parameters": [{"name": "n", "type": "text"}]})
    };
    for hostile in [
        "' OR '1'='1",
        "x'; DROP TABLE \"CSPD_Personal_Info\"; --",
        "\") OR 1=1 --",
        "%",
        "_",
    ] {
        let rows = run(&store, &c, spec("="), json!({ "n": hostile }));
        assert!(rows.is_empty(), "{hostile}: {rows:?}");
        let rows = run(&store, &c, spec("starts_with"), json!({ "n": hostile }));
        assert!(rows.is_empty(), "starts_with {hostile}: {rows:?}");
    }
    // LIKE wildcards in a starts_with value are literal: only the name that begins "50%_".
    let rows = run(&store, &c, spec("starts_with"), json!({"n": "50%_"}));
    assert_eq!(rows.len(), 1);
    assert_eq!(
        store
            .stats(&c)
            .unwrap()
            .tables
            .iter()
            .find(|t| t.table == "CSPD_Personal_Info")
            .unwrap()
            .rows,
        3
    );
}

fn procedures_are_versioned(b: Backend) {
    let (_db, store, _c) = fresh(b);
    let p = |desc: &str| NewProcedure {
        entity: "NAF".into(),
        name: "person_cars".into(),
        description: desc.into(),
        spec: "{}".into(),
        on_revoke: RevokePolicy::DropColumns,
        saved_by: "ops".into(),
    };
    assert_eq!(
        store
            .save_procedure(&p("one"), event("procedure.save", "NAF", &[]))
            .unwrap()
            .version,
        1
    );
    let v2 = store
        .save_procedure(&p("two"), event("procedure.save", "NAF", &[]))
        .unwrap();
    assert_eq!(
        (v2.version, v2.description.as_str(), v2.on_revoke),
        (2, "two", RevokePolicy::DropColumns)
    );
    assert_eq!(store.procedures(Some("NAF")).unwrap().len(), 1);
    assert!(store.procedures(Some("DVLD")).unwrap().is_empty());
    assert!(store
        .delete_procedure("NAF", "person_cars", event("procedure.delete", "NAF", &[]))
        .unwrap());
    assert!(!store
        .delete_procedure("NAF", "person_cars", event("procedure.delete", "NAF", &[]))
        .unwrap());
    assert!(store.procedure("NAF", "person_cars").unwrap().is_none());
    let versions = store.procedure_versions("NAF", "person_cars").unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.deleted))
            .collect::<Vec<_>>(),
        [(1, false), (2, false), (3, true)]
    );
    // Saving again after a delete continues the numbering.
    assert_eq!(
        store
            .save_procedure(&p("again"), event("procedure.save", "NAF", &[]))
            .unwrap()
            .version,
        4
    );
    assert_eq!(store.verify_audit().unwrap(), Ok(4));
}

fn clients_rotate_and_revoke(b: Backend) {
    let (_db, store, _c) = fresh(b);
    let c = ClientRow {
        client_id: "naf-1".into(),
        entity: "NAF".into(),
        name: "case system".into(),
        secret_hash: "h1".into(),
        generation: 1,
        ip_allowlist: vec!["10.0.0.0/8".into()],
        created_at_ms: 1,
        rotated_at_ms: None,
        revoked_at_ms: None,
    };
    store
        .create_client(&c, event("client.create", "NAF", &[]))
        .unwrap();
    assert_eq!(store.client("naf-1").unwrap().unwrap(), c);
    let r = store
        .change_client(
            "naf-1",
            &ClientChange::Rotate {
                secret_hash: "h2".into(),
            },
            event("client.rotate", "NAF", &[]),
        )
        .unwrap();
    assert_eq!((r.generation, r.secret_hash.as_str()), (2, "h2"));
    let r = store
        .change_client(
            "naf-1",
            &ClientChange::Revoke,
            event("client.revoke", "NAF", &[]),
        )
        .unwrap();
    assert!(r.revoked_at_ms.is_some());
    let again = store.change_client(
        "naf-1",
        &ClientChange::Revoke,
        event("client.revoke", "NAF", &[]),
    );
    assert!(matches!(again, Err(StoreError::NotFound(_))));
    assert_eq!(store.clients(Some("NAF")).unwrap().len(), 1);
    assert!(store.client("nope").unwrap().is_none());
    let s = EntitySettings {
        purpose_required: true,
        access_withheld: false,
    };
    store
        .set_entity_settings("NAF", s, event("entity.settings", "NAF", &[]))
        .unwrap();
    assert_eq!(store.entity_settings("NAF").unwrap(), s);
    assert_eq!(
        store.entity_settings("DVLD").unwrap(),
        EntitySettings::default()
    );
    let k1 = store.setting_or_init("k", || "first".into()).unwrap();
    let k2 = store.setting_or_init("k", || "second".into()).unwrap();
    assert_eq!((k1.as_str(), k2.as_str()), ("first", "first"));
}

/// Raw SQL on the database behind the store's back, as an intruder would.
fn tamper(db: &TestDb, b: Backend, sql: &str) {
    match b {
        Backend::Sqlite => {
            let path = db.url.strip_prefix("sqlite:").unwrap();
            rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap();
        }
        Backend::Postgres => {
            ::postgres::Client::connect(&db.url, ::postgres::NoTls)
                .unwrap()
                .batch_execute(sql)
                .unwrap();
        }
    }
}

fn audit_chain_catches_tampering(b: Backend) {
    let attacks = [
        ("edit", "UPDATE nur_audit SET purpose = 'routine' WHERE seq = 3", 3),
        ("delete", "DELETE FROM nur_audit WHERE seq = 4", 4),
        ("reorder", "UPDATE nur_audit SET seq = 100 WHERE seq = 2; UPDATE nur_audit SET seq = 2 WHERE seq = 3; UPDATE nur_audit SET seq = 3 WHERE seq = 100", 2),
        ("truncate", "DELETE FROM nur_audit WHERE seq > 4", 5),
        ("truncate all", "DELETE FROM nur_audit", 1),
        ("edit persons", "UPDATE nur_audit SET persons = '[]' WHERE seq = 5", 5),
    ];
    for (name, sql, first_bad) in attacks {
        let (db, store, _c) = fresh(b);
        for i in 0..6 {
            store
                .audit(event(
                    "procedure.call",
                    "NAF",
                    &[if i % 2 == 0 { P1 } else { P2 }],
                ))
                .unwrap();
        }
        assert_eq!(store.verify_audit().unwrap(), Ok(6));
        tamper(&db, b, sql);
        let broken = store.verify_audit().unwrap().unwrap_err();
        assert_eq!(broken.seq, first_bad, "{name}: {broken:?}");
    }
}

fn access_log_lists_accesses_newest_first(b: Backend) {
    let (_db, store, _c) = fresh(b);
    store
        .audit(event("procedure.call", "NAF", &[P1, P2]))
        .unwrap();
    store.audit(event("person.lookup", "DEF", &[P1])).unwrap();
    store.audit(event("grant", "DVLD", &[P1])).unwrap(); // not a data access
    let mut refused = event("procedure.call", "MOSD", &[P1]);
    refused.outcome = "refused: not granted".into();
    store.audit(refused).unwrap();
    store.audit(event("operation.call", "SSC", &[P1])).unwrap();
    store
        .set_entity_settings(
            "DEF",
            EntitySettings {
                purpose_required: false,
                access_withheld: true,
            },
            event("entity.settings", "DEF", &[]),
        )
        .unwrap();
    let citizen = ReportScope::Citizen;
    let log = store.access_log(P1, &citizen, 10, 0).unwrap();
    let entities: Vec<_> = log.iter().map(|e| e.entity.clone().unwrap()).collect();
    assert_eq!(entities, ["SSC", "NAF"]);
    assert_eq!(
        store.access_log(P1, &citizen, 1, 1).unwrap()[0]
            .entity
            .as_deref(),
        Some("NAF")
    );
    assert_eq!(store.access_log(P3, &citizen, 10, 0).unwrap(), vec![]);
    // An entity sees its own accesses; the full report holds the withheld ones too; an
    // outcome with detail ("ok; dropped …") is an access like any other.
    let mut dropped = event("procedure.call", "NAF", &[P3]);
    dropped.outcome = "ok; dropped CSPD_Personal_Info.Family_Name".into();
    store.audit(dropped).unwrap();
    assert_eq!(store.access_log(P3, &citizen, 10, 0).unwrap().len(), 1);
    let naf = store
        .access_log(P1, &ReportScope::Entity("NAF".into()), 10, 0)
        .unwrap();
    assert_eq!(naf.len(), 1);
    let full = store.access_log(P1, &ReportScope::Full, 10, 0).unwrap();
    let entities: Vec<_> = full.iter().map(|e| e.entity.clone().unwrap()).collect();
    assert_eq!(entities, ["SSC", "DEF", "NAF"]);
    let by_person = store
        .audit_events(&AuditFilter {
            person: Some(P2.into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_person.len(), 1);
}
