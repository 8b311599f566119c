//! End-to-end tests of the `nur` binary: the load survives `kill -9` at random moments and,
//! run again, ends with exactly the state of an uninterrupted load.

mod access;
mod audit_tamper;
mod browser;
mod config;
mod ingest_crash;
mod pay_cli;
mod sources_cli;
mod sp_cli;
#[path = "../../../nur-ingest/tests/it/support.rs"]
mod support;
mod tidy;

mod doors;
#[path = "../../../nur-web/tests/it/browser.rs"]
mod portal_client;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn nur() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nur"))
}

pub fn run(args: &[&str]) -> String {
    let out = nur().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "nur {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Stats without the batch count (a resumed load records the same batches, but let the
/// comparison rest on what matters: rows and quarantine per table).
fn state(db: &str) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&run(&["stats", "--db", db, "--json"])).unwrap();
    v.as_object_mut().unwrap().remove("batches");
    v
}

#[test]
fn killed_loads_resume_to_the_same_result() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    run(&[
        "synth",
        "--persons",
        "4000",
        "--seed",
        "11",
        "--out",
        data.to_str().unwrap(),
    ]);

    let reference = format!("sqlite:{}", tmp.path().join("ref.db").display());
    run(&["init", "--db", &reference]);
    run(&[
        "load",
        "--db",
        &reference,
        "--chunk-rows",
        "300",
        data.to_str().unwrap(),
    ]);
    let want = state(&reference);

    // Find how long an uninterrupted load takes, then kill at moments spread over it.
    let timing = format!("sqlite:{}", tmp.path().join("timing.db").display());
    run(&["init", "--db", &timing]);
    let t0 = Instant::now();
    run(&[
        "load",
        "--db",
        &timing,
        "--chunk-rows",
        "300",
        data.to_str().unwrap(),
    ]);
    let full = t0.elapsed();

    for trial in 0..10u32 {
        let db = format!(
            "sqlite:{}",
            tmp.path().join(format!("t{trial}.db")).display()
        );
        run(&["init", "--db", &db]);
        // A deterministic spread of kill moments across the load (5% … 95%).
        let at = full.mul_f64(0.05 + 0.1 * f64::from(trial));
        kill_after(&db, &data, at);
        run(&[
            "load",
            "--db",
            &db,
            "--chunk-rows",
            "300",
            data.to_str().unwrap(),
        ]);
        assert_eq!(state(&db), want, "trial {trial} (killed after {at:?})");
        // And once more: nothing changes.
        run(&[
            "load",
            "--db",
            &db,
            "--chunk-rows",
            "300",
            data.to_str().unwrap(),
        ]);
        assert_eq!(state(&db), want, "trial {trial}, reloaded");
    }
}

fn kill_after(db: &str, data: &Path, at: Duration) {
    let mut child = nur()
        .args([
            "load",
            "--db",
            db,
            "--chunk-rows",
            "300",
            data.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + at;
    // Poll rather than sleep blindly: the load may finish before the kill moment.
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::yield_now();
    }
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
}

#[test]
fn help_explains_every_subcommand() {
    let help = run(&["--help"]);
    for cmd in [
        "synth",
        "init",
        "load",
        "stats",
        "quarantine",
        "lookup",
        "serve",
        "demo",
    ] {
        assert!(help.contains(cmd), "--help lacks {cmd}");
    }
    let out = nur()
        .args(["stats", "--db", "sqlite:/nonexistent/dir/x.db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    let out = nur().args(["stats", "--db", "mysql://x"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown database URL scheme"));
    let out = nur()
        .args(["lookup", "--db", "sqlite:x.db", "98210170"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected 10 digits, got 8"));
}
