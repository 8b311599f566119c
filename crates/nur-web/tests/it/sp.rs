//! The social registry's intake API over HTTP: drafts kept, refused answers as 422 with
//! every field path in the language asked for, malformed and oversized bodies refused
//! clearly, a submission verified, a submitted application no longer editable.

use super::{request, token, App};
use nur_core::grant::{GrantChange, Target};
use serde_json::{json, Value};

fn send(app: &App, tok: &str, method: &str, path: &str, lang: &str, body: &str) -> (u16, Value) {
    let auth = format!("Bearer {tok}");
    let (st, b) = request(
        app,
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            ("Accept-Language", lang),
        ],
        body,
    );
    (st, serde_json::from_str(&b).unwrap_or(Value::String(b)))
}

/// NAF is granted what the social registry reads, and a family's answers as the civil
/// registry has its members.
pub(super) fn family_answers(app: &App) -> Value {
    let c = app.uses.catalog();
    let sp = app.uses.social_registry();
    let wanted: Vec<(GrantChange, bool)> = sp
        .needed_columns(c)
        .into_iter()
        .filter(|(t, _)| {
            c.table(t.as_str())
                .is_some_and(|t| t.custodian() != &sp.entity)
        })
        .map(|(table, column)| {
            (
                GrantChange {
                    consumer: sp.entity.clone(),
                    target: Target::Column { table, column },
                },
                true,
            )
        })
        .collect();
    app.uses
        .set_grants(&nur_app::Caller::operator("tests"), &wanted)
        .unwrap();
    let person = c.person_table();
    let death = c.table("CSPD_Death_Info").unwrap();
    for (crid, nns) in app.store.sp_households_after(c, "", 500).unwrap() {
        let keys: Vec<&str> = nns.iter().map(String::as_str).collect();
        let rows = app.store.registry_rows(&[person, death], &keys).unwrap();
        let living: Vec<&String> = nns
            .iter()
            .filter(|n| !rows[*n].contains_key("CSPD_Death_Info"))
            .collect();
        if living.len() < 2 {
            continue;
        }
        let members: Vec<Value> = living
            .iter()
            .enumerate()
            .map(|(i, nn)| {
                let p = &rows[*nn]["CSPD_Personal_Info"][0];
                json!({"national_number": nn, "relation": if i == 0 { "head" } else { "other" },
                       "birth_date": p["Birth_Date"], "gender": if p["Gender"] == "1" { "male" } else { "female" },
                       "education": "secondary", "work": "none", "disability": false, "chronic_illness": false})
            })
            .collect();
        return json!({
            "household": {"civil_record_id": crid, "governorate": "12", "area": "urban", "members": members},
            "dwelling": {"walls": "stone", "roof": "concrete", "floor": "tiles", "rooms": 4,
                         "tenure": "rented", "rent_jod": 150, "water": "network", "toilet": "sewer"},
            "assets": {"fridge": true, "washing_machine": true, "tv": true, "air_conditioner": true,
                       "computer": true, "livestock": 0, "cars": 0, "land_parcels": 0, "business": false},
            "income": {"formal_jod": 0, "informal_jod": 300, "other_aid_jod": 0},
            "utilities": {"electricity_kwh": 350, "water_m3": 15},
            "contact": {"mobile": "+962781234567"},
            "payment": {"method": "ewallet", "wallet_provider": "zain_cash", "wallet_mobile": "+962781234567"}
        });
    }
    panic!("no household of two living members");
}

