//! The proxy means test: a household's welfare predicted from facts the registries and the
//! intake can verify, fitted on a household budget survey by ordinary least squares on
//! log per-capita consumption (the World Bank recipe, SOCIAL-REGISTRY.md).
//!
//! A *specification* (`config/jordan-pmt.json`) names the facts, their transforms (log,
//! log1p, square, a cap) and the categorical facts' levels (dummies against the first
//! level); [`fit`] turns it into a [`Model`]: intercept and coefficients per *variant* —
//! one set over every fact for households that applied, one over the registry facts
//! alone for those that did not, each optionally split by urban/rural or governorate —
//! with its fit statistics on a fixed 20% hold-out, and the same statistics for a
//! hand-weighted sum of the same terms (the weighted-sum scoring the open systems ship),
//! so the gain of fitting is visible. [`Model::score`] gives a household's score with each
//! term's contribution; the contributions add up to the score.

use crate::facts::{FactType, FactsDef};
pub use crate::survey::{read_survey, SurveyRow};
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transform {
    #[default]
    None,
    /// ln(x), for a fact that is never below 1 (household size).
    Log,
    /// ln(1 + x), for amounts that may be 0.
    Log1p,
    Square,
}

/// One fact as the model sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Variable {
    pub fact: String,
    #[serde(default, skip_serializing_if = "is_none")]
    pub transform: Transform,
    /// The fact is capped here before its transform (cars over 3 count as 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<f64>,
    /// For a text fact: its levels, the first the base the others are measured against.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<String>,
}

fn is_none(t: &Transform) -> bool {
    *t == Transform::None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    UrbanRural,
    Governorate,
}

impl By {
    pub fn parse(s: &str) -> Option<By> {
        match s {
            "urban_rural" => Some(By::UrbanRural),
            "governorate" => Some(By::Governorate),
            _ => None,
        }
    }
    fn fact(self) -> &'static str {
        match self {
            By::UrbanRural => "urban",
            By::Governorate => "governorate",
        }
    }
}

/// Which facts a variant reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Set {
    /// Every fact: a household that applied (answers and registries).
    Answers,
    /// The registry facts alone: a household that did not apply.
    Registries,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    pub name: String,
    /// The survey's consumption column (JOD per person per month).
    pub target: String,
    pub poverty_line_jod: f64,
    pub variables: Vec<Variable>,
    /// The hand-weighted sum compared with the fit: points per term (higher is better off).
    #[serde(default)]
    pub hand_weights: BTreeMap<String, f64>,
}

/// How well a formula ranks on the hold-out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FitStats {
    pub train: u64,
    pub holdout: u64,
    /// R² on the hold-out (for the hand-weighted sum: of its best linear calibration).
    pub r2: f64,
    pub r2_train: f64,
    /// Root mean squared error of ln consumption per person on the hold-out.
    pub rmse: f64,
    /// The share of hold-out households selected (the poorest by the formula).
    pub coverage: f64,
    /// The hold-out's poverty rate (households under the line).
    pub poor_share: f64,
    /// Of those selected, the share who are not poor.
    pub inclusion_error: f64,
    /// Of the poor, the share not selected.
    pub exclusion_error: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Variant {
    pub set: Set,
    /// The urban/rural or governorate value it serves; none for the pooled variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub intercept: f64,
    /// Term → coefficient, in the order of the model's terms.
    pub coefficients: Vec<(String, f64)>,
    /// Terms left out because they do not vary in this variant's training rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    pub fit: FitStats,
}

impl Variant {
    pub fn key(&self) -> String {
        let set = match self.set {
            Set::Answers => "answers",
            Set::Registries => "registries",
        };
        match &self.group {
            Some(g) => format!("{set}:{g}"),
            None => set.to_owned(),
        }
    }
}

/// The statistics of a formula kind (fitted or hand-weighted) for one set of facts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    pub set: Set,
    pub fitted: FitStats,
    pub hand: FitStats,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub name: String,
    /// Given when the model is published; a fitted file has none yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    pub target: String,
    pub poverty_line_jod: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<By>,
    pub variables: Vec<Variable>,
    pub variants: Vec<Variant>,
    pub hand_weights: BTreeMap<String, f64>,
    /// The fitted formula against the hand-weighted sum, on the same hold-out.
    pub comparison: Vec<Comparison>,
    pub survey: SurveyInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SurveyInfo {
    pub rows: u64,
    pub holdout_share: f64,
    pub coverage: f64,
}

