//! The social-registry files written beside the registry CSVs: the survey, the applications,
//! the account directory and the truth (none of them is a catalog table).
//!
//! Everything here draws from a stream of its own ([`SP_STREAM`]), never from the
//! population's, so the registry files are byte-identical with or without it.
//!
//! The intercept of the consumption model puts the asked share of the population's persons
//! under the poverty line; it is known only once every household has been drawn. The truth
//! and the survey are therefore written at the end, from compact records. Whether a household
//! applies must be decided as it goes by (its application needs the whole household), so it
//! uses a provisional intercept: the same calibration on the survey, drawn first.

use crate::accounts::{self, Account};
use crate::applications::{Applications, Context, Malformed, Misdeclaration};
use crate::csvw::CsvFile;
use crate::ledger::Ledger;
use crate::names::Names;
use crate::population::Household;
use crate::rng::Rng;
use crate::survey::{self, SurveyRow};
use crate::welfare::{self, intercept};
use crate::{io, SynthError, SynthOptions};
use nur_core::Catalog;
use serde::Serialize;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// XORed into the seed for the social registry's random stream.
pub const SP_STREAM: u64 = 0x0050_c1a1;

pub const SURVEY_FILE: &str = "SP_Survey.csv";
pub const APPLICATIONS_FILE: &str = "SP_Applications.jsonl";
pub const ACCOUNTS_FILE: &str = "SP_Accounts.csv";
pub const TRUTH_FILE: &str = "SP_Truth.csv";