pub(super) fn intake_api_answers_in_the_callers_language(b: super::Backend) {
    let app = super::spawn_app(b);
    let tok = token(&app);
    let answers = family_answers(&app);

    // A draft, incomplete: kept, with what a submission would still refuse.
    let (st, draft) = send(
        &app,
        &tok,
        "POST",
        "/api/v1/sp/applications",
        "en",
        &json!({"answers": {"dwelling": {"rooms": 2}}}).to_string(),
    );
    assert_eq!(st, 201, "{draft}");
    assert_eq!(draft["status"], "draft");
    let open = draft["open"].as_array().unwrap();
    assert!(
        open.iter().any(
            |o| o["path"] == "household" && o["message"].as_str().unwrap().contains("required")
        ),
        "{draft}"
    );
    let id = draft["id"].as_str().unwrap().to_owned();

    // Refused answers: every path, in the language asked for; the draft is unchanged.
    let mut bad = answers.clone();
    bad["dwelling"]["rooms"] = json!(0);
    bad["payment"]["wallet_mobile"] = json!("0781234567");
    let body = json!({"answers": bad}).to_string();
    let (st, e) = send(
        &app,
        &tok,
        "PUT",
        &format!("/api/v1/sp/applications/{id}"),
        "en",
        &body,
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (422, Some("invalid_answers")),
        "{e}"
    );
    let fields: Vec<(&str, &str)> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("dwelling.rooms", "below_min"),
            ("payment.wallet_mobile", "pattern")
        ]
    );
    assert!(
        e["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Rooms"),
        "{e}"
    );
    let (_, e) = send(
        &app,
        &tok,
        "PUT",
        &format!("/api/v1/sp/applications/{id}?lang=ar"),
        "en",
        &body,
    );
    assert!(
        e["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("عدد الغرف"),
        "{e}"
    );
    let (_, kept) = send(
        &app,
        &tok,
        "GET",
        &format!("/api/v1/sp/applications/{id}"),
        "en",
        "",
    );
    assert_eq!(kept["answers"], json!({"dwelling": {"rooms": 2}}));

    // Malformed, oversized and misdirected requests.
    let (st, e) = send(
        &app,
        &tok,
        "PUT",
        &format!("/api/v1/sp/applications/{id}"),
        "en",
        "{\"answers\": ",
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{e}"
    );
    let huge = json!({"answers": {"contact": {"mobile": "9".repeat(300_000)}}}).to_string();
    let (st, e) = send(
        &app,
        &tok,
        "PUT",
        &format!("/api/v1/sp/applications/{id}"),
        "en",
        &huge,
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("answers_too_large")),
        "{e}"
    );
    let (st, e) = send(
        &app,
        &tok,
        "GET",
        "/api/v1/sp/applications/APP-none",
        "en",
        "",
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (404, Some("no_application"))
    );
    let (st, _) = request(
        &app,
        "GET",
        &format!("/api/v1/sp/applications/{id}"),
        &[],
        "",
    );
    assert_eq!(st, 401);

    // Complete, submitted, verified; then no longer editable.
    let (st, v) = send(
        &app,
        &tok,
        "PUT",
        &format!("/api/v1/sp/applications/{id}"),
        "en",
        &json!({"answers": answers, "revision": 1}).to_string(),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["open"], json!([]));
    let (st, v) = send(
        &app,
        &tok,
        "POST",
        &format!("/api/v1/sp/applications/{id}/submit"),
        "en",
        "",
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["status"], "submitted");
    assert_eq!(
        v["verification"]["members_verified"],
        json!(answers["household"]["members"].as_array().unwrap().len())
    );
    let (st, e) = send(
        &app,
        &tok,
        "PUT",
        &format!("/api/v1/sp/applications/{id}"),
        "en",
        &json!({"answers": answers}).to_string(),
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (409, Some("not_a_draft")),
        "{e}"
    );
    let (st, e) = send(
        &app,
        &tok,
        "POST",
        &format!("/api/v1/sp/applications/{id}/submit"),
        "en",
        "",
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (409, Some("not_a_draft")),
        "{e}"
    );
    let crid = answers["household"]["civil_record_id"].as_str().unwrap();
    let (st, h) = send(
        &app,
        &tok,
        "GET",
        &format!("/api/v1/sp/households/{crid}"),
        "en",
        "",
    );
    assert_eq!(st, 200, "{h}");
    assert_eq!(h["facts"]["values"]["tenure"], "rented");
    assert_eq!(h["applications"][0]["id"], json!(id));
    let (st, _) = send(&app, &tok, "GET", "/api/v1/sp/households/12", "en", "");
    assert_eq!(st, 400);
    // A second application with the same members is refused, naming why.
    let (st, e) = send(
        &app,
        &tok,
        "POST",
        "/api/v1/sp/applications",
        "ar",
        &json!({"answers": answers}).to_string(),
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (422, Some("member_in_another_application")),
        "{e}"
    );
    // The form is published.
    let (st, f) = send(&app, &tok, "GET", "/api/v1/sp/form", "en", "");
    assert_eq!((st, f["form"].as_str()), (200, Some("jordan-intake")));
}

