//! Terminal progress for `nur load` and `nur synth` (rows, rows/s, ETA), drawn with
//! indicatif on stderr. indicatif draws nothing when stderr is not a terminal, so tests, CI
//! and pipes see only the report lines, and stdout never carries a bar.

use indicatif::{ProgressBar, ProgressStyle};
use nur_ingest::{FileOutcome, FileReport, LoadReport, Progress};
use std::time::Instant;

/// The bar of one file of a load: its share of the file's bytes (which gives the ETA), with
/// rows and rows/s beside it.
pub struct Bar {
    wanted: bool,
    bar: ProgressBar,
    started: Instant,
}

impl Bar {
    /// `wanted`: false keeps the bar away even on a terminal (e.g. with `--json`); the
    /// per-file report lines are written either way, as before.
    pub fn new(wanted: bool) -> Bar {
        Bar {
            wanted,
            bar: ProgressBar::hidden(),
            started: Instant::now(),
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .expect("a valid progress template")
        .progress_chars("#>-")
}

fn rate(rows: u64, since: Instant) -> f64 {
    rows as f64 / since.elapsed().as_secs_f64().max(1e-3)
}

impl Progress for Bar {
    fn file_started(&mut self, file: &str, bytes: u64) {
        let name = file.rsplit('/').next().unwrap_or(file).to_owned();
        self.started = Instant::now();
        self.bar = if self.wanted {
            ProgressBar::new(bytes)
        } else {
            ProgressBar::hidden()
        };
        self.bar.set_style(style(
            "{prefix:<28!} [{bar:30}] {percent:>3}% {msg} ETA {eta}",
        ));
        self.bar.set_prefix(name);
    }

    fn advanced(&mut self, rows: u64, bytes_done: u64) {
        self.bar.set_message(format!(
            "{rows:>11} rows {:>9.0} rows/s",
            rate(rows, self.started)
        ));
        self.bar.set_position(bytes_done);
    }

    fn file_finished(&mut self, r: &FileReport) {
        self.bar.finish_and_clear();
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

/// The bar of `nur synth`: persons generated of those asked for (which gives the ETA), with
/// rows written and rows/s beside it. Cleared before the final report line.
pub struct SynthBar {
    bar: ProgressBar,
    started: Instant,
}

impl SynthBar {
    pub fn new(persons: u64) -> SynthBar {
        let bar = ProgressBar::new(persons);
        bar.set_style(style(
            "generating [{bar:30}] {percent:>3}% {human_pos}/{human_len} persons {msg} ETA {eta}",
        ));
        SynthBar {
            bar,
            started: Instant::now(),
        }
    }
}

impl nur_synth::Progress for SynthBar {
    fn advanced(&mut self, persons: u64, _target: u64, rows: u64) {
        self.bar.set_message(format!(
            "{rows:>11} rows {:>9.0} rows/s",
            rate(rows, self.started)
        ));
        self.bar.set_position(persons);
    }
}

impl Drop for SynthBar {
    /// Whether generation succeeded or failed, the bar leaves no line behind.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