/// A household's score: ln of its predicted consumption per person, each term's value and
/// contribution (the intercept first), and where it stands against the line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub variant: String,
    pub value: f64,
    pub consumption_pc_jod: f64,
    pub poor: bool,
    /// (term, value, contribution); the contributions add up to `value`.
    pub terms: Vec<(String, f64, f64)>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PmtError {
    #[error("the model is not valid JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Invalid(String),
    #[error("survey line {line}: {message}")]
    Survey { line: u64, message: String },
    #[error("the survey has no households")]
    EmptySurvey,
    #[error(
        "the survey design is singular{group}: {terms} move together (drop one, or merge levels)"
    )]
    Singular { group: String, terms: String },
    #[error("{group}: {rows} training households for {terms} terms; survey more households or fit without --by")]
    TooFew {
        group: String,
        rows: usize,
        terms: usize,
    },
}

fn invalid(m: impl Into<String>) -> PmtError {
    PmtError::Invalid(m.into())
}

impl Spec {
    /// Jordan's specification.
    pub fn jordan() -> Spec {
        serde_json::from_str(include_str!("../config/jordan-pmt.json"))
            .expect("the embedded PMT specification is valid")
    }

    pub fn from_json(text: &str) -> Result<Spec, PmtError> {
        serde_json::from_str(text).map_err(|e| PmtError::Json(e.to_string()))
    }

    /// Checks every variable against the facts definition (it names a fact, a numeric
    /// transform of a number, levels for text); returns nothing when it holds.
    pub fn check(&self, facts: &FactsDef) -> Result<(), PmtError> {
        if self.poverty_line_jod.is_nan() || self.poverty_line_jod <= 0.0 {
            return Err(invalid("the poverty line must be above 0"));
        }
        if self.variables.is_empty() {
            return Err(invalid("the model lists no variables"));
        }
        let terms = terms_of(&self.variables);
        for v in &self.variables {
            let Some(f) = facts.fact(&v.fact) else {
                return Err(invalid(format!(
                    "variable `{}`: the household facts have no fact of this name",
                    v.fact
                )));
            };
            match (f.ty, v.levels.is_empty()) {
                (FactType::Text, true) => {
                    return Err(invalid(format!(
                        "variable `{}` is text: list its levels",
                        v.fact
                    )))
                }
                (FactType::Text, false) if v.transform != Transform::None || v.cap.is_some() => {
                    return Err(invalid(format!(
                        "variable `{}` is text: it takes no transform or cap",
                        v.fact
                    )))
                }
                (FactType::Int | FactType::Double | FactType::Bool, false) => {
                    return Err(invalid(format!(
                        "variable `{}` is not text: it takes no levels",
                        v.fact
                    )))
                }
                _ => {}
            }
        }
        for t in self.hand_weights.keys() {
            if !terms.contains(t) {
                return Err(invalid(format!(
                    "hand weight `{t}`: the model has no such term"
                )));
            }
        }
        Ok(())
    }
}

/// A variable's term names: `ln(members)`, `cars`, `walls=brick` (the base level has none).
fn terms_of(vars: &[Variable]) -> Vec<String> {
    vars.iter().flat_map(var_terms).collect()
}

fn var_terms(v: &Variable) -> Vec<String> {
    if !v.levels.is_empty() {
        return v.levels[1..]
            .iter()
            .map(|l| format!("{}={l}", v.fact))
            .collect();
    }
    let capped = match v.cap {
        Some(c) => format!("min({}, {c})", v.fact),
        None => v.fact.clone(),
    };
    vec![match v.transform {
        Transform::None => capped,
        Transform::Log => format!("ln({capped})"),
        Transform::Log1p => format!("ln(1 + {capped})"),
        Transform::Square => format!("{capped}²"),
    }]
}

