//! Two doors, one room: the same change made at the command line and in the portal (`nur
//! serve`, signed in over HTTP) leaves the same audit event — action, target, entity,
//! columns and outcome — differing only in who acted. One comparison per change kind.

use crate::portal_client::Browser;
use crate::run;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(db: &str, outbox: &Path) -> (Server, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = crate::nur()
        .args([
            "serve",
            "--db",
            db,
            "--listen",
            &addr.to_string(),
            "--outbox",
        ])
        .arg(outbox)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "nur serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, addr)
}

fn sign_in(addr: SocketAddr, outbox: &Path, username: &str, password: &str) -> Browser {
    let mut b = Browser::new(addr);
    let r = b.post(
        "/login",
        "/login",
        &[("username", username), ("password", password)],
    );
    assert_eq!(r.location(), "/login/code", "{}", r.body);
    let text = std::fs::read_to_string(outbox).unwrap();
    let line: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    // "NUR sign-in code: 123456 (valid 5 minutes)"
    let code = line["text"].as_str().unwrap().split(": ").nth(1).unwrap()[..6].to_owned();
    let r = b.post("/login/code", "/login/code", &[("code", &code)]);
    assert_eq!(r.location(), "/", "{}", r.body);
    b
}

/// The newest event of `action`.
fn newest(db: &str, action: &str) -> Value {
    let all: Value =
        serde_json::from_str(&run(&["audit", "list", "--db", db, "--limit", "500"])).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == action)
        .unwrap_or_else(|| panic!("no {action} event"))
        .clone()
}

/// The event's substance: what was done, to what, for which entity, with what outcome.
fn substance(e: &Value, with_target: bool) -> Value {
    let mut v = serde_json::json!({
        "action": e["action"], "entity": e["entity"], "columns": e["columns"],
        "outcome": e["outcome"],
    });
    if with_target {
        v["target"] = e["target"].clone();
    }
    v
}

/// The portal's event for the change just made equals the command line's.
fn same(db: &str, action: &str, cli: &Value, with_target: bool) {
    let portal = newest(db, action);
    assert_eq!(cli["actor_kind"], "operator");
    assert_eq!(portal["actor_kind"], "user");
    assert_ne!(
        cli["seq"], portal["seq"],
        "the portal's change was not recorded"
    );
    assert_eq!(
        substance(cli, with_target),
        substance(&portal, with_target),
        "{action}: the doors disagree"
    );
}

fn password(json: &str) -> String {
    let v: Value = serde_json::from_str(json).unwrap();
    v["first_password"].as_str().unwrap().to_owned()
}

