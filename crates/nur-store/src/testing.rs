//! Test support: a fresh, empty database per test on either backend, removed afterwards.
//!
//! PostgreSQL tests use the server at `NUR_TEST_PG` (default `postgres://127.0.0.1/postgres`)
//! and create a uniquely named database per test, so tests run in parallel. A missing server
//! fails the test: the PostgreSQL half of the suite is never silently skipped.

use crate::{OpenMode, Store};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
    admin_url: String,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn admin_url() -> String {
    std::env::var("NUR_TEST_PG").unwrap_or_else(|_| "postgres://127.0.0.1/postgres".into())
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite:{}", dir.path().join("nur.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg_name: None,
                    admin_url: String::new(),
                }
            }
            Backend::Postgres => {
                let admin = admin_url();
                let name = format!(
                    "nur_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    crate::now_ms() % 1_000_000
                );
                let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| {
                    panic!("PostgreSQL test server at {admin} is not reachable: {e} (start it, or set NUR_TEST_PG)")
                });
                c.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let url = match admin.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => panic!("NUR_TEST_PG must end with /DATABASE"),
                };
                TestDb {
                    url,
                    _dir: None,
                    pg_name: Some(name),
                    admin_url: admin,
                }
            }
        }
    }

    pub fn open(&self) -> Store {
        Store::open(&self.url, OpenMode::Create).expect("open test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut c) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}
