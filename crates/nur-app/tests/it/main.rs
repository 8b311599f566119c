//! Every use case through `nur-app` directly, on both backends: the actor refused, the
//! change made with its audit event, and — a failure injected after the writes, before the
//! commit — neither the change nor its event left behind.

use nur_app::signin::PasswordStep;
use nur_app::{
    App, Args, Caller, Kind, NewUser, Options, SaveProcedure, SettingsChange, UserChange,
};
use nur_core::account::Role;
use nur_core::grant::{Actor, GrantChange, Target};
use nur_core::query::{QuerySpec, RevokePolicy};
use nur_core::{Catalog, Ident};
use nur_store::testing::{Backend, TestDb};
use nur_store::{AuditFilter, Store, Warehouse};
use std::net::IpAddr;
use std::sync::Arc;

struct World {
    app: App,
    store: Arc<Store>,
    person: String,
    _db: TestDb,
    pub(crate) _data: tempfile::TempDir,
}

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

fn world(b: Backend) -> World {
    let catalog = Catalog::jordan();
    let data = tempfile::tempdir().unwrap();
    nur_synth::generate(&catalog, &nur_synth::SynthOptions::new(200, 5), data.path()).unwrap();
    let db = TestDb::new(b);
    let store = db.open();
    store.migrate(&catalog).unwrap();
    struct Quiet;
    impl nur_ingest::Progress for Quiet {
        fn file_started(&mut self, _: &str, _: u64) {}
        fn advanced(&mut self, _: u64, _: u64) {}
        fn file_finished(&mut self, _: &nur_ingest::FileReport) {}
    }
    nur_ingest::load_dir(
        &store,
        &catalog,
        data.path(),
        &Default::default(),
        &mut Quiet,
    )
    .unwrap();
    let mut person = String::new();
    store
        .for_each_person(&catalog, &mut |nn| {
            if person.is_empty() {
                person = nn.to_owned();
            }
        })
        .unwrap();
    let store = Arc::new(store);
    let app = App::new(store.clone(), Arc::new(catalog), Options::default()).unwrap();
    World {
        app,
        store,
        person,
        _db: db,
        _data: data,
    }
}

fn ip() -> Option<IpAddr> {
    Some(IpAddr::from([10, 0, 0, 7]))
}

fn user(name: &str, role: Role, entity: Option<&str>) -> Caller {
    Caller::new(
        Actor::User {
            username: name.into(),
            role,
            entity: entity.map(id),
        },
        ip(),
    )
}

fn client_of(entity: &str) -> Caller {
    Caller::new(
        Actor::Client {
            client_id: format!("{}-test", entity.to_lowercase()),
            entity: id(entity),
        },
        ip(),
    )
}

fn operator() -> Caller {
    Caller::operator("op")
}

fn events(w: &World) -> Vec<nur_core::audit::AuditEvent> {
    w.store
        .audit_events(&AuditFilter {
            limit: 100_000,
            ..Default::default()
        })
        .unwrap()
}

/// Runs `f` with a failure injected before its commit: it must fail and leave no event.
fn leaves_nothing<T: std::fmt::Debug>(w: &World, f: impl FnOnce() -> nur_app::Result<T>) {
    let before = events(w).len();
    w.store.fail_next_write();
    let r = f();
    assert!(
        r.is_err(),
        "an injected failure must fail the use case: {r:?}"
    );
    assert_eq!(events(w).len(), before, "no event may outlive its change");
    assert!(w.store.verify_audit().unwrap().is_ok());
}

/// The newest event, which must be `action`.
fn last(w: &World, action: &str) -> nur_core::audit::AuditEvent {
    let e = events(w).into_iter().next().expect("an event");
    assert_eq!(e.action, action, "{e:?}");
    e
}

