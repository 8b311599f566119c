//! `nur synth`: a deterministic synthetic population for a country catalog, written as one
//! CSV file per warehouse table plus `manifest.json` (how many good and deliberately bad rows
//! each file holds, so loading can be checked exactly).
//!
//! Households come first ([`population`]); the civil-status tables are written from them by
//! dedicated code ([`civil`]); every other registry follows the catalog's synth rules
//! ([`generic`]). A small share of bad rows (invalid IDs, orphans, duplicates, malformed
//! values, wrong field counts) is appended to each file ([`bad`]).

mod accounts;
mod applications;
mod bad;
mod civil;
mod csvw;
mod generic;
mod ledger;
mod names;
pub mod population;
pub mod rng;
mod sp;
#[cfg(test)]
mod sp_tests;
mod survey;
mod welfare;

use csvw::CsvFile;
use nur_core::catalog::TableSynth;
use nur_core::{Catalog, Date, Table};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

pub use applications::{Malformed, Misdeclaration};
pub use names::Names;
pub use sp::{SpFiles, SpManifest};

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub persons: u64,
    pub seed: u64,
    /// The population's "today": ages, recent years and dates are relative to it.
    pub as_of: Date,
    /// Share of extra deliberately bad rows per table (each of five kinds gets a fifth).
    pub bad_share: f64,
    /// The poverty line, JOD per person per month (Jordan's 2010 line).
    pub poverty_line_jod: f64,
    /// Share of persons whose latent consumption falls under the line (Jordan 2018: 15.7%).
    pub poor_share: f64,
}

