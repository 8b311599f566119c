//! The audit chain against someone who can write to the database but not read the key file:
//! each rewrite the security test tried is found by `nur audit verify`, and the truncation
//! that leaves a consistent chain behind is found by the anchors exported before it.

use crate::{nur, run};
use nur_core::audit::AuditEvent;
use std::path::{Path, PathBuf};

/// A loaded database whose chain holds person lookups, with an anchor of its head.
struct Deployment {
    dir: tempfile::TempDir,
}

impl Deployment {
    fn new() -> Deployment {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        run(&[
            "synth",
            "--persons",
            "60",
            "--seed",
            "5",
            "--out",
            data.to_str().unwrap(),
        ]);
        let d = Deployment { dir };
        let db = d.url();
        run(&["init", "--db", &db]);
        run(&["load", "--db", &db, data.to_str().unwrap()]);
        for nn in national_numbers(&data).iter().take(24) {
            run(&["lookup", "--db", &db, nn]);
        }
        d
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("nur.db")
    }

    fn url(&self) -> String {
        format!("sqlite:{}", self.db().display())
    }

    fn anchors(&self) -> PathBuf {
        self.dir.path().join("anchors.jsonl")
    }

    fn anchor(&self) -> String {
        let a = self.anchors();
        run(&[
            "audit",
            "anchor",
            "--db",
            &self.url(),
            "--out",
            a.to_str().unwrap(),
        ])
    }

    /// `nur audit verify` (with the anchors when asked): (succeeded, what it printed).
    fn verify(&self, with_anchors: bool) -> (bool, String) {
        let a = self.anchors();
        let url = self.url();
        let mut args = vec!["audit", "verify", "--db", &url];
        if with_anchors {
            args.extend(["--anchors", a.to_str().unwrap()]);
        }
        let out = nur().args(&args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db()).unwrap()
    }

    /// The chain as stored, oldest first, read without the key.
    fn events(&self) -> Vec<AuditEvent> {
        let store = nur_store::Store::open(&self.url(), nur_store::OpenMode::MustExist).unwrap();
        let mut all = store
            .audit_events(&nur_store::AuditFilter {
                limit: 100_000,
                ..Default::default()
            })
            .unwrap();
        all.reverse();
        all
    }
}

