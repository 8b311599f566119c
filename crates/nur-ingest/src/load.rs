//! `nur load`: every CSV / JSON-lines file of a directory, one batch per file.
//!
//! Files map to tables by name (`CSPD_Personal_Info.csv`, `SSC_Salaries.part2.csv`,
//! case-insensitive). The person table loads first so registry rows can be checked against
//! it. Each file is parsed on one thread and written on another; each chunk is one
//! transaction that also moves the batch's resume point.

use crate::reader::{Format, Reader, Record};
use crate::validate::{checks_orphans, Mapping, Validator};
use nur_core::{Catalog, Table};
use nur_store::{Batch, BatchStatus, Chunk, NewBatch, Rejected, Store, StoreError, Warehouse};
use serde::Serialize;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

/// Rows per transaction: large enough to amortise commits, small enough that a killed load
/// loses little work.
const CHUNK_ROWS: usize = 50_000;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read directory {dir}: {source}")]
    Dir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The source recorded in lineage; defaults to the table's custodian.
    pub source: Option<String>,
    /// Accept registry rows whose person is not in the person table.
    pub allow_orphans: bool,
    /// Load only these tables (empty: all).
    pub only_tables: Vec<String>,
    /// Rows per transaction (0: the default).
    pub chunk_rows: usize,
}

/// Receives progress as rows are read (for a terminal progress bar).
pub trait Progress {
    fn file_started(&mut self, file: &str, bytes: u64);
    fn advanced(&mut self, rows: u64, bytes_done: u64);
    fn file_finished(&mut self, report: &FileReport);
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum FileOutcome {
    Loaded,
    Resumed,
    AlreadyLoaded,
    /// The file could not be loaded at all (no table, unreadable header, …).
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub table: Option<String>,
    pub batch: Option<i64>,
    pub outcome: FileOutcome,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub files: Vec<FileReport>,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    pub seconds: f64,
}

impl LoadReport {
    /// The batch could not be loaded at all: no file loaded and at least one failed.
    pub fn failed(&self) -> bool {
        self.files.iter().any(|f| f.outcome == FileOutcome::Failed)
            && !self.files.iter().any(|f| {
                matches!(
                    f.outcome,
                    FileOutcome::Loaded | FileOutcome::Resumed | FileOutcome::AlreadyLoaded
                )
            })
    }
}

pub fn load_dir(
    store: &Store,
    catalog: &Catalog,
    dir: &Path,
    opts: &LoadOptions,
    progress: &mut dyn Progress,
) -> Result<LoadReport, LoadError> {
    let started = Instant::now();
    let files = input_files(dir, catalog)?;
    let mut reports = Vec::new();
    let mut persons: Option<HashSet<u64>> = None;
    for (path, format, table) in files {
        if !opts.only_tables.is_empty()
            && !table.as_ref().is_some_and(|t| {
                opts.only_tables
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(t.name.as_str()))
            })
        {
            continue;
        }
        let needs_persons =
            table.is_some_and(|t| !opts.allow_orphans && checks_orphans(catalog, t));
        if needs_persons && persons.is_none() {
            let mut set = HashSet::new();
            store.for_each_person(catalog, &mut |nn| {
                if let Ok(n) = nn.parse::<u64>() {
                    set.insert(n);
                }
            })?;
            persons = Some(set);
        }
        let report = load_file(
            store,
            catalog,
            &path,
            format,
            table,
            opts,
            if needs_persons {
                persons.as_ref()
            } else {
                None
            },
            progress,
        )?;
        progress.file_finished(&report);
        reports.push(report);
    }
    Ok(LoadReport {
        rows_loaded: reports.iter().map(|r| r.rows_loaded).sum(),
        rows_quarantined: reports.iter().map(|r| r.rows_quarantined).sum(),
        files: reports,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The directory's input files with their table, the person table first, then the
/// household table, then the rest by name.
fn input_files<'c>(dir: &Path, catalog: &'c Catalog) -> Result<Vec<InputFile<'c>>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Dir {
        dir: dir.to_owned(),
        source,
    })?;
    let mut files = Vec::new();
    for e in entries {
        let e = e.map_err(|source| LoadError::Dir {
            dir: dir.to_owned(),
            source,
        })?;
        let path = e.path();
        let Some(format) = Format::of(&path) else {
            continue;
        };
        let stem = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('.').next())
            .unwrap_or_default()
            .to_owned();
        let table = catalog
            .tables
            .iter()
            .find(|t| t.name.as_str().eq_ignore_ascii_case(&stem));
        // `nur synth` writes the social registry's inputs (survey, applications, accounts,
        // truth) as SP_* files beside the registry tables. They are no warehouse table, so
        // they are left alone rather than quarantined as unknown files.
        if table.is_none() && stem.starts_with("SP_") {
            continue;
        }
        files.push((path, format, table));
    }
    let person = catalog.dimensions.person.table.as_str();
    let household = catalog.dimensions.household.table.as_str();
    files.sort_by_key(|(p, _, t)| {
        let rank = match t.map(|t| t.name.as_str()) {
            Some(n) if n == person => 0,
            Some(n) if n == household => 1,
            Some(_) => 2,
            None => 3,
        };
        (rank, p.clone())
    });
    Ok(files)
}

/// An input file, its format and the table it maps to (None: no table of that name).
type InputFile<'c> = (PathBuf, Format, Option<&'c Table>);

fn digest(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("xxh3-128:{:032x}", h.digest128()))
}

