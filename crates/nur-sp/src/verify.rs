//! Verification: what a household declared against what the registries hold, member by
//! member. Identity (the member exists in the civil registry, is alive, and their birth date
//! and gender agree) refuses a submission; every other difference — a car, land, a business,
//! a salary, current aid the answers leave out, a member outside the stated family booklet —
//! is recorded as a discrepancy with its source table, the records' keys and the time the
//! registry row was loaded, for a caseworker to resolve. The verified formal income is the
//! registries' sum, whatever was declared.

use crate::facts::{Compare, FactsDef};
use crate::form::Label;
use crate::validate::{DeclaredMember, FieldError};
use nur_core::Catalog;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// What the registries hold for one declared member, as the program's entity may see it.
#[derive(Debug, Clone, Default)]
pub struct MemberRegistry {
    /// The civil registry's person row (none: not found, or the entity may not see it).
    pub person: Option<Map<String, Json>>,
    /// The date of a registered death.
    pub death_date: Option<String>,
    /// Registry rows by table.
    pub records: BTreeMap<String, Vec<Map<String, Json>>>,
}

/// One difference between the answers and a registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discrepancy {
    pub kind: String,
    /// The answer it contradicts.
    pub path: String,
    /// The member whose records show it (none for a household total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_number: Option<String>,
    pub source_table: String,
    /// The keys of the registry rows that show it.
    pub record_keys: Vec<String>,
    pub declared: Json,
    pub registry: Json,
    /// When the newest of those rows was loaded into NUR (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of_ms: Option<i64>,
    pub message: Label,
}

/// The outcome for one household.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Verification {
    /// Identity failures: the submission is refused with these.
    pub errors: Vec<FieldError>,
    pub discrepancies: Vec<Discrepancy>,
    /// The registries' formal income for the household (monthly, JOD).
    pub formal_income_jod: f64,
    /// Members verified against the civil registry.
    pub members_verified: usize,
}

fn text(m: &Map<String, Json>, k: &str) -> Option<String> {
    m.get(k).and_then(|v| match v {
        Json::String(s) => Some(s.clone()),
        Json::Null => None,
        other => Some(other.to_string()),
    })
}

fn loaded_at(row: &Map<String, Json>) -> Option<i64> {
    row.get("_lineage")
        .and_then(|l| l.get("loaded_at_ms"))
        .and_then(Json::as_i64)
}

