//! The portal's main flow in real Chromium: `nur demo` serves a small population and
//! `tests/browser/flow.mjs` (playwright-core driving Debian's chromium) signs in with a
//! password and a code from the outbox, checks the Arabic layout, grants columns as CSPD's
//! admin, builds, runs and saves a query as NAF's admin, calls the saved procedure's API,
//! and signs out. Screenshots of each step land in `target/browser-shots/`.

use super::nur;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn portal_flow_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let flow = root.join("tests/browser");
    assert!(
        flow.join("node_modules/playwright-core").exists()
            && Path::new("/usr/bin/chromium").exists(),
        "browser test tools missing: run scripts/browser-deps.sh (scripts/test does)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut demo = nur()
        .args(["demo", "--persons", "400", "--data-dir"])
        .arg(tmp.path())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nur demo did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = std::process::Command::new("node")
        .arg("flow.mjs")
        .current_dir(&flow)
        .env("BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("DATA_DIR", tmp.path())
        .env("SHOTS", root.join("target/browser-shots"))
        .output()
        .expect("node (Node.js) on PATH");
    demo.kill().unwrap();
    demo.wait().unwrap();
    assert!(
        out.status.success(),
        "browser flow failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
