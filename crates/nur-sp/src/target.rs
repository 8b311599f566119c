//! Targeting: the eligible households ranked poorest first and cut at the program's
//! quota, budget and quotas per governorate, with who was reached (households, persons,
//! cost; coverage by governorate, by the head's sex and by score decile) and, where the
//! truth is known (a survey, synthetic data), how often the cut is wrong.
//!
//! The order is total and documented: the lower score first; at an equal score the larger
//! household; then the household number. The cut walks that order: a household whose
//! governorate's quota is full is passed over; the run stops at the quota, or at the first
//! household the remaining budget cannot pay (no poorer household is ever passed over for
//! a cheaper one).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub household: String,
    pub score: f64,
    pub members: u32,
    pub governorate: String,
    pub head_female: bool,
    pub benefit_fils: i64,
    /// 1 (poorest tenth of all scored households) to 10.
    pub decile: u8,
    /// Whether the household is poor in truth, where that is known.
    pub poor: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cut {
    pub quota: Option<u64>,
    pub budget_fils: Option<i64>,
    #[serde(default)]
    pub governorate_quotas: BTreeMap<String, u64>,
}

/// Every scored household, counted by the groups coverage is reported on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub households: u64,
    pub by_governorate: BTreeMap<String, u64>,
    /// [male head, female head].
    pub by_head_sex: [u64; 2],
    pub by_decile: [u64; 10],
    /// Households whose truth is known, and how many of them are poor.
    pub truth_known: u64,
    pub poor_known: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cover {
    pub households: u64,
    pub eligible: u64,
    pub selected: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Errors {
    /// Of the selected whose truth is known, the share who are not poor.
    pub inclusion: f64,
    /// Of the poor (truth known, whether eligible or not), the share not selected.
    pub exclusion: f64,
    pub truth_known: u64,
    pub poor: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub eligible: u64,
    pub selected: u64,
    pub individuals: u64,
    pub cost_fils: i64,
    /// The score of the last household selected (per governorate in `cutoffs`).
    pub cutoff: Option<f64>,
    #[serde(default)]
    pub cutoffs: BTreeMap<String, f64>,
    /// What ended the selection: `eligible` (everyone eligible taken), `quota` or `budget`.
    pub stopped_by: String,
    pub by_governorate: BTreeMap<String, Cover>,
    /// `male` and `female` heads.
    pub by_head_sex: BTreeMap<String, Cover>,
    /// Deciles 1..10 of the score over all households.
    pub by_decile: Vec<Cover>,
    pub errors: Option<Errors>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TargetError {
    #[error("the budget of {budget} fils does not pay the first household's benefit ({first} fils): no household fits")]
    BudgetFitsNone { budget: i64, first: i64 },
}

/// Sorts candidates into the documented order (poorest first).
pub fn rank(c: &mut [Candidate]) {
    c.sort_by(|a, b| {
        a.score
            .total_cmp(&b.score)
            .then(b.members.cmp(&a.members))
            .then_with(|| a.household.cmp(&b.household))
    });
}

/// Cuts ranked candidates; returns which are selected and the summary.
pub fn select(
    ranked: &[Candidate],
    cut: &Cut,
    population: &Population,
) -> Result<(Vec<bool>, Summary), TargetError> {
    if let (Some(budget), Some(first)) = (cut.budget_fils, ranked.first()) {
        if first.benefit_fils > budget {
            return Err(TargetError::BudgetFitsNone {
                budget,
                first: first.benefit_fils,
            });
        }
    }
    let mut selected = vec![false; ranked.len()];
    let mut taken_in: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut count, mut cost) = (0u64, 0i64);
    let mut stopped_by = "eligible";
    for (i, c) in ranked.iter().enumerate() {
        if cut.quota.is_some_and(|q| count >= q) {
            stopped_by = "quota";
            break;
        }
        if cut
            .budget_fils
            .is_some_and(|b| cost.saturating_add(c.benefit_fils) > b)
        {
            stopped_by = "budget";
            break;
        }
        let in_gov = taken_in.entry(c.governorate.as_str()).or_default();
        if cut
            .governorate_quotas
            .get(&c.governorate)
            .is_some_and(|q| *in_gov >= *q)
        {
            continue;
        }
        *in_gov += 1;
        selected[i] = true;
        count += 1;
        cost += c.benefit_fils;
    }
    let summary = summarize(ranked, &selected, population, stopped_by);
    Ok((selected, summary))
}

/// The summary of a selection (also of a stored run re-read).
pub fn summarize(
    ranked: &[Candidate],
    selected: &[bool],
    population: &Population,
    stopped_by: &str,
) -> Summary {
    let mut by_governorate: BTreeMap<String, Cover> = population
        .by_governorate
        .iter()
        .map(|(g, n)| {
            (
                g.clone(),
                Cover {
                    households: *n,
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut by_head_sex: BTreeMap<String, Cover> = [("male", 0), ("female", 1)]
        .into_iter()
        .map(|(k, i)| {
            (
                k.to_owned(),
                Cover {
                    households: population.by_head_sex[i],
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut by_decile: Vec<Cover> = population
        .by_decile
        .iter()
        .map(|n| Cover {
            households: *n,
            ..Default::default()
        })
        .collect();
    let (mut individuals, mut cost, mut count) = (0u64, 0i64, 0u64);
    let (mut sel_known, mut sel_poor) = (0u64, 0u64);
    let mut cutoff = None;
    let mut cutoffs = BTreeMap::new();
    for (c, &s) in ranked.iter().zip(selected) {
        let sex = if c.head_female { "female" } else { "male" };
        let cover = by_governorate.entry(c.governorate.clone()).or_default();
        cover.eligible += 1;
        cover.selected += u64::from(s);
        let cover = by_head_sex.entry(sex.to_owned()).or_default();
        cover.eligible += 1;
        cover.selected += u64::from(s);
        if let Some(cover) = by_decile.get_mut(usize::from(c.decile.clamp(1, 10)) - 1) {
            cover.eligible += 1;
            cover.selected += u64::from(s);
        }
        if s {
            count += 1;
            individuals += u64::from(c.members);
            cost += c.benefit_fils;
            cutoff = Some(c.score);
            cutoffs.insert(c.governorate.clone(), c.score);
            if let Some(p) = c.poor {
                sel_known += 1;
                sel_poor += u64::from(p);
            }
        }
    }
    let errors = (population.truth_known > 0).then(|| Errors {
        inclusion: share(sel_known - sel_poor, sel_known),
        exclusion: share(
            population.poor_known.saturating_sub(sel_poor),
            population.poor_known,
        ),
        truth_known: population.truth_known,
        poor: population.poor_known,
    });
    Summary {
        eligible: ranked.len() as u64,
        selected: count,
        individuals,
        cost_fils: cost,
        cutoff,
        cutoffs,
        stopped_by: stopped_by.to_owned(),
        by_governorate,
        by_head_sex,
        by_decile,
        errors,
    }
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        (a as f64 / b as f64 * 1e6).round() / 1e6
    }
}

/// The decile (1..10) of each score among all of them: `bounds` are the 9 cut points.
pub fn decile_bounds(mut scores: Vec<f64>) -> Vec<f64> {
    scores.sort_by(f64::total_cmp);
    if scores.is_empty() {
        return Vec::new();
    }
    (1..10)
        .map(|k| scores[(scores.len() * k / 10).min(scores.len() - 1)])
        .collect()
}

pub fn decile_of(bounds: &[f64], score: f64) -> u8 {
    (bounds.iter().take_while(|b| score >= **b).count() + 1) as u8
}