fn refused(r: nur_app::Result<impl std::fmt::Debug>) -> nur_app::AppError {
    let e = r.expect_err("refused");
    assert_eq!(e.kind, Kind::Forbidden, "{e:?}");
    e
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

fn change(consumer: &str, target: Target) -> GrantChange {
    GrantChange {
        consumer: id(consumer),
        target,
    }
}

fn grants(b: Backend) {
    let w = world(b);
    let cars = change("NAF", table("DVLD_Car_Info"));
    refused(w.app.change_grant(
        &user("nafadmin", Role::EntityAdmin, Some("NAF")),
        &cars,
        true,
    ));
    let dvld = user("dvldadmin", Role::EntityAdmin, Some("DVLD"));
    leaves_nothing(&w, || w.app.change_grant(&dvld, &cars, true));
    assert!(w.store.grants_of("NAF").unwrap().is_empty());
    assert!(w.app.change_grant(&dvld, &cars, true).unwrap());
    let e = last(&w, "grant");
    assert_eq!(
        (e.entity.as_deref(), e.target.as_str(), e.actor.as_str()),
        (Some("DVLD"), "table DVLD_Car_Info to NAF", "dvldadmin")
    );
    // Granting again changes and records nothing.
    let n = events(&w).len();
    assert!(!w.app.change_grant(&dvld, &cars, true).unwrap());
    assert_eq!(events(&w).len(), n);
    // A column brings its table and key along.
    let model = change("MOSD", column("DVLD_Car_Info", "Model_Year"));
    assert_eq!(w.app.set_grants(&dvld, &[(model, true)]).unwrap(), 3);
    leaves_nothing(&w, || w.app.change_grant(&dvld, &cars, false));
    assert_eq!(w.store.grants_of("NAF").unwrap().len(), 1);
    assert!(w.app.change_grant(&dvld, &cars, false).unwrap());
    last(&w, "revoke");
}

fn procedures(b: Backend) {
    let w = world(b);
    let op = operator();
    w.app
        .change_grant(&op, &change("NAF", table("CSPD_Personal_Info")), true)
        .unwrap();
    w.app
        .change_grant(
            &op,
            &change("NAF", column("CSPD_Personal_Info", "First_Name")),
            true,
        )
        .unwrap();
    let spec =
        r#"{"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["First_Name"]}]}"#;
    fn save(p: &str) -> SaveProcedure<'_> {
        SaveProcedure {
            entity: "NAF",
            name: "names",
            description: "first names",
            spec: p,
            on_revoke: RevokePolicy::Refuse,
        }
    }
    refused(
        w.app
            .save_procedure(&user("clerk", Role::EntityUser, Some("NAF")), save(spec)),
    );
    refused(w.app.save_procedure(
        &user("dvldadmin", Role::EntityAdmin, Some("DVLD")),
        save(spec),
    ));
    let admin = user("nafadmin", Role::EntityAdmin, Some("NAF"));
    // A spec the entity may not run today is refused by name.
    let bad = r#"{"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["Family_Name"]}]}"#;
    let e = w.app.save_procedure(&admin, save(bad)).unwrap_err();
    assert!(e.message.contains("Family_Name"), "{e:?}");
    leaves_nothing(&w, || w.app.save_procedure(&admin, save(spec)));
    assert!(w.store.procedure("NAF", "names").unwrap().is_none());
    assert_eq!(w.app.save_procedure(&admin, save(spec)).unwrap().version, 1);
    let e = last(&w, "procedure.save");
    assert_eq!(e.columns, ["CSPD_Personal_Info.First_Name"]);
    leaves_nothing(&w, || w.app.delete_procedure(&admin, "NAF", "names"));
    assert!(w.store.procedure("NAF", "names").unwrap().is_some());
    w.app.delete_procedure(&admin, "NAF", "names").unwrap();
    last(&w, "procedure.delete");
    assert_eq!(
        w.app
            .delete_procedure(&admin, "NAF", "names")
            .unwrap_err()
            .kind,
        Kind::NotFound
    );
}

