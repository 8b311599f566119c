//! The household budget survey (`SP_Survey.csv`): a sample whose consumption was measured,
//! which a proxy means test is fitted on. Its households are drawn by the same process as the
//! population (households, registry rows, welfare) from a seed of their own, and write no
//! registry rows: a survey samples the country, it does not copy the registry.
//!
//! The columns are the household facts the rest of the system computes from the registries
//! and the intake answers, so a model fitted here applies there unchanged.

use crate::csvw::CsvFile;
use crate::generic::Generic;
use crate::ledger::Ledger;
use crate::names::Names;
use crate::population::{Generator, Household};
use crate::rng::Rng;
use crate::welfare::{self, Facts};
use crate::{Out, SynthError, SynthOptions};
use nur_core::{Catalog, Date};
use std::fmt::Write;
use std::path::Path;

pub const COLUMNS: &[&str] = &[
    "survey_id",
    "governorate",
    "urban",
    "members",
    "children_under_5",
    "children_under_15",
    "elderly",
    "disabled",
    "chronic_ill",
    "dependency_ratio",
    "head_female",
    "head_age",
    "head_education",
    "formal_workers",
    "formal_income_pc_jod",
    "informal_income_pc_jod",
    "cars",
    "newest_car_age",
    "business_capital_jod",
    "land_parcels",
    "land_value_jod",
    "rooms_per_person",
    "electricity_kwh_pc",
    "water_m3_pc",
    "walls",
    "roof",
    "floor",
    "tenure",
    "water_source",
    "toilet",
    "fridge",
    "washing_machine",
    "tv",
    "air_conditioner",
    "computer",
    "livestock",
    "naf_aid",
    "consumption_pc_jod",
];

/// The national survey's size (about 10,000 of 11.3M persons' households), scaled to the
/// population, never under 2,000 households so a model can still be fitted.
pub fn households_for(persons: u64) -> u64 {
    ((persons as f64 / 11_300_000.0 * 10_000.0).round() as u64).max(2000)
}

/// A surveyed household, kept until the intercept is known.
pub struct SurveyRow {
    /// Every column but consumption, comma-separated, with a trailing comma.
    pub facts: String,
    pub ln_rest: f64,
    /// ln of the measurement error (what the survey's diary got wrong).
    pub noise: f64,
    pub members: u32,
}

/// Draws the survey's households. The seeds are derived from the population's, so a seed
/// still means the same files.
pub(crate) fn draw(
    catalog: &Catalog,
    opts: &SynthOptions,
    names: &Names,
) -> Result<Vec<SurveyRow>, SynthError> {
    let seed = opts.seed ^ 0x5375_7276_6579_0001;
    let outs: Vec<Out<'_>> = catalog
        .tables
        .iter()
        .map(|t| {
            let header: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            Out {
                table: t,
                file: CsvFile::discard(&header),
                cells: vec![String::new(); t.columns.len()],
                template: None,
                serial: 0,
            }
        })
        .collect();
    let mut outs = outs;
    let mut generic = Generic::new(catalog, &outs, opts.as_of);
    let mut gen = Generator::new(seed, names, &catalog.geography, opts.as_of);
    let mut rng = Rng::new(seed ^ crate::sp::SP_STREAM);
    let n = households_for(opts.persons);
    let mut rows = Vec::with_capacity(n as usize);
    let nowhere = Path::new("survey");
    for i in 0..n {
        let hh = gen.household();
        generic.write(&mut outs, &mut gen.rng, names, catalog, &hh, nowhere)?;
        let gov = &catalog.geography.governorates[hh.gov].code;
        let facts = welfare::draw(&hh, gov, &generic.ledger, opts.as_of, &mut rng);
        let noise = 0.1 * rng.normal();
        let mut line = format!("S{:06},", i + 1);
        write_facts(&mut line, gov, &hh, &facts, &generic.ledger, opts.as_of);
        rows.push(SurveyRow {
            facts: line,
            ln_rest: facts.ln_rest,
            noise,
            members: facts.size() as u32,
        });
    }
    Ok(rows)
}

fn b(x: bool) -> &'static str {
    if x {
        "true"
    } else {
        "false"
    }
}

/// The facts columns (governorate … naf_aid), each followed by a comma.
pub fn write_facts(
    line: &mut String,
    gov: &str,
    hh: &Household,
    f: &Facts,
    ledger: &Ledger,
    as_of: Date,
) {
    let n = f.size();
    let nf = n.max(1) as f64;
    let under5 = f.members.iter().filter(|m| m.age < 5).count();
    let under15 = f.members.iter().filter(|m| m.age < 15).count();
    let elderly = f.members.iter().filter(|m| m.age >= 65).count();
    let disabled = f.members.iter().filter(|m| m.disabled).count();
    let chronic = f.members.iter().filter(|m| m.chronic).count();
    let dependency =
        (under15 + elderly) as f64 / (n.saturating_sub(under15 + elderly)).max(1) as f64;
    let head = &hh.members[f.head];
    let head_edu = f
        .member(f.head)
        .map(|m| m.education.as_str())
        .unwrap_or("none");
    let mut workers: Vec<usize> = ledger.salaries.iter().map(|s| s.0).collect();
    workers.sort_unstable();
    workers.dedup();
    let newest = ledger
        .newest_model_year()
        .map(|y| i64::from(as_of.year() - y).max(0))
        .unwrap_or(99);
    let _ = write!(
        line,
        "{gov},{},{n},{under5},{under15},{elderly},{disabled},{chronic},{dependency:.3},{},{},{head_edu},{},{:.3},{:.3},{},{newest},{:.3},{},{:.3},{:.3},{:.3},{:.3},{},{},{},{},{},{},{},{},{},{},{},{},{},",
        b(f.urban),
        b(!head.male),
        head.age(as_of),
        workers.len(),
        f.formal_jod / nf,
        f.informal_jod / nf,
        ledger.cars.len(),
        ledger.business_capital(),
        ledger.land.len(),
        ledger.land_value(),
        f64::from(f.rooms) / nf,
        f64::from(f.electricity_kwh) / nf,
        f64::from(f.water_m3) / nf,
        f.walls.as_str(),
        f.roof.as_str(),
        f.floor.as_str(),
        f.tenure.as_str(),
        f.water.as_str(),
        f.toilet.as_str(),
        b(f.fridge),
        b(f.washing_machine),
        b(f.tv),
        b(f.air_conditioner),
        b(f.computer),
        f.livestock,
        b(!ledger.naf.is_empty()),
    );
}

/// Writes the survey once the intercept is known: measured consumption is the latent one
/// times the measurement error.
pub fn write(path: &Path, rows: &[SurveyRow], intercept: f64) -> std::io::Result<()> {
    let mut f = CsvFile::create(path, COLUMNS)?;
    let mut line = String::new();
    for r in rows {
        line.clear();
        line.push_str(&r.facts);
        let c = (r.ln_rest + intercept + r.noise).exp();
        let _ = write!(line, "{c:.3}");
        f.write_raw(&line)?;
    }
    f.finish().map(|_| ())
}
