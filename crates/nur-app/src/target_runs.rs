//! NUR-SP targeting runs and simulations (explanations and re-evaluation: `decisions`).
//!
//! A run reads every household once (facts, score, truth), decides each program's rules,
//! ranks the eligible poorest first and cuts at the quota, budget and governorate quotas;
//! it is stored immutably with the program and model versions and the facts' date, so it
//! can be reproduced and explained. A simulation changes nothing; one that only moves the
//! quota or the budget re-cuts the published run's ranked households instead of reading
//! the country again.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::targeting::{from_micro, micro, parse_facts, score_of};
use crate::App;
use nur_sp::facts::Facts;
use nur_sp::pmt::Model;
use nur_sp::program::{self, Decision, ProgramDef};
use nur_sp::target::{self, Candidate, Cut, Population, Summary};
use nur_store::{EntryRow, RunRow, TargetInput};
use serde::Serialize;
use std::collections::BTreeMap;

/// Households read per batch by a run.
const RUN_BATCH: u32 = 20_000;

/// What a run or simulation changes from the program's own cut and rules.
#[derive(Debug, Clone, Default)]
pub struct TargetPlan {
    pub simulate: bool,
    pub quota: Option<i64>,
    pub budget_fils: Option<i64>,
    pub governorate_quotas: BTreeMap<String, i64>,
    /// Rules replaced by name (`RULE=CEL`); `benefit` replaces the benefit formula.
    pub set: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetOutcome {
    pub program: String,
    pub program_version: i64,
    pub model_version: i64,
    /// The stored run (none for a simulation).
    pub run: Option<String>,
    pub cut: Cut,
    pub population: Population,
    pub summary: Summary,
    /// Households that could not be decided, and the first reasons.
    pub errors: u64,
    pub error_samples: Vec<(String, String)>,
    /// A simulation answered from the published run's ranking (only the cut moved).
    pub from_run: Option<String>,
}

/// A household's facts and score, read once for every program.
pub(crate) struct Reading {
    pub(crate) household: String,
    pub(crate) facts: Facts,
    pub(crate) score: Option<nur_sp::pmt::Score>,
    pub(crate) applied: bool,
    pub(crate) poor: Option<bool>,
}

pub(crate) fn reading(i: &TargetInput, ln_line: f64) -> Reading {
    Reading {
        household: i.household.clone(),
        facts: parse_facts(&i.facts),
        score: score_of(i.score_micro, ln_line),
        applied: i.applied,
        poor: i.poor,
    }
}

pub(crate) fn decide(
    p: &ProgramDef,
    root: &nur_sp::expr::Scope<'_, '_>,
    r: &Reading,
    line: f64,
) -> Decision {
    decide_all(std::slice::from_ref(p), root, r, line).remove(0)
}

/// Every program's decision about one household, in one scope (its facts bound once).
fn decide_all(
    ps: &[ProgramDef],
    root: &nur_sp::expr::Scope<'_, '_>,
    r: &Reading,
    line: f64,
) -> Vec<Decision> {
    let scope = program::scope(
        root,
        &r.facts.values,
        &r.facts.inputs,
        r.score.as_ref(),
        line,
        r.applied,
    );
    ps.iter().map(|p| p.decide(&scope)).collect()
}

/// What one pass over the households found.
struct Pass {
    population: Population,
    candidates: Vec<Vec<Candidate>>,
    /// Per program: households not decided, and the first reasons.
    errors: Vec<(u64, Vec<(String, String)>)>,
}

impl Pass {
    /// Counts one household in the population and adds it where it is eligible.
    fn count(&mut self, r: Reading, decisions: Vec<Decision>) {
        let gov = text_fact(&r, "governorate");
        let female = r
            .facts
            .values
            .get("head_female")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let p = &mut self.population;
        p.households += 1;
        *p.by_governorate.entry(gov.clone()).or_default() += 1;
        p.by_head_sex[usize::from(female)] += 1;
        if let Some(poor) = r.poor {
            p.truth_known += 1;
            p.poor_known += u64::from(poor);
        }
        let members = r
            .facts
            .values
            .get("members")
            .and_then(|v| v.as_u64())
            .unwrap_or(0) as u32;
        for (k, d) in decisions.into_iter().enumerate() {
            if let Some(e) = d.error {
                self.errors[k].0 += 1;
                if self.errors[k].1.len() < 100 {
                    self.errors[k].1.push((r.household.clone(), e));
                }
            }
            let (true, Some(score)) = (d.eligible, &r.score) else {
                continue;
            };
            self.candidates[k].push(Candidate {
                household: r.household.clone(),
                score: score.value,
                members,
                governorate: gov.clone(),
                head_female: female,
                benefit_fils: d.benefit_fils.unwrap_or(0),
                decile: 0,
                poor: r.poor,
            });
        }
    }
}

pub(crate) fn text_fact(r: &Reading, k: &str) -> String {
    r.facts
        .values
        .get(k)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned()
}

fn cut_of(p: &ProgramDef, plan: &TargetPlan, households: u64) -> Cut {
    let share = p
        .quota_share
        .map(|s| (s * households as f64).round() as u64);
    let quota = plan.quota.or(p.quota).map(|q| q.max(0) as u64);
    let quota = match (quota, share, plan.quota.is_some()) {
        (Some(q), _, true) => Some(q),
        (Some(q), Some(s), false) => Some(q.min(s)),
        (q, s, _) => q.or(s),
    };
    let gq = if plan.governorate_quotas.is_empty() {
        &p.governorate_quotas
    } else {
        &plan.governorate_quotas
    };
    Cut {
        quota,
        budget_fils: plan.budget_fils.or(p.budget_fils),
        governorate_quotas: gq
            .iter()
            .map(|(g, q)| (g.clone(), (*q).max(0) as u64))
            .collect(),
    }
}

/// A program with rules (or its benefit) replaced, checked as any definition is.
fn with_rules(
    def_json: &str,
    set: &[(String, String)],
    facts: &nur_sp::FactsDef,
) -> Result<ProgramDef> {
    let mut json: serde_json::Value = serde_json::from_str(def_json).map_err(AppError::internal)?;
    for (name, rule) in set {
        if name == "benefit" {
            json["benefit"] = serde_json::json!(rule);
            continue;
        }
        let mut found = false;
        for kind in ["inclusion", "exclusion"] {
            if let Some(list) = json.get_mut(kind).and_then(|v| v.as_array_mut()) {
                for r in list
                    .iter_mut()
                    .filter(|r| r["name"] == serde_json::json!(name))
                {
                    r["rule"] = serde_json::json!(rule);
                    found = true;
                }
            }
        }
        if !found {
            return Err(AppError::invalid(
                "no_rule",
                format!("the program has no rule `{name}` (nor is it `benefit`)"),
            ));
        }
    }
    ProgramDef::from_json(&json.to_string(), facts)
        .map_err(|e| AppError::invalid("program_invalid", e.to_string()))
}

impl App {
    /// Runs (or simulates) the targeting of `codes` in one pass over the households.
    /// `plan` applies to every program (its rule changes to a single one only).
    pub fn target(
        &self,
        caller: &Caller,
        codes: &[String],
        plan: &TargetPlan,
    ) -> Result<Vec<TargetOutcome>> {
        if codes.is_empty() {
            return Err(AppError::invalid("no_program", "name at least one program"));
        }
        if !plan.set.is_empty() && codes.len() != 1 {
            return Err(AppError::invalid(
                "one_program",
                "rules are changed for one program at a time",
            ));
        }
        if !plan.set.is_empty() && !plan.simulate {
            return Err(AppError::invalid(
                "simulate_only",
                "changed rules are simulated; publish a new program version to run them",
            ));
        }
        for (what, v) in [("quota", plan.quota), ("budget", plan.budget_fils)] {
            if v.is_some_and(|v| v < 0) {
                return Err(AppError::invalid(
                    "negative",
                    format!("the {what} is below 0"),
                ));
            }
        }
        if let Some((g, q)) = plan.governorate_quotas.iter().find(|(_, q)| **q < 0) {
            return Err(AppError::invalid(
                "negative",
                format!("the quota of governorate {g} is {q}, below 0"),
            ));
        }
        let (model_version, model) = self.model(None)?.ok_or_else(|| {
            AppError::invalid(
                "no_model",
                "no model is published: fit and publish one, then score (`nur sp score`)",
            )
        })?;
        let mut programs = Vec::new();
        for code in codes {
            let (row, def) = self.published_program(code)?;
            self.may_target(caller, &row.owner)?;
            let def = if plan.set.is_empty() {
                def
            } else {
                with_rules(&row.definition, &plan.set, &self.sp.facts)?
            };
            programs.push((row, def));
        }
        // Only the cut moved: re-cut the published run's ranking.
        if plan.simulate && plan.set.is_empty() && programs.len() == 1 {
            if let Some(o) =
                self.recut(caller, &programs[0].0, &programs[0].1, model_version, plan)?
            {
                return Ok(vec![o]);
            }
        }
        let (rows, defs): (Vec<nur_store::ProgramRow>, Vec<ProgramDef>) =
            programs.into_iter().unzip();
        let facts_as_of = self.store.sp_facts_as_of()?;
        let pass = self.decide_everyone(&defs, &model)?;
        // Every program is cut before any run is stored: a plan refused for one stores none.
        let mut cut_runs = Vec::new();
        for ((row, def), (mut cands, (n_err, samples))) in rows
            .iter()
            .zip(&defs)
            .zip(pass.candidates.into_iter().zip(pass.errors))
        {
            target::rank(&mut cands);
            let cut = cut_of(def, plan, pass.population.households);
            let (selected, summary) = target::select(&cands, &cut, &pass.population)
                .map_err(|e| AppError::invalid("budget_fits_none", e.to_string()))?;
            let outcome = TargetOutcome {
                program: row.code.clone(),
                program_version: row.version,
                model_version,
                run: None,
                cut,
                population: pass.population.clone(),
                summary,
                errors: n_err,
                error_samples: samples,
                from_run: None,
            };
            cut_runs.push((row, outcome, cands, selected));
        }
        let mut out = Vec::new();
        for (row, mut outcome, cands, selected) in cut_runs {
            if plan.simulate {
                let mut ev = self.program_event(caller, "sp.target.simulate", &row.code);
                ev.outcome = format!(
                    "simulated: {} selected of {} eligible",
                    outcome.summary.selected, outcome.summary.eligible
                );
                self.store.audit(ev)?;
            } else {
                outcome.run =
                    Some(self.put_run(caller, row, facts_as_of, &outcome, &cands, &selected)?);
            }
            out.push(outcome);
        }
        Ok(out)
    }

