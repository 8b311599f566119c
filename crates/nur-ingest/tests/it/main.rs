//! Loader tests on both backends: synthetic data with a manifest of good and bad rows must
//! load exactly (every good row in, every bad row in the quarantine), idempotently; malformed
//! files give clear outcomes and lose nothing.

use nur_core::Catalog;
use nur_ingest::{load_dir, FileOutcome, FileReport, LoadOptions, LoadReport, Progress};
use nur_store::testing::{Backend, TestDb};
use nur_store::Warehouse;
use std::path::Path;

mod cdc;
mod pgoutput;
mod sources;
mod support;

struct Quiet;
impl Progress for Quiet {
    fn file_started(&mut self, _: &str, _: u64) {}
    fn advanced(&mut self, _: u64, _: u64) {}
    fn file_finished(&mut self, _: &FileReport) {}
}

fn load(store: &nur_store::Store, c: &Catalog, dir: &Path, opts: &LoadOptions) -> LoadReport {
    load_dir(store, c, dir, opts, &mut Quiet).unwrap()
}

macro_rules! both {
    ($($case:ident),* $(,)?) => {
        mod sqlite { $(#[test] fn $case() { super::$case(super::Backend::Sqlite) })* }
        mod postgres { $(#[test] fn $case() { super::$case(super::Backend::Postgres) })* }
    };
}

both!(
    synthetic_population_loads_exactly,
    malformed_files_lose_nothing
);

fn synthetic_population_loads_exactly(b: Backend) {
    let c = Catalog::jordan();
    let data = tempfile::tempdir().unwrap();
    let m = nur_synth::generate(&c, &nur_synth::SynthOptions::new(3000, 5), data.path()).unwrap();
    let db = TestDb::new(b);
    let s = db.open();
    s.migrate(&c).unwrap();
    let opts = LoadOptions {
        chunk_rows: 700,
        ..LoadOptions::default()
    };
    let report = load(&s, &c, data.path(), &opts);
    assert!(
        report
            .files
            .iter()
            .all(|f| f.outcome == FileOutcome::Loaded),
        "{report:?}"
    );
    let stats = s.stats(&c).unwrap();
    for t in &stats.tables {
        let want = &m.tables[&t.table];
        assert_eq!(t.rows, want.good_rows, "{} rows", t.table);
        assert_eq!(t.quarantined, want.bad_rows, "{} quarantined", t.table);
    }
    // Every kind of bad row is quarantined with a reason that names it.
    let reasons: Vec<String> = s
        .quarantine(100_000)
        .unwrap()
        .into_iter()
        .map(|q| q.reason)
        .collect();
    for needle in [
        "duplicate",
        "expected 10 digits",
        "orphan",
        "expected",
        "encodes birth year",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(needle)),
            "no quarantine reason mentions {needle}"
        );
    }

    // The same files again: nothing changes.
    let again = load(&s, &c, data.path(), &opts);
    assert!(again
        .files
        .iter()
        .all(|f| f.outcome == FileOutcome::AlreadyLoaded));
    assert_eq!(s.stats(&c).unwrap(), stats);
}

fn malformed_files_lose_nothing(b: Backend) {
    let c = Catalog::jordan();
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, body: &[u8]| std::fs::write(dir.path().join(name), body).unwrap();
    w(
        "CSPD_Personal_Info.csv",
        "National_Number,First_Name,Second_Name,Family_Name,Gender,Birth_Date,Civil_Record_Id\n\
         9821017042,جريس,ابراهيم,شاهين,1,1982-09-06,1234567\n\
         9821017042,جريس,ابراهيم,شاهين,1,1982-09-06,1234567\n\
         982101704,x,y,z,1,1982-09-06,1234567\n\
         9832053320,ايمان,منير,دبابنة,2,1983-02-30,1234567\n\
         9832053321,ايمان,منير,دبابنة,7,1983-02-03,1234567\n\
         \"unterminated,x\n"
            .as_bytes(),
    );
    w("Nonexistent_Table.csv", b"a,b\n1,2\n3,4\n");
    w(
        "DVLD_Car_Info.csv",
        b"National_Number,Registration_Number,Colour\n9821017042,V1,red\n",
    );
    w("CSPD_Death_Info.csv", b"");
    w(
        "DCMR_Employer.jsonl",
        b"{\"National_Number\": \"9821017042\"}\n{not json\n{\"National_Number\": [1]}\n{\"Nope\": 1}\n",
    );
    let mut bad_utf8 = b"National_Number,Registration_Number\n".to_vec();
    bad_utf8.extend_from_slice(b"9821017042,\xff\xfe\n");
    w("MIT_Sole_Proprietorships.csv", &bad_utf8);

    let db = TestDb::new(b);
    let s = db.open();
    s.migrate(&c).unwrap();
    let report = load(&s, &c, dir.path(), &LoadOptions::default());
    let outcome = |f: &str| {
        report
            .files
            .iter()
            .find(|r| r.file.ends_with(f))
            .unwrap_or_else(|| panic!("no report for {f}"))
            .clone()
    };
    let person = outcome("CSPD_Personal_Info.csv");
    assert_eq!(person.outcome, FileOutcome::Loaded);
    assert_eq!(
        (person.rows_loaded, person.rows_quarantined),
        (1, 5),
        "{person:?}"
    );

    let unknown = outcome("Nonexistent_Table.csv");
    assert_eq!(unknown.outcome, FileOutcome::Failed);
    assert_eq!(
        unknown.rows_quarantined, 2,
        "rows of an unmapped file are kept"
    );

    let car = outcome("DVLD_Car_Info.csv");
    assert_eq!(car.outcome, FileOutcome::Failed);
    assert!(car.error.unwrap().contains("Colour"));

    assert_eq!(outcome("CSPD_Death_Info.csv").outcome, FileOutcome::Failed);

    let ssc = outcome("DCMR_Employer.jsonl");
    assert_eq!((ssc.rows_loaded, ssc.rows_quarantined), (1, 3), "{ssc:?}");

    let mit = outcome("MIT_Sole_Proprietorships.csv");
    assert_eq!((mit.rows_loaded, mit.rows_quarantined), (0, 1), "{mit:?}");

    let reasons: Vec<String> = s
        .quarantine(100)
        .unwrap()
        .into_iter()
        .map(|q| format!("{}:{} {}", q.file, q.line, q.reason))
        .collect();
    let all = reasons.join("\n");
    for needle in [
        "duplicate",
        "expected 10 digits, got 9",
        "no such day",
        "is not one of the column's codes",
        "expected 7 fields, got 1",
        "not a JSON object",
        "is not a scalar",
        "key Nope is not among",
        "does not name a catalog table",
        "not valid UTF-8",
    ] {
        assert!(
            all.contains(needle),
            "no quarantine reason mentions {needle:?}:\n{all}"
        );
    }
    assert!(
        !report.failed(),
        "some files loaded, so the batch as a whole did not fail"
    );
}

#[test]
fn a_directory_with_nothing_loadable_fails() {
    let c = Catalog::jordan();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("DVLD_Car_Info.csv"), b"Bogus\n1\n").unwrap();
    let db = TestDb::new(Backend::Sqlite);
    let s = db.open();
    s.migrate(&c).unwrap();
    assert!(load(&s, &c, dir.path(), &LoadOptions::default()).failed());
}
