//! `nur source …`: clear refusals of bad definitions, listings without passwords, status and
//! removal.

use super::{nur, run};

fn fails(args: &[&str], want: &str) {
    let out = nur().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "nur {args:?} should fail");
    assert!(
        err.contains(want),
        "nur {args:?}: {err:?} should say {want:?}"
    );
}

#[test]
fn source_definitions_are_checked_and_listed_without_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", tmp.path().join("w.db").display());
    run(&["init", "--db", &db]);
    let add = |rest: &[&str]| -> Vec<String> {
        let mut a = vec!["source", "add", "--db", db.as_str()];
        a.extend_from_slice(rest);
        a.into_iter().map(str::to_owned).collect()
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            add(&["--name", "a", "--kind", "kafka", "--entity", "DVLD"]),
            "unknown source kind",
        ),
        (
            add(&["--name", "a", "--kind", "nats", "--entity", "DVLD"]),
            "--url is required",
        ),
        (
            add(&[
                "--name", "a", "--kind", "nats", "--entity", "DVLD", "--url", "http://x",
            ]),
            "must start with nats://",
        ),
        (
            add(&["--name", "a b", "--kind", "http", "--entity", "DVLD"]),
            "letters, digits",
        ),
        (
            add(&["--name", "a", "--kind", "http", "--entity", "NOPE"]),
            "unknown entity NOPE",
        ),
        (
            add(&[
                "--name",
                "a",
                "--kind",
                "http",
                "--entity",
                "DVLD",
                "--table",
                "p=CSPD_Personal_Info",
            ]),
            "belongs to CSPD",
        ),
        (
            add(&[
                "--name", "a", "--kind", "http", "--entity", "DVLD", "--table", "p=Nope",
            ]),
            "no catalog table Nope",
        ),
        (
            add(&[
                "--name",
                "a",
                "--kind",
                "http",
                "--entity",
                "DVLD",
                "--column",
                "cars.reg=X",
            ]),
            "has no --table map",
        ),
        (
            add(&[
                "--name",
                "a",
                "--kind",
                "http",
                "--entity",
                "DVLD",
                "--table",
                "cars=DVLD_Car_Info",
                "--column",
                "cars.reg=Nope",
            ]),
            "no column Nope",
        ),
        (
            add(&[
                "--name",
                "a",
                "--kind",
                "mariadb",
                "--entity",
                "DVLD",
                "--url",
                "mysql://r@h/d",
                "--mode",
                "cdc",
            ]),
            "is pulled",
        ),
        (
            add(&[
                "--name",
                "a",
                "--kind",
                "mariadb",
                "--entity",
                "DVLD",
                "--url",
                "mysql://r@h/d",
            ]),
            "needs a watermark",
        ),
        (
            add(&["--name", "a", "--kind", "files", "--entity", "DVLD"]),
            "--dir is required",
        ),
        (
            add(&[
                "--name",
                "a",
                "--kind",
                "http",
                "--entity",
                "DVLD",
                "--mode",
                "sometimes",
            ]),
            "expected cdc, pull or full",
        ),
    ];
    for (args, want) in &cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        fails(&a, want);
    }
    let file = tmp.path().join("src.json");
    std::fs::write(
        &file,
        r#"{"name": "f", "kind": "http", "entity": "DVLD", "colour": "red"}"#,
    )
    .unwrap();
    fails(
        &[
            "source",
            "add",
            "--db",
            &db,
            "--from-file",
            file.to_str().unwrap(),
        ],
        "unknown field `colour`",
    );
    std::fs::write(&file, r#"{"name": "f", "kind": "postgres", "entity": "DVLD", "url": "postgres://nur:s3cret@127.0.0.1/agency", "mode": "pull", "tables": [{"source": "cars", "table": "DVLD_Car_Info", "columns": {"reg": "Registration_Number"}, "watermark": "version"}]}"#).unwrap();
    run(&[
        "source",
        "add",
        "--db",
        &db,
        "--from-file",
        file.to_str().unwrap(),
    ]);
    run(&[
        "source", "add", "--db", &db, "--name", "h", "--kind", "http", "--entity", "DVLD",
    ]);
    fails(
        &[
            "source", "add", "--db", &db, "--name", "h", "--kind", "http", "--entity", "DVLD",
        ],
        "already exists",
    );
    let list = run(&["source", "list", "--db", &db, "--json"]);
    assert!(
        list.contains("postgres://nur:***@127.0.0.1/agency") && !list.contains("s3cret"),
        "{list}"
    );
    let status: serde_json::Value =
        serde_json::from_str(&run(&["source", "status", "--db", &db, "--json"])).unwrap();
    assert_eq!(status.as_array().unwrap().len(), 2);
    assert!(!status.to_string().contains("s3cret"));
    run(&["source", "remove", "--db", &db, "h"]);
    fails(&["source", "status", "--db", &db, "h"], "no source h");
    fails(&["source", "remove", "--db", &db, "h"], "not found");
    fails(
        &["ingest", "run", "--db", &db, "--source", "h"],
        "not found",
    );
}