    /// Reads every household once (facts, score, truth) and decides every program: the
    /// population counts, each program's eligible candidates (with their score decile) and
    /// the households it could not decide.
    fn decide_everyone(&self, defs: &[ProgramDef], model: &Model) -> Result<Pass> {
        let line = model.poverty_line_jod;
        let ln_line = model.ln_line();
        let mut pass = Pass {
            population: Population::default(),
            candidates: vec![Vec::new(); defs.len()],
            errors: vec![(0, Vec::new()); defs.len()],
        };
        let mut scores: Vec<f64> = Vec::new();
        let mut cursor = String::new();
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        loop {
            let inputs = self.store.sp_target_inputs(&cursor, RUN_BATCH)?;
            let Some(last) = inputs.last() else { break };
            cursor = last.household.clone();
            let per = inputs.len().div_ceil(threads).max(1);
            let decided: Vec<(Reading, Vec<Decision>)> = std::thread::scope(|s| {
                let handles: Vec<_> = inputs
                    .chunks(per)
                    .map(|chunk| {
                        s.spawn(move || {
                            let root = nur_sp::expr::root();
                            chunk
                                .iter()
                                .map(|i| {
                                    let r = reading(i, ln_line);
                                    let d = decide_all(defs, &root, &r, line);
                                    (r, d)
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("targeting thread"))
                    .collect()
            });
            for (r, ds) in decided {
                if let Some(s) = &r.score {
                    scores.push(s.value);
                }
                pass.count(r, ds);
            }
        }
        let bounds = target::decile_bounds(scores.clone());
        for s in &scores {
            pass.population.by_decile[usize::from(target::decile_of(&bounds, *s)) - 1] += 1;
        }
        for c in pass.candidates.iter_mut().flatten() {
            c.decile = target::decile_of(&bounds, c.score);
        }
        Ok(pass)
    }

    /// Stores a run and its ranked households with its event; returns the run's id.
    fn put_run(
        &self,
        caller: &Caller,
        row: &nur_store::ProgramRow,
        facts_as_of: i64,
        outcome: &TargetOutcome,
        cands: &[Candidate],
        selected: &[bool],
    ) -> Result<String> {
        let id = crate::intake::new_id()?.replacen("APP-", "RUN-", 1);
        let entries: Vec<EntryRow> = cands
            .iter()
            .zip(selected)
            .enumerate()
            .map(|(i, (c, s))| EntryRow {
                rank: i as i64 + 1,
                household: c.household.clone(),
                score_micro: micro(c.score),
                members: i64::from(c.members),
                governorate: c.governorate.clone(),
                head_female: c.head_female,
                decile: i64::from(c.decile),
                benefit_fils: c.benefit_fils,
                poor: c.poor,
                selected: *s,
            })
            .collect();
        let run = RunRow {
            id: id.clone(),
            program: row.code.clone(),
            program_version: row.version,
            model_version: outcome.model_version,
            facts_as_of_ms: facts_as_of,
            params: serde_json::to_string(&outcome.cut).expect("plain data"),
            population: serde_json::to_string(&outcome.population).expect("plain data"),
            summary: serde_json::to_string(&outcome.summary).expect("plain data"),
            errors: serde_json::json!({"count": outcome.errors, "samples": outcome.error_samples})
                .to_string(),
            created_by: caller.actor.name().to_owned(),
            created_at_ms: nur_store::now_ms(),
        };
        let mut ev = self.program_event(caller, "sp.target.run", &id);
        ev.outcome = format!(
            "{} v{}: {} selected of {} eligible, {} fils",
            row.code,
            row.version,
            outcome.summary.selected,
            outcome.summary.eligible,
            outcome.summary.cost_fils
        );
        self.store.sp_put_run(&run, &entries, ev)?;
        Ok(id)
    }

    /// Who may run or simulate a program's targeting: the registry's entity, the operator
    /// and the program's owner.
    fn may_target(&self, caller: &Caller, owner: &str) -> Result<()> {
        if self.may_run_registry(caller).is_ok() {
            return Ok(());
        }
        match caller.actor.entity() {
            Some(e) if e.as_str() == owner => Ok(()),
            _ => Err(AppError::forbidden(
                "not_program_owner",
                format!(
                    "{} may not target a program of {owner}",
                    caller.actor.name()
                ),
            )),
        }
    }

    /// A simulation that only moves the cut, from the newest run of the same program and
    /// model versions; none when there is no such run.
    fn recut(
        &self,
        caller: &Caller,
        row: &nur_store::ProgramRow,
        def: &ProgramDef,
        model_version: i64,
        plan: &TargetPlan,
    ) -> Result<Option<TargetOutcome>> {
        let Some(run) = self.store.sp_runs(Some(&row.code), 1)?.into_iter().next() else {
            return Ok(None);
        };
        if run.program_version != row.version || run.model_version != model_version {
            return Ok(None);
        }
        let population: Population =
            serde_json::from_str(&run.population).map_err(AppError::internal)?;
        let entries = self.store.sp_run_entries(&run.id, 1, i64::MAX)?;
        let cands: Vec<Candidate> = entries.into_iter().map(candidate).collect();
        let cut = cut_of(def, plan, population.households);
        let (_, summary) = target::select(&cands, &cut, &population)
            .map_err(|e| AppError::invalid("budget_fits_none", e.to_string()))?;
        let errors: serde_json::Value = serde_json::from_str(&run.errors).unwrap_or_default();
        let mut ev = self.program_event(caller, "sp.target.simulate", &row.code);
        ev.outcome = format!(
            "simulated from {}: {} selected of {} eligible",
            run.id, summary.selected, summary.eligible
        );
        self.store.audit(ev)?;
        Ok(Some(TargetOutcome {
            program: row.code.clone(),
            program_version: row.version,
            model_version,
            run: None,
            cut,
            population,
            summary,
            errors: errors["count"].as_u64().unwrap_or(0),
            error_samples: serde_json::from_value(errors["samples"].clone()).unwrap_or_default(),
            from_run: Some(run.id),
        }))
    }

    pub fn runs(&self, caller: &Caller, program: Option<&str>, limit: u32) -> Result<Vec<RunRow>> {
        self.may_see_runs(caller)?;
        Ok(self.store.sp_runs(program, limit)?)
    }

    /// A run with a page of its ranked households (from rank `from`).
    pub fn run(
        &self,
        caller: &Caller,
        id: &str,
        from: i64,
        limit: i64,
    ) -> Result<(RunRow, Summary, Vec<EntryRow>)> {
        self.may_see_runs(caller)?;
        let run = self
            .store
            .sp_run(id)?
            .ok_or_else(|| AppError::not_found("no_run", format!("no run {id}")))?;
        let summary: Summary = serde_json::from_str(&run.summary).map_err(AppError::internal)?;
        let entries = self
            .store
            .sp_run_entries(id, from.max(1), limit.clamp(1, 1000))?;
        Ok((run, summary, entries))
    }

    fn may_see_runs(&self, caller: &Caller) -> Result<()> {
        if matches!(caller.actor, nur_core::grant::Actor::Citizen { .. }) {
            return Err(AppError::forbidden(
                "officers_only",
                "targeting runs are seen by officers",
            ));
        }
        self.may_run_registry(caller).or_else(|e| {
            // An NGO sees the runs of the programs it owns; the listing filters nothing
            // finer, so other entities are refused.
            let owner_of_any = self.store.sp_programs()?.iter().any(|p| {
                caller
                    .actor
                    .entity()
                    .is_some_and(|en| en.as_str() == p.owner)
            });
            if owner_of_any {
                Ok(())
            } else {
                Err(e)
            }
        })
    }
}

fn candidate(e: EntryRow) -> Candidate {
    Candidate {
        household: e.household,
        score: from_micro(e.score_micro),
        members: e.members as u32,
        governorate: e.governorate,
        head_female: e.head_female,
        benefit_fils: e.benefit_fils,
        decile: e.decile as u8,
        poor: e.poor,
    }
}
