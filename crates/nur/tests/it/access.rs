//! The access-control commands end to end: grants, procedures, clients and the audit chain,
//! with the errors an operator sees for bad input.

use crate::{nur, run};

fn fails(args: &[&str]) -> String {
    let out = nur().args(args).output().unwrap();
    assert!(!out.status.success(), "nur {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn grants_procedures_clients_and_audit_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", tmp.path().join("nur.db").display());
    run(&["init", "--db", &db]);
    let out = run(&[
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
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(run(&[
        "grant",
        "--db",
        &db,
        "--custodian",
        "DVLD",
        "--consumer",
        "NAF",
        "--table",
        "DVLD_Car_Info"
    ])
    .contains("already granted"));
    let grants: serde_json::Value = serde_json::from_str(&run(&[
        "grants",
        "--db",
        &db,
        "--consumer",
        "NAF",
        "--json",
    ]))
    .unwrap();
    assert_eq!(grants.as_array().unwrap().len(), 3);
    // Bad input: each a clear error, nothing changed.
    for (args, want) in [
        (
            vec![
                "--custodian",
                "CSPD",
                "--consumer",
                "NAF",
                "--table",
                "DVLD_Car_Info",
            ],
            "belongs to DVLD, not CSPD",
        ),
        (
            vec![
                "--custodian",
                "DVLD",
                "--consumer",
                "NAF",
                "--table",
                "DVLD_Car_Info",
                "--columns",
                "Nope",
            ],
            "no column Nope",
        ),
        (
            vec![
                "--custodian",
                "DVLD",
                "--consumer",
                "XYZ",
                "--table",
                "DVLD_Car_Info",
            ],
            "unknown entity XYZ",
        ),
        (
            vec![
                "--custodian",
                "DVLD",
                "--consumer",
                "DVLD",
                "--table",
                "DVLD_Car_Info",
            ],
            "custodian always sees",
        ),
        (
            vec![
                "--custodian",
                "DVLD",
                "--consumer",
                "NAF",
                "--table",
                "x; DROP TABLE nur_grant",
            ],
            "is not a valid name",
        ),
        (
            vec![
                "--custodian",
                "CSPD",
                "--consumer",
                "NAF",
                "--operation",
                "gePersonal",
            ],
            "SERVICE.OPERATION",
        ),
    ] {
        let mut all = vec!["grant", "--db", db.as_str()];
        all.extend(args);
        let err = fails(&all);
        assert!(err.contains(want), "{all:?}: {err}");
    }
    let spec = tmp.path().join("spec.json");
    let write = |cols: &str| {
        std::fs::write(
            &spec,
            format!(
                r#"{{"version": 1, "tables": [{{"table": "DVLD_Car_Info", "columns": [{cols}]}}],
            "conditions": {{"column": "National_Number", "op": "=", "param": "nn"}},
            "parameters": [{{"name": "nn", "type": "national_number"}}]}}"#
            ),
        )
        .unwrap();
    };
    let spec_path = spec.to_str().unwrap();
    write(r#""Vehicle_Type""#);
    assert!(run(&[
        "procedure",
        "save",
        "--db",
        &db,
        "--entity",
        "NAF",
        "--name",
        "cars",
        "--spec",
        spec_path
    ])
    .contains("version 1"));
    write(r#""Model_Year""#);
    let err = fails(&[
        "procedure",
        "save",
        "--db",
        &db,
        "--entity",
        "NAF",
        "--name",
        "cars",
        "--spec",
        spec_path,
    ]);
    assert!(
        err.contains("column DVLD_Car_Info.Model_Year is not granted to NAF"),
        "{err}"
    );
    std::fs::write(&spec, "{not json").unwrap();
    assert!(fails(&[
        "procedure",
        "save",
        "--db",
        &db,
        "--entity",
        "NAF",
        "--name",
        "cars",
        "--spec",
        spec_path
    ])
    .contains("query spec"));
    assert!(fails(&[
        "procedure",
        "save",
        "--db",
        &db,
        "--entity",
        "NAF",
        "--name",
        "bad name",
        "--spec",
        spec_path
    ])
    .contains("not a valid name"));
    let created: serde_json::Value = serde_json::from_str(&run(&[
        "client",
        "create",
        "--db",
        &db,
        "--entity",
        "NAF",
        "--name",
        "case system",
    ]))
    .unwrap();
    let id = created["client_id"].as_str().unwrap();
    assert!(id.starts_with("naf-") && created["client_secret"].as_str().unwrap().len() >= 40);
    assert!(fails(&[
        "client",
        "create",
        "--db",
        &db,
        "--entity",
        "NAF",
        "--allow-ip",
        "not-an-ip"
    ])
    .contains("not an IP address"));
    run(&["client", "rotate", "--db", &db, id]);
    run(&["client", "revoke", "--db", &db, id]);
    assert!(fails(&["client", "revoke", "--db", &db, id]).contains("no active client"));
    run(&[
        "revoke",
        "--db",
        &db,
        "--custodian",
        "DVLD",
        "--consumer",
        "NAF",
        "--table",
        "DVLD_Car_Info",
        "--columns",
        "Vehicle_Type",
    ]);
    run(&["entity", "--db", &db, "NAF", "--purpose-required", "true"]);
    // 3 grants, 1 procedure, client create/rotate/revoke, 1 revoke, 1 setting.
    assert!(run(&["audit", "verify", "--db", &db]).contains("intact: 9 events"));
}

#[test]
fn dci_senders_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", tmp.path().join("nur.db").display());
    run(&["init", "--db", &db]);
    let created: serde_json::Value = serde_json::from_str(&run(&[
        "client", "create", "--db", &db, "--entity", "NAF", "--name", "NAF MIS",
    ]))
    .unwrap();
    let id = created["client_id"].as_str().unwrap();
    let sender = |extra: &[&str]| {
        let mut a = vec![
            "dci",
            "sender-register",
            "--db",
            &db,
            "--client",
            id,
            "--sender-id",
            "naf-mis",
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let args = sender(&[]);
    let out: serde_json::Value =
        serde_json::from_str(&run(&args.iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
    assert_eq!(out["scheme"], "none");
    assert_eq!(out["client_id"], id);

    // A key on file: read from its file, checked; a bad one or a bad scheme is said so.
    let key = tmp.path().join("partner.jwk");
    std::fs::write(
        &key,
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
    )
    .unwrap();
    let args = sender(&["--scheme", "jws", "--key", key.to_str().unwrap()]);
    let out: serde_json::Value =
        serde_json::from_str(&run(&args.iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
    assert_eq!(
        (&out["scheme"], &out["public_key"]),
        (&"jws".into(), &true.into())
    );
    std::fs::write(&key, "{not a key").unwrap();
    let args = sender(&["--scheme", "jws", "--key", key.to_str().unwrap()]);
    let e = fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.to_lowercase().contains("key"), "{e}");
    let args = sender(&["--scheme", "rot13"]);
    let e = fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.contains("rot13"), "{e}");
    let e = fails(&[
        "dci",
        "sender-register",
        "--db",
        &db,
        "--client",
        "nobody",
        "--sender-id",
        "x",
    ]);
    assert!(e.contains("nobody"), "{e}");

    let list: serde_json::Value =
        serde_json::from_str(&run(&["dci", "senders", "--db", &db])).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["sender_id"], "naf-mis");
    assert_eq!(list[0]["scheme"], "jws");
}
