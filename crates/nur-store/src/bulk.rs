//! Types of the bulk-load protocol between the loader (nur-ingest) and a backend.
//!
//! A batch is one input file, identified by the digest of its content: loading the same
//! content again finds the finished batch and changes nothing. Each chunk is written in one
//! transaction together with the batch's resume point, so a load killed half-way resumes
//! exactly after the last committed chunk.

use nur_core::Value;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchStatus {
    Running,
    Done,
}

impl BatchStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Running => "running",
            BatchStatus::Done => "done",
        }
    }
    pub(crate) fn parse(s: &str) -> BatchStatus {
        if s == "done" {
            BatchStatus::Done
        } else {
            BatchStatus::Running
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewBatch {
    pub source: String,
    pub file: String,
    pub digest: String,
    /// The catalog table the file maps to, or `None` for a file that maps to none (all of
    /// its rows are quarantined).
    pub table: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Batch {
    pub id: i64,
    pub source: String,
    pub file: String,
    pub digest: String,
    pub table: Option<String>,
    pub status: BatchStatus,
    /// The table was empty when the batch started: rows are appended without index
    /// maintenance and the indexes are built when the batch finishes.
    pub fresh: bool,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    /// Byte offset and line number just after the last committed row.
    pub resume_offset: u64,
    pub resume_line: u64,
}

/// A validated row ready for the warehouse.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The record's key at its source (the catalog key columns joined by `|`).
    pub source_key: String,
    /// One value per catalog column, in catalog order.
    pub values: Vec<Value>,
}

/// An input row that could not be loaded, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub line: u64,
    pub reason: String,
    pub raw: String,
}

#[derive(Debug, Clone, Default)]
pub struct Chunk {
    pub rows: Vec<Row>,
    pub rejected: Vec<Rejected>,
    /// Where to resume after this chunk commits.
    pub resume_offset: u64,
    pub resume_line: u64,
}
