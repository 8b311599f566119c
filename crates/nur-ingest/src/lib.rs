//! NUR ingestion. Today: the bulk loader (`nur load`), which maps the CSV and JSON-lines files
//! of a directory to catalog tables, validates every row, quarantines what it cannot load
//! (with file, line and reason), and writes the rest in resumable, idempotent batches.

mod load;
mod reader;
mod validate;

pub use load::{load_dir, FileOutcome, FileReport, LoadError, LoadOptions, LoadReport, Progress};
