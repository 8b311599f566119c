//! File drops: CSV and JSON-lines files appearing in a watched folder are loaded once each by
//! the bulk loader (validation, quarantine, resumable batches, lineage under the source's
//! name), then moved to `done/` (or `failed/` when the file maps to no table of the source's
//! entity). A file must appear whole: write it under another name (`x.csv.part`) and
//! rename it into the folder. A file seen again with the same content is not loaded twice
//! (batches are identified by content digest).

use super::mapping::Mapper;
use super::source::SourceDef;
use super::Control;
use crate::load::{load_dir, FileOutcome, FileReport, LoadOptions, Progress};
use nur_core::Catalog;
use nur_store::Store;
use std::path::Path;
use std::time::Duration;

struct Quiet;

impl Progress for Quiet {
    fn file_started(&mut self, _: &str, _: u64) {}
    fn advanced(&mut self, _: u64, _: u64) {}
    fn file_finished(&mut self, _: &FileReport) {}
}

pub(crate) fn run(
    store: &Store,
    catalog: &Catalog,
    def: &SourceDef,
    mapper: &Mapper,
    stop: &Control,
) -> Result<(), String> {
    let dir = Path::new(def.config.dir.as_deref().expect("checked"));
    let every = Duration::from_millis(def.config.every_ms.unwrap_or(2_000));
    let opts = LoadOptions {
        source: Some(def.name.clone()),
        allow_orphans: false,
        only_tables: mapper
            .maps()
            .map(|(_, t)| t.name.as_str().to_owned())
            .collect(),
        chunk_rows: def.config.batch.unwrap_or(0),
    };
    for sub in ["done", "failed"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    while !stop.stopped() {
        if has_input(dir)? {
            let report =
                load_dir(store, catalog, dir, &opts, &mut Quiet).map_err(|e| e.to_string())?;
            for f in &report.files {
                let to = match f.outcome {
                    FileOutcome::Failed => "failed",
                    _ => "done",
                };
                let from = std::path::PathBuf::from(&f.file);
                if from.exists() {
                    let name = from.file_name().expect("a file").to_owned();
                    std::fs::rename(&from, dir.join(to).join(name))
                        .map_err(|e| format!("{}: {e}", from.display()))?;
                }
                tracing::info!(source = %def.name, file = %f.file, outcome = ?f.outcome, "file drop");
            }
            // Files of other entities' tables are left where they are, untouched.
        }
        stop.sleep(every);
    }
    Ok(())
}

/// Whether the folder holds a CSV or JSON-lines file at its top level.
fn has_input(dir: &Path) -> Result<bool, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(entries.flatten().any(|e| {
        let n = e.file_name();
        let n = n.to_string_lossy();
        e.path().is_file()
            && (n.ends_with(".csv") || n.ends_with(".jsonl") || n.ends_with(".ndjson"))
    }))
}
