//! The typed configuration as a deployment meets it: layers in order (file < environment <
//! flag), a bad value refused at start-up naming its key and where it came from, and secrets
//! absent from `nur config show` and from the logs.

use crate::nur;

fn show(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = nur();
    c.arg("config").arg("show").args(args);
    // The test's own environment must not leak a layer in.
    c.env_remove("NUR_DB").env_remove("NUR_CONFIG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn layers_precedence_errors_and_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("nur.toml");
    std::fs::write(
        &file,
        "db = \"sqlite:from-file.db\"\ntime_zone = \"Asia/Amman\"\n[server]\nmax_rows = 5\ntoken_ttl_secs = 120\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();

    // The file alone.
    let o = show(&["--config", f], &[]);
    assert!(o.status.success(), "{}", err(&o));
    let t = text(&o);
    assert!(
        t.contains("db = \"sqlite:from-file.db\"") && t.contains("max_rows = 5"),
        "{t}"
    );
    // The environment over the file (NUR_CONFIG names the file too).
    let o = show(
        &[],
        &[
            ("NUR_CONFIG", f),
            ("NUR_DB", "sqlite:from-env.db"),
            ("NUR_SERVER_MAX_ROWS", "6"),
        ],
    );
    let t = text(&o);
    assert!(
        t.contains("sqlite:from-env.db") && t.contains("max_rows = 6"),
        "{t}"
    );
    assert!(
        t.contains("token_ttl_secs = 120"),
        "the file's other keys stay: {t}"
    );
    // A flag over both.
    let o = show(
        &["--config", f, "--db", "sqlite:from-flag.db"],
        &[("NUR_DB", "sqlite:from-env.db")],
    );
    assert!(text(&o).contains("sqlite:from-flag.db"), "{}", text(&o));

    // Bad values are refused before anything runs, naming the key and its origin.
    for (args, env, want) in [
        (
            vec![],
            vec![("NUR_SERVER_MAX_ROWS", "lots")],
            vec!["server.max_rows", "NUR_SERVER_MAX_ROWS", "whole number"],
        ),
        (
            vec![],
            vec![("NUR_SERVER_MAX_ROWS", "0")],
            vec!["server.max_rows", "between 1 and"],
        ),
        (
            vec![],
            vec![("NUR_SERVER_LISTEN", "everywhere")],
            vec!["server.listen", "address"],
        ),
        (
            vec![],
            vec![("NUR_DB", "mysql://x/y")],
            vec!["db", "NUR_DB"],
        ),
        (
            vec![],
            vec![("NUR_TIME_ZONE", "Asia/Amann")],
            vec!["time_zone", "not a known"],
        ),
        (vec!["--db", "oracle:x"], vec![], vec!["db", "flag --db"]),
    ] {
        let o = show(&args, &env);
        assert!(!o.status.success(), "{args:?} {env:?} should be refused");
        for w in want {
            assert!(
                err(&o).contains(w),
                "{args:?} {env:?}: {} lacks {w}",
                err(&o)
            );
        }
    }
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[server]\nlisen = \"127.0.0.1:1\"\n").unwrap();
    let o = show(&["--config", bad.to_str().unwrap()], &[]);
    assert!(
        !o.status.success() && err(&o).contains("server.lisen") && err(&o).contains("unknown key"),
        "{}",
        err(&o)
    );
    std::fs::write(&bad, "[server]\nmax_rows = \"many\"\n").unwrap();
    let o = show(&["--config", bad.to_str().unwrap()], &[]);
    assert!(
        !o.status.success() && err(&o).contains("server.max_rows") && err(&o).contains("bad.toml"),
        "{}",
        err(&o)
    );
    // A server with a bad setting does not start.
    let o = nur()
        .args(["serve", "--db", "sqlite:/nonexistent/x.db"])
        .env("NUR_SERVER_LISTEN", "nowhere")
        .output()
        .unwrap();
    assert!(
        !o.status.success() && err(&o).contains("server.listen"),
        "{}",
        err(&o)
    );

    // Secrets: never shown, never logged.
    let env = [
        ("NUR_SERVER_METRICS_TOKEN", "hunter2-metrics"),
        ("NUR_DB", "postgres://nur:hunter2-db@127.0.0.1/nur"),
        ("NUR_LOG", "debug"),
    ];
    let o = show(&[], &env);
    assert!(o.status.success(), "{}", err(&o));
    let (out, log) = (text(&o), err(&o));
    assert!(
        out.contains("metrics_token = \"[redacted]\"") && out.contains("127.0.0.1/nur"),
        "{out}"
    );
    assert!(
        log.contains("configuration"),
        "the configuration is logged at debug: {log}"
    );
    for secret in ["hunter2-metrics", "hunter2-db"] {
        assert!(!out.contains(secret), "config show printed {secret}: {out}");
        assert!(!log.contains(secret), "the log holds {secret}: {log}");
    }
}