/// A variable's term values from a household's facts; an error names a missing fact.
fn var_values(
    v: &Variable,
    facts: &BTreeMap<String, Json>,
    out: &mut Vec<f64>,
) -> Result<(), String> {
    let value = facts.get(&v.fact).unwrap_or(&Json::Null);
    if !v.levels.is_empty() {
        let Some(s) = value.as_str() else {
            return Err(format!("the fact `{}` is missing", v.fact));
        };
        if !v.levels.iter().any(|l| l == s) {
            return Err(format!(
                "`{}` is `{s}`, a level the model does not know",
                v.fact
            ));
        }
        out.extend(v.levels[1..].iter().map(|l| f64::from(u8::from(l == s))));
        return Ok(());
    }
    let x = match value {
        Json::Bool(b) => f64::from(u8::from(*b)),
        Json::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        _ => return Err(format!("the fact `{}` is missing", v.fact)),
    };
    let x = v.cap.map_or(x, |c| x.min(c));
    let y = match v.transform {
        Transform::None => x,
        Transform::Log if x > 0.0 => x.ln(),
        Transform::Log => return Err(format!("ln({}) of {x}", v.fact)),
        Transform::Log1p if x > -1.0 => x.ln_1p(),
        Transform::Log1p => return Err(format!("ln(1 + {}) of {x}", v.fact)),
        Transform::Square => x * x,
    };
    if !y.is_finite() {
        return Err(format!("the fact `{}` is not a finite number", v.fact));
    }
    out.push(y);
    Ok(())
}

/// The variables of a set: every one, or those computed from the registries alone.
fn set_variables<'a>(vars: &'a [Variable], set: Set, facts: &FactsDef) -> Vec<&'a Variable> {
    vars.iter()
        .filter(|v| set == Set::Answers || facts.fact(&v.fact).is_some_and(|f| !f.needs_answers))
        .collect()
}

pub struct FitOptions {
    pub by: Option<By>,
    pub holdout_share: f64,
    /// The share of households selected when the errors are measured (UCT's, e.g. 0.15).
    pub coverage: f64,
}

/// Fits the model on the survey: for each set (every fact, the registries' alone) a pooled
/// variant and, with `by`, one per group the survey holds (urban/rural needs the answers,
/// so households that did not apply are scored by the pooled registries variant).
pub fn fit(
    spec: &Spec,
    facts: &FactsDef,
    rows: &[SurveyRow],
    opts: &FitOptions,
) -> Result<Model, PmtError> {
    spec.check(facts)?;
    if rows.is_empty() {
        return Err(PmtError::EmptySurvey);
    }
    if !(opts.coverage > 0.0 && opts.coverage < 1.0) {
        return Err(invalid("the coverage must be between 0 and 1 (e.g. 0.15)"));
    }
    let ln_line = spec.poverty_line_jod.ln();
    let mut variants = Vec::new();
    let mut comparison = Vec::new();
    for set in [Set::Answers, Set::Registries] {
        let vars = set_variables(&spec.variables, set, facts);
        let design = Design::new(set, &vars, rows, opts.holdout_share)?;
        let pooled = design.fit(None, |_| true, opts, ln_line)?;
        // The formula as a whole on the hold-out: each household by its own variant.
        let mut predicted: Vec<Option<f64>> = pooled.1.clone();
        variants.push(pooled.0);
        let by_fact = opts.by.map(By::fact);
        let splits = by_fact
            .filter(|f| set == Set::Answers || facts.fact(f).is_some_and(|f| !f.needs_answers));
        if let Some(f) = splits {
            let mut groups: Vec<String> = rows
                .iter()
                .filter_map(|r| r.facts.get(f).map(group_key))
                .collect();
            groups.sort();
            groups.dedup();
            for g in groups {
                let (v, p) = design.fit(
                    Some(&g),
                    |r| r.facts.get(f).map(group_key).as_deref() == Some(g.as_str()),
                    opts,
                    ln_line,
                )?;
                for (i, x) in p.into_iter().enumerate() {
                    if x.is_some() {
                        predicted[i] = x;
                    }
                }
                variants.push(v);
            }
        }
        let hand: Vec<f64> = design
            .x
            .row_iter()
            .map(|row| {
                design
                    .terms
                    .iter()
                    .zip(row.iter().skip(1))
                    .map(|(t, x)| spec.hand_weights.get(t).copied().unwrap_or(0.0) * x)
                    .sum()
            })
            .collect();
        let mut fitted = design.stats_of(&predicted, opts, ln_line);
        // The training figures are the pooled variant's (a group's are in its variant).
        let pooled = variants
            .iter()
            .rev()
            .find(|v: &&Variant| v.set == set && v.group.is_none());
        fitted.train = pooled.map_or(0, |v| v.fit.train);
        fitted.r2_train = pooled.map_or(0.0, |v| v.fit.r2_train);
        let hand_stats = design.calibrated_stats(&hand, opts, ln_line);
        comparison.push(Comparison {
            set,
            fitted,
            hand: hand_stats,
        });
    }
    Ok(Model {
        name: spec.name.clone(),
        version: None,
        target: spec.target.clone(),
        poverty_line_jod: spec.poverty_line_jod,
        by: opts.by,
        variables: spec.variables.clone(),
        variants,
        hand_weights: spec.hand_weights.clone(),
        comparison,
        survey: SurveyInfo {
            rows: rows.len() as u64,
            holdout_share: opts.holdout_share,
            coverage: opts.coverage,
        },
    })
}