/// The poor apply with this probability; the better-off less, falling with consumption.
const POOR_APPLY: f64 = 0.6;
/// The share of households that apply overall.
const APPLY_SHARE: f64 = 0.25;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SpFiles {
    pub survey: String,
    pub applications: String,
    pub accounts: String,
    pub truth: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SpManifest {
    pub poverty_line_jod: f64,
    pub poor_share_target: f64,
    /// The share of persons under the line, as measured on the truth file.
    pub poor_share_individuals: f64,
    pub households: u64,
    pub poor_households: u64,
    pub survey_households: u64,
    pub applications: u64,
    pub malformed: Vec<Malformed>,
    pub misdeclarations: Vec<Misdeclaration>,
    pub files: SpFiles,
}

/// What the truth file needs of a household, kept until the intercept is known.
struct TruthRecord {
    civil_record_id: u64,
    gov: u16,
    urban: bool,
    members: u32,
    ln_rest: f64,
}

pub(crate) struct Sp {
    rng: Rng,
    dir: PathBuf,
    line: f64,
    share: f64,
    survey: Vec<SurveyRow>,
    /// The provisional intercept (from the survey) and the slope of the application curve.
    provisional: f64,
    apply_slope: f64,
    truth: Vec<TruthRecord>,
    accounts: CsvFile,
    applications: Applications,
    applications_out: BufWriter<File>,
    as_of: nur_core::Date,
}

/// The probability that a household of consumption `ln_c` (per person) applies.
fn apply_probability(ln_c: f64, ln_line: f64, slope: f64) -> f64 {
    if ln_c < ln_line {
        POOR_APPLY
    } else {
        POOR_APPLY * (-slope * (ln_c - ln_line)).exp()
    }
}

impl Sp {
    pub(crate) fn new(
        catalog: &Catalog,
        opts: &SynthOptions,
        dir: &Path,
        names: &Names,
    ) -> Result<Sp, SynthError> {
        if !(opts.poverty_line_jod > 0.0 && (0.0..1.0).contains(&opts.poor_share)) {
            return Err(SynthError::Invalid(
                "the poverty line must be positive and the poor share in [0, 1)".into(),
            ));
        }
        let survey = survey::draw(catalog, opts, names)?;
        let records: Vec<(f64, u32)> = survey.iter().map(|r| (r.ln_rest, r.members)).collect();
        let provisional = intercept(records, opts.poor_share, opts.poverty_line_jod);
        // The slope that makes the survey's households apply at the asked share.
        let ln_line = opts.poverty_line_jod.ln();
        let expected = |slope: f64| {
            survey
                .iter()
                .map(|r| apply_probability(r.ln_rest + provisional, ln_line, slope))
                .sum::<f64>()
                / survey.len().max(1) as f64
        };
        let (mut lo, mut hi) = (0.0, 50.0);
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if expected(mid) > APPLY_SHARE {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let path = dir.join(ACCOUNTS_FILE);
        let accounts = CsvFile::create(
            &path,
            &[
                "civil_record_id",
                "head_national_number",
                "mobile",
                "method",
                "iban",
                "wallet_provider",
            ],
        )
        .map_err(|e| io(&path, e))?;
        let path = dir.join(APPLICATIONS_FILE);
        let applications_out =
            BufWriter::with_capacity(1 << 20, File::create(&path).map_err(|e| io(&path, e))?);
        Ok(Sp {
            rng: Rng::new(opts.seed ^ SP_STREAM),
            dir: dir.to_owned(),
            line: opts.poverty_line_jod,
            share: opts.poor_share,
            survey,
            provisional,
            apply_slope: (lo + hi) / 2.0,
            truth: Vec::new(),
            accounts,
            applications: Applications::new(),
            applications_out,
            as_of: opts.as_of,
        })
    }

    /// One household of the population, after its registry rows were written.
    pub(crate) fn household(
        &mut self,
        catalog: &Catalog,
        hh: &Household,
        ledger: &Ledger,
        mobiles: &[(usize, String)],
    ) -> Result<(), SynthError> {
        let gov = catalog.geography.governorates[hh.gov].code.as_str();
        let facts = welfare::draw(hh, gov, ledger, self.as_of, &mut self.rng);
        // The head's mobile, else the first adult's who has one.
        let mobile = mobiles
            .iter()
            .find(|m| m.0 == facts.head)
            .or_else(|| mobiles.first())
            .map(|m| m.1.as_str());
        let id: u64 = hh.civil_record_id.parse().unwrap_or(0);
        let account = accounts::draw(&mut self.rng, id, mobile.is_some());
        let head_nn = &hh.members[facts.head].nn;
        let intl = mobile.map(accounts::international).unwrap_or_default();
        let (iban, wallet) = match &account {
            Account::Bank { iban } => (iban.as_str(), ""),
            Account::Wallet { provider } => ("", *provider),
            Account::None => ("", ""),
        };
        let path = || self.dir.join(ACCOUNTS_FILE);
        self.accounts
            .write_row([
                hh.civil_record_id.as_str(),
                head_nn,
                &intl,
                account.method(),
                iban,
                wallet,
            ])
            .map_err(|e| io(&path(), e))?;
        self.truth.push(TruthRecord {
            civil_record_id: id,
            gov: hh.gov as u16,
            urban: facts.urban,
            members: facts.size() as u32,
            ln_rest: facts.ln_rest,
        });
        let p = apply_probability(
            facts.ln_rest + self.provisional,
            self.line.ln(),
            self.apply_slope,
        );
        if self.rng.chance(p) && mobile.is_some() {
            let cx = Context {
                hh,
                facts: &facts,
                ledger,
                governorate: gov,
                mobile,
                account: &account,
                as_of: self.as_of,
            };
            self.applications
                .write(&mut self.applications_out, &mut self.rng, &cx)
                .map_err(|e| io(&self.dir.join(APPLICATIONS_FILE), e))?;
        }
        Ok(())
    }

    /// Calibrates the intercept on the population and writes the truth and the survey.
    pub(crate) fn finish(mut self, catalog: &Catalog) -> Result<SpManifest, SynthError> {
        use std::io::Write;
        let apps = self.dir.join(APPLICATIONS_FILE);
        self.applications_out.flush().map_err(|e| io(&apps, e))?;
        let path = self.dir.join(ACCOUNTS_FILE);
        self.accounts.finish().map_err(|e| io(&path, e))?;

        let records: Vec<(f64, u32)> = self.truth.iter().map(|r| (r.ln_rest, r.members)).collect();
        let a = intercept(records, self.share, self.line);
        let line_fils = (self.line * 1000.0).round() as i64;
        let path = self.dir.join(TRUTH_FILE);
        let mut truth = CsvFile::create(
            &path,
            &[
                "civil_record_id",
                "governorate",
                "urban",
                "members",
                "consumption_pc_jod",
                "poor",
            ],
        )
        .map_err(|e| io(&path, e))?;
        let (mut persons, mut poor_persons, mut poor_households) = (0u64, 0u64, 0u64);
        let mut row = String::new();
        for r in &self.truth {
            // In fils, so the flag and the written amount can never disagree.
            let fils = ((r.ln_rest + a).exp() * 1000.0).round() as i64;
            let poor = fils < line_fils;
            persons += u64::from(r.members);
            if poor {
                poor_persons += u64::from(r.members);
                poor_households += 1;
            }
            row.clear();
            use std::fmt::Write as _;
            let _ = write!(
                row,
                "{},{},{},{},{}.{:03},{}",
                r.civil_record_id,
                catalog.geography.governorates[usize::from(r.gov)].code,
                r.urban,
                r.members,
                fils / 1000,
                fils % 1000,
                poor
            );
            truth.write_raw(&row).map_err(|e| io(&path, e))?;
        }
        truth.finish().map_err(|e| io(&path, e))?;
        let path = self.dir.join(SURVEY_FILE);
        survey::write(&path, &self.survey, a).map_err(|e| io(&path, e))?;
        Ok(SpManifest {
            poverty_line_jod: self.line,
            poor_share_target: self.share,
            poor_share_individuals: if persons == 0 {
                0.0
            } else {
                poor_persons as f64 / persons as f64
            },
            households: self.truth.len() as u64,
            poor_households,
            survey_households: self.survey.len() as u64,
            applications: self.applications.count(),
            malformed: std::mem::take(&mut self.applications.malformed),
            misdeclarations: std::mem::take(&mut self.applications.misdeclarations),
            files: SpFiles {
                survey: SURVEY_FILE.into(),
                applications: APPLICATIONS_FILE.into(),
                accounts: ACCOUNTS_FILE.into(),
                truth: TRUTH_FILE.into(),
            },
        })
    }
}
