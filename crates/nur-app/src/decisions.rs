//! NUR-SP decisions explained and re-decided: every program's decision about a household
//! with its score's terms, each rule's outcome, the registry facts used, its rank and the
//! run's cut-off; and the re-evaluation of a re-verified household against the newest run,
//! a changed decision recorded with its cause.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::target_runs::{decide, reading, text_fact};
use crate::App;
use nur_sp::facts::Facts;
use nur_sp::pmt::Model;
use nur_sp::program::{Outcome, RuleKind};
use nur_sp::target::Summary;
use nur_store::DecisionRow;
use serde::Serialize;
use std::collections::BTreeMap;

/// The purpose recorded when a household's decisions are explained (to an officer or to the
/// citizen), said in their own language on the pages that show it.
pub const DECISIONS_PURPOSE: &str = "explanation of decisions";

/// One rule's outcome for a household, with its label.
#[derive(Debug, Clone, Serialize)]
pub struct RuleExplained {
    pub kind: RuleKind,
    pub name: String,
    pub label_ar: String,
    pub label_en: String,
    pub rule: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgramDecision {
    pub code: String,
    pub name_ar: String,
    pub name_en: String,
    pub program_version: i64,
    pub eligible: bool,
    pub benefit_fils: Option<i64>,
    pub error: Option<String>,
    pub rules: Vec<RuleExplained>,
    pub run: Option<String>,
    /// Selected, waitlisted (eligible below the cut) or not eligible, as of now.
    pub state: String,
    pub rank: Option<i64>,
    pub cutoff: Option<f64>,
    pub selected_in_run: u64,
    pub eligible_in_run: u64,
    pub changes: Vec<DecisionRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TermExplained {
    pub term: String,
    pub value: f64,
    pub contribution: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputUsed {
    pub name: String,
    pub table: String,
    pub label_ar: String,
    pub label_en: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdDecisions {
    pub household: String,
    pub applied: bool,
    pub model_version: Option<i64>,
    pub variant: Option<String>,
    pub score: Option<f64>,
    pub consumption_pc_jod: Option<f64>,
    pub poverty_line_jod: Option<f64>,
    pub score_error: Option<String>,
    /// Each term's value and contribution (the intercept first); they add up to the score.
    pub terms: Vec<TermExplained>,
    pub facts_as_of_ms: Option<i64>,
    pub facts: BTreeMap<String, serde_json::Value>,
    pub inputs: Vec<InputUsed>,
    pub programs: Vec<ProgramDecision>,
}

impl App {
    /// Every program's decision about a household, explained: its score and each term's
    /// contribution, each rule's outcome, the registry inputs used with their source and
    /// date, its rank and the run's cut-off, and the changes re-evaluation recorded.
    pub fn decisions(&self, caller: &Caller, household: &str) -> Result<HouseholdDecisions> {
        self.may_see_household(caller, household)?;
        let input = self.store.sp_target_input(household)?.ok_or_else(|| {
            AppError::not_found(
                "no_household",
                format!("no facts for household {household}"),
            )
        })?;
        let model = self.model(None)?;
        let ln_line = model.as_ref().map_or(68f64.ln(), |(_, m)| m.ln_line());
        let line = model.as_ref().map_or(68.0, |(_, m)| m.poverty_line_jod);
        let r = reading(&input, ln_line);
        let stored = self.store.sp_score(household)?;
        let mut terms = Vec::new();
        let (mut variant, mut model_version, mut score_error) = (None, None, None);
        if let Some(s) = &stored {
            model_version = Some(s.model_version);
            variant = Some(s.variant.clone());
            score_error = s.error.clone();
            if let Some((_, m)) = self.model(Some(s.model_version))? {
                terms = explain_terms(&m, &s.variant, &s.terms);
            }
        }
        let facts_row = self.store.sp_household(household)?;
        let inputs = self
            .sp
            .facts
            .inputs
            .iter()
            .map(|i| InputUsed {
                name: i.name.clone(),
                table: i.table.clone(),
                label_ar: i.label.ar.clone(),
                label_en: i.label.en.clone(),
                value: r
                    .facts
                    .inputs
                    .get(&i.name)
                    .cloned()
                    .unwrap_or(serde_json::Value::Null),
            })
            .collect();
        let root = nur_sp::expr::root();
        let changes = self.store.sp_decisions(household)?;
        let mut programs = Vec::new();
        for p in self
            .store
            .sp_programs()?
            .iter()
            .filter(|p| p.status == "published")
        {
            // The newest published version of each code only.
            if programs.iter().any(|d: &ProgramDecision| d.code == p.code) {
                continue;
            }
            let (row, def) = self.published_program(&p.code)?;
            let d = decide(&def, &root, &r, line);
            let run = self.store.sp_runs(Some(&row.code), 1)?.into_iter().next();
            let (mut rank, mut cutoff, mut sel, mut elig, mut in_run_selected) =
                (None, None, 0, 0, None);
            if let Some(run) = &run {
                let summary: Summary =
                    serde_json::from_str(&run.summary).map_err(AppError::internal)?;
                cutoff = summary.cutoff;
                sel = summary.selected;
                elig = summary.eligible;
                if let Some(e) = self.store.sp_run_entry(&run.id, household)? {
                    rank = Some(e.rank);
                    in_run_selected = Some(e.selected);
                }
            }
            let mine: Vec<DecisionRow> = changes
                .iter()
                .filter(|c| c.program == row.code)
                .cloned()
                .collect();
            // Only a change since the newest run decides now: a new run decides afresh.
            let since_run = mine
                .iter()
                .find(|c| run.as_ref().is_some_and(|r| r.id == c.run));
            let state = match (since_run, in_run_selected) {
                (Some(latest), _) => latest.state.clone(),
                (None, Some(true)) => "selected".into(),
                (None, Some(false)) => "waitlisted".into(),
                (None, None) if run.is_some() => "not_eligible".into(),
                (None, None) => "no_run".into(),
            };
            programs.push(ProgramDecision {
                code: row.code.clone(),
                name_ar: def.name.ar.clone(),
                name_en: def.name.en.clone(),
                program_version: row.version,
                eligible: d.eligible,
                benefit_fils: d.benefit_fils,
                error: d.error.clone(),
                rules: d
                    .rules
                    .iter()
                    .map(|o| {
                        let label = def.rule_label(&o.name);
                        RuleExplained {
                            kind: o.kind,
                            name: o.name.clone(),
                            label_ar: label.map(|l| l.ar.clone()).unwrap_or_default(),
                            label_en: label.map(|l| l.en.clone()).unwrap_or_default(),
                            rule: def.rule_source(&o.name).unwrap_or_default().to_owned(),
                            outcome: o.outcome.clone(),
                        }
                    })
                    .collect(),
                run: run.map(|r| r.id),
                state,
                rank,
                cutoff,
                selected_in_run: sel,
                eligible_in_run: elig,
                changes: mine,
            });
        }
        let mut ev = self.program_event(caller, "sp.decisions", household);
        ev.purpose = Some(DECISIONS_PURPOSE.into());
        self.store.audit(ev)?;
        Ok(HouseholdDecisions {
            household: household.to_owned(),
            applied: r.applied,
            model_version,
            variant,
            score: r.score.as_ref().map(|s| s.value),
            consumption_pc_jod: r.score.as_ref().map(|s| s.consumption_pc_jod),
            poverty_line_jod: model.as_ref().map(|(_, m)| m.poverty_line_jod),
            score_error,
            terms,
            facts_as_of_ms: facts_row.map(|f| f.computed_at_ms),
            facts: r.facts.values.clone(),
            inputs,
            programs,
        })
    }

    /// Caseworkers and the operator see any household's decisions; a citizen their own.
    pub(crate) fn may_see_household(&self, caller: &Caller, household: &str) -> Result<()> {
        match &caller.actor {
            nur_core::grant::Actor::Citizen { national_number } => {
                match self.citizen_household(national_number)? {
                    Some(own) if own == household => Ok(()),
                    _ => Err(AppError::forbidden(
                        "not_own_household",
                        "a citizen sees the decisions about their own household only",
                    )),
                }
            }
            _ => self.may_run_registry(caller),
        }
    }

    /// Re-scores a household whose facts changed and re-decides each program against its
    /// published run's cut-off; records each changed decision with its cause. `before` is
    /// the household's facts before the change.
    pub(crate) fn reevaluate(
        &self,
        caller: &Caller,
        household: &str,
        before: Option<&Facts>,
        reason: &str,
    ) -> Result<Vec<DecisionRow>> {
        let Some((version, model)) = self.model(None)? else {
            return Ok(Vec::new());
        };
        let Some(input) = self.store.sp_target_input(household)? else {
            return Ok(Vec::new());
        };
        let now = nur_store::now_ms();
        let score = Self::score_row(version, &model, &input, now);
        let mut fresh = input.clone();
        fresh.score_micro = score.score_micro;
        let r = reading(&fresh, model.ln_line());
        let cause = cause_of(reason, before, &r.facts);
        let root = nur_sp::expr::root();
        let mut decisions = Vec::new();
        let mut events = Vec::new();
        let latest = self.store.sp_decisions(household)?;
        for p in self
            .store
            .sp_programs()?
            .iter()
            .filter(|p| p.status == "published")
        {
            if decisions.iter().any(|d: &DecisionRow| d.program == p.code) {
                continue;
            }
            let Some(run) = self.store.sp_runs(Some(&p.code), 1)?.into_iter().next() else {
                continue;
            };
            let (_, def) = self.published_program(&p.code)?;
            let d = decide(&def, &root, &r, model.poverty_line_jod);
            let summary: Summary =
                serde_json::from_str(&run.summary).map_err(AppError::internal)?;
            let gov = text_fact(&r, "governorate");
            let cutoff = summary.cutoffs.get(&gov).copied().or(summary.cutoff);
            let position = match score.score_micro {
                Some(m) => Some(self.store.sp_run_position(&run.id, m)? + 1),
                None => None,
            };
            let state = match (d.eligible, r.score.as_ref(), cutoff) {
                (true, Some(s), Some(c)) if s.value <= c => "selected",
                (true, _, _) => "waitlisted",
                (false, _, _) => "not_eligible",
            };
            let previous = match latest
                .iter()
                .find(|l| l.program == p.code && l.run == run.id)
            {
                Some(l) => l.state.clone(),
                None => match self.store.sp_run_entry(&run.id, household)? {
                    Some(e) if e.selected => "selected".into(),
                    Some(_) => "waitlisted".into(),
                    None => "not_eligible".into(),
                },
            };
            if previous == state {
                continue;
            }
            let mut ev =
                self.program_event(caller, "sp.decision", format!("{household} {}", p.code));
            ev.outcome = format!("{previous} → {state}: {cause}");
            events.push(ev);
            decisions.push(DecisionRow {
                household: household.to_owned(),
                program: p.code.clone(),
                run: run.id.clone(),
                state: state.into(),
                previous,
                score_micro: score.score_micro,
                position,
                cause: cause.clone(),
                decided_at_ms: now,
            });
        }
        self.store.sp_reevaluated(&score, &decisions, events)?;
        Ok(decisions)
    }
}

/// The terms of a stored score, named from its model's variant.
fn explain_terms(m: &Model, variant: &str, stored: &str) -> Vec<TermExplained> {
    let Some(v) = m.variants.iter().find(|v| v.key() == variant) else {
        return Vec::new();
    };
    let json: serde_json::Value = serde_json::from_str(stored).unwrap_or_default();
    let nums = |k: &str| -> Vec<f64> {
        json[k]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default()
    };
    let (x, c) = (nums("x"), nums("c"));
    std::iter::once("intercept".to_owned())
        .chain(v.coefficients.iter().map(|(t, _)| t.clone()))
        .zip(x.into_iter().zip(c))
        .map(|(term, (value, contribution))| TermExplained {
            term,
            value,
            contribution,
        })
        .collect()
}

/// Why a decision changed: the change that marked the household and the facts it moved.
fn cause_of(reason: &str, before: Option<&Facts>, after: &Facts) -> String {
    let mut moved = Vec::new();
    if let Some(b) = before {
        for (k, v) in &after.values {
            let old = b.values.get(k);
            if old != Some(v) {
                let show =
                    |v: Option<&serde_json::Value>| v.map_or("none".to_owned(), |v| v.to_string());
                moved.push(format!("{k} {} → {}", show(old), show(Some(v))));
            }
        }
    }
    if moved.is_empty() {
        reason.to_owned()
    } else {
        format!("{reason}: {}", moved.join(", "))
    }
}
