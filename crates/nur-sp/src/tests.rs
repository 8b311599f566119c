//! Answers tried against Jordan's form: a complete application passes, and each kind of bad
//! answer is refused at its path with a message in both languages.

use crate::{Form, Stage};
use nur_core::{Catalog, Date, IdentityRules};
use serde_json::{json, Value};

pub(crate) fn application() -> Value {
    json!({
        "household": {
            "civil_record_id": "1000042",
            "governorate": "15",
            "area": "rural",
            "members": [
                {"national_number": "9801012345", "relation": "head", "birth_date": "1980-05-01",
                 "gender": "male", "education": "basic", "work": "informal",
                 "disability": false, "chronic_illness": false},
                {"national_number": "9832054321", "relation": "spouse", "birth_date": "1983-02-11",
                 "gender": "female", "education": "secondary", "work": "none",
                 "disability": false, "chronic_illness": true},
                {"national_number": "2201098765", "relation": "son", "birth_date": "2020-09-30",
                 "gender": "male", "education": "none", "work": "none",
                 "disability": true, "chronic_illness": false}
            ]
        },
        "dwelling": {"walls": "concrete", "roof": "tin", "floor": "cement", "rooms": 2,
                     "tenure": "rented", "rent_jod": 90, "water": "tanker", "toilet": "septic"},
        "assets": {"fridge": true, "washing_machine": false, "tv": true, "air_conditioner": false,
                   "computer": false, "livestock": 4, "cars": 0, "land_parcels": 0, "business": false},
        "income": {"formal_jod": 0, "informal_jod": 180.5, "other_aid_jod": 0},
        "utilities": {"electricity_kwh": 210, "water_m3": 9},
        "contact": {"mobile": "+962791234567"},
        "payment": {"method": "bank", "iban": "JO94CBJO0010000000000131000302"}
    })
}

fn check(answers: &Value, stage: Stage) -> crate::Checked {
    let cat = Catalog::jordan();
    let form = Form::jordan(&cat.geography);
    form.check(
        &IdentityRules::jordan(),
        answers,
        Date::new(2026, 10, 31).unwrap(),
        stage,
    )
}

fn codes(c: &crate::Checked) -> Vec<(String, &str)> {
    c.errors
        .iter()
        .map(|e| (e.path.clone(), e.code.as_str()))
        .collect()
}

#[test]
fn a_complete_application_passes() {
    let c = check(&application(), Stage::Submit);
    assert_eq!(codes(&c), vec![]);
    assert_eq!(c.members.len(), 3);
    assert_eq!(c.members[2].key(), Some("2201098765"));
}

#[test]
fn each_bad_answer_is_refused_at_its_path() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/dwelling/rooms", json!(0), "dwelling.rooms"),
        ("/dwelling/rooms", json!(2.5), "dwelling.rooms"),
        ("/income/informal_jod", json!(-5), "income.informal_jod"),
        ("/income/informal_jod", json!(1.2345), "income.informal_jod"),
        (
            "/household/members/1/national_number",
            json!("9833054321"),
            "household.members[1].national_number",
        ),
        (
            "/household/members/1/national_number",
            json!("98320"),
            "household.members[1].national_number",
        ),
        (
            "/household/members/0/birth_date",
            json!("1980-13-01"),
            "household.members[0].birth_date",
        ),
        (
            "/household/members/0/birth_date",
            json!("2030-01-01"),
            "household.members[0].birth_date",
        ),
        (
            "/household/members/0/relation",
            json!("cousin"),
            "household.members[0].relation",
        ),
        (
            "/household/governorate",
            json!("99"),
            "household.governorate",
        ),
        ("/contact/mobile", json!("0791234567"), "contact.mobile"),
        (
            "/payment/iban",
            json!("JO94CBJO0010000000000131000303"),
            "payment.iban",
        ),
        ("/assets/fridge", json!("yes"), "assets.fridge"),
        (
            "/household/civil_record_id",
            json!("12"),
            "household.civil_record_id",
        ),
    ];
    for (pointer, value, path) in cases {
        let mut a = application();
        *a.pointer_mut(pointer).unwrap() = value.clone();
        let c = check(&a, Stage::Submit);
        assert!(
            c.errors.iter().any(|e| e.path == path),
            "{pointer} = {value}: {:?}",
            codes(&c)
        );
        for e in &c.errors {
            assert!(!e.message.ar.is_empty() && !e.message.en.is_empty());
        }
    }
}

