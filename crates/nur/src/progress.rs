//! A terminal progress line for `nur load` (rows, rows/s, share of the file read), drawn on
//! stderr only when stderr is a terminal.

use nur_ingest::{FileOutcome, FileReport, LoadReport, Progress};
use std::io::{IsTerminal, Write};
use std::time::Instant;

pub struct Bar {
    enabled: bool,
    file: String,
    bytes: u64,
    started: Instant,
    last_draw: Instant,
}

impl Bar {
    pub fn new(wanted: bool) -> Bar {
        Bar {
            enabled: wanted && std::io::stderr().is_terminal(),
            file: String::new(),
            bytes: 0,
            started: Instant::now(),
            last_draw: Instant::now(),
        }
    }
}

impl Progress for Bar {
    fn file_started(&mut self, file: &str, bytes: u64) {
        self.file = file.rsplit('/').next().unwrap_or(file).to_owned();
        self.bytes = bytes;
        self.started = Instant::now();
    }

    fn advanced(&mut self, rows: u64, bytes_done: u64) {
        if !self.enabled || self.last_draw.elapsed().as_millis() < 100 {
            return;
        }
        self.last_draw = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let pct = if self.bytes > 0 {
            100.0 * bytes_done as f64 / self.bytes as f64
        } else {
            100.0
        };
        let width = 30;
        let filled = ((pct / 100.0) * width as f64) as usize;
        eprint!(
            "\r{:<28} [{}{}] {:>5.1}% {:>11} rows {:>9.0} rows/s",
            truncate(&self.file, 28),
            "#".repeat(filled.min(width)),
            " ".repeat(width - filled.min(width)),
            pct,
            rows,
            rows as f64 / secs
        );
        let _ = std::io::stderr().flush();
    }

    fn file_finished(&mut self, r: &FileReport) {
        if self.enabled {
            eprint!("\r{}\r", " ".repeat(100));
        }
        let what = match r.outcome {
            FileOutcome::Loaded => "loaded",
            FileOutcome::Resumed => "resumed",
            FileOutcome::AlreadyLoaded => "already loaded",
            FileOutcome::Failed => "FAILED",
        };
        let name = r.file.rsplit('/').next().unwrap_or(&r.file);
        eprintln!(
            "{name:<36} {what:<14} {:>10} rows {:>8} quarantined {:>7.1}s{}",
            r.rows_loaded,
            r.rows_quarantined,
            r.seconds,
            r.error
                .as_deref()
                .map(|e| format!("  ({e})"))
                .unwrap_or_default()
        );
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

pub fn print_report(r: &LoadReport) {
    println!(
        "{} rows loaded, {} rows quarantined, {} files in {:.1}s ({:.0} rows/s)",
        r.rows_loaded,
        r.rows_quarantined,
        r.files.len(),
        r.seconds,
        (r.rows_loaded + r.rows_quarantined) as f64 / r.seconds.max(1e-3)
    );
}
