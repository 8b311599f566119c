//! NUR-SP scoring and programs: publishing a fitted proxy means test, scoring every
//! household with it (batched and resumable), the truth where it is known, and programs
//! as versioned configuration (saved as drafts, published, the six pilots installed).
//! Every publication is an audited change.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::grant::Actor;
use nur_sp::facts::Facts;
use nur_sp::pmt::{Model, Score};
use nur_sp::program::ProgramDef;
use nur_store::{ProgramRow, ScoreRow, TargetInput};
use serde::Serialize;

/// Households scored per transaction by `nur sp score`.
pub const SCORE_BATCH: u32 = 5000;

#[derive(Debug, Default, Clone, Serialize)]
pub struct ScoreReport {
    pub model_version: i64,
    pub households: u64,
    pub scored: u64,
    /// Households that could not be scored (a fact missing), with the first reasons.
    pub failed: u64,
    pub errors: Vec<(String, String)>,
    pub resumed_from: Option<String>,
}

/// A program as the portal and the API list it.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramSummary {
    pub code: String,
    pub name_ar: String,
    pub name_en: String,
    pub owner: String,
    /// The version targeting uses, if one is published.
    pub published: Option<i64>,
    /// The newest version (a draft when above `published`).
    pub latest: i64,
}

pub(crate) fn micro(x: f64) -> i64 {
    (x * 1e6).round() as i64
}

pub(crate) fn from_micro(m: i64) -> f64 {
    m as f64 / 1e6
}

/// A stored score as the rules see it.
pub(crate) fn score_of(score_micro: Option<i64>, ln_line: f64) -> Option<Score> {
    score_micro.map(|m| {
        let value = from_micro(m);
        Score {
            variant: String::new(),
            value,
            consumption_pc_jod: value.exp(),
            poor: value < ln_line,
            terms: Vec::new(),
        }
    })
}

pub(crate) fn parse_facts(text: &str) -> Facts {
    serde_json::from_str(text).unwrap_or_default()
}

impl App {
    /// Who may publish models and run national scoring: the operator and the social
    /// registry's entity.
    pub(crate) fn may_run_registry(&self, caller: &Caller) -> Result<()> {
        match &caller.actor {
            Actor::Operator { .. } => Ok(()),
            a if a.entity() == Some(&self.sp.entity) => Ok(()),
            a => Err(AppError::forbidden(
                "not_program_entity",
                format!(
                    "{} does not act for {}, which runs the social registry",
                    a.name(),
                    self.sp.entity
                ),
            )),
        }
    }

    /// Who may edit and publish a program: the operator, the registry's entity, and the
    /// program's owner (an NGO for its own program).
    fn may_manage_program(&self, caller: &Caller, owner: &str) -> Result<()> {
        match &caller.actor {
            Actor::Operator { .. } => Ok(()),
            a if a.entity() == Some(&self.sp.entity) => Ok(()),
            a if a.entity().is_some_and(|e| e.as_str() == owner) => Ok(()),
            a => Err(AppError::forbidden(
                "not_program_owner",
                format!("{} may not change a program of {owner}", a.name()),
            )),
        }
    }

    /// Checks a fitted model against the household facts and publishes it under the next
    /// version (audited). Returns the version.
    pub fn publish_model(&self, caller: &Caller, model: &Model) -> Result<i64> {
        self.may_run_registry(caller)?;
        model
            .check(&self.sp.facts)
            .map_err(|e| AppError::invalid("model_invalid", e.to_string()))?;
        let mut ev = self.program_event(caller, "sp.pmt.publish", &model.name);
        ev.outcome = format!(
            "published; {} variants, survey of {}",
            model.variants.len(),
            model.survey.rows
        );
        let by = caller.actor.name();
        let version = self.store.sp_publish_model(
            &model.name,
            &|v| {
                let mut m = model.clone();
                m.version = Some(v as u32);
                serde_json::to_string(&m).expect("plain data")
            },
            by,
            ev,
        )?;
        Ok(version)
    }

    /// A published model (the newest without `version`).
    pub fn model(&self, version: Option<i64>) -> Result<Option<(i64, Model)>> {
        let Some(row) = self.store.sp_model(version)? else {
            return Ok(None);
        };
        let m = Model::from_json(&row.definition)
            .map_err(|e| AppError::internal(format!("stored model v{}: {e}", row.version)))?;
        Ok(Some((row.version, m)))
    }

    fn model_or_refuse(&self, version: Option<i64>) -> Result<(i64, Model)> {
        self.model(version)?.ok_or_else(|| match version {
            Some(v) => AppError::not_found("no_model", format!("no published model v{v}")),
            None => AppError::invalid(
                "no_model",
                "no model is published: fit one (`nur sp pmt fit`) and publish it (`nur sp pmt publish`)",
            ),
        })
    }