#[test]
fn the_command_line_and_the_portal_record_the_same_change_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", tmp.path().join("nur.db").display());
    let outbox = tmp.path().join("outbox.jsonl");
    run(&["init", "--db", &db]);
    let root = password(&run(&[
        "account",
        "create",
        "--db",
        &db,
        "--username",
        "root",
        "--role",
        "super_admin",
    ]));
    let naf_pw = password(&run(&[
        "account",
        "create",
        "--db",
        &db,
        "--username",
        "nafadmin",
        "--role",
        "entity_admin",
        "--entity",
        "NAF",
    ]));
    let (_server, addr) = serve(&db, &outbox);
    let mut sa = sign_in(addr, &outbox, "root", &root);
    let mut naf = sign_in(addr, &outbox, "nafadmin", &naf_pw);

    // Accounts: created (targets differ by name), then disabled and enabled alike.
    run(&[
        "account",
        "create",
        "--db",
        &db,
        "--username",
        "naf.one",
        "--role",
        "entity_user",
        "--entity",
        "NAF",
    ]);
    let cli = newest(&db, "account.create");
    let r = naf.post(
        "/settings/users",
        "/settings/users",
        &[
            ("action", "create"),
            ("username", "naf.two"),
            ("display_name", "x"),
            ("role", "entity_user"),
        ],
    );
    assert_eq!(r.status, 200);
    same(&db, "account.create", &cli, false);
    for (verb, action) in [
        ("disable", "account.disable"),
        ("enable", "account.enable"),
        ("reset-factor", "account.reset_factor"),
    ] {
        run(&["account", verb, "--db", &db, "naf.one"]);
        let cli = newest(&db, action);
        let form = verb.replace('-', "_");
        naf.post(
            "/settings/users",
            "/settings/users",
            &[
                ("action", form.as_str()),
                ("username", "naf.one"),
                ("confirmed", "yes"),
            ],
        );
        same(&db, action, &cli, true);
    }

    // Grants and revocations of the same target.
    let table = [
        "--custodian",
        "DVLD",
        "--consumer",
        "NAF",
        "--table",
        "DVLD_Car_Info",
    ];
    let cell = "t:DVLD_Car_Info|NAF";
    for (grant, action) in [(true, "grant"), (false, "revoke")] {
        let mut args = vec![action, "--db", &db];
        args.extend(table);
        run(&args);
        let cli = newest(&db, action);
        // Undo at the command line, then make the same change in the portal.
        let mut undo = vec![if grant { "revoke" } else { "grant" }, "--db", &db];
        undo.extend(table);
        run(&undo);
        let mut fields = vec![("cell", cell), ("back", "/security/tables")];
        if grant {
            fields.push(("g", cell));
        }
        let r = sa.post("/security/tables", "/security/tables", &fields);
        assert_eq!(r.status, 303, "{}", r.body);
        same(&db, action, &cli, true);
    }

    // A procedure saved from the same spec: a new version, the same event.
    run(&[
        "grant",
        "--db",
        &db,
        "--custodian",
        "DVLD",
        "--consumer",
        "NAF",
        "--table",
        "DVLD_Car_Info",
        "--columns",
        "National_Number,Vehicle_Type",
    ]);
    let spec = tmp.path().join("spec.json");
    std::fs::write(
        &spec,
        r#"{"version": 1, "tables": [{"table": "DVLD_Car_Info", "columns": ["Vehicle_Type"]}], "limit": 100}"#,
    )
    .unwrap();
    run(&[
        "procedure",
        "save",
        "--db",
        &db,
        "--entity",
        "NAF",
        "--name",
        "cars",
        "--spec",
        spec.to_str().unwrap(),
    ]);
    let cli = newest(&db, "procedure.save");
    let r = naf.post(
        "/queries?table=DVLD_Car_Info",
        "/queries",
        &[
            ("tbl", "DVLD_Car_Info"),
            ("col", "DVLD_Car_Info.Vehicle_Type"),
            ("limit", "50"),
            ("name", "cars"),
            // Saving over the command line's version 1, confirmed as the page asks.
            ("confirm", "cars@1"),
            ("action", "save"),
        ],
    );
    assert!(r.body.contains("cars"), "{}", r.body);
    same(&db, "procedure.save", &cli, true);

    // Clients: created alike; one client rotated from both doors.
    let created: Value = serde_json::from_str(&run(&[
        "client", "create", "--db", &db, "--entity", "NAF", "--name", "feeds",
    ]))
    .unwrap();
    let id = created["client_id"].as_str().unwrap().to_owned();
    let cli = newest(&db, "client.create");
    naf.post(
        "/settings/clients",
        "/settings/clients",
        &[("action", "create"), ("name", "feeds")],
    );
    same(&db, "client.create", &cli, false);
    run(&["client", "rotate", "--db", &db, &id]);
    let cli = newest(&db, "client.rotate");
    naf.post(
        "/settings/clients",
        "/settings/clients",
        &[
            ("action", "rotate"),
            ("client_id", &id),
            ("confirmed", "yes"),
        ],
    );
    same(&db, "client.rotate", &cli, true);
    run(&["client", "revoke", "--db", &db, &id]);
    let cli = newest(&db, "client.revoke");
    let second = newest(&db, "client.create")["target"]
        .as_str()
        .unwrap()
        .to_owned();
    naf.post(
        "/settings/clients",
        "/settings/clients",
        &[
            ("action", "revoke"),
            ("client_id", &second),
            ("confirmed", "yes"),
        ],
    );
    same(&db, "client.revoke", &cli, false);

    // Entity settings.
    run(&["entity", "--db", &db, "NAF", "--purpose-required", "true"]);
    let cli = newest(&db, "entity.settings");
    naf.post(
        "/settings/entity",
        "/settings/entity",
        &[("entity", "NAF"), ("purpose_required", "1")],
    );
    same(&db, "entity.settings", &cli, true);
}
