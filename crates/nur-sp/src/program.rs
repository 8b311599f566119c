//! A social program as configuration: its names, owner and target group; inclusion rules
//! (all must hold) and exclusion rules (any one excludes) in CEL over the household's facts,
//! its registry inputs and its score; a benefit formula in CEL giving fils; a quota, a
//! budget and quotas per governorate. A rule that does not compile, or that fails on the
//! reference household (an unknown fact, a string compared with a number, a division by
//! zero there), is refused when the program is read, with the rule named and, for a parse
//! error, its line and column.
//!
//! Rules see `facts` (the household's facts), `hh` (its registry inputs summed over the
//! members), `applied` (whether it has a submitted application) and `score` (`value`, the
//! ln of predicted consumption per person; `consumption_pc_jod`; `poverty_line_jod`;
//! `poor`). What the rules need of members they reach through the facts (`facts.disabled`,
//! `facts.elderly`): a national run then needs no member rows.

use crate::expr::{self, Expr, ExprError};
use crate::facts::{self, FactsDef};
use crate::form::Label;
use crate::pmt::Score;
use cel::{Context, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub rule: String,
    pub label: Label,
    #[serde(skip)]
    compiled: Option<Expr>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ProgramDef {
    /// A short name (`UCT`): letters, digits and `-`, at most 16.
    pub code: String,
    #[serde(default)]
    pub version: u32,
    pub name: Label,
    /// The entity that owns the program (NAF, an NGO).
    pub owner: String,
    pub target_group: Label,
    #[serde(default)]
    pub inclusion: Vec<Rule>,
    #[serde(default)]
    pub exclusion: Vec<Rule>,
    /// CEL giving the benefit of one household per cycle, an integer number of fils.
    pub benefit: String,
    /// At most this many households.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<i64>,
    /// At most this share of all households (so a program keeps its reach on any
    /// population: UCT's 123,000 of Jordan's 2.345M households is 0.0525).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_share: Option<f64>,
    /// At most this many fils per cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_fils: Option<i64>,
    /// At most this many households per governorate (code → households).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub governorate_quotas: BTreeMap<String, i64>,
    /// At most this many fils per household and cycle, whatever the benefit formula gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefit_cap_fils: Option<i64>,
    /// Days within which an appeal against the program's decisions is decided (30 when
    /// not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_sla_days: Option<u32>,
    #[serde(skip)]
    benefit_compiled: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgramError {
    #[error("the program is not valid JSON for a program: {0}")]
    Json(String),
    #[error(transparent)]
    Expr(#[from] ExprError),
    #[error("{at}: {message}")]
    Invalid { at: String, message: String },
}

fn invalid(at: impl Into<String>, message: impl Into<String>) -> ProgramError {
    ProgramError::Invalid {
        at: at.into(),
        message: message.into(),
    }
}

/// How one rule came out for a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "error")]
pub enum Outcome {
    Holds,
    Fails,
    /// It could not be decided (a fact missing, a wrong type): the household is not
    /// eligible, and the error is counted and shown.
    Error(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    pub kind: RuleKind,
    pub name: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Inclusion,
    Exclusion,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub eligible: bool,
    pub rules: Vec<RuleOutcome>,
    /// The benefit in fils, when eligible and the formula gave one.
    pub benefit_fils: Option<i64>,
    /// Why the household could not be decided (a rule or the benefit failed).
    pub error: Option<String>,
}

impl ProgramDef {
    pub fn from_json(text: &str, facts: &FactsDef) -> Result<ProgramDef, ProgramError> {
        let mut p: ProgramDef =
            serde_json::from_str(text).map_err(|e| ProgramError::Json(e.to_string()))?;
        p.prepare(facts)?;
        Ok(p)
    }

    /// The six pilots Jordan's NUR-SP ships.
    pub fn jordan_pilots(facts: &FactsDef) -> Vec<ProgramDef> {
        [
            include_str!("../config/programs/uct.json"),
            include_str!("../config/programs/hip.json"),
            include_str!("../config/programs/energy.json"),
            include_str!("../config/programs/housing.json"),
            include_str!("../config/programs/rehab.json"),
            include_str!("../config/programs/ngo-inkind.json"),
        ]
        .into_iter()
        .map(|t| ProgramDef::from_json(t, facts).expect("the embedded pilots are valid"))
        .collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain data")
    }

    /// Checks the fields, compiles every rule and the benefit, and tries them on the
    /// reference household (with and without answers).
    fn prepare(&mut self, facts: &FactsDef) -> Result<(), ProgramError> {
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 16
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !code_ok {
            return Err(invalid(
                "code",
                "a program code is 1 to 16 letters, digits or `-` (e.g. UCT)",
            ));
        }
        if self.name.ar.trim().is_empty() || self.name.en.trim().is_empty() {
            return Err(invalid(
                "name",
                "the program needs a name in Arabic and in English",
            ));
        }
        if self.owner.trim().is_empty() {
            return Err(invalid("owner", "the program needs an owning entity"));
        }
        if let Some(q) = self.quota.filter(|q| *q < 0) {
            return Err(invalid(
                "quota",
                format!("{q}: a quota is 0 households or more"),
            ));
        }
        if let Some(s) = self.quota_share.filter(|s| !(*s > 0.0 && *s <= 1.0)) {
            return Err(invalid(
                "quota_share",
                format!("{s}: a share is above 0 and at most 1"),
            ));
        }
        if let Some(b) = self.budget_fils.filter(|b| *b < 0) {
            return Err(invalid(
                "budget_fils",
                format!("{b}: a budget is 0 fils or more"),
            ));
        }
        if let Some(c) = self.benefit_cap_fils.filter(|c| *c < 0) {
            return Err(invalid(
                "benefit_cap_fils",
                format!("{c}: a cap is 0 fils or more"),
            ));
        }
        if let Some(d) = self.appeal_sla_days.filter(|d| !(1..=365).contains(d)) {
            return Err(invalid(
                "appeal_sla_days",
                format!("{d}: appeals are decided within 1 to 365 days"),
            ));
        }
        for (g, q) in &self.governorate_quotas {
            if *q < 0 {
                return Err(invalid(
                    format!("governorate_quotas.{g}"),
                    format!("{q}: a quota is 0 households or more"),
                ));
            }
        }
        let mut names = std::collections::HashSet::new();
        for (kind, rules) in [
            ("inclusion", &mut self.inclusion),
            ("exclusion", &mut self.exclusion),
        ] {
            for (i, r) in rules.iter_mut().enumerate() {
                let at = format!("{kind}[{i}] ({})", r.name);
                if !names.insert(r.name.clone()) {
                    return Err(invalid(at, "two rules have this name"));
                }
                r.compiled = Some(Expr::compile(&at, &r.rule)?);
                known_names(&at, &r.rule, facts)?;
            }
        }
        self.benefit_compiled = Some(Expr::compile("benefit", &self.benefit)?);
        known_names("benefit", &self.benefit, facts)?;
        let root = expr::root();
        // The complete reference household: every fact present, so a rule naming an unknown
        // fact or comparing a text with a number fails here, not in a national run.
        {
            let answers = true;
            let input = facts::reference_household(answers);
            let f = facts.compute(&root, &input);
            let score = Score {
                variant: "reference".into(),
                value: 4.0,
                consumption_pc_jod: 4f64.exp(),
                poor: true,
                terms: Vec::new(),
            };
            let scope = scope(&root, &f.values, &f.inputs, Some(&score), 68.0, answers);
            for (kind, r) in self.rules() {
                match r.compiled.as_ref().expect("compiled").eval(&scope) {
                    Ok(Value::Bool(_)) => {}
                    Ok(other) => {
                        return Err(invalid(
                            format!("{kind:?} rule {}", r.name).to_lowercase(),
                            format!("`{}` gives {other:?}, not true or false", r.rule),
                        ))
                    }
                    Err(e) => {
                        return Err(invalid(
                            format!("{kind:?} rule {}", r.name).to_lowercase(),
                            format!("`{}` fails on a household of one: {e}", r.rule),
                        ))
                    }
                }
            }
            if let Err(e) = self.benefit_of(&scope) {
                return Err(invalid("benefit", e));
            }
        }
        Ok(())
    }

    fn rules(&self) -> impl Iterator<Item = (RuleKind, &Rule)> {
        self.inclusion
            .iter()
            .map(|r| (RuleKind::Inclusion, r))
            .chain(self.exclusion.iter().map(|r| (RuleKind::Exclusion, r)))
    }

    pub fn rule_source(&self, name: &str) -> Option<&str> {
        self.rules()
            .find(|(_, r)| r.name == name)
            .map(|(_, r)| r.rule.as_str())
    }

    pub fn rule_label(&self, name: &str) -> Option<&Label> {
        self.rules()
            .find(|(_, r)| r.name == name)
            .map(|(_, r)| &r.label)
    }

    /// The benefit formula in a household's scope, whatever its rules say (an overturned
    /// appeal pays a household its rules refused).
    pub fn benefit_of(&self, scope: &Context<'_, '_>) -> Result<i64, String> {
        match self
            .benefit_compiled
            .as_ref()
            .expect("compiled")
            .eval(scope)
        {
            Ok(Value::Int(f)) if f >= 0 => Ok(f),
            Ok(Value::UInt(f)) => i64::try_from(f).map_err(|_| format!("{f} fils is too large")),
            Ok(Value::Int(f)) => Err(format!("the benefit is {f} fils, below 0")),
            Ok(other) => Err(format!(
                "`{}` gives {other:?}, not a whole number of fils (use int(…))",
                self.benefit
            )),
            Err(e) => Err(format!("`{}` fails: {e}", self.benefit)),
        }
    }

    /// Decides one household in its scope ([`scope`]): every inclusion rule must hold and
    /// no exclusion rule may; then the benefit.
    pub fn decide(&self, scope: &Context<'_, '_>) -> Decision {
        let mut rules = Vec::with_capacity(self.inclusion.len() + self.exclusion.len());
        for (kind, r) in self.rules() {
            let outcome = match r.compiled.as_ref().expect("compiled").eval(scope) {
                Ok(Value::Bool(true)) => Outcome::Holds,
                Ok(Value::Bool(false)) => Outcome::Fails,
                Ok(other) => Outcome::Error(format!("gives {other:?}, not true or false")),
                Err(e) => Outcome::Error(e),
            };
            rules.push(RuleOutcome {
                kind,
                name: r.name.clone(),
                outcome,
            });
        }
        // A rule that could not be decided matters only when no other rule already decides
        // (a household that did not apply fails `applied` before its dwelling is read).
        let refused = rules.iter().any(|r| {
            matches!(
                (r.kind, &r.outcome),
                (RuleKind::Inclusion, Outcome::Fails) | (RuleKind::Exclusion, Outcome::Holds)
            )
        });
        let mut error = if refused {
            None
        } else {
            rules.iter().find_map(|r| match &r.outcome {
                Outcome::Error(e) => Some(format!("{}: {e}", r.name)),
                _ => None,
            })
        };
        let mut eligible = !refused && error.is_none();
        let benefit_fils = if eligible {
            match self.benefit_of(scope) {
                Ok(f) => Some(f),
                Err(e) => {
                    eligible = false;
                    error = Some(format!("benefit: {e}"));
                    None
                }
            }
        } else {
            None
        };
        Decision {
            eligible,
            rules,
            benefit_fils,
            error,
        }
    }
}

/// Every `facts.x`, `hh.x` and `score.x` a rule names exists. CEL's `&&` and `||` absorb
/// an error when the other side decides, so an unknown name would otherwise pass the
/// reference household unseen and decide nothing for anyone.
fn known_names(at: &str, source: &str, facts: &FactsDef) -> Result<(), ProgramError> {
    const SCORE: &[&str] = &["value", "consumption_pc_jod", "poverty_line_jod", "poor"];
    let bytes = source.as_bytes();
    for root in ["facts.", "hh.", "score."] {
        let mut from = 0;
        while let Some(i) = source[from..].find(root).map(|i| i + from) {
            from = i + root.len();
            let preceded = i > 0
                && (bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'_'
                    || bytes[i - 1] == b'.');
            if preceded {
                continue;
            }
            let name: String = source[from..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let known = match root {
                "facts." => facts.fact(&name).is_some(),
                "hh." => facts.input(&name).is_some(),
                _ => SCORE.contains(&name.as_str()),
            };
            if !known {
                return Err(invalid(
                    at,
                    format!("`{root}{name}`: no such name (rules read the household facts, `hh` its registry inputs, `score` value, consumption_pc_jod, poverty_line_jod, poor)"),
                ));
            }
        }
    }
    Ok(())
}

/// A household's scope for rules: its facts, inputs, score and whether it applied.
pub fn scope<'r>(
    root: &'r Context<'_, '_>,
    facts: &BTreeMap<String, Json>,
    inputs: &BTreeMap<String, Json>,
    score: Option<&Score>,
    poverty_line_jod: f64,
    applied: bool,
) -> Context<'r, 'r> {
    let mut s = root.new_inner_scope();
    s.add_variable_from_value(
        "facts",
        expr::map(facts.iter().map(|(k, v)| (k.as_str(), expr::from_json(v)))),
    );
    s.add_variable_from_value(
        "hh",
        expr::map(inputs.iter().map(|(k, v)| (k.as_str(), expr::from_json(v)))),
    );
    s.add_variable_from_value("applied", Value::Bool(applied));
    if let Some(score) = score {
        s.add_variable_from_value(
            "score",
            expr::map([
                ("value", Value::Float(score.value)),
                ("consumption_pc_jod", Value::Float(score.consumption_pc_jod)),
                ("poverty_line_jod", Value::Float(poverty_line_jod)),
                ("poor", Value::Bool(score.poor)),
            ]),
        );
    }
    s
}