/// Checks the declared members and answers against `registry` (one entry per declared
/// member, in order).
pub fn verify(
    catalog: &Catalog,
    facts: &FactsDef,
    answers: &Json,
    members: &[DeclaredMember],
    registry: &[MemberRegistry],
) -> Verification {
    let mut v = Verification::default();
    let dims = &catalog.dimensions.person;
    let person_table = catalog.person_table();
    let gender_code = |label: &str| {
        person_table
            .column(dims.gender.as_str())
            .and_then(|c| {
                c.values
                    .iter()
                    .find(|v| v.label_en.eq_ignore_ascii_case(label))
            })
            .map(|v| v.code.clone())
            .unwrap_or_else(|| label.to_owned())
    };
    let booklet = answers
        .pointer("/household/civil_record_id")
        .and_then(Json::as_str)
        .unwrap_or("");
    for (m, reg) in members.iter().zip(registry) {
        let at = format!("household.members[{}]", m.index);
        let Some(nn) = m.national_number.as_deref() else {
            // A foreign resident: the civil registry does not hold them.
            continue;
        };
        let err = |code: &str, path: String, en: String, ar: String| FieldError {
            path,
            code: code.to_owned(),
            message: Label { ar, en },
        };
        let Some(person) = &reg.person else {
            v.errors.push(err(
                "unknown_member",
                format!("{at}.national_number"),
                format!("National number {nn} is not in the civil registry"),
                format!("الرقم الوطني {nn} غير موجود في سجل الأحوال المدنية"),
            ));
            continue;
        };
        if let Some(d) = &reg.death_date {
            v.errors.push(err(
                "deceased_member",
                format!("{at}.national_number"),
                format!("The civil registry records the death of {nn} on {d}"),
                format!("سجل الأحوال المدنية يسجل وفاة {nn} بتاريخ {d}"),
            ));
            continue;
        }
        let born = text(person, dims.birth_date.as_str());
        if let (Some(declared), Some(born)) = (m.birth_date, born.as_deref()) {
            if declared.to_string() != born {
                v.errors.push(err(
                    "birth_date_mismatch",
                    format!("{at}.birth_date"),
                    format!("The civil registry records {nn} as born on {born}"),
                    format!("سجل الأحوال المدنية يسجل ميلاد {nn} بتاريخ {born}"),
                ));
            }
        }
        let gender = text(person, dims.gender.as_str());
        if let (Some(declared), Some(g)) = (m.gender.as_deref(), gender.as_deref()) {
            if gender_code(declared) != g {
                v.errors.push(err(
                    "gender_mismatch",
                    format!("{at}.gender"),
                    format!("The gender does not agree with the civil registry for {nn}"),
                    format!("الجنس لا يطابق سجل الأحوال المدنية للرقم {nn}"),
                ));
            }
        }
        v.members_verified += 1;
        let crid = text(person, dims.civil_record_id.as_str()).unwrap_or_default();
        if !booklet.is_empty() && crid != booklet {
            v.discrepancies.push(Discrepancy {
                kind: "not_in_booklet".into(),
                path: format!("{at}.national_number"),
                national_number: Some(nn.to_owned()),
                source_table: person_table.name.to_string(),
                record_keys: vec![nn.to_owned()],
                declared: Json::from(booklet),
                registry: Json::from(crid.clone()),
                as_of_ms: loaded_at(person),
                message: Label {
                    en: format!("{nn} belongs to family booklet {crid}, not {booklet}"),
                    ar: format!("{nn} مقيد في دفتر العائلة {crid} وليس {booklet}"),
                },
            });
        }
    }
    // Household totals, from the rows each check's inputs count.
    let mut formal = 0.0;
    for name in [
        "ssc_salary_jod",
        "csb_salary_jod",
        "csb_pension_jod",
        "military_pension_jod",
    ] {
        formal += total(facts, name, registry);
    }
    v.formal_income_jod = (formal * 1000.0).round() / 1000.0;
    for c in &facts.checks {
        let pointer = format!("/{}", c.declared.replace('.', "/"));
        let Some(declared) = answers.pointer(&pointer) else {
            continue;
        };
        let registry_total: f64 = c.inputs.iter().map(|i| total(facts, i, registry)).sum();
        let differs = match c.compare {
            Compare::DeclaredFewer => declared.as_f64().is_some_and(|d| d < registry_total),
            Compare::DeclaredFalse => declared == &Json::Bool(false) && registry_total > 0.0,
            Compare::DeclaredBelow => declared
                .as_f64()
                .is_some_and(|d| d < registry_total * (1.0 - c.tolerance) - 0.001),
        };
        if !differs {
            continue;
        }
        // One discrepancy per table and member whose rows count, so each names its source.
        for input in c.inputs.iter().filter_map(|i| facts.input(i)) {
            let Some(t) = catalog.table(&input.table) else {
                continue;
            };
            for (m, reg) in members.iter().zip(registry) {
                let rows: Vec<&Map<String, Json>> = reg
                    .records
                    .get(&input.table)
                    .map(|rows| rows.iter().filter(|r| facts.counts(input, r)).collect())
                    .unwrap_or_default();
                if rows.is_empty() {
                    continue;
                }
                let keys: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        t.key
                            .iter()
                            .filter_map(|k| text(r, k.as_str()))
                            .collect::<Vec<_>>()
                            .join("/")
                    })
                    .collect();
                let amount: f64 = match &input.column {
                    Some(col) => rows
                        .iter()
                        .filter_map(|r| r.get(col.as_str()).and_then(Json::as_f64))
                        .sum(),
                    None => rows.len() as f64,
                };
                if c.compare == Compare::DeclaredFewer
                    || c.compare == Compare::DeclaredFalse
                    || amount > 0.0
                {
                    v.discrepancies.push(Discrepancy {
                        kind: c.kind.clone(),
                        path: c.declared.clone(),
                        national_number: m.national_number.clone(),
                        source_table: t.name.to_string(),
                        record_keys: keys,
                        declared: declared.clone(),
                        registry: number(amount),
                        as_of_ms: rows.iter().filter_map(|r| loaded_at(r)).max(),
                        message: c.label.clone(),
                    });
                }
            }
        }
    }
    v
}

/// An amount as JSON: a whole number as an integer (a count of cars reads 1, not 1.0),
/// otherwise to the fils.
fn number(x: f64) -> Json {
    let x = (x * 1000.0).round() / 1000.0;
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Json::from(x as i64)
    } else {
        Json::from(x)
    }
}