fn clients(b: Backend) {
    let w = world(b);
    refused(w.app.create_client(
        &user("dvldadmin", Role::EntityAdmin, Some("DVLD")),
        "NAF",
        "x",
        vec![],
    ));
    let admin = user("nafadmin", Role::EntityAdmin, Some("NAF"));
    leaves_nothing(&w, || {
        w.app.create_client(&admin, "NAF", "case system", vec![])
    });
    assert!(w.store.clients(Some("NAF")).unwrap().is_empty());
    let c = w
        .app
        .create_client(&admin, "NAF", "case system", vec![])
        .unwrap();
    let id = c.client.client_id.clone();
    assert_eq!(last(&w, "client.create").target, id);
    let token = w
        .app
        .issue_token(&id, &c.secret, ip().unwrap())
        .unwrap()
        .access_token;
    let caller = w
        .app
        .caller_from_token(&token, ip().unwrap(), None, None)
        .unwrap();
    assert_eq!(caller.entity().map(|e| e.as_str()), Some("NAF"));
    leaves_nothing(&w, || w.app.rotate_client(&admin, &id));
    // The failed rotation left the token valid.
    assert!(w
        .app
        .caller_from_token(&token, ip().unwrap(), None, None)
        .is_ok());
    let rotated = w.app.rotate_client(&admin, &id).unwrap();
    last(&w, "client.rotate");
    assert_eq!(
        w.app
            .caller_from_token(&token, ip().unwrap(), None, None)
            .unwrap_err()
            .kind,
        Kind::Unauthorized
    );
    assert!(w.app.issue_token(&id, &c.secret, ip().unwrap()).is_err());
    assert!(w
        .app
        .issue_token(&id, &rotated.secret, ip().unwrap())
        .is_ok());
    leaves_nothing(&w, || w.app.revoke_client(&admin, &id));
    w.app.revoke_client(&admin, &id).unwrap();
    last(&w, "client.revoke");
    assert!(w
        .app
        .issue_token(&id, &rotated.secret, ip().unwrap())
        .is_err());
}

fn new_admin() -> NewUser {
    NewUser {
        username: "nafadmin".into(),
        display_name: "NAF".into(),
        role: Role::EntityAdmin,
        entity: Some("NAF".into()),
        contact: None,
        password: Some("correct horse battery".into()),
        replace: false,
    }
}

fn accounts(b: Backend) {
    let w = world(b);
    let admin = user("nafadmin", Role::EntityAdmin, Some("NAF"));
    let new = |name: &str, role| NewUser {
        username: name.into(),
        display_name: "x".into(),
        role,
        entity: None,
        contact: Some("clerk@naf.example".into()),
        password: None,
        replace: false,
    };
    refused(w.app.create_user(&admin, new("boss", Role::SuperAdmin)));
    refused(w.app.create_user(
        &user("clerk", Role::EntityUser, Some("NAF")),
        new("x1", Role::EntityUser),
    ));
    leaves_nothing(&w, || {
        w.app
            .create_user(&admin, new("naf.clerk", Role::EntityUser))
    });
    assert!(w.store.account("naf.clerk").unwrap().is_none());
    let pw = w
        .app
        .create_user(&admin, new("naf.clerk", Role::EntityUser))
        .unwrap();
    assert_eq!(pw.len(), 16);
    let e = last(&w, "account.create");
    assert_eq!(e.entity.as_deref(), Some("NAF"));
    let a = w.store.account("naf.clerk").unwrap().unwrap();
    assert_eq!(a.entity.as_deref(), Some("NAF"));
    assert_eq!(a.contact.as_deref(), Some("clerk@naf.example"));
    // Nobody changes their own account here; no admin changes another entity's.
    w.app.create_user(&operator(), new_admin()).unwrap();
    refused(w.app.change_user(&admin, "nafadmin", UserChange::Disable));
    refused(w.app.change_user(
        &user("cspdadmin", Role::EntityAdmin, Some("CSPD")),
        "naf.clerk",
        UserChange::Disable,
    ));
    leaves_nothing(&w, || {
        w.app.change_user(&admin, "naf.clerk", UserChange::Disable)
    });
    assert!(!w.store.account("naf.clerk").unwrap().unwrap().disabled);
    w.app
        .change_user(&admin, "naf.clerk", UserChange::Disable)
        .unwrap();
    last(&w, "account.disable");
    assert!(w.store.account("naf.clerk").unwrap().unwrap().disabled);
    // An Auditor is of no entity, and made by the platform only.
    refused(w.app.create_user(&admin, new("watch", Role::Auditor)));
    let with_entity = NewUser {
        entity: Some("NAF".into()),
        ..new("watch", Role::Auditor)
    };
    assert_eq!(
        w.app
            .create_user(&operator(), with_entity)
            .unwrap_err()
            .code,
        "auditor_entity"
    );
    w.app
        .create_user(&operator(), new("watch", Role::Auditor))
        .unwrap();
    let a = w.store.account("watch").unwrap().unwrap();
    assert_eq!((a.role, a.entity), (Role::Auditor, None));
}