impl SynthOptions {
    pub fn new(persons: u64, seed: u64) -> SynthOptions {
        SynthOptions {
            persons,
            seed,
            as_of: Date::new(2026, 10, 31).expect("valid date"),
            bad_share: 0.001,
            poverty_line_jod: 68.0,
            poor_share: 0.157,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct TableManifest {
    pub good_rows: u64,
    pub bad_rows: u64,
    pub bad_kinds: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub version: u32,
    pub seed: u64,
    pub persons: u64,
    pub households: u64,
    pub as_of: String,
    pub tables: BTreeMap<String, TableManifest>,
    /// The social-registry files: truth, survey, applications, accounts.
    pub sp: SpManifest,
}

/// One output file: its table, a reusable row buffer and the first good row (the template
/// the bad rows are made from).
pub(crate) struct Out<'c> {
    pub table: &'c Table,
    pub file: CsvFile,
    pub cells: Vec<String>,
    pub template: Option<Vec<String>>,
    pub serial: u64,
}

impl<'c> Out<'c> {
    pub fn clear(&mut self) {
        for c in &mut self.cells {
            c.clear();
        }
    }
    pub fn set(&mut self, column: &str, value: &str) {
        if let Some(i) = self.table.column_index(column) {
            self.cells[i].clear();
            self.cells[i].push_str(value);
        }
    }
    pub fn emit(&mut self, path: &Path) -> Result<(), SynthError> {
        if self.template.is_none() {
            self.template = Some(self.cells.clone());
        }
        self.file
            .write_row(self.cells.iter().map(String::as_str))
            .map_err(|source| io(path, source))
    }
}

fn io(path: &Path, source: std::io::Error) -> SynthError {
    SynthError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Receives the generator's progress, for a progress bar; nur-synth draws nothing itself.
/// Reporting never touches the random streams, so the files are the same with or without it.
pub trait Progress {
    /// `persons` of `target` generated so far, `rows` good rows written over all tables.
    /// Called every [`PROGRESS_EVERY`] households and once when the last household is written.
    fn advanced(&mut self, persons: u64, target: u64, rows: u64);
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn advanced(&mut self, _: u64, _: u64, _: u64) {}
}

/// Households between two progress reports: often enough for a smooth bar, rarely enough
/// that summing the row counts of every file costs nothing next to writing them.
pub const PROGRESS_EVERY: u64 = 1024;

pub fn generate(
    catalog: &Catalog,
    opts: &SynthOptions,
    dir: &Path,
) -> Result<Manifest, SynthError> {
    generate_with_progress(catalog, opts, dir, &mut NoProgress)
}

/// [`generate`], reporting progress as households are written.
pub fn generate_with_progress(
    catalog: &Catalog,
    opts: &SynthOptions,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<Manifest, SynthError> {
    if opts.persons == 0 {
        return Err(SynthError::Invalid("--persons must be at least 1".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let names = Names::load();
    let mut outs: Vec<Out<'_>> = Vec::new();
    for t in &catalog.tables {
        let path = dir.join(format!("{}.csv", t.name));
        let header: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        outs.push(Out {
            table: t,
            file: CsvFile::create(&path, &header).map_err(|e| io(&path, e))?,
            cells: vec![String::new(); t.columns.len()],
            template: None,
            serial: 0,
        });
    }
    let mut civil_outs = civil::Civil::new(catalog, &outs)?;
    let mut generic = generic::Generic::new(catalog, &outs, opts.as_of);
    let mut gen = population::Generator::new(opts.seed, &names, &catalog.geography, opts.as_of);
    let mut social = sp::Sp::new(catalog, opts, dir, &names)?;
    let mut persons = 0u64;
    let mut households = 0u64;
    while persons < opts.persons {
        let hh = gen.household();
        persons += hh.members.len() as u64;
        households += 1;
        civil_outs.write(&mut outs, &mut gen.rng, catalog, &hh, opts.as_of, dir)?;
        generic.write(&mut outs, &mut gen.rng, &names, catalog, &hh, dir)?;
        social.household(catalog, &hh, &generic.ledger, &civil_outs.mobiles)?;
        if households.is_multiple_of(PROGRESS_EVERY) || persons >= opts.persons {
            let rows = outs.iter().map(|o| o.file.rows).sum();
            progress.advanced(persons, opts.persons, rows);
        }
    }
    let mut tables = BTreeMap::new();
    let mut bad_rng = rng::Rng::new(opts.seed ^ 0x5eed_bad0);
    for mut out in outs {
        let good = out.file.rows;
        let path = dir.join(format!("{}.csv", out.table.name));
        let kinds = bad::append(&mut out, catalog, &mut bad_rng, opts.bad_share, &path)?;
        let bad_rows = kinds.values().sum();
        out.file.finish().map_err(|e| io(&path, e))?;
        tables.insert(
            out.table.name.to_string(),
            TableManifest {
                good_rows: good,
                bad_rows,
                bad_kinds: kinds,
            },
        );
    }
    let sp = social.finish(catalog)?;
    let manifest = Manifest {
        version: 1,
        seed: opts.seed,
        persons,
        households,
        as_of: opts.as_of.to_string(),
        tables,
        sp,
    };
    let path = dir.join("manifest.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&manifest).expect("plain data"),
    )
    .map_err(|e| io(&path, e))?;
    Ok(manifest)
}

/// Whether a table is written by a dedicated civil-status generator.
pub(crate) fn generator_name(t: &Table) -> Option<&str> {
    match &t.synth {
        Some(TableSynth::Generator { generator }) => Some(generator.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_files() {
        let cat = Catalog::jordan();
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ma = generate(&cat, &SynthOptions::new(2000, 9), a.path()).unwrap();
        let mb = generate(&cat, &SynthOptions::new(2000, 9), b.path()).unwrap();
        assert_eq!(ma.tables, mb.tables);
        for t in &cat.tables {
            let f = format!("{}.csv", t.name);
            assert_eq!(
                std::fs::read(a.path().join(&f)).unwrap(),
                std::fs::read(b.path().join(&f)).unwrap(),
                "{f} differs"
            );
        }
        generate(&cat, &SynthOptions::new(2000, 10), b.path()).unwrap();
        assert_ne!(
            std::fs::read(a.path().join("CSPD_Personal_Info.csv")).unwrap(),
            std::fs::read(b.path().join("CSPD_Personal_Info.csv")).unwrap(),
            "another seed gives other persons"
        );
    }

    #[test]
    fn progress_is_reported_and_changes_no_file() {
        #[derive(Default)]
        struct Seen(Vec<(u64, u64, u64)>);
        impl Progress for Seen {
            fn advanced(&mut self, persons: u64, target: u64, rows: u64) {
                self.0.push((persons, target, rows));
            }
        }
        let cat = Catalog::jordan();
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let plain = generate(&cat, &SynthOptions::new(12_000, 4), a.path()).unwrap();
        let mut seen = Seen::default();
        let watched =
            generate_with_progress(&cat, &SynthOptions::new(12_000, 4), b.path(), &mut seen)
                .unwrap();
        assert!(seen.0.len() >= 2, "{:?}", seen.0);
        assert!(seen
            .0
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].2 < w[1].2));
        let (persons, target, rows) = *seen.0.last().unwrap();
        assert_eq!((persons, target), (watched.persons, 12_000));
        let good: u64 = watched.tables.values().map(|t| t.good_rows).sum();
        assert_eq!(rows, good, "the last report counts every good row");
        let mut names: Vec<String> = cat
            .tables
            .iter()
            .map(|t| format!("{}.csv", t.name))
            .collect();
        names.push("manifest.json".into());
        for f in names {
            assert_eq!(
                std::fs::read(a.path().join(&f)).unwrap(),
                std::fs::read(b.path().join(&f)).unwrap(),
                "{f} differs"
            );
        }
        assert_eq!(plain.tables, watched.tables);
    }

    #[test]
    fn every_table_gets_rows_and_bad_rows() {
        let cat = Catalog::jordan();
        let dir = tempfile::tempdir().unwrap();
        let m = generate(&cat, &SynthOptions::new(20_000, 1), dir.path()).unwrap();
        assert!(m.persons >= 20_000);
        let hh_size = m.persons as f64 / m.households as f64;
        assert!((4.3..5.3).contains(&hh_size), "{hh_size}");
        for (name, t) in &m.tables {
            assert!(t.good_rows > 0, "{name} has no rows");
            assert!(t.bad_rows > 0, "{name} has no bad rows");
        }
        let naf = m.tables["NAF_Cash_Transfer"].good_rows as f64 / m.households as f64;
        assert!((0.03..0.07).contains(&naf), "NAF share {naf}");
    }
}
