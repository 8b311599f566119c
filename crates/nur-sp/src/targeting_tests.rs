//! The proxy means test, programs and the cut, on households made here with a known
//! formula (so a fit can be checked against the truth it must recover).

use crate::pmt::{self, By, FitOptions, PmtError, Spec, SurveyRow};
use crate::program::{self, Outcome, ProgramDef};
use crate::target::{self, Candidate, Cut, Population};
use crate::FactsDef;
use nur_core::Catalog;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// A small deterministic stream (the tests need no statistics crate).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-12), self.next());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn spec() -> Spec {
    Spec::from_json(
        r#"{"name": "test", "target": "consumption_pc_jod", "poverty_line_jod": 68.0,
            "variables": [{"fact": "members", "transform": "log"}, {"fact": "cars", "cap": 3},
              {"fact": "urban"}, {"fact": "walls", "levels": ["concrete", "stone", "tin"]},
              {"fact": "governorate", "levels": ["11", "15"]}],
            "hand_weights": {"ln(members)": -1, "min(cars, 3)": 1, "walls=tin": -1}}"#,
    )
    .unwrap()
}

/// ln c = 4.6 − 0.4 ln n + 0.15 cars + 0.1 urban + 0.2 stone − 0.3 tin − 0.1 Mafraq + e.
fn survey(n: usize, seed: u64) -> Vec<SurveyRow> {
    let mut r = Lcg(seed);
    (0..n)
        .map(|i| {
            let members = 1 + (r.next() * 8.0) as i64;
            let cars = (r.next() * 3.0) as i64;
            let urban = r.next() < 0.7;
            let walls = ["concrete", "stone", "tin"][(r.next() * 3.0) as usize];
            let gov = if r.next() < 0.5 { "11" } else { "15" };
            let ln_c = 4.6 - 0.4 * (members as f64).ln()
                + 0.15 * cars as f64
                + if urban { 0.1 } else { 0.0 }
                + match walls {
                    "stone" => 0.2,
                    "tin" => -0.3,
                    _ => 0.0,
                }
                + if gov == "15" { -0.1 } else { 0.0 }
                + 0.2 * r.normal();
            SurveyRow {
                id: format!("S{i:06}"),
                facts: [
                    ("members", json!(members)),
                    ("cars", json!(cars)),
                    ("urban", json!(urban)),
                    ("walls", json!(walls)),
                    ("governorate", json!(gov)),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
                consumption_pc_jod: ln_c.exp(),
            }
        })
        .collect()
}

fn opts(by: Option<By>) -> FitOptions {
    FitOptions {
        by,
        holdout_share: 0.2,
        coverage: 0.15,
    }
}

fn coefficient(m: &pmt::Model, key: &str, term: &str) -> f64 {
    let v = m.variants.iter().find(|v| v.key() == key).unwrap();
    v.coefficients.iter().find(|(t, _)| t == term).unwrap().1
}

#[test]
fn the_fit_recovers_the_formula_and_beats_the_hand_weighted_sum() {
    let facts = FactsDef::jordan(&Catalog::jordan());
    let rows = survey(4000, 7);
    let m = pmt::fit(&spec(), &facts, &rows, &opts(None)).unwrap();
    for (term, truth) in [
        ("ln(members)", -0.4),
        ("min(cars, 3)", 0.15),
        ("urban", 0.1),
        ("walls=stone", 0.2),
        ("walls=tin", -0.3),
        ("governorate=15", -0.1),
    ] {
        let b = coefficient(&m, "answers", term);
        assert!((b - truth).abs() < 0.03, "{term}: {b} against {truth}");
    }
    let answers = &m.comparison[0];
    assert!(answers.fitted.r2 > 0.5, "{:?}", answers.fitted);
    assert!(
        answers.fitted.exclusion_error < answers.hand.exclusion_error,
        "{answers:?}"
    );
    assert_eq!(answers.fitted.holdout + answers.fitted.train, 4000);
    assert!((answers.fitted.holdout as f64 / 4000.0 - 0.2).abs() < 0.03);
    // The registries' variant reads neither `urban` nor the walls (both need answers).
    let reg = m.variants.iter().find(|v| v.key() == "registries").unwrap();
    assert!(reg
        .coefficients
        .iter()
        .all(|(t, _)| !t.starts_with("walls") && t != "urban"));
    m.check(&facts).unwrap();

    // Scores add up, and a household without answers is scored from the registries alone.
    let hh: BTreeMap<String, Json> = rows[0].facts.clone();
    let s = m.score(&hh, true).unwrap();
    let sum: f64 = s.terms.iter().map(|t| t.2).sum();
    assert!((sum - s.value).abs() < 1e-9);
    assert_eq!(s.variant, "answers");
    let mut registry_only = hh.clone();
    registry_only.remove("walls");
    registry_only.remove("urban");
    assert_eq!(
        m.score(&registry_only, false).unwrap().variant,
        "registries"
    );
    assert!(m
        .score(&registry_only, true)
        .unwrap_err()
        .contains("is missing"));
}

#[test]
fn variants_by_group_and_a_fixed_holdout() {
    let facts = FactsDef::jordan(&Catalog::jordan());
    let rows = survey(3000, 11);
    let a = pmt::fit(&spec(), &facts, &rows, &opts(Some(By::UrbanRural))).unwrap();
    let keys: Vec<String> = a.variants.iter().map(|v| v.key()).collect();
    assert_eq!(
        keys,
        ["answers", "answers:rural", "answers:urban", "registries"]
    );
    let urban = a
        .variants
        .iter()
        .find(|v| v.key() == "answers:urban")
        .unwrap();
    assert!(urban.dropped.contains(&"urban".to_owned()), "{urban:?}");
    let mut reversed = rows.clone();
    reversed.reverse();
    let b = pmt::fit(&spec(), &facts, &reversed, &opts(Some(By::UrbanRural))).unwrap();
    assert_eq!(
        a.comparison[0].fitted.holdout,
        b.comparison[0].fitted.holdout
    );
    let g = pmt::fit(&spec(), &facts, &rows, &opts(Some(By::Governorate))).unwrap();
    assert!(g.variants.iter().any(|v| v.key() == "registries:15"));
}

#[test]
fn bad_surveys_and_models_are_refused() {
    let facts = FactsDef::jordan(&Catalog::jordan());
    assert_eq!(
        pmt::fit(&spec(), &facts, &[], &opts(None)).unwrap_err(),
        PmtError::EmptySurvey
    );
    // Two variables that are the same fact twice: the design is singular, named.
    let mut twice = spec();
    twice.variables.push(pmt::Variable {
        fact: "cars".into(),
        transform: pmt::Transform::None,
        cap: Some(3.0),
        levels: vec![],
    });
    twice.hand_weights.clear();
    let err = pmt::fit(&twice, &facts, &survey(500, 3), &opts(None)).unwrap_err();
    assert!(
        matches!(err, PmtError::Singular { .. }) && err.to_string().contains("min(cars, 3)"),
        "{err}"
    );
    let mut unknown = spec();
    unknown.variables[1].fact = "carz".into();
    assert!(pmt::fit(&unknown, &facts, &survey(500, 3), &opts(None))
        .unwrap_err()
        .to_string()
        .contains("carz"));
    let header = "survey_id,members,cars,urban,walls,governorate,consumption_pc_jod\n";
    let read = |body: &str| pmt::read_survey(&format!("{header}{body}"), &spec(), &facts);
    assert_eq!(read("").unwrap_err(), PmtError::EmptySurvey);
    assert!(
        read("S1,3,1,true,stone,11,80\nS2,three,1,true,stone,11,80\n")
            .unwrap_err()
            .to_string()
            .contains("line 3")
    );
    assert!(read("S1,3,1,true,stone,11,0\n")
        .unwrap_err()
        .to_string()
        .contains("above 0"));
    assert_eq!(read("S1,3,1,true,stone,11,80.5\n").unwrap().len(), 1);
    let no_col = pmt::read_survey(
        "survey_id,members,consumption_pc_jod\nS1,3,80\n",
        &spec(),
        &facts,
    );
    assert!(no_col.unwrap_err().to_string().contains("cars"));
    // A group with too few households for its terms.
    let small = pmt::fit(
        &spec(),
        &facts,
        &survey(80, 5),
        &opts(Some(By::Governorate)),
    );
    assert!(matches!(small, Err(PmtError::TooFew { .. })), "{small:?}");
}

fn facts() -> FactsDef {
    FactsDef::jordan(&Catalog::jordan())
}

#[test]
fn the_pilots_load_and_decide() {
    let f = facts();
    let pilots = ProgramDef::jordan_pilots(&f);
    let codes: Vec<&str> = pilots.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(
        codes,
        ["UCT", "HIP", "ENERGY", "HOUSING", "REHAB", "NGO-INKIND"]
    );
    assert_eq!(pilots[5].owner, "JHCO");
    let root = crate::expr::root();
    let hh = crate::facts::reference_household(false);
    let computed = f.compute(&root, &hh);
    let score = pmt::Score {
        variant: "registries".into(),
        value: 3.9,
        consumption_pc_jod: 3.9f64.exp(),
        poor: true,
        terms: vec![],
    };
    let scope = program::scope(
        &root,
        &computed.values,
        &computed.inputs,
        Some(&score),
        68.0,
        false,
    );
    let uct = pilots[0].decide(&scope);
    assert!(uct.eligible, "{uct:?}");
    assert_eq!(uct.benefit_fils, Some(56000));
    // Energy needs an application: refused by `applied`, the use it cannot read (no
    // answers) is recorded but is not the household's error then.
    let energy = pilots[2].decide(&scope);
    assert!(!energy.eligible && energy.error.is_none(), "{energy:?}");
    assert!(
        matches!(energy.rules[2].outcome, Outcome::Error(_)),
        "{energy:?}"
    );
}

#[test]
fn bad_programs_are_refused_with_where() {
    let f = facts();
    let base = include_str!("../config/programs/uct.json");
    let cases = [
        (
            "facts.cars > 0 &&",
            "facts.cars > 0 &&&",
            "car_under_5_years",
        ),
        ("facts.cars > 0 &&", "facts.carz > 0 &&", "carz"),
        (
            "facts.business_capital_jod >= 3000.0",
            "facts.governorate > 3",
            "business_3000",
        ),
        (
            "facts.business_capital_jod >= 3000.0",
            "1 / facts.cars > 0",
            "business_3000",
        ),
        ("\"quota_share\": 0.0525", "\"quota\": -1", "quota"),
        ("\"quota_share\": 0.0525", "\"budget_fils\": -5", "budget"),
        ("\"code\": \"UCT\"", "\"code\": \"U C T\"", "code"),
        (
            "facts.members >= 6 ? 136000 : 40000 + 16000 * facts.members",
            "double(facts.members) * 1000.0",
            "benefit",
        ),
    ];
    for (from, to, named) in cases {
        assert!(base.contains(from), "{from}");
        let err = ProgramDef::from_json(&base.replacen(from, to, 1), &f)
            .unwrap_err()
            .to_string();
        assert!(err.contains(named), "{to}: {err}");
    }
    let err = ProgramDef::from_json(&base.replacen("&&", "&&&", 1), &f)
        .unwrap_err()
        .to_string();
    assert!(err.contains("expression:1:18"), "line and column: {err}");
}

fn cand(h: &str, score: f64, members: u32, gov: &str, benefit: i64, poor: bool) -> Candidate {
    Candidate {
        household: h.into(),
        score,
        members,
        governorate: gov.into(),
        head_female: h.ends_with('f'),
        benefit_fils: benefit,
        decile: 1,
        poor: Some(poor),
    }
}

#[test]
fn ranking_cuts_at_quota_budget_and_governorate() {
    let mut c = vec![
        cand("h3", 3.5, 2, "11", 100, true),
        cand("h1", 3.0, 4, "15", 100, true),
        cand("h2f", 3.0, 6, "11", 300, true),
        cand("h4", 3.9, 1, "15", 50, false),
    ];
    target::rank(&mut c);
    let order: Vec<&str> = c.iter().map(|c| c.household.as_str()).collect();
    assert_eq!(
        order,
        ["h2f", "h1", "h3", "h4"],
        "equal scores: the larger household first"
    );
    let pop = Population {
        households: 10,
        by_governorate: [("11".into(), 6), ("15".into(), 4)].into(),
        by_head_sex: [8, 2],
        by_decile: [1; 10],
        truth_known: 10,
        poor_known: 4,
    };
    let (sel, s) = target::select(
        &c,
        &Cut {
            quota: Some(2),
            ..Default::default()
        },
        &pop,
    )
    .unwrap();
    assert_eq!(sel, [true, true, false, false]);
    assert_eq!(
        (
            s.selected,
            s.individuals,
            s.cost_fils,
            s.stopped_by.as_str()
        ),
        (2, 10, 400, "quota")
    );
    let e = s.errors.unwrap();
    assert_eq!((e.inclusion, e.exclusion), (0.0, 0.5));
    assert_eq!(s.by_head_sex["female"].selected, 1);
    // The budget stops at the first household it cannot pay: no cheaper one jumps ahead.
    let (sel, s) = target::select(
        &c,
        &Cut {
            budget_fils: Some(450),
            ..Default::default()
        },
        &pop,
    )
    .unwrap();
    assert_eq!(
        (sel, s.stopped_by.as_str()),
        (vec![true, true, false, false], "budget")
    );
    let gq = Cut {
        governorate_quotas: [("11".into(), 1)].into(),
        ..Default::default()
    };
    let (sel, _) = target::select(&c, &gq, &pop).unwrap();
    assert_eq!(sel, [true, true, false, true]);
    let none = target::select(
        &c,
        &Cut {
            budget_fils: Some(10),
            ..Default::default()
        },
        &pop,
    );
    assert!(none.unwrap_err().to_string().contains("no household fits"));
    let bounds = target::decile_bounds((0..100).map(f64::from).collect());
    assert_eq!(
        (
            target::decile_of(&bounds, 0.0),
            target::decile_of(&bounds, 55.0),
            target::decile_of(&bounds, 99.0)
        ),
        (1, 6, 10)
    );
}