fn group_key(v: &Json) -> String {
    match v {
        Json::Bool(true) => "urban".into(),
        Json::Bool(false) => "rural".into(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The survey as a design matrix (an intercept column, then the terms), with ln
/// consumption and the hold-out flags.
struct Design<'a> {
    set: Set,
    rows: &'a [SurveyRow],
    terms: Vec<String>,
    x: DMatrix<f64>,
    y: DVector<f64>,
    held: Vec<bool>,
}

impl<'a> Design<'a> {
    fn new(
        set: Set,
        vars: &[&Variable],
        rows: &'a [SurveyRow],
        holdout_share: f64,
    ) -> Result<Design<'a>, PmtError> {
        let terms: Vec<String> = vars.iter().flat_map(|v| var_terms(v)).collect();
        let p = terms.len() + 1;
        let mut x = DMatrix::zeros(rows.len(), p);
        let mut values = Vec::with_capacity(p);
        for (i, r) in rows.iter().enumerate() {
            values.clear();
            values.push(1.0);
            for v in vars {
                var_values(v, &r.facts, &mut values).map_err(|message| PmtError::Survey {
                    line: i as u64 + 2,
                    message,
                })?;
            }
            for (j, v) in values.iter().enumerate() {
                x[(i, j)] = *v;
            }
        }
        let y = DVector::from_iterator(rows.len(), rows.iter().map(|r| r.consumption_pc_jod.ln()));
        let held = rows.iter().map(|r| r.held_out(holdout_share)).collect();
        Ok(Design {
            set,
            rows,
            terms,
            x,
            y,
            held,
        })
    }

    /// OLS on the training rows the filter keeps; returns the variant and its predictions
    /// of the hold-out rows it covers (None elsewhere).
    fn fit(
        &self,
        group: Option<&str>,
        keep: impl Fn(&SurveyRow) -> bool,
        opts: &FitOptions,
        ln_line: f64,
    ) -> Result<(Variant, Vec<Option<f64>>), PmtError> {
        let label = group.map(|g| format!(" in group {g}")).unwrap_or_default();
        let kept: Vec<bool> = self.rows.iter().map(&keep).collect();
        let train: Vec<usize> = (0..self.rows.len())
            .filter(|&i| kept[i] && !self.held[i])
            .collect();
        // Terms that do not vary in the training rows carry no information here (the
        // governorate's dummies within one governorate, a level nobody in it has).
        let mut used = vec![0usize];
        let mut dropped = Vec::new();
        for j in 1..self.x.ncols() {
            let first = train.first().map(|&i| self.x[(i, j)]);
            if train.iter().any(|&i| Some(self.x[(i, j)]) != first) {
                used.push(j);
            } else {
                dropped.push(self.terms[j - 1].clone());
            }
        }
        // Fewer than three households per term (and twenty over their number) fit noise.
        if train.len() < (used.len() * 3).max(used.len() + 20) {
            return Err(PmtError::TooFew {
                group: group.map_or("the survey".to_owned(), |g| format!("group {g}")),
                rows: train.len(),
                terms: used.len(),
            });
        }
        let a = DMatrix::from_fn(train.len(), used.len(), |r, c| self.x[(train[r], used[c])]);
        let b = DVector::from_iterator(train.len(), train.iter().map(|&i| self.y[i]));
        // Columns scaled to unit length, so the singular values speak of collinearity, not
        // of units (JOD against shares).
        let norms: Vec<f64> = a
            .column_iter()
            .map(|c| c.norm().max(f64::MIN_POSITIVE))
            .collect();
        let mut scaled = a.clone();
        for (j, n) in norms.iter().enumerate() {
            scaled.column_mut(j).unscale_mut(*n);
        }
        let svd = scaled.svd(true, true);
        let s = &svd.singular_values;
        let (max, (min_at, min)) = (
            s.max(),
            s.iter().enumerate().fold(
                (0, f64::INFINITY),
                |acc, (i, &v)| if v < acc.1 { (i, v) } else { acc },
            ),
        );
        if min <= max * 1e-9 {
            let v_t = svd.v_t.as_ref().expect("asked for V");
            let row = v_t.row(min_at);
            let mut named: Vec<(f64, String)> = row
                .iter()
                .enumerate()
                .filter(|(_, w)| w.abs() > 0.1)
                .map(|(j, w)| {
                    let name = if used[j] == 0 {
                        "the intercept".to_owned()
                    } else {
                        format!("`{}`", self.terms[used[j] - 1])
                    };
                    (-w.abs(), name)
                })
                .collect();
            named.sort_by(|a, b| a.0.total_cmp(&b.0));
            return Err(PmtError::Singular {
                group: label,
                terms: named
                    .into_iter()
                    .map(|(_, n)| n)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let beta_scaled = svd.solve(&b, 0.0).map_err(|e| invalid(e.to_string()))?;
        let beta: Vec<f64> = beta_scaled.iter().zip(&norms).map(|(b, n)| b / n).collect();
        let predict = |i: usize| -> f64 {
            used.iter()
                .zip(&beta)
                .map(|(&j, b)| self.x[(i, j)] * b)
                .sum()
        };
        let predicted: Vec<Option<f64>> = (0..self.rows.len())
            .map(|i| (kept[i] && self.held[i]).then(|| predict(i)))
            .collect();
        let mut fit = self.stats_of(&predicted, opts, ln_line);
        let train_pred: Vec<f64> = train.iter().map(|&i| predict(i)).collect();
        fit.r2_train = r2(train.iter().map(|&i| self.y[i]).zip(train_pred));
        fit.train = train.len() as u64;
        let coefficients = used[1..]
            .iter()
            .zip(&beta[1..])
            .map(|(&j, b)| (self.terms[j - 1].clone(), round6(*b)))
            .collect();
        Ok((
            Variant {
                set: self.set,
                group: group.map(str::to_owned),
                intercept: round6(beta[0]),
                coefficients,
                dropped,
                fit,
            },
            predicted,
        ))
    }

    /// Hold-out statistics of predictions (None: not held out or not covered).
    fn stats_of(&self, predicted: &[Option<f64>], opts: &FitOptions, ln_line: f64) -> FitStats {
        let pairs: Vec<(f64, f64)> = predicted
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|p| (self.y[i], p)))
            .collect();
        targeting_stats(&pairs, opts.coverage, ln_line, r2(pairs.iter().copied()))
    }

    /// A hand-weighted sum on the hold-out: R² and RMSE of its best linear calibration on
    /// the training rows (a sum of points has no units), errors from its ranking.
    fn calibrated_stats(&self, score: &[f64], opts: &FitOptions, ln_line: f64) -> FitStats {
        let train: Vec<usize> = (0..self.rows.len()).filter(|&i| !self.held[i]).collect();
        let n = train.len() as f64;
        let (mx, my) = (
            train.iter().map(|&i| score[i]).sum::<f64>() / n,
            train.iter().map(|&i| self.y[i]).sum::<f64>() / n,
        );
        let sxy: f64 = train
            .iter()
            .map(|&i| (score[i] - mx) * (self.y[i] - my))
            .sum();
        let sxx: f64 = train.iter().map(|&i| (score[i] - mx).powi(2)).sum();
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let calibrated = |i: usize| my + slope * (score[i] - mx);
        let pairs: Vec<(f64, f64)> = (0..self.rows.len())
            .filter(|&i| self.held[i])
            .map(|i| (self.y[i], calibrated(i)))
            .collect();
        let mut s = targeting_stats(&pairs, opts.coverage, ln_line, r2(pairs.iter().copied()));
        s.train = train.len() as u64;
        s.r2_train = r2(train.iter().map(|&i| (self.y[i], calibrated(i))));
        s
    }
}

fn r2(pairs: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    let n = pairs.clone().count() as f64;
    if n == 0.0 {
        return 0.0;
    }
    let mean = pairs.clone().map(|(y, _)| y).sum::<f64>() / n;
    let sst: f64 = pairs.clone().map(|(y, _)| (y - mean).powi(2)).sum();
    let sse: f64 = pairs.map(|(y, p)| (y - p).powi(2)).sum();
    round6(if sst > 0.0 { 1.0 - sse / sst } else { 0.0 })
}

/// Inclusion and exclusion errors of selecting the `coverage` share with the lowest
/// prediction, against the truth (ln consumption under ln line).
fn targeting_stats(pairs: &[(f64, f64)], coverage: f64, ln_line: f64, r2: f64) -> FitStats {
    let n = pairs.len();
    let rmse = if n == 0 {
        0.0
    } else {
        (pairs.iter().map(|(y, p)| (y - p).powi(2)).sum::<f64>() / n as f64).sqrt()
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| pairs[a].1.total_cmp(&pairs[b].1).then(a.cmp(&b)));
    let take = ((n as f64) * coverage).round() as usize;
    let poor = pairs.iter().filter(|(y, _)| *y < ln_line).count();
    let selected_poor = order[..take.min(n)]
        .iter()
        .filter(|&&i| pairs[i].0 < ln_line)
        .count();
    FitStats {
        train: 0,
        holdout: n as u64,
        r2,
        r2_train: 0.0,
        rmse: round6(rmse),
        coverage,
        poor_share: round6(ratio(poor, n)),
        inclusion_error: round6(1.0 - ratio(selected_poor, take)),
        exclusion_error: round6(1.0 - ratio(selected_poor, poor)),
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl Model {
    pub fn from_json(text: &str) -> Result<Model, PmtError> {
        serde_json::from_str(text).map_err(|e| PmtError::Json(e.to_string()))
    }

    /// Checks a model read from a file against the facts: every variable a fact, every
    /// coefficient a term, a pooled variant for each set.
    pub fn check(&self, facts: &FactsDef) -> Result<(), PmtError> {
        Spec {
            name: self.name.clone(),
            target: self.target.clone(),
            poverty_line_jod: self.poverty_line_jod,
            variables: self.variables.clone(),
            hand_weights: self.hand_weights.clone(),
        }
        .check(facts)?;
        let terms = terms_of(&self.variables);
        for v in &self.variants {
            for (t, b) in &v.coefficients {
                if !terms.contains(t) {
                    return Err(invalid(format!("variant {}: no term `{t}`", v.key())));
                }
                if !b.is_finite() {
                    return Err(invalid(format!(
                        "variant {}: `{t}` is not a number",
                        v.key()
                    )));
                }
            }
        }
        for set in [Set::Answers, Set::Registries] {
            if !self
                .variants
                .iter()
                .any(|v| v.set == set && v.group.is_none())
            {
                return Err(invalid(format!("no pooled variant for the {set:?} set")));
            }
        }
        Ok(())
    }

    pub fn ln_line(&self) -> f64 {
        self.poverty_line_jod.ln()
    }

    /// The variant that scores a household: the answers' set when it applied (its
    /// answer-only facts are present), its group's when the model has one.
    fn variant_for(&self, facts: &BTreeMap<String, Json>, applied: bool) -> &Variant {
        let set = if applied {
            Set::Answers
        } else {
            Set::Registries
        };
        let group = self
            .by
            .and_then(|b| facts.get(b.fact()))
            .filter(|v| !v.is_null())
            .map(group_key);
        self.variants
            .iter()
            .find(|v| v.set == set && v.group.is_some() && v.group == group)
            .or_else(|| {
                self.variants
                    .iter()
                    .find(|v| v.set == set && v.group.is_none())
            })
            .expect("checked: a pooled variant per set")
    }

    /// Scores a household from its facts. A fact the variant needs that is missing is an
    /// error (never a silent zero).
    pub fn score(&self, facts: &BTreeMap<String, Json>, applied: bool) -> Result<Score, String> {
        let variant = self.variant_for(facts, applied);
        let mut values = Vec::new();
        let mut names = Vec::new();
        for v in &self.variables {
            let terms = var_terms(v);
            if !variant.coefficients.iter().any(|(t, _)| terms.contains(t)) {
                continue;
            }
            var_values(v, facts, &mut values)?;
            names.extend(terms);
        }
        let mut terms = Vec::with_capacity(variant.coefficients.len() + 1);
        terms.push(("intercept".to_owned(), 1.0, variant.intercept));
        let mut value = variant.intercept;
        for (t, b) in &variant.coefficients {
            let x = names
                .iter()
                .position(|n| n == t)
                .map(|i| values[i])
                .unwrap_or(0.0);
            let c = b * x;
            value += c;
            terms.push((t.clone(), x, c));
        }
        Ok(Score {
            variant: variant.key(),
            value,
            consumption_pc_jod: value.exp(),
            poor: value < self.ln_line(),
            terms,
        })
    }
}
