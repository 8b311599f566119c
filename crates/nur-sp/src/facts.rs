//! Household facts: derived variables declared in a data file and computed in CEL over a
//! household's answers and its members' registry records — members, children, dependency
//! ratio, verified formal income per person, newest vehicle's age, business capital, … The
//! same code serves one household (after a submission or a registry change) and every
//! household of the country (`nur sp facts`).
//!
//! Registry records enter through *inputs*: per member, one aggregate (count, sum, max,
//! exists) of one table's rows, optionally filtered by coded values (an active SSC
//! subscription, a valid disability card). Each input is seen per member (`m.cars`) and
//! summed or maximised over the household (`hh.cars`); the facts are CEL over `members`,
//! `hh`, `answers`, `governorate` and `as_of_year`.

use crate::expr::{self, Expr, ExprError};
use crate::form::Label;
use cel::{Context, Value};
use nur_core::{Catalog, ColumnType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Agg {
    Count,
    Sum,
    Max,
    Exists,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InputDef {
    pub name: String,
    pub table: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub agg: Agg,
    /// Only rows whose column holds one of these values count.
    #[serde(default, rename = "where", skip_serializing_if = "BTreeMap::is_empty")]
    pub filter: BTreeMap<String, Vec<String>>,
    pub label: Label,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactType {
    Int,
    Double,
    Bool,
    Text,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FactDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FactType,
    pub expr: String,
    /// Computed only for a household that applied (it reads the answers).
    #[serde(default)]
    pub needs_answers: bool,
    pub label: Label,
    #[serde(skip)]
    compiled: Option<Expr>,
}

/// How a declared answer is compared with the registries (`verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// A count declared lower than the registries' (fewer cars than DVLD holds).
    DeclaredFewer,
    /// A "no" where the registries hold something (a business).
    DeclaredFalse,
    /// An amount declared below the registries' total by more than the tolerance (a share).
    DeclaredBelow,
}

/// A comparison of one answer with the household's sum of some inputs.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckDef {
    pub kind: String,
    /// The answer's dotted path (`assets.cars`).
    pub declared: String,
    pub inputs: Vec<String>,
    pub compare: Compare,
    #[serde(default)]
    pub tolerance: f64,
    pub label: Label,
}

/// Where the civil registry records deaths (a member with a death record is refused).
#[derive(Debug, Serialize, Deserialize)]
pub struct DeathsDef {
    pub table: String,
    pub date: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FactsDef {
    pub name: String,
    pub version: u32,
    pub deaths: DeathsDef,
    pub inputs: Vec<InputDef>,
    #[serde(default)]
    pub checks: Vec<CheckDef>,
    pub facts: Vec<FactDef>,
}

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("the facts definition is not valid JSON for facts: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Expr(#[from] ExprError),
    #[error("{at}: {message}")]
    Invalid { at: String, message: String },
}

/// One member as the facts see them. Only living members are given.
#[derive(Debug, Clone, Default)]
pub struct MemberInput {
    pub national_number: String,
    pub age: i64,
    pub female: bool,
    pub head: bool,
    /// The member's answers (`household.members[i]`), when the household applied.
    pub declared: Option<Map<String, Json>>,
    /// The member's registry rows by table, as the program's entity may see them.
    pub records: BTreeMap<String, Vec<Map<String, Json>>>,
}

#[derive(Debug, Clone, Default)]
pub struct HouseholdInput {
    pub household: String,
    pub governorate: Option<String>,
    pub as_of_year: i32,
    pub members: Vec<MemberInput>,
    pub answers: Option<Json>,
}

/// A household's facts, and the household-level inputs they were computed from (kept with
/// them, so every fact can be explained and re-computed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Facts {
    pub values: BTreeMap<String, Json>,
    pub inputs: BTreeMap<String, Json>,
    /// Facts that could not be computed, with why (stored as null).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

fn invalid(at: String, message: impl Into<String>) -> FactsError {
    FactsError::Invalid {
        at,
        message: message.into(),
    }
}

impl FactsDef {
    /// Jordan's household facts, version 1.
    pub fn jordan(catalog: &Catalog) -> FactsDef {
        FactsDef::from_json(include_str!("../config/jordan-facts.json"), catalog)
            .expect("the embedded facts are valid")
    }

    /// Reads a definition, checks its tables and columns against the catalog, compiles every
    /// expression, and evaluates each fact on a reference household (with and without
    /// answers) so a fact of the wrong type or naming an unknown variable is refused now,
    /// not in the middle of a national run.
    pub fn from_json(text: &str, catalog: &Catalog) -> Result<FactsDef, FactsError> {
        let mut def: FactsDef = serde_json::from_str(text)?;
        if catalog
            .table(&def.deaths.table)
            .and_then(|t| t.column(&def.deaths.date))
            .is_none()
        {
            return Err(invalid(
                "deaths".into(),
                format!(
                    "no column {}.{} in the catalog",
                    def.deaths.table, def.deaths.date
                ),
            ));
        }
        let mut names = std::collections::HashSet::new();
        for (i, input) in def.inputs.iter().enumerate() {
            let at = format!("inputs[{i}] ({})", input.name);
            if !names.insert(input.name.clone()) {
                return Err(invalid(at, "two inputs have this name"));
            }
            let Some(t) = catalog.table(&input.table) else {
                return Err(invalid(
                    at,
                    format!("no table `{}` in the catalog", input.table),
                ));
            };
            let numeric = |c: &str| {
                t.column(c)
                    .map(|c| matches!(c.ty, ColumnType::Integer | ColumnType::Decimal))
            };
            match (&input.column, input.agg) {
                (None, Agg::Count | Agg::Exists) => {}
                (Some(c), Agg::Sum | Agg::Max) => match numeric(c) {
                    Some(true) => {}
                    Some(false) => return Err(invalid(at, format!("`{c}` is not a number"))),
                    None => return Err(invalid(at, format!("no column `{c}` in {}", t.name))),
                },
                _ => {
                    return Err(invalid(
                        at,
                        "count and exists take no column; sum and max need one",
                    ))
                }
            }
            for c in input.filter.keys() {
                if t.column(c).is_none() {
                    return Err(invalid(at, format!("no column `{c}` in {}", t.name)));
                }
            }
        }
        for (i, c) in def.checks.iter().enumerate() {
            for input in &c.inputs {
                if !names.contains(input) {
                    return Err(invalid(
                        format!("checks[{i}] ({})", c.kind),
                        format!("no input `{input}`"),
                    ));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, f) in def.facts.iter_mut().enumerate() {
            if !seen.insert(f.name.clone()) {
                return Err(invalid(
                    format!("facts[{i}] ({})", f.name),
                    "two facts have this name",
                ));
            }
            f.compiled = Some(Expr::compile(&format!("facts[{i}] ({})", f.name), &f.expr)?);
        }
        let root = expr::root();
        for answers in [true, false] {
            let facts = def.compute(&root, &reference_household(answers));
            if let Some(e) = facts.errors.first() {
                return Err(invalid("facts".into(), e.clone()));
            }
        }
        Ok(def)
    }

    /// The registry tables the inputs read.
    pub fn tables(&self) -> Vec<&str> {
        let mut t: Vec<&str> = self.inputs.iter().map(|i| i.table.as_str()).collect();
        t.sort_unstable();
        t.dedup();
        t
    }

    pub fn input(&self, name: &str) -> Option<&InputDef> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// Whether a registry row counts for an input (its filter holds).
    pub fn counts(&self, input: &InputDef, row: &Map<String, Json>) -> bool {
        input.filter.iter().all(|(c, allowed)| {
            row.get(c)
                .map(cell_text)
                .is_some_and(|v| allowed.contains(&v))
        })
    }

    pub fn fact(&self, name: &str) -> Option<&FactDef> {
        self.facts.iter().find(|f| f.name == name)
    }

    /// One member's value of each input.
    fn member_inputs(&self, m: &MemberInput) -> Vec<Value> {
        self.inputs
            .iter()
            .map(|input| {
                let rows = m
                    .records
                    .get(&input.table)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let rows = rows.iter().filter(|r| self.counts(input, r));
                let col = input.column.as_deref().unwrap_or_default();
                match input.agg {
                    Agg::Count => Value::Int(rows.count() as i64),
                    Agg::Exists => Value::Bool(rows.count() > 0),
                    Agg::Sum => {
                        Value::Float(rows.filter_map(|r| r.get(col).and_then(Json::as_f64)).sum())
                    }
                    Agg::Max => Value::Float(
                        rows.filter_map(|r| r.get(col).and_then(Json::as_f64))
                            .fold(0.0, f64::max),
                    ),
                }
            })
            .collect()
    }

    /// The household's facts. `root` is a context built once per thread ([`expr::root`]).
    pub fn compute(&self, root: &Context<'_, '_>, h: &HouseholdInput) -> Facts {
        let per_member: Vec<Vec<Value>> = h.members.iter().map(|m| self.member_inputs(m)).collect();
        let mut hh = Vec::with_capacity(self.inputs.len());
        let mut inputs = BTreeMap::new();
        for (i, input) in self.inputs.iter().enumerate() {
            let values = per_member.iter().map(|v| &v[i]);
            let total = match input.agg {
                Agg::Count => Value::Int(
                    values
                        .map(|v| if let Value::Int(n) = v { *n } else { 0 })
                        .sum(),
                ),
                Agg::Exists => Value::Bool(values.into_iter().any(|v| *v == Value::Bool(true))),
                Agg::Sum => Value::Float(round3(
                    values
                        .map(|v| if let Value::Float(x) = v { *x } else { 0.0 })
                        .sum(),
                )),
                Agg::Max => Value::Float(
                    values
                        .map(|v| if let Value::Float(x) = v { *x } else { 0.0 })
                        .fold(0.0, f64::max),
                ),
            };
            // A year is an integer to the rules that read it (`as_of_year - hh.newest_car_year`).
            let total = match (&total, input.agg) {
                (Value::Float(x), Agg::Max) if x.fract() == 0.0 => Value::Int(*x as i64),
                _ => total,
            };
            inputs.insert(input.name.clone(), expr::to_json(&total));
            hh.push((input.name.as_str(), total));
        }
        let members: Vec<expr::Bound> = h
            .members
            .iter()
            .zip(&per_member)
            .map(|(m, values)| {
                let d = |k: &str| m.declared.as_ref().and_then(|d| d.get(k));
                let flag = |k: &str| Value::Bool(d(k).and_then(Json::as_bool).unwrap_or(false));
                let word = |k: &str| expr::text(d(k).and_then(Json::as_str).unwrap_or(""));
                let mut entries: Vec<(&str, Value)> = vec![
                    ("national_number", expr::text(&m.national_number)),
                    ("age", Value::Int(m.age)),
                    ("female", Value::Bool(m.female)),
                    ("head", Value::Bool(m.head)),
                    ("education", word("education")),
                    ("work", word("work")),
                    ("declared_disability", flag("disability")),
                    ("declared_chronic_illness", flag("chronic_illness")),
                ];
                for (input, v) in self.inputs.iter().zip(values) {
                    let v = match (v, input.agg) {
                        (Value::Float(x), Agg::Max) if x.fract() == 0.0 => Value::Int(*x as i64),
                        _ => v.clone(),
                    };
                    entries.push((input.name.as_str(), v));
                }
                expr::shared_map(entries)
            })
            .collect();
        let mut scope = root.new_inner_scope();
        scope.add_variable_as_val("members", expr::bound_list(members));
        scope.add_variable_from_value("hh", expr::map(hh));
        scope.add_variable_from_value(
            "answers",
            h.answers
                .as_ref()
                .map(expr::from_json)
                .unwrap_or_else(|| expr::map([])),
        );
        scope.add_variable_from_value(
            "governorate",
            h.governorate
                .as_deref()
                .map(expr::text)
                .unwrap_or(Value::Null),
        );
        scope.add_variable_from_value("as_of_year", Value::Int(i64::from(h.as_of_year)));
        let mut values = BTreeMap::new();
        let mut errors = Vec::new();
        for f in &self.facts {
            if f.needs_answers && h.answers.is_none() {
                values.insert(f.name.clone(), Json::Null);
                continue;
            }
            let got = f.compiled.as_ref().expect("compiled at load").eval(&scope);
            let v = match got.map(|v| typed(f.ty, v)) {
                Ok(Some(v)) => v,
                Ok(None) => {
                    errors.push(format!(
                        "{}: `{}` is not of type {:?}",
                        f.name, f.expr, f.ty
                    ));
                    Json::Null
                }
                Err(e) if h.members.is_empty() => {
                    // A household with no living member has no facts to speak of.
                    let _ = e;
                    Json::Null
                }
                Err(e) => {
                    errors.push(format!("{}: {e}", f.name));
                    Json::Null
                }
            };
            values.insert(f.name.clone(), v);
        }
        Facts {
            values,
            inputs,
            errors,
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn cell_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A result as its declared type (an int where a double is declared is widened).
fn typed(ty: FactType, v: Value) -> Option<Json> {
    match (ty, v) {
        (FactType::Int, Value::Int(i)) => Some(Json::from(i)),
        (FactType::Int, Value::UInt(u)) => Some(Json::from(u)),
        (FactType::Double, Value::Float(x)) => Some(Json::from(round3(x))),
        (FactType::Double, Value::Int(i)) => Some(Json::from(i as f64)),
        (FactType::Bool, Value::Bool(b)) => Some(Json::from(b)),
        (FactType::Text, Value::String(s)) => Some(Json::from(s.as_str())),
        (_, Value::Null) => Some(Json::Null),
        _ => None,
    }
}

/// A household of one, with or without complete answers: what a definition (and a rule
/// over its facts) is tried on when it is loaded.
pub fn reference_household(with_answers: bool) -> HouseholdInput {
    let answers = with_answers.then(reference_answers);
    HouseholdInput {
        household: "reference".into(),
        governorate: Some("11".into()),
        as_of_year: 2026,
        members: vec![MemberInput {
            national_number: "9801012345".into(),
            age: 40,
            head: true,
            declared: answers
                .as_ref()
                .and_then(|a| a.pointer("/household/members/0"))
                .and_then(|m| m.as_object().cloned()),
            ..Default::default()
        }],
        answers,
    }
}

/// A household's complete answers, for checking a definition when it is loaded.
fn reference_answers() -> Json {
    serde_json::json!({
        "household": {"civil_record_id": "1000001", "governorate": "11", "area": "urban",
            "members": [{"national_number": "9801012345", "relation": "head", "birth_date": "1980-05-01",
                "gender": "male", "education": "basic", "work": "informal",
                "disability": false, "chronic_illness": false}]},
        "dwelling": {"walls": "concrete", "roof": "concrete", "floor": "tiles", "rooms": 3,
            "tenure": "owned", "water": "network", "toilet": "sewer"},
        "assets": {"fridge": true, "washing_machine": true, "tv": true, "air_conditioner": false,
            "computer": false, "livestock": 0, "cars": 0, "land_parcels": 0, "business": false},
        "income": {"formal_jod": 0, "informal_jod": 150, "other_aid_jod": 0},
        "utilities": {"electricity_kwh": 250, "water_m3": 12},
        "contact": {"mobile": "+962791234567"},
        "payment": {"method": "bank", "iban": "JO94CBJO0010000000000131000302"}
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(v: Json) -> Vec<Map<String, Json>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect()
    }

    fn household(answers: Option<Json>) -> HouseholdInput {
        let head = MemberInput {
            national_number: "9801012345".into(),
            age: 46,
            head: true,
            records: [
                ("SSC_Insured_Info".to_string(), rows(json!([{"Insured_Status": "1", "Current_Salary": 420.5}]))),
                ("DVLD_Car_Info".to_string(), rows(json!([{"Model_Year": 2015}, {"Model_Year": 2023}]))),
                ("CCD_Companies".to_string(), rows(json!([{"Company_Status": "1", "Capital": 5000.0}, {"Company_Status": "3", "Capital": 90000.0}]))),
            ]
            .into(),
            ..Default::default()
        };
        let wife = MemberInput {
            national_number: "9832054321".into(),
            age: 43,
            female: true,
            records: [(
                "SSC_Insured_Info".to_string(),
                rows(json!([{"Insured_Status": "2", "Current_Salary": 300.0}])),
            )]
            .into(),
            ..Default::default()
        };
        let child = MemberInput {
            national_number: "2201098765".into(),
            age: 3,
            ..Default::default()
        };
        let grandmother = MemberInput {
            national_number: "9452098765".into(),
            age: 81,
            female: true,
            records: [(
                "HCD_Disability_Cards".to_string(),
                rows(json!([{"Card_Status": "1"}])),
            )]
            .into(),
            ..Default::default()
        };
        HouseholdInput {
            household: "1000042".into(),
            governorate: Some("15".into()),
            as_of_year: 2026,
            members: vec![head, wife, child, grandmother],
            answers,
        }
    }

    #[test]
    fn facts_from_registries_alone() {
        let cat = Catalog::jordan();
        let def = FactsDef::jordan(&cat);
        let root = expr::root();
        let f = def.compute(&root, &household(None));
        assert_eq!(f.errors, Vec::<String>::new());
        let v = &f.values;
        assert_eq!(v["members"], json!(4));
        assert_eq!(v["children_under_5"], json!(1));
        assert_eq!(v["elderly"], json!(1));
        assert_eq!(v["disabled"], json!(1), "the grandmother's valid card");
        assert_eq!(v["dependency_ratio"], json!(1.0));
        assert_eq!(
            v["formal_workers"],
            json!(1),
            "the wife's subscription is not active"
        );
        assert_eq!(v["formal_income_jod"], json!(420.5));
        assert_eq!(v["formal_income_pc_jod"], json!(105.125));
        assert_eq!(v["cars"], json!(2));
        assert_eq!(v["newest_car_age"], json!(3));
        assert_eq!(
            v["business_capital_jod"],
            json!(5000.0),
            "the dissolved company is not counted"
        );
        assert_eq!(v["governorate"], json!("15"));
        assert_eq!(v["head_female"], json!(false));
        assert_eq!(
            v["rooms_per_person"],
            Json::Null,
            "no answers, no dwelling facts"
        );
        assert_eq!(f.inputs["ssc_salary_jod"], json!(420.5));
    }

    #[test]
    fn facts_with_answers() {
        let cat = Catalog::jordan();
        let def = FactsDef::jordan(&cat);
        let root = expr::root();
        let mut a = crate::tests::application();
        a["dwelling"]["rooms"] = json!(2);
        let mut h = household(Some(a.clone()));
        h.members[0].declared = a
            .pointer("/household/members/0")
            .unwrap()
            .as_object()
            .cloned();
        let f = def.compute(&root, &h);
        assert_eq!(f.errors, Vec::<String>::new());
        assert_eq!(f.values["rooms_per_person"], json!(0.5));
        assert_eq!(f.values["informal_income_pc_jod"], json!(45.125));
        assert_eq!(f.values["urban"], json!(false));
        assert_eq!(f.values["head_education"], json!("basic"));
        assert_eq!(f.values["walls"], json!("concrete"));
        assert_eq!(f.values["electricity_kwh_pc"], json!(52.5));
    }

    #[test]
    fn a_bad_definition_is_refused_when_loaded() {
        let cat = Catalog::jordan();
        let base = include_str!("../config/jordan-facts.json");
        let cases = [
            (
                "\"expr\": \"size(members)\"",
                "\"expr\": \"size(members\"",
                "members",
            ),
            ("\"expr\": \"hh.cars\"", "\"expr\": \"hh.carz\"", "cars"),
            (
                "\"type\": \"int\", \"expr\": \"size(members)\"",
                "\"type\": \"text\", \"expr\": \"size(members)\"",
                "members",
            ),
            (
                "\"table\": \"DVLD_Car_Info\", \"agg\": \"count\"",
                "\"table\": \"DVLD_Cars\", \"agg\": \"count\"",
                "DVLD_Cars",
            ),
            (
                "\"column\": \"Capital\", \"agg\": \"sum\", \"where\": {\"Status\"",
                "\"column\": \"Trade_Name\", \"agg\": \"sum\", \"where\": {\"Status\"",
                "Trade_Name",
            ),
        ];
        for (from, to, named) in cases {
            assert!(base.contains(from), "{from}");
            let err = FactsDef::from_json(&base.replacen(from, to, 1), &cat)
                .unwrap_err()
                .to_string();
            assert!(err.contains(named), "{to}: {err}");
        }
    }
}
