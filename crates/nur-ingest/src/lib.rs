//! NUR ingestion: the bulk loader (`nur load`), which maps the CSV and JSON-lines files of a
//! directory to catalog tables, validates every row, quarantines what it cannot load (with
//! file, line and reason), and writes the rest in resumable, idempotent batches; and the
//! back-to-back sources ([`cdc`]): change streams, scheduled pulls and file drops, applied
//! exactly once.

pub mod cdc;
mod load;
mod reader;
mod validate;

pub use load::{load_dir, FileOutcome, FileReport, LoadError, LoadOptions, LoadReport, Progress};