/// The targeting API: programs listed and saved (a bad rule refused with where, malformed
/// bodies refused clearly), a run and a simulation, the run's ranking, a household's
/// decisions.
/// Facts for every household, the PMT fitted on the synthetic survey and published, every
/// household scored, the pilot programs installed.
pub(super) fn scored(app: &App) {
    let op = nur_app::Caller::operator("test");
    let uses = &app.uses;
    uses.compute_all_facts(&op, 100, true, &mut |_, _| {})
        .unwrap();
    let facts = &uses.social_registry().facts;
    let spec = nur_sp::pmt::Spec::jordan();
    let survey = std::fs::read_to_string(app._data.path().join("SP_Survey.csv")).unwrap();
    let rows = nur_sp::pmt::read_survey(&survey, &spec, facts).unwrap();
    let opts = nur_sp::pmt::FitOptions {
        by: None,
        holdout_share: 0.2,
        coverage: 0.15,
    };
    let model = nur_sp::pmt::fit(&spec, facts, &rows, &opts).unwrap();
    uses.publish_model(&op, &model).unwrap();
    uses.score_all(&op, None, 100, true, &mut |_, _| {})
        .unwrap();
    uses.install_pilots(&op).unwrap();
}

pub(super) fn targeting_api_refuses_bad_input_and_explains(b: super::Backend) {
    let app = super::spawn_app(b);
    let tok = token(&app);
    let answers = family_answers(&app);
    let household = answers["household"]["civil_record_id"]
        .as_str()
        .unwrap()
        .to_owned();
    scored(&app);

    let (st, list) = send(&app, &tok, "GET", "/api/v1/sp/programs", "en", "");
    assert_eq!(
        (st, list.as_array().map(Vec::len)),
        (200, Some(6)),
        "{list}"
    );
    let (st, e) = send(&app, &tok, "POST", "/api/v1/sp/programs", "en", "{not json");
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{e}"
    );
    let (_, uct) = send(&app, &tok, "GET", "/api/v1/sp/programs/UCT", "en", "");
    let mut def = uct["definition"].clone();
    def["exclusion"][0]["rule"] = json!("facts.cars > 0 &&& true");
    let (st, e) = send(
        &app,
        &tok,
        "POST",
        "/api/v1/sp/programs",
        "en",
        &def.to_string(),
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("program_invalid")),
        "{e}"
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("1:"),
        "{e}"
    );
    let (st, _) = send(&app, &tok, "GET", "/api/v1/sp/programs/NOPE", "en", "");
    assert_eq!(st, 404);

    let target = "/api/v1/sp/programs/UCT/target";
    let (st, e) = send(&app, &tok, "POST", target, "en", "{");
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{e}"
    );
    let (st, e) = send(
        &app,
        &tok,
        "POST",
        target,
        "en",
        r#"{"simulate": true, "quota": -1}"#,
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("negative")),
        "{e}"
    );
    let (st, e) = send(&app, &tok, "POST", target, "en", r#"{"quota": "many"}"#);
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{e}"
    );
    let (st, run) = send(&app, &tok, "POST", target, "en", "");
    assert_eq!(st, 200, "{run}");
    let id = run["run"].as_str().unwrap().to_owned();
    let (st, sim) = send(
        &app,
        &tok,
        "POST",
        target,
        "en",
        r#"{"simulate": true, "quota": 1}"#,
    );
    assert_eq!(
        (st, sim["run"].clone(), sim["from_run"].as_str()),
        (200, Value::Null, Some(id.as_str())),
        "{sim}"
    );
    let (st, runs) = send(&app, &tok, "GET", "/api/v1/sp/runs?program=UCT", "en", "");
    assert_eq!(
        (st, runs.as_array().map(Vec::len)),
        (200, Some(1)),
        "{runs}"
    );
    let (st, page) = send(
        &app,
        &tok,
        "GET",
        &format!("/api/v1/sp/runs/{id}?from=1&limit=5"),
        "en",
        "",
    );
    assert_eq!(st, 200, "{page}");
    assert!(page["entries"].as_array().unwrap().len() <= 5);

    let (st, d) = send(
        &app,
        &tok,
        "GET",
        &format!("/api/v1/sp/households/{household}/decisions"),
        "en",
        "",
    );
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["programs"].as_array().unwrap().len(), 6, "{d}");
    let sum: f64 = d["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["contribution"].as_f64().unwrap())
        .sum();
    assert!((sum - d["score"].as_f64().unwrap()).abs() < 0.01, "{d}");
    let (st, _) = send(
        &app,
        &tok,
        "GET",
        "/api/v1/sp/households/0000000/decisions",
        "en",
        "",
    );
    assert_eq!(st, 404);
}
