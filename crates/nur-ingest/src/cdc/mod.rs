//! Change data capture and scheduled pulls: events in the Debezium envelope from HTTP, NATS
//! JetStream and PostgreSQL logical replication; watermark and full-refresh pulls from
//! PostgreSQL and MariaDB; file drops. Every transport ends in [`Mapper::batch`] and
//! `Store::apply_changes`, where exactly-once is decided.

pub mod event;
mod files;
pub mod mapping;
pub mod nats;
pub mod pg_logical;
pub mod pgoutput;
pub mod position;
mod pull;
pub mod source;

pub use event::{Cell, Event, Op};
pub use mapping::{Mapper, Received, TableMap};
pub use source::{Kind, Mode, SourceConfig, SourceDef};

use nur_core::Catalog;
use nur_store::{Applied, ChangeBatch, Store};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Observes every committed batch (benchmarks measure lag and throughput with it).
pub type Observer = dyn Fn(&ChangeBatch, &Applied) + Send + Sync;

/// What runners are told from outside: stop after the current batch, and who observes the
/// batches they commit.
#[derive(Clone, Default)]
pub struct Control {
    stop: Arc<AtomicBool>,
    observer: Option<Arc<Observer>>,
}

impl Control {
    pub fn observed(observer: Arc<Observer>) -> Control {
        Control {
            stop: Arc::default(),
            observer: Some(observer),
        }
    }
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
    /// Sleeps up to `d`, waking early when stopped.
    pub fn sleep(&self, d: Duration) {
        let step = Duration::from_millis(20);
        let mut left = d;
        while !left.is_zero() && !self.stopped() {
            let s = left.min(step);
            std::thread::sleep(s);
            left -= s;
        }
    }

    /// Reports a committed batch.
    pub(crate) fn committed(&self, source: &str, b: &ChangeBatch, a: &Applied) {
        if a.applied + a.duplicates + a.dead_lettered > 0 {
            tracing::debug!(
                source,
                applied = a.applied,
                duplicates = a.duplicates,
                dead_lettered = a.dead_lettered,
                "batch committed"
            );
        }
        if let Some(o) = &self.observer {
            o(b, a);
        }
    }
}

/// Runs one source until `stop` (or an error, which the caller records and retries).
pub fn run_source(
    store: &Store,
    catalog: &Catalog,
    mut def: SourceDef,
    stop: &Control,
) -> Result<(), String> {
    let mapper = def.check(catalog)?;
    match (def.kind, def.config.mode) {
        (Kind::Http, _) => Ok(()),
        (Kind::Nats, _) => nats::run(store, &def, &mapper, stop),
        (Kind::Postgres, Some(Mode::Cdc)) => pg_logical::run(store, &def, &mapper, stop),
        (Kind::Postgres | Kind::Mariadb, _) => pull::run(store, &def, &mapper, stop),
        (Kind::Files, _) => files::run(store, catalog, &def, &mapper, stop),
    }
}

/// Runs every configured source that NUR drives itself (all but `http`), or only `only`,
/// each on its own thread, restarting a failed one after a pause that grows to 30 s, and
/// picking up sources added while running. Returns when `stop` is set and all have ended.
pub fn run_sources(
    store: Arc<Store>,
    catalog: Arc<Catalog>,
    only: Option<String>,
    stop: Control,
) -> Result<(), String> {
    let mut started: HashSet<String> = HashSet::new();
    let mut threads = Vec::new();
    if let Some(name) = &only {
        store.source(name).map_err(|e| e.to_string())?;
    }
    while !stop.stopped() {
        let rows = store.sources().map_err(|e| e.to_string())?;
        for row in rows {
            if row.kind == "http"
                || only.as_ref().is_some_and(|o| *o != row.name)
                || started.contains(&row.name)
            {
                continue;
            }
            started.insert(row.name.clone());
            let (store, catalog, stop) = (store.clone(), catalog.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                supervise(&store, &catalog, &row.name, &stop)
            }));
        }
        stop.sleep(Duration::from_secs(5));
    }
    for t in threads {
        let _ = t.join();
    }
    Ok(())
}

fn supervise(store: &Store, catalog: &Catalog, name: &str, stop: &Control) {
    let mut pause = Duration::from_millis(500);
    while !stop.stopped() {
        let def = match store.source(name) {
            Ok(row) => SourceDef::from_row(&row),
            Err(nur_store::StoreError::NotFound(_)) => return, // removed
            Err(e) => Err(e.to_string()),
        };
        let result = def.and_then(|def| run_source(store, catalog, def, stop));
        match result {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(source = name, error = %e, "source failed; retrying");
                let _ = store.source_error(name, &e);
                stop.sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(30));
            }
        }
    }
}