#[test]
fn conditions_and_rules_across_answers() {
    // Rented without a rent.
    let mut a = application();
    a["dwelling"].as_object_mut().unwrap().remove("rent_jod");
    assert_eq!(
        codes(&check(&a, Stage::Submit)),
        vec![("dwelling.rent_jod".into(), "required")]
    );
    // Owned with a rent: contradictory.
    let mut a = application();
    a["dwelling"]["tenure"] = json!("owned");
    assert_eq!(
        codes(&check(&a, Stage::Submit)),
        vec![("dwelling.rent_jod".into(), "rule")]
    );
    // An e-wallet needs its provider and mobile, a bank account does not.
    let mut a = application();
    a["payment"] = json!({"method": "ewallet"});
    let c = check(&a, Stage::Submit);
    assert_eq!(
        codes(&c),
        vec![
            ("payment.wallet_provider".into(), "required"),
            ("payment.wallet_mobile".into(), "required")
        ]
    );
    // Two heads.
    let mut a = application();
    a["household"]["members"][1]["relation"] = json!("head");
    assert_eq!(
        codes(&check(&a, Stage::Submit)),
        vec![("household.members".into(), "rule")]
    );
    // A member without any identity.
    let mut a = application();
    a["household"]["members"][2]
        .as_object_mut()
        .unwrap()
        .remove("national_number");
    assert_eq!(
        codes(&check(&a, Stage::Submit)),
        vec![("household.members[2].national_number".into(), "required")]
    );
    // Formal work declared with no formal income.
    let mut a = application();
    a["household"]["members"][0]["work"] = json!("formal");
    assert_eq!(
        codes(&check(&a, Stage::Submit)),
        vec![("income.formal_jod".into(), "rule")]
    );
}

#[test]
fn identities_must_agree_with_the_national_number() {
    let mut a = application();
    a["household"]["members"][0]["birth_date"] = json!("1981-05-01");
    a["household"]["members"][1]["gender"] = json!("male");
    a["household"]["members"][2]["national_number"] = json!("9801012345");
    let c = check(&a, Stage::Submit);
    let got = codes(&c);
    assert!(
        got.contains(&(
            "household.members[0].birth_date".into(),
            "contradicts_national_number"
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "household.members[1].gender".into(),
            "contradicts_national_number"
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "household.members[2].national_number".into(),
            "duplicate_member"
        )),
        "{got:?}"
    );
}

#[test]
fn unknown_fields_and_shapes_are_refused() {
    let mut a = application();
    a["dwelling"]["pool"] = json!(true);
    a["pets"] = json!({});
    a["assets"] = json!([1, 2]);
    let c = check(&a, Stage::Submit);
    let got = codes(&c);
    assert!(
        got.contains(&("dwelling.pool".into(), "unknown_field")),
        "{got:?}"
    );
    assert!(got.contains(&("pets".into(), "unknown_section")), "{got:?}");
    assert!(got.contains(&("assets".into(), "not_an_object")), "{got:?}");
    let c = check(&json!([1]), Stage::Draft);
    let got = codes(&c);
    assert_eq!(got, vec![("".into(), "not_an_object")]);
    let mut a = application();
    a["contact"]["mobile"] = json!("x".repeat(600));
    assert_eq!(
        codes(&check(&a, Stage::Submit)),
        vec![("contact.mobile".into(), "too_long")]
    );
}

#[test]
fn a_draft_may_be_incomplete_but_not_wrong() {
    let draft = json!({"household": {"area": "urban"}, "dwelling": {"rooms": 3}});
    assert_eq!(codes(&check(&draft, Stage::Draft)), vec![]);
    let c = check(&draft, Stage::Submit);
    assert!(c
        .errors
        .iter()
        .any(|e| e.path == "assets" && e.code == "required"));
    assert!(c
        .errors
        .iter()
        .any(|e| e.path == "household.members" && e.code == "required"));
    let wrong = json!({"dwelling": {"rooms": 99}});
    assert_eq!(
        codes(&check(&wrong, Stage::Draft)),
        vec![("dwelling.rooms".into(), "above_max")]
    );
}

#[test]
fn answers_are_stored_normalised() {
    let mut a = application();
    a["payment"]["iban"] = json!("jo94 cbjo 0010 0000 0000 0131 0003 02");
    a["contact"]["mobile"] = json!(" +962791234567 ");
    let c = check(&a, Stage::Submit);
    assert_eq!(codes(&c), vec![]);
    assert_eq!(
        c.answers["payment"]["iban"],
        "JO94CBJO0010000000000131000302"
    );
    assert_eq!(c.answers["contact"]["mobile"], "+962791234567");
}
