//! File drops: CSV and JSON-lines files appearing in a watched folder are loaded once each by
//! the bulk loader (validation, quarantine, resumable batches, lineage under the source's
//! name), then moved to `done/`; a file that maps to no table of the source's entity is moved
//! to `failed/` and recorded as a dead letter. A file must appear whole: write it under another name (`x.csv.part`) and
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
        // As for every change source: a registry row may arrive before its person does.
        allow_orphans: true,
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
        if !inputs(dir)?.is_empty() {
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
                if f.outcome != FileOutcome::AlreadyLoaded {
                    store
                        .note_loaded(&def.name, f.rows_loaded + f.rows_quarantined, f.rows_loaded)
                        .map_err(|e| e.to_string())?;
                }
                tracing::info!(source = %def.name, file = %f.file, outcome = ?f.outcome, "file drop");
            }
            // What is left maps to no table of this source: say so, and move it aside.
            for path in inputs(dir)? {
                let name = path.file_name().expect("a file").to_owned();
                std::fs::rename(&path, dir.join("failed").join(&name))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let batch = nur_store::ChangeBatch {
                    source: def.name.clone(),
                    received: 1,
                    dead: vec![nur_store::DeadLetter {
                        position: None,
                        reason: format!(
                            "file {} names no table of {} (moved to failed/)",
                            name.to_string_lossy(),
                            def.entity
                        ),
                        payload: name.to_string_lossy().into_owned(),
                    }],
                    ..Default::default()
                };
                let applied = store.apply_changes(&batch).map_err(|e| e.to_string())?;
                stop.committed(&def.name, &batch, &applied);
            }
        }
        stop.sleep(every);
    }
    Ok(())
}

/// The CSV and JSON-lines files at the folder's top level.
fn inputs(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default();
            p.is_file() && matches!(ext, "csv" | "jsonl" | "ndjson")
        })
        .collect())
}