fn settings(b: Backend) {
    let w = world(b);
    let admin = user("nafadmin", Role::EntityAdmin, Some("NAF"));
    let withhold = SettingsChange {
        access_withheld: Some(true),
        ..Default::default()
    };
    let e = refused(w.app.set_entity_settings(&admin, "NAF", withhold));
    assert_eq!(e.code, "super_admin_only");
    refused(w.app.set_entity_settings(
        &admin,
        "CSPD",
        SettingsChange {
            purpose_required: Some(true),
            ..Default::default()
        },
    ));
    let purpose = SettingsChange {
        purpose_required: Some(true),
        ..Default::default()
    };
    leaves_nothing(&w, || w.app.set_entity_settings(&admin, "NAF", purpose));
    assert!(!w.store.entity_settings("NAF").unwrap().purpose_required);
    w.app.set_entity_settings(&admin, "NAF", purpose).unwrap();
    assert_eq!(
        last(&w, "entity.settings").outcome,
        "ok; purpose_required=true, access_withheld=false"
    );
    w.app
        .set_entity_settings(&operator(), "NAF", withhold)
        .unwrap();
    assert!(w.store.entity_settings("NAF").unwrap().access_withheld);
}

fn upstreams(b: Backend) {
    let w = world(b);
    refused(w.app.register_upstream(
        &user("nafadmin", Role::EntityAdmin, Some("NAF")),
        "CSPD",
        "http://10.1.1.1:9000",
        5000,
    ));
    let op = operator();
    assert_eq!(
        w.app
            .register_upstream(&op, "CSPD", "ftp://x", 5000)
            .unwrap_err()
            .kind,
        Kind::Invalid
    );
    leaves_nothing(&w, || {
        w.app
            .register_upstream(&op, "CSPD", "http://10.1.1.1:9000", 5000)
    });
    assert!(w.store.upstream("CSPD").unwrap().is_none());
    w.app
        .register_upstream(&op, "CSPD", "http://10.1.1.1:9000", 5000)
        .unwrap();
    assert_eq!(
        last(&w, "upstream.register").entity.as_deref(),
        Some("CSPD")
    );
}

fn sources(b: Backend) {
    let w = world(b);
    let def = || nur_ingest::cdc::SourceDef {
        name: "dvld-feed".into(),
        kind: nur_ingest::cdc::Kind::Http,
        entity: "DVLD".into(),
        config: Default::default(),
    };
    refused(
        w.app
            .add_source(&user("nafadmin", Role::EntityAdmin, Some("NAF")), def()),
    );
    let dvld = user("dvldadmin", Role::EntityAdmin, Some("DVLD"));
    leaves_nothing(&w, || w.app.add_source(&dvld, def()));
    assert!(w.app.source_status().unwrap().is_empty());
    w.app.add_source(&dvld, def()).unwrap();
    last(&w, "source.add");
    // Events from a client of the custodian apply; from another entity's client, refused.
    let event = serde_json::json!([{"op": "c", "before": null, "ts_ms": 1_700_000_000_000i64,
        "after": {"Registration_Number": "R-1", "National_Number": w.person, "Make": "Kia", "Model_Year": 2020},
        "source": {"table": "DVLD_Car_Info", "lsn": 10, "ts_ms": 1_700_000_000_000i64}}]);
    let body = serde_json::to_vec(&event).unwrap();
    let e = w
        .app
        .ingest_events(&client_of("NAF"), "dvld-feed", &body)
        .unwrap_err();
    assert_eq!((e.kind, e.code), (Kind::NotFound, "source_not_found"));
    let e = w
        .app
        .ingest_events(&client_of("DVLD"), "dvld-feed", b"[not json")
        .unwrap_err();
    assert_eq!(e.code, "malformed_json");
    let o = w
        .app
        .ingest_events(&client_of("DVLD"), "dvld-feed", &body)
        .unwrap();
    assert_eq!(o.applied.applied, 1);
    last(&w, "ingest.events");
    leaves_nothing(&w, || w.app.remove_source(&dvld, "dvld-feed"));
    assert_eq!(w.app.source_status().unwrap().len(), 1);
    w.app.remove_source(&dvld, "dvld-feed").unwrap();
    last(&w, "source.remove");
}

