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
