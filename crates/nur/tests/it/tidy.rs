//! Tidy checks: invariants of the codebase, checked like any other test.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The readers of agencies' source databases: they send SQL to the *source* (reads,
/// publications, replication slots), never to the warehouse, and never write there.
const SOURCE_READERS: [&str; 2] = ["cdc/pg_logical.rs", "cdc/pull.rs"];

/// A query plan written out for a person to review (and its test): text that is shown, never
/// run.
const REVIEW_TEXT: [&str; 2] = ["query/review.rs", "query/tests.rs"];

/// Only the store crate contains warehouse SQL.
#[test]
fn sql_lives_only_in_the_store_crate() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for c in std::fs::read_dir(crates).unwrap() {
        let c = c.unwrap().path();
        if c.file_name().unwrap() != "nur-store" {
            rust_files(&c.join("src"), &mut files);
        }
    }
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        if SOURCE_READERS.iter().any(|r| f.ends_with(r)) {
            for needle in ["INSERT INTO", "UPDATE ", "DELETE FROM", "nur_source_cursor"] {
                assert!(
                    !text.contains(needle),
                    "{} reads a source database and must not write ({needle})",
                    f.display()
                );
            }
            continue;
        }
        if REVIEW_TEXT.iter().any(|r| f.ends_with(r)) {
            continue;
        }
        for needle in [
            "SELECT ",
            "INSERT INTO",
            "CREATE TABLE",
            "UPDATE nur_",
            "DELETE FROM",
        ] {
            assert!(
                !text.contains(needle),
                "{} contains SQL ({needle})",
                f.display()
            );
        }
    }
}

/// The store's methods that change something. Only the use cases (`nur-app`) and the
/// loaders (`nur-ingest`) call them.
const STORE_WRITES: &[&str] = &[
    "change_grant",
    "save_procedure",
    "delete_procedure",
    "create_client",
    "change_client",
    "set_entity_settings",
    "setting_or_init",
    "put_upstream",
    "audit",
    "put_account",
    "write_account",
    "write_sessions",
    "expire_sessions",
    "add_source",
    "remove_source",
    "source_error",
    "note_loaded",
    "apply_changes",
    "signing_keys_or_init",
    "rotate_signing_key",
    "write_chunk",
    "start_batch",
    "finish_batch",
    "quarantine_file",
    "sp_publish_model",
    "sp_put_scores",
    "sp_put_truth",
    "sp_put_program",
    "sp_publish_program",
    "sp_put_run",
    "sp_reevaluated",
];

/// What only the use cases do: evaluate grants, plan queries under them, build audit events.
const USE_CASE_ONLY: &[&str] = &[
    "NewEvent",
    "GrantChange::check",
    ".check(&",
    "Grants::new",
    "grants.table(",
    "grants.column(",
    "grants.operation(",
    "grants.property(",
    "query::plan(",
    "administers(",
];

/// Not a door of NUR: the simulated upstream stands for a custodian's own live service (the
/// demo's and the tests' far end of the gateway), which sees its own data in full.
const NOT_DOORS: &[&str] = &["nur-web/src/upstream.rs"];

/// The doors (the HTTP layer and the binary) translate requests into `nur_app` calls and
/// answers into responses: they evaluate no grant, build no audit event and write to the
/// store only through a use case.
#[test]
fn doors_call_the_use_cases_only() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for door in ["nur-web", "nur"] {
        rust_files(&crates.join(door).join("src"), &mut files);
    }
    assert!(files.len() > 10);
    for f in files {
        if NOT_DOORS.iter().any(|n| f.ends_with(n)) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        // Calls may wrap over lines (`s.store\n    .audit(ev)`): compare without spaces, and
        // without comments (they may name what they do not do).
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        let flat: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        for m in STORE_WRITES {
            for call in [format!("store.{m}("), format!("store().{m}(")] {
                assert!(
                    !flat.contains(&call),
                    "{} writes to the store directly ({call}); call the use case in nur-app",
                    f.display()
                );
            }
        }
        for needle in USE_CASE_ONLY {
            assert!(
                !flat.contains(needle),
                "{} does what only a use case does ({needle}); move it into nur-app",
                f.display()
            );
        }
    }
}
