//! The payment commands as an operator runs them on a small synthetic country: a cycle
//! prepared by one portal account prints its id on the last line, its approval refused to
//! that account and done by another, payment files written twice with the same bytes (and
//! valid against the official pain.001.001.09 schema), a paid cycle closed only once paid;
//! and bad input refused with a clear error.

use crate::{nur, run};

fn fails(args: &[&str]) -> String {
    let out = nur().args(args).output().unwrap();
    assert!(!out.status.success(), "nur {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_cycle_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |p: &str| tmp.path().join(p).display().to_string();
    let db = format!("sqlite:{}", dir("nur.db"));
    let data = dir("data");
    run(&["synth", "--persons", "300", "--seed", "3", "--out", &data]);
    run(&["init", "--db", &db]);
    run(&["load", "--db", &db, &data]);
    for line in run(&["sp", "needs"]).lines() {
        let mut parts = line.split(' ');
        let (c, t, cols) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        // NAF sees its own tables without a grant.
        if c == "NAF" {
            continue;
        }
        run(&[
            "grant",
            "--db",
            &db,
            "--custodian",
            c,
            "--consumer",
            "NAF",
            "--table",
            t,
            "--columns",
            cols,
        ]);
    }
    run(&["sp", "facts", "--db", &db]);
    let model = dir("pmt.json");
    run(&[
        "sp",
        "pmt",
        "fit",
        "--db",
        &db,
        "--survey",
        &format!("{data}/SP_Survey.csv"),
        "--out",
        &model,
    ]);
    run(&["sp", "pmt", "publish", "--db", &db, &model]);
    run(&["sp", "score", "--db", &db]);
    run(&["sp", "programs", "install", "--db", &db]);
    run(&["sp", "target", "--db", &db, "--program", "UCT"]);
    let imported = run(&[
        "sp",
        "accounts",
        "import",
        "--db",
        &db,
        &format!("{data}/SP_Accounts.csv"),
    ]);
    assert!(imported.contains("accounts set"), "{imported}");
    for (u, role) in [("clerk", "entity_user"), ("head", "entity_admin")] {
        run(&[
            "account",
            "create",
            "--db",
            &db,
            "--username",
            u,
            "--role",
            role,
            "--entity",
            "NAF",
        ]);
    }

    let e = fails(&[
        "sp",
        "cycle",
        "create",
        "--db",
        &db,
        "--program",
        "UCT",
        "--period",
        "2026-13",
        "--by",
        "clerk",
    ]);
    assert!(e.contains("YYYY-MM"), "{e}");
    let e = fails(&[
        "sp",
        "cycle",
        "create",
        "--db",
        &db,
        "--program",
        "UCT",
        "--period",
        "2026-12",
        "--by",
        "nobody",
    ]);
    assert!(e.contains("no enabled portal account nobody"), "{e}");
    let out = run(&[
        "sp",
        "cycle",
        "create",
        "--db",
        &db,
        "--program",
        "UCT",
        "--period",
        "2026-12",
        "--by",
        "clerk",
    ]);
    let id = out.lines().last().unwrap().trim().to_owned();
    assert_eq!(id, "UCT-2026-12", "{out}");
    let e = fails(&["sp", "cycle", "approve", "--db", &db, &id, "--by", "clerk"]);
    assert!(e.contains("a second person approves it"), "{e}");
    let e = fails(&[
        "sp",
        "payments",
        "export",
        "--db",
        &db,
        "--cycle",
        &id,
        "--out",
        &dir("early"),
    ]);
    assert!(e.contains("draft"), "{e}");
    let approved = run(&["sp", "cycle", "approve", "--db", &db, &id, "--by", "head"]);
    assert!(approved.contains("approved by head"), "{approved}");

    let (a, b) = (dir("files-a"), dir("files-b"));
    for out in [&a, &b] {
        run(&[
            "sp", "payments", "export", "--db", &db, "--cycle", &id, "--format", "pain001",
            "--out", out,
        ]);
    }
    let mut names: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let xsd = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/xsd/pain.001.001.09.xsd");
    assert!(
        xsd.exists(),
        "run scripts/test-tools.sh: it fetches the official schema"
    );
    for n in &names {
        let (fa, fb) = (
            std::path::Path::new(&a).join(n),
            std::path::Path::new(&b).join(n),
        );
        assert_eq!(
            std::fs::read(&fa).unwrap(),
            std::fs::read(&fb).unwrap(),
            "{n:?} differs"
        );
        let v = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(&fa)
            .output()
            .expect("xmllint");
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    }
    let e = fails(&[
        "sp", "payments", "export", "--db", &db, "--cycle", &id, "--format", "pdf", "--out", &a,
    ]);
    assert!(e.contains("pain001 or csv"), "{e}");
    let e = fails(&["sp", "cycle", "close", "--db", &db, &id, "--by", "clerk"]);
    assert!(e.contains("status reports"), "{e}");

    // A status report naming a payment NUR never made changes nothing.
    let report = tmp.path().join("statuses.csv");
    std::fs::write(
        &report,
        "end_to_end_id,status,reason\nUCT202612-9999999,accepted,\n",
    )
    .unwrap();
    let e = fails(&[
        "sp",
        "payments",
        "import",
        "--db",
        &db,
        &report.display().to_string(),
    ]);
    assert!(e.contains("UCT202612-9999999"), "{e}");
    let e = fails(&[
        "sp",
        "accounts",
        "set",
        "--db",
        &db,
        "9871012345",
        "--iban",
        "JO94CBJO0010000000000131000303",
    ]);
    assert!(e.to_lowercase().contains("check"), "{e}");
    let shown = run(&["sp", "cycle", "show", "--db", &db, &id]);
    assert!(shown.contains("pending"), "{shown}");
}