/// The household's total of one input over every member's rows.
fn total(facts: &FactsDef, name: &str, registry: &[MemberRegistry]) -> f64 {
    let Some(input) = facts.input(name) else {
        return 0.0;
    };
    registry
        .iter()
        .flat_map(|r| r.records.get(&input.table).into_iter().flatten())
        .filter(|r| facts.counts(input, r))
        .map(|r| match &input.column {
            Some(c) => r.get(c.as_str()).and_then(Json::as_f64).unwrap_or(0.0),
            None => 1.0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Form, Stage};
    use nur_core::{Date, IdentityRules};
    use serde_json::json;

    fn rows(v: Json) -> Vec<Map<String, Json>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect()
    }

    fn person(nn: &str, born: &str, gender: &str, crid: &str) -> Map<String, Json> {
        json!({"National_Number": nn, "Birth_Date": born, "Gender": gender, "Civil_Record_Id": crid,
               "_lineage": {"source": "bulk", "batch": 1, "loaded_at_ms": 1_700_000_000_000i64}})
        .as_object()
        .unwrap()
        .clone()
    }

    fn setup() -> (
        Catalog,
        FactsDef,
        Json,
        Vec<DeclaredMember>,
        Vec<MemberRegistry>,
    ) {
        let cat = Catalog::jordan();
        let facts = FactsDef::jordan(&cat);
        let answers = crate::tests::application();
        let form = Form::jordan(&cat.geography);
        let checked = form.check(
            &IdentityRules::jordan(),
            &answers,
            Date::new(2026, 10, 31).unwrap(),
            Stage::Submit,
        );
        assert!(checked.errors.is_empty());
        let registry = vec![
            MemberRegistry {
                person: Some(person("9801012345", "1980-05-01", "1", "1000042")),
                records: [
                    ("DVLD_Car_Info".to_string(), rows(json!([{"Registration_Number": "V00000007", "Model_Year": 2024,
                        "_lineage": {"source": "bulk", "batch": 3, "loaded_at_ms": 1_750_000_000_000i64}}]))),
                    ("SSC_Insured_Info".to_string(), rows(json!([{"National_Number": "9801012345", "Insured_Status": "1", "Current_Salary": 500.0}]))),
                ]
                .into(),
                ..Default::default()
            },
            MemberRegistry {
                person: Some(person("9832054321", "1983-02-11", "2", "1000042")),
                ..Default::default()
            },
            MemberRegistry {
                person: Some(person("2201098765", "2020-09-30", "1", "1000777")),
                ..Default::default()
            },
        ];
        (cat, facts, checked.answers, checked.members, registry)
    }

    #[test]
    fn undeclared_car_and_salary_and_a_member_of_another_booklet() {
        let (cat, facts, answers, members, registry) = setup();
        let v = verify(&cat, &facts, &answers, &members, &registry);
        assert_eq!(v.errors, vec![]);
        assert_eq!(v.members_verified, 3);
        assert_eq!(v.formal_income_jod, 500.0);
        let kinds: Vec<(&str, &str, &str)> = v
            .discrepancies
            .iter()
            .map(|d| (d.kind.as_str(), d.source_table.as_str(), d.path.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (
                    "not_in_booklet",
                    "CSPD_Personal_Info",
                    "household.members[2].national_number"
                ),
                ("vehicles", "DVLD_Car_Info", "assets.cars"),
                ("formal_income", "SSC_Insured_Info", "income.formal_jod"),
            ]
        );
        let car = &v.discrepancies[1];
        assert_eq!(car.record_keys, vec!["V00000007".to_string()]);
        assert_eq!(car.as_of_ms, Some(1_750_000_000_000));
        assert_eq!(
            (car.declared.clone(), car.registry.clone()),
            (json!(0), json!(1))
        );
        assert_eq!(
            v.discrepancies[2].record_keys,
            vec!["9801012345".to_string()]
        );
    }

    #[test]
    fn unknown_dead_and_mismatched_members_refuse_the_submission() {
        let (cat, facts, answers, members, mut registry) = setup();
        registry[0].person = None;
        registry[1].death_date = Some("2025-01-02".into());
        registry[2].person = Some(person("2201098765", "2020-10-01", "2", "1000042"));
        let v = verify(&cat, &facts, &answers, &members, &registry);
        let got: Vec<(&str, &str)> = v
            .errors
            .iter()
            .map(|e| (e.path.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("household.members[0].national_number", "unknown_member"),
                ("household.members[1].national_number", "deceased_member"),
                ("household.members[2].birth_date", "birth_date_mismatch"),
                ("household.members[2].gender", "gender_mismatch"),
            ]
        );
    }

    #[test]
    fn a_truthful_household_has_no_discrepancy() {
        let (cat, facts, mut answers, members, mut registry) = setup();
        answers["assets"]["cars"] = json!(1);
        answers["income"]["formal_jod"] = json!(480);
        registry[2].person = Some(person("2201098765", "2020-09-30", "1", "1000042"));
        let v = verify(&cat, &facts, &answers, &members, &registry);
        assert_eq!(v.discrepancies, vec![], "480 is within 10% of 500");
    }
}