fn national_numbers(data: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(data.join("CSPD_Personal_Info.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "National_Number").unwrap();
    lines
        .filter_map(|l| l.split(',').nth(at).map(str::to_owned))
        .filter(|nn| nn.len() == 10 && nn.bytes().all(|b| b.is_ascii_digit()))
        .collect()
}

/// Rewrites every event from `from` on as an intruder must without the key: the links and the
/// hashes recomputed with plain SHA-256, and the head moved to the new end.
fn rechain(d: &Deployment, from: i64) {
    let events = d.events();
    let conn = d.sql();
    let mut prev = events
        .iter()
        .find(|e| e.seq == from - 1)
        .map(|e| e.hash.clone())
        .unwrap_or_else(|| nur_core::audit::GENESIS.to_owned());
    for mut e in events.into_iter().filter(|e| e.seq >= from) {
        e.prev_hash = prev;
        e.hash = e.hash_with(None);
        conn.execute(
            "UPDATE nur_audit SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![e.prev_hash, e.hash, e.seq],
        )
        .unwrap();
        prev = e.hash;
    }
    move_head(&conn);
}

/// Points the recorded head at the last stored event, as a truncation that hides itself does.
fn move_head(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "UPDATE nur_audit_head SET seq = (SELECT MAX(seq) FROM nur_audit), \
         hash = (SELECT hash FROM nur_audit WHERE seq = (SELECT MAX(seq) FROM nur_audit))",
    )
    .unwrap();
}

#[test]
fn rewriting_the_audit_chain_is_found() {
    let d = Deployment::new();
    let (ok, text) = d.verify(false);
    assert!(ok, "{text}");
    let total = d.events().len() as i64;
    assert!(total >= 20, "{total} events");
    let head = d.events().last().unwrap().hash.clone();
    assert!(
        text.contains(&format!("intact: {total} events; head {total} {head}")),
        "verify prints the head: {text}"
    );
    // The key file is the owner's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = d.dir.path().join("nur.db.audit-key");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", key.display());
    }
    assert!(d
        .anchor()
        .contains(&format!("anchored event {total} {head}")));
    assert!(d.verify(true).0);

    // The attacks run on copies of the deployment.
    type Attack<'a> = (&'a str, &'a dyn Fn(&Deployment), bool);
    let attacks: [Attack; 5] = [
        (
            "the last ten events deleted and the head moved back",
            &|d| {
                let c = d.sql();
                c.execute("DELETE FROM nur_audit WHERE seq > ?1", [total - 10])
                    .unwrap();
                move_head(&c);
            },
            // Consistent in itself: only the anchor shows it.
            true,
        ),
        (
            "one event deleted and every later hash recomputed",
            &|d| {
                let c = d.sql();
                c.execute("DELETE FROM nur_audit WHERE seq = 7", [])
                    .unwrap();
                c.execute("DELETE FROM nur_audit_person WHERE seq = 7", [])
                    .unwrap();
                c.execute_batch(
                    "UPDATE nur_audit SET seq = seq - 1 WHERE seq > 7; \
                     UPDATE nur_audit_person SET seq = seq - 1 WHERE seq > 7",
                )
                .unwrap();
                rechain(d, 7);
            },
            false,
        ),
        (
            "an event's purpose edited and its hash recomputed",
            &|d| {
                d.sql()
                    .execute(
                        "UPDATE nur_audit SET purpose = 'routine' WHERE seq = 12",
                        [],
                    )
                    .unwrap();
                rechain(d, 12);
            },
            false,
        ),
        (
            "a person's index row deleted (their access hidden from their report)",
            &|d| {
                d.sql()
                    .execute(
                        "DELETE FROM nur_audit_person WHERE rowid = (SELECT MAX(rowid) FROM nur_audit_person)",
                        [],
                    )
                    .unwrap();
            },
            false,
        ),
        (
            "a person added to the index (an access that never happened)",
            &|d| {
                d.sql()
                    .execute(
                        "INSERT INTO nur_audit_person (national_number, seq) \
                         SELECT '9999999999', MAX(seq) FROM nur_audit",
                        [],
                    )
                    .unwrap();
            },
            false,
        ),
    ];
    for (name, attack, only_anchors) in attacks {
        let copy = copy_of(&d);
        attack(&copy);
        let (ok, plain) = copy.verify(false);
        assert_eq!(ok, only_anchors, "{name}, without anchors: {plain}");
        let (ok, anchored) = copy.verify(true);
        assert!(!ok, "{name} went unnoticed: {anchored}");
        assert!(
            anchored.contains("audit chain broken"),
            "{name}: {anchored}"
        );
    }

    // A lost key file is an error, not a new key that would bless a rewritten chain.
    let copy = copy_of(&d);
    std::fs::remove_file(copy.dir.path().join("nur.db.audit-key")).unwrap();
    let (ok, text) = copy.verify(false);
    assert!(!ok && text.contains("audit key file"), "{text}");
    assert!(!copy.dir.path().join("nur.db.audit-key").exists());
    // Nor is another deployment's key.
    let other = Deployment::new();
    std::fs::copy(
        other.dir.path().join("nur.db.audit-key"),
        copy.dir.path().join("nur.db.audit-key"),
    )
    .unwrap();
    let (ok, text) = copy.verify(false);
    assert!(!ok && text.contains("not the key"), "{text}");
}

/// The deployment's database, key file and anchors, copied.
fn copy_of(d: &Deployment) -> Deployment {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(d.dir.path()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    Deployment { dir }
}
