//! The household budget survey a proxy means test is fitted on: its rows read from CSV,
//! each cell typed as the household facts declare it (every bad cell refused with its line),
//! and the fixed hold-out the fit is measured on.

use crate::facts::FactType;
use crate::pmt::{PmtError, Spec};
use crate::FactsDef;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// One surveyed household: its facts and its measured consumption per person.
#[derive(Debug, Clone)]
pub struct SurveyRow {
    pub id: String,
    pub facts: BTreeMap<String, Json>,
    pub consumption_pc_jod: f64,
}

impl SurveyRow {
    /// The fixed hold-out: one household in five, by a hash of its id (so the same survey
    /// always holds out the same households, whatever their order).
    pub fn held_out(&self, share: f64) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.id.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        // splitmix64's finaliser: ids differing in their last digit land far apart.
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        ((h >> 11) as f64 / (1u64 << 53) as f64) < share
    }
}

/// Reads a survey (CSV with a header; the facts' columns and the consumption column),
/// each cell typed as the facts definition declares it. Every bad cell is an error with
/// its line.
pub fn read_survey(text: &str, spec: &Spec, facts: &FactsDef) -> Result<Vec<SurveyRow>, PmtError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| PmtError::Survey {
            line: 1,
            message: e.to_string(),
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let Some(target) = col(&spec.target) else {
        return Err(PmtError::Survey {
            line: 1,
            message: format!(
                "no column `{}` (the consumption the model predicts)",
                spec.target
            ),
        });
    };
    let mut wanted: Vec<(&str, usize, FactType)> = Vec::new();
    let mut names: Vec<&str> = spec.variables.iter().map(|v| v.fact.as_str()).collect();
    names.extend(["urban", "governorate"]);
    names.sort_unstable();
    names.dedup();
    for name in names {
        let Some(f) = facts.fact(name) else { continue };
        match col(name) {
            Some(i) => wanted.push((name, i, f.ty)),
            None if spec.variables.iter().any(|v| v.fact == name) => {
                return Err(PmtError::Survey {
                    line: 1,
                    message: format!("no column `{name}`, a variable of the model"),
                })
            }
            None => {}
        }
    }
    let id = col("survey_id").unwrap_or(0);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let bad = |message: String| PmtError::Survey { line, message };
        let record = record.map_err(|e| bad(e.to_string()))?;
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let mut values = BTreeMap::new();
        for (name, i, ty) in &wanted {
            let raw = cell(*i);
            let v = match ty {
                FactType::Int => raw.parse::<i64>().map(Json::from).ok(),
                FactType::Double => raw
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Json::from),
                FactType::Bool => match raw {
                    "true" | "1" => Some(Json::Bool(true)),
                    "false" | "0" => Some(Json::Bool(false)),
                    _ => None,
                },
                FactType::Text => (!raw.is_empty()).then(|| Json::from(raw)),
            };
            let Some(v) = v else {
                return Err(bad(format!("`{name}` is `{raw}`, not a {ty:?}")));
            };
            values.insert((*name).to_owned(), v);
        }
        let c: f64 = cell(target).parse().map_err(|_| {
            bad(format!(
                "`{}` is `{}`, not a number",
                spec.target,
                cell(target)
            ))
        })?;
        if !(c > 0.0 && c.is_finite()) {
            return Err(bad(format!(
                "`{}` is {c}: consumption must be above 0 to take its log",
                spec.target
            )));
        }
        rows.push(SurveyRow {
            id: cell(id).to_owned(),
            facts: values,
            consumption_pc_jod: c,
        });
    }
    if rows.is_empty() {
        return Err(PmtError::EmptySurvey);
    }
    Ok(rows)
}