    /// One household's score row from its stored facts.
    pub(crate) fn score_row(
        version: i64,
        model: &Model,
        input: &TargetInput,
        now: i64,
    ) -> ScoreRow {
        let facts = parse_facts(&input.facts);
        match model.score(&facts.values, input.applied) {
            Ok(s) => {
                let x: Vec<f64> = s.terms.iter().map(|t| round4(t.1)).collect();
                let c: Vec<f64> = s.terms.iter().map(|t| round4(t.2)).collect();
                ScoreRow {
                    household: input.household.clone(),
                    model_version: version,
                    variant: s.variant,
                    score_micro: Some(micro(s.value)),
                    terms: serde_json::json!({"x": x, "c": c}).to_string(),
                    error: None,
                    scored_at_ms: now,
                }
            }
            Err(e) => ScoreRow {
                household: input.household.clone(),
                model_version: version,
                variant: String::new(),
                score_micro: None,
                terms: "{}".into(),
                error: Some(e),
                scored_at_ms: now,
            },
        }
    }

    /// Scores every household with a published model (the newest without `version`),
    /// `batch` households per transaction; resumes after the last batch unless `restart`.
    pub fn score_all(
        &self,
        caller: &Caller,
        version: Option<i64>,
        batch: u32,
        restart: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ScoreReport> {
        self.may_run_registry(caller)?;
        let (version, model) = self.model_or_refuse(version)?;
        let job_name = format!("score-v{version}");
        let mut report = ScoreReport {
            model_version: version,
            ..Default::default()
        };
        let job = match self.store.sp_job(&job_name)? {
            Some(j) if !restart && j.finished_at_ms.is_none() => {
                report.resumed_from = Some(j.cursor.clone());
                j
            }
            _ => self
                .store
                .sp_job_start(&job_name, self.store.sp_facts_count()?)?,
        };
        let (mut cursor, mut done, total) = (job.cursor.clone(), job.done as u64, job.total as u64);
        loop {
            let inputs = self.store.sp_target_inputs(&cursor, batch.max(1))?;
            let Some(last) = inputs.last().map(|i| i.household.clone()) else {
                break;
            };
            let now = nur_store::now_ms();
            let rows: Vec<ScoreRow> = inputs
                .iter()
                .map(|i| Self::score_row(version, &model, i, now))
                .collect();
            for r in &rows {
                match &r.error {
                    Some(e) => {
                        report.failed += 1;
                        if report.errors.len() < 100 {
                            report.errors.push((r.household.clone(), e.clone()));
                        }
                    }
                    None => report.scored += 1,
                }
            }
            report.households += rows.len() as u64;
            self.store
                .sp_put_scores(&rows, Some((&job_name, &last, rows.len() as i64)))?;
            done += rows.len() as u64;
            progress(done, total);
            cursor = last;
        }
        self.store.sp_job_finish(&job_name)?;
        let mut ev = self.program_event(caller, "sp.score", format!("model v{version}"));
        ev.outcome = format!("{} scored, {} failed", report.scored, report.failed);
        self.store.audit(ev)?;
        Ok(report)
    }

    /// Replaces the truth (poverty known from a survey or synthetic data) from a CSV with
    /// `civil_record_id` (or `household`), `consumption_pc_jod` and `poor`; every bad line
    /// refuses the file with its number.
    pub fn import_truth(&self, caller: &Caller, text: &str, source: &str) -> Result<u64> {
        self.may_run_registry(caller)?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| AppError::invalid("truth_invalid", e.to_string()))?
            .iter()
            .map(str::to_owned)
            .collect();
        let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
        let (Some(h), Some(c), Some(p)) = (
            col(&["civil_record_id", "household"]),
            col(&["consumption_pc_jod"]),
            col(&["poor"]),
        ) else {
            return Err(AppError::invalid(
                "truth_invalid",
                "the truth needs the columns civil_record_id, consumption_pc_jod and poor",
            ));
        };
        let mut rows = Vec::new();
        for (i, r) in reader.records().enumerate() {
            let line = i + 2;
            let bad = |m: String| AppError::invalid("truth_invalid", format!("line {line}: {m}"));
            let r = r.map_err(|e| bad(e.to_string()))?;
            let cell = |i: usize| r.get(i).unwrap_or("").trim();
            let jod: f64 = cell(c)
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| bad(format!("consumption `{}` is not an amount", cell(c))))?;
            let poor = match cell(p) {
                "true" | "1" => true,
                "false" | "0" => false,
                other => return Err(bad(format!("poor `{other}` is not true or false"))),
            };
            if cell(h).is_empty() {
                return Err(bad("no household".into()));
            }
            rows.push((cell(h).to_owned(), (jod * 1000.0).round() as i64, poor));
        }
        let n = self.store.sp_put_truth(&rows, source)?;
        let mut ev = self.program_event(caller, "sp.truth.import", source);
        ev.outcome = format!("{} households", rows.len());
        self.store.audit(ev)?;
        Ok(n)
    }

    /// Installs the six pilots (published, version 1) where their codes are not yet in
    /// the store. Returns how many were installed.
    pub fn install_pilots(&self, caller: &Caller) -> Result<u64> {
        self.may_run_registry(caller)?;
        let have = self.store.sp_programs()?;
        let mut installed = 0;
        for p in ProgramDef::jordan_pilots(&self.sp.facts) {
            if have.iter().any(|r| r.code == p.code) {
                continue;
            }
            let ev = self.program_event(caller, "sp.program.publish", &p.code);
            let by = caller.actor.name();
            self.store
                .sp_put_program(&p.code, &p.owner, &|v| with_version(&p, v), true, by, ev)?;
            installed += 1;
        }
        Ok(installed)
    }

    pub fn programs(&self, caller: &Caller) -> Result<Vec<ProgramSummary>> {
        self.may_see_programs(caller)?;
        let rows = self.store.sp_programs()?;
        let mut out: Vec<ProgramSummary> = Vec::new();
        for r in &rows {
            let def: serde_json::Value = serde_json::from_str(&r.definition).unwrap_or_default();
            let name = |l: &str| {
                def.pointer(&format!("/name/{l}"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            match out.last_mut() {
                Some(s) if s.code == r.code => {
                    s.latest = r.version;
                    if r.status == "published" {
                        s.published = Some(r.version);
                        s.name_ar = name("ar");
                        s.name_en = name("en");
                        s.owner = r.owner.clone();
                    }
                }
                _ => out.push(ProgramSummary {
                    code: r.code.clone(),
                    name_ar: name("ar"),
                    name_en: name("en"),
                    owner: r.owner.clone(),
                    published: (r.status == "published").then_some(r.version),
                    latest: r.version,
                }),
            }
        }
        Ok(out)
    }

    /// Programs are seen by the operator and by any entity's officers (a program's rules
    /// are public); citizens see decisions, not definitions.
    fn may_see_programs(&self, caller: &Caller) -> Result<()> {
        match caller.actor {
            Actor::Citizen { .. } => Err(AppError::forbidden(
                "officers_only",
                "programs are managed by officers",
            )),
            _ => Ok(()),
        }
    }

    /// A program's version (the newest published without `version`) and every version's row.
    pub fn program(
        &self,
        caller: &Caller,
        code: &str,
        version: Option<i64>,
    ) -> Result<(ProgramRow, Vec<ProgramRow>)> {
        self.may_see_programs(caller)?;
        let versions: Vec<ProgramRow> = self
            .store
            .sp_programs()?
            .into_iter()
            .filter(|r| r.code == code)
            .collect();
        let row = match version {
            Some(v) => versions.iter().find(|r| r.version == v).cloned(),
            None => versions
                .iter()
                .rev()
                .find(|r| r.status == "published")
                .or(versions.last())
                .cloned(),
        };
        let row =
            row.ok_or_else(|| AppError::not_found("no_program", format!("no program {code}")))?;
        Ok((row, versions))
    }

    /// The program definition targeting uses (its newest published version).
    pub(crate) fn published_program(&self, code: &str) -> Result<(ProgramRow, ProgramDef)> {
        let row = self.store.sp_program(code, None)?.ok_or_else(|| {
            AppError::not_found("no_program", format!("no published program {code}"))
        })?;
        let def = ProgramDef::from_json(&row.definition, &self.sp.facts).map_err(|e| {
            AppError::internal(format!("stored program {code} v{}: {e}", row.version))
        })?;
        Ok((row, def))
    }

    /// Saves a new version of a program from its definition (JSON), as a draft or
    /// published at once. A rule that does not compile is refused with where.
    pub fn save_program(
        &self,
        caller: &Caller,
        text: &str,
        publish: bool,
    ) -> Result<(String, i64)> {
        let def = ProgramDef::from_json(text, &self.sp.facts)
            .map_err(|e| AppError::invalid("program_invalid", e.to_string()))?;
        if self.catalog.entity(&def.owner).is_none() {
            return Err(AppError::invalid(
                "program_invalid",
                format!("owner: no entity {} in the catalog", def.owner),
            ));
        }
        self.may_manage_program(caller, &def.owner)?;
        if let Some(current) = self.store.sp_program(&def.code, None)? {
            if current.owner != def.owner {
                self.may_manage_program(caller, &current.owner)?;
            }
        }
        let action = if publish {
            "sp.program.publish"
        } else {
            "sp.program.save"
        };
        let ev = self.program_event(caller, action, &def.code);
        let by = caller.actor.name();
        let version = self.store.sp_put_program(
            &def.code,
            &def.owner,
            &|v| with_version(&def, v),
            publish,
            by,
            ev,
        )?;
        Ok((def.code, version))
    }

    /// Publishes a saved draft: targeting uses it from now on.
    pub fn publish_program(&self, caller: &Caller, code: &str, version: i64) -> Result<()> {
        let (row, _) = self.program(caller, code, Some(version))?;
        self.may_manage_program(caller, &row.owner)?;
        let ev = self.program_event(caller, "sp.program.publish", format!("{code} v{version}"));
        if !self
            .store
            .sp_publish_program(code, version, caller.actor.name(), ev)?
        {
            return Err(AppError::conflict(
                "not_a_draft",
                format!("{code} v{version} is not a draft"),
            ));
        }
        Ok(())
    }
}

fn with_version(p: &ProgramDef, v: i64) -> String {
    let mut json: serde_json::Value = serde_json::from_str(&p.to_json()).expect("plain data");
    json["version"] = serde_json::json!(v);
    serde_json::to_string_pretty(&json).expect("plain data")
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