#[allow(clippy::too_many_arguments)]
fn load_file(
    store: &Store,
    catalog: &Catalog,
    path: &Path,
    format: Format,
    table: Option<&Table>,
    opts: &LoadOptions,
    persons: Option<&HashSet<u64>>,
    progress: &mut dyn Progress,
) -> Result<FileReport, LoadError> {
    let started = Instant::now();
    let file = path.display().to_string();
    let total_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    progress.file_started(&file, total_bytes);
    let failed = |error: String| FileReport {
        file: file.clone(),
        table: table.map(|t| t.name.to_string()),
        batch: None,
        outcome: FileOutcome::Failed,
        rows_loaded: 0,
        rows_quarantined: 0,
        seconds: started.elapsed().as_secs_f64(),
        error: Some(error),
    };
    let digest = match digest(path) {
        Ok(d) => d,
        Err(e) => return Ok(failed(format!("cannot read: {e}"))),
    };
    let existing = store.find_batch(&digest)?;
    if let Some(b) = existing.as_ref().filter(|b| b.status == BatchStatus::Done) {
        return Ok(FileReport {
            file,
            table: b.table.clone(),
            batch: Some(b.id),
            outcome: FileOutcome::AlreadyLoaded,
            rows_loaded: 0,
            rows_quarantined: 0,
            seconds: started.elapsed().as_secs_f64(),
            error: None,
        });
    }
    let resume = existing.as_ref().map(|b| (b.resume_offset, b.resume_line));
    let (mut reader, header) = match Reader::open(path, format, resume) {
        Ok(r) => r,
        Err(e) => return Ok(failed(e)),
    };
    let Some(table) = table else {
        // A file that maps to no table: keep every row in the quarantine so nothing is lost.
        let batch = match existing {
            Some(b) => b,
            None => store.start_batch(
                None,
                &NewBatch {
                    source: opts.source.clone().unwrap_or_else(|| "unknown".into()),
                    file: file.clone(),
                    digest,
                    table: None,
                },
            )?,
        };
        let reason = "file name does not name a catalog table (expected TABLE.csv or TABLE.jsonl)"
            .to_owned();
        let mut rejected = Vec::new();
        while let Some(r) = reader.next() {
            rejected.push(Rejected {
                line: r.line,
                reason: reason.clone(),
                raw: r.raw,
            });
        }
        store.quarantine_file(&batch, &rejected)?;
        store.finish_batch(None, &batch)?;
        let mut report = failed(reason);
        report.batch = Some(batch.id);
        report.rows_quarantined = rejected.len() as u64;
        return Ok(report);
    };
    let mapping = match Mapping::new(table, &header) {
        Ok(m) => m,
        Err(e) => return Ok(failed(e)),
    };
    let resumed = existing.is_some();
    let batch = match existing {
        Some(b) => b,
        None => store.start_batch(
            Some(table),
            &NewBatch {
                source: opts
                    .source
                    .clone()
                    .unwrap_or_else(|| table.custodian().to_string()),
                file: file.clone(),
                digest,
                table: Some(table.name.to_string()),
            },
        )?,
    };
    let mut validator = Validator::new(catalog, table, mapping, persons);
    if resumed {
        validator.seed_keys(store.batch_keys(table, batch.id)?);
    }
    let chunk_rows = if opts.chunk_rows == 0 {
        CHUNK_ROWS
    } else {
        opts.chunk_rows
    };
    let (loaded, quarantined) = pipeline(
        store,
        table,
        &batch,
        &mut reader,
        &mut validator,
        chunk_rows,
        progress,
    )?;
    store.finish_batch(Some(table), &batch)?;
    Ok(FileReport {
        file,
        table: Some(table.name.to_string()),
        batch: Some(batch.id),
        outcome: if resumed {
            FileOutcome::Resumed
        } else {
            FileOutcome::Loaded
        },
        rows_loaded: loaded + batch.rows_loaded,
        rows_quarantined: quarantined + batch.rows_quarantined,
        seconds: started.elapsed().as_secs_f64(),
        error: None,
    })
}

/// Parses and validates on a second thread while this one writes chunks.
fn pipeline(
    store: &Store,
    table: &Table,
    batch: &Batch,
    reader: &mut Reader,
    validator: &mut Validator<'_>,
    chunk_rows: usize,
    progress: &mut dyn Progress,
) -> Result<(u64, u64), LoadError> {
    let (tx, rx) = mpsc::sync_channel::<Chunk>(2);
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut chunk = Chunk::default();
            while let Some(rec) = reader.next() {
                accept(validator, &mut chunk, rec);
                if chunk.rows.len() + chunk.rejected.len() >= chunk_rows {
                    let full = std::mem::take(&mut chunk);
                    if tx.send(full).is_err() {
                        return; // the writer failed; it reports the error
                    }
                }
            }
            let _ = tx.send(chunk);
        });
        let (mut loaded, mut quarantined) = (0u64, 0u64);
        for chunk in rx {
            store.write_chunk(table, batch, &chunk)?;
            loaded += chunk.rows.len() as u64;
            quarantined += chunk.rejected.len() as u64;
            progress.advanced(loaded + quarantined, chunk.resume_offset);
        }
        Ok((loaded, quarantined))
    })
}

fn accept(validator: &mut Validator<'_>, chunk: &mut Chunk, rec: Record) {
    chunk.resume_offset = rec.end_offset;
    chunk.resume_line = rec.end_line;
    let result = rec.fields.and_then(|f| {
        let refs: Vec<&str> = f.iter().map(String::as_str).collect();
        validator.row(&refs)
    });
    match result {
        Ok(row) => chunk.rows.push(row),
        Err(reason) => chunk.rejected.push(Rejected {
            line: rec.line,
            reason,
            raw: rec.raw,
        }),
    }
}