fn keys(b: Backend) {
    let w = world(b);
    refused(
        w.app
            .rotate_signing_key(&user("nafadmin", Role::EntityAdmin, Some("NAF"))),
    );
    let before = w.app.jwks().unwrap().keys.len();
    leaves_nothing(&w, || w.app.rotate_signing_key(&operator()));
    assert_eq!(w.app.jwks().unwrap().keys.len(), before);
    let kid = w.app.rotate_signing_key(&operator()).unwrap();
    assert!(last(&w, "keys.rotate").target.contains(&kid));
    let set = w.app.jwks().unwrap();
    assert_eq!(set.keys.len(), before + 1, "the old key still verifies");

    // With tokens of one second: a token of the old key is accepted until it expires, and
    // the old key leaves the published set when no token it signed can still be valid.
    let short = App::new(
        w.store.clone(),
        Arc::new(Catalog::jordan()),
        Options {
            token_ttl_secs: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let c = short
        .create_client(&operator(), "NAF", "short", vec![])
        .unwrap();
    let at = ip().unwrap();
    let old = short
        .issue_token(&c.client.client_id, &c.secret, at)
        .unwrap()
        .access_token;
    let n = short.jwks().unwrap().keys.len();
    short.rotate_signing_key(&operator()).unwrap();
    assert!(short.caller_from_token(&old, at, None, None).is_ok());
    assert_eq!(short.jwks().unwrap().keys.len(), n + 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while short.caller_from_token(&old, at, None, None).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "the old token never expired"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while short.jwks().unwrap().keys.len() > n {
        assert!(
            std::time::Instant::now() < deadline,
            "the retired key stayed published"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let new = short
        .issue_token(&c.client.client_id, &c.secret, at)
        .unwrap()
        .access_token;
    assert!(short.caller_from_token(&new, at, None, None).is_ok());
}

fn data(b: Backend) {
    let w = world(b);
    let op = operator();
    for t in [
        table("CSPD_Personal_Info"),
        column("CSPD_Personal_Info", "National_Number"),
        column("CSPD_Personal_Info", "First_Name"),
    ] {
        w.app.change_grant(&op, &change("NAF", t), true).unwrap();
    }
    let naf = client_of("NAF");
    let spec = |cols: &str| {
        QuerySpec::from_json(&format!(
            r#"{{"version": 1, "tables": [{{"table": "CSPD_Personal_Info", "columns": [{cols}]}}],
               "conditions": {{"column": "National_Number", "op": "=", "value": "{}"}}}}"#,
            w.person
        ))
        .unwrap()
    };
    // A refusal is audited.
    let e = refused(w.app.run_query(
        &naf,
        &spec(r#""Family_Name""#),
        Args::default(),
        "ad hoc query",
    ));
    assert_eq!(e.code, "not_granted");
    assert!(last(&w, "query.run").outcome.starts_with("refused"));
    // An access whose event cannot be recorded returns no data.
    let ok = spec(r#""National_Number", "First_Name""#);
    w.store.fail_next_write();
    assert!(w
        .app
        .run_query(&naf, &ok, Args::default(), "ad hoc query")
        .is_err());
    let out = w
        .app
        .run_query(&naf, &ok, Args::default(), "ad hoc query")
        .unwrap();
    assert_eq!(out.rows.len(), 1);
    let e = last(&w, "query.run");
    assert_eq!(e.persons, std::slice::from_ref(&w.person));
    // The platform reads no data: it acts for no entity.
    assert_eq!(
        w.app
            .run_query(&op, &ok, Args::default(), "x")
            .unwrap_err()
            .code,
        "no_entity"
    );
    // A lookup shows only what is granted, and is audited.
    let nn = w.app.national_number(&w.person).unwrap();
    let rec = w.app.lookup_person(&naf, &nn).unwrap().unwrap();
    let p = rec.person.unwrap();
    assert!(p.contains_key("First_Name") && !p.contains_key("Family_Name"));
    assert!(last(&w, "person.lookup").persons.contains(&w.person));
    let report = w.app.access_report(&naf, &nn, 50, 0).unwrap();
    assert!(report.entries.len() >= 2, "{report:?}");
    // The operator at the server's command line (who holds the database credentials) reads
    // a record in full, and that read is an access on the person's report like any other.
    let rec = w.app.lookup_person(&op, &nn).unwrap().unwrap();
    assert!(rec.person.unwrap().contains_key("Family_Name"));
    let e = last(&w, "person.lookup");
    assert_eq!(
        (e.actor_kind.as_str(), e.entity.as_deref()),
        ("operator", None)
    );
    assert!(e.persons.contains(&w.person));
    let full = w
        .store
        .access_log(&w.person, &nur_store::ReportScope::Full, 50, 0)
        .unwrap();
    assert!(
        full.iter().any(|a| a.entity.is_none()),
        "the platform's read: {full:?}"
    );
    // A portal user of no entity (the Super Admin) sees no data.
    let root = user("root", Role::SuperAdmin, None);
    assert_eq!(
        w.app.lookup_person(&root, &nn).unwrap_err().code,
        "no_entity"
    );
    // Procedures run under the grants of the moment.
    let admin = user("nafadmin", Role::EntityAdmin, Some("NAF"));
    w.app
        .save_procedure(
            &admin,
            SaveProcedure {
                entity: "NAF",
                name: "one",
                description: "",
                spec: &serde_json::to_string(&ok).unwrap(),
                on_revoke: RevokePolicy::Refuse,
            },
        )
        .unwrap();
    let out = w
        .app
        .call_procedure(&naf, "NAF", "one", Args::default())
        .unwrap();
    assert_eq!(out.procedure.unwrap().version, 1);
    refused(
        w.app
            .call_procedure(&client_of("MOSD"), "NAF", "one", Args::default()),
    );
    w.app
        .change_grant(
            &op,
            &change("NAF", column("CSPD_Personal_Info", "First_Name")),
            false,
        )
        .unwrap();
    refused(w.app.call_procedure(&naf, "NAF", "one", Args::default()));
    // The gateway refuses an operation not granted, and says so in the trail.
    let input = serde_json::Map::new();
    refused(
        w.app
            .prepare_operation(&naf, "CSPD", ("CSPD", "gePersonal"), &input),
    );
    assert!(last(&w, "operation.call").outcome.starts_with("refused"));
}

/// Keeps every message it is given, for the sign-in tests.
#[derive(Default)]
struct Kept(std::sync::Mutex<Vec<String>>);

impl nur_app::Delivery for Kept {
    fn send(&self, _: &str, _: Option<&str>, text: &str) -> Result<(), String> {
        self.0.lock().unwrap().push(text.to_owned());
        Ok(())
    }
}

impl Kept {
    /// The digits of the newest message ("…code: 123456 (…)").
    fn code(&self) -> String {
        let m = self.0.lock().unwrap().last().cloned().unwrap();
        m.split(": ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_owned()
    }
}

fn signin(b: Backend) {
    let w = world(b);
    let kept = Arc::new(Kept::default());
    let app = App::new(
        w.store.clone(),
        Arc::new(Catalog::jordan()),
        Options {
            delivery: Some(kept.clone()),
            // This test signs in many times from one address; the rate is tested apart.
            guards: nur_app::GuardLimits {
                signin_per_minute: 10_000,
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    app.create_user(&operator(), new_admin()).unwrap();
    let pw = "correct horse battery";
    let visitor = || nur_app::signin::visitor(nur_app::signin::random_token().unwrap());
    let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
    let failed = |w: &World| w.store.account("nafadmin").unwrap().unwrap().failed_logins;

    // Wrong passwords hold back only the address they come from: knowing a username is not
    // enough to lock its owner out.
    for i in 1..=5 {
        let step = app
            .sign_in_password(&visitor(), "nafadmin", "wrong", a)
            .unwrap();
        if i < 5 {
            assert!(matches!(step, PasswordStep::Invalid), "{i}: {step:?}");
        } else {
            assert!(matches!(step, PasswordStep::Locked), "{i}: {step:?}");
        }
    }
    assert_eq!(failed(&w), 0, "the account itself is not locked");
    assert!(matches!(
        app.sign_in_password(&visitor(), "nafadmin", pw, a).unwrap(),
        PasswordStep::Locked
    ));
    last(&w, "account.locked");
    let s1 = match app.sign_in_password(&visitor(), "nafadmin", pw, b).unwrap() {
        PasswordStep::CodeDue(n) => n.session,
        other => panic!("the owner elsewhere signs in: {other:?}"),
    };
    let s2 = match app.sign_in_password(&visitor(), "nafadmin", pw, b).unwrap() {
        PasswordStep::CodeDue(n) => n.session,
        other => panic!("{other:?}"),
    };
    let code2 = kept.code();
    let acct = || w.store.account("nafadmin").unwrap();

    // Wrong codes count on the account, whichever sign-in they come from. One whose event
    // cannot be recorded is not counted either.
    leaves_nothing(&w, || {
        app.sign_in_code(&s1, acct().as_ref(), "000000", b)
            .map(|_| ())
    });
    assert_eq!(failed(&w), 0);
    let mut sessions = [s1.clone(), s2.clone()];
    for i in 0..5 {
        let s = &mut sessions[i % 2];
        let step = app.sign_in_code(s, acct().as_ref(), "000000", b).unwrap();
        s.code_attempts += 1;
        if i < 4 {
            assert!(
                matches!(step, nur_app::signin::CodeStep::Wrong),
                "{i}: {step:?}"
            );
        } else {
            assert!(
                matches!(step, nur_app::signin::CodeStep::Locked),
                "{i}: {step:?}"
            );
        }
    }
    let locked = acct().unwrap();
    assert!(locked.locked_until_ms.is_some() && locked.failed_logins == 5);
    assert_eq!(
        last(&w, "account.locked").outcome,
        "locked for 15 min after 5 wrong codes"
    );
    // Every pending sign-in ended with the lock: the right code no longer signs in.
    assert!(w.store.session(&s2.id_hash).unwrap().is_none());
    assert!(!matches!(
        app.sign_in_code(&s2, acct().as_ref(), &code2, b).unwrap(),
        nur_app::signin::CodeStep::SignedIn(_)
    ));
    assert!(matches!(
        app.sign_in_password(&visitor(), "nafadmin", pw, b).unwrap(),
        PasswordStep::Locked
    ));

    // The owner ends the lock with a code delivered to them.
    app.request_password_reset("nafadmin", b).unwrap();
    let reset = kept.code();
    assert_eq!(
        app.reset_password("nafadmin", &reset, "a brand new password", b)
            .unwrap(),
        nur_app::signin::ResetStep::Done
    );
    let a_ok = app
        .sign_in_password(&visitor(), "nafadmin", "a brand new password", a)
        .unwrap();
    assert!(matches!(a_ok, PasswordStep::CodeDue(_)), "{a_ok:?}");
    assert_eq!(failed(&w), 0);
}

macro_rules! both {
    ($($case:ident),* $(,)?) => {
        mod sqlite { $(#[test] fn $case() { super::$case(super::Backend::Sqlite) })* }
        mod postgres { $(#[test] fn $case() { super::$case(super::Backend::Postgres) })* }
    };
}

both!(grants, procedures, clients, accounts, settings, upstreams, sources, keys, data, signin);

mod intake;
mod payments;
mod targeting;
