//! Targeting through `nur-app`, on both backends: the PMT fitted on the synthetic survey,
//! published and used to score every household (the contributions add up); the pilots
//! installed; programs saved, refused with where, published; runs stored and ranked;
//! simulations that change nothing; explanations; and a registry change that moves a
//! household out of a program, recorded with its cause.

use super::intake::{answers, families, grant_naf, sp_events};
use super::{client_of, operator, user, world, Backend};
use nur_app::{Kind, TargetPlan};
use nur_core::account::Role;
use serde_json::json;

pub(super) fn fit(w: &super::World) -> nur_sp::pmt::Model {
    let facts = &w.app.social_registry().facts;
    let spec = nur_sp::pmt::Spec::jordan();
    let text = std::fs::read_to_string(w._data.path().join("SP_Survey.csv")).unwrap();
    let rows = nur_sp::pmt::read_survey(&text, &spec, facts).unwrap();
    let opts = nur_sp::pmt::FitOptions {
        by: None,
        holdout_share: 0.2,
        coverage: 0.15,
    };
    nur_sp::pmt::fit(&spec, facts, &rows, &opts).unwrap()
}

pub(super) fn targeting(b: Backend) {
    let w = world(b);
    grant_naf(&w);
    let naf = user("nafcase", Role::EntityUser, Some("NAF"));
    let cspd = user("cspdadmin", Role::EntityAdmin, Some("CSPD"));
    let jhco = user("jhco", Role::EntityAdmin, Some("JHCO"));
    let fams = families(&w);
    // One applicant household, so both variants score.
    let line = json!({"ref": "T-1", "household": fams[0].crid, "channel": "citizen", "form": "jordan-intake", "form_version": 1, "answers": answers(&fams[0])}).to_string();
    w.app
        .import_applications(&operator(), &mut line.as_bytes(), &mut |_| {})
        .unwrap();
    w.app
        .compute_all_facts(&operator(), 50, true, &mut |_, _| {})
        .unwrap();

    // Scoring needs a model; a model naming an unknown fact is refused.
    assert_eq!(
        w.app
            .score_all(&naf, None, 100, false, &mut |_, _| {})
            .unwrap_err()
            .code,
        "no_model"
    );
    let model = fit(&w);
    let mut bad = model.clone();
    bad.variables[0].fact = "carz".into();
    assert_eq!(
        w.app.publish_model(&naf, &bad).unwrap_err().kind,
        Kind::Invalid
    );
    assert_eq!(
        w.app.publish_model(&cspd, &model).unwrap_err().kind,
        Kind::Forbidden
    );
    assert_eq!(w.app.publish_model(&naf, &model).unwrap(), 1);
    assert_eq!(sp_events(&w, "sp.pmt.publish").len(), 1);
    let total = w.store.sp_facts_count().unwrap() as u64;
    let s = w
        .app
        .score_all(&naf, None, 7, false, &mut |_, _| {})
        .unwrap();
    assert_eq!((s.households, s.scored + s.failed), (total, total));
    assert!(s.scored > 0);
    let applicant = w.store.sp_score(&fams[0].crid).unwrap().unwrap();
    assert_eq!(applicant.variant, "answers");
    let terms: serde_json::Value = serde_json::from_str(&applicant.terms).unwrap();
    let sum: f64 = terms["c"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_f64().unwrap())
        .sum();
    assert!(
        (sum - applicant.score_micro.unwrap() as f64 / 1e6).abs() < 0.01,
        "{sum} {applicant:?}"
    );
    let truth = std::fs::read_to_string(w._data.path().join("SP_Truth.csv")).unwrap();
    assert_eq!(
        w.app
            .import_truth(
                &naf,
                "civil_record_id,consumption_pc_jod,poor\n1,abc,true\n",
                "x"
            )
            .unwrap_err()
            .code,
        "truth_invalid"
    );
    assert!(w.app.import_truth(&naf, &truth, "synthetic").unwrap() > 0);

    // The pilots; programs seen by officers, changed by their owner or NAF.
    assert_eq!(w.app.install_pilots(&naf).unwrap(), 6);
    assert_eq!(w.app.install_pilots(&naf).unwrap(), 0);
    let codes: Vec<String> = w
        .app
        .programs(&cspd)
        .unwrap()
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(codes.len(), 6);
    let (uct, _) = w.app.program(&naf, "UCT", None).unwrap();
    let refused = w
        .app
        .save_program(
            &naf,
            &uct.definition
                .replacen("facts.cars > 0 &&", "facts.cars > 0 &&&", 1),
            false,
        )
        .unwrap_err();
    assert!(
        refused.message.contains("car_under_5_years") && refused.message.contains("1:"),
        "{}",
        refused.message
    );
    assert_eq!(
        w.app
            .save_program(&jhco, &uct.definition, false)
            .unwrap_err()
            .kind,
        Kind::Forbidden
    );
    let (ngo, _) = w.app.program(&jhco, "NGO-INKIND", None).unwrap();
    assert_eq!(
        w.app.save_program(&jhco, &ngo.definition, false).unwrap(),
        ("NGO-INKIND".into(), 2)
    );
    let draft = uct
        .definition
        .replace("\"quota_share\": 0.0525", "\"quota\": 3");
    let (_, v2) = w.app.save_program(&naf, &draft, false).unwrap();
    assert_eq!(v2, 2);
    assert_eq!(
        w.app.program(&naf, "UCT", None).unwrap().0.version,
        1,
        "a draft is not used"
    );
    w.app.publish_program(&naf, "UCT", 2).unwrap();
    assert_eq!(
        w.app.publish_program(&naf, "UCT", 2).unwrap_err().code,
        "not_a_draft"
    );

    // A run of every program in one pass; stored, ranked poorest first.
    let outcomes = w.app.target(&naf, &codes, &TargetPlan::default()).unwrap();
    assert_eq!(outcomes.len(), 6);
    let o = outcomes.iter().find(|o| o.program == "UCT").unwrap();
    assert_eq!(o.program_version, 2);
    assert!(o.summary.selected <= 3 && o.summary.errors.is_some());
    let (run, _, entries) = w.app.run(&naf, o.run.as_ref().unwrap(), 1, 100).unwrap();
    assert_eq!(run.program_version, 2);
    assert!(entries
        .windows(2)
        .all(|p| p[0].score_micro <= p[1].score_micro));
    assert_eq!(
        entries.iter().filter(|e| e.selected).count() as u64,
        o.summary.selected
    );
    assert_eq!(sp_events(&w, "sp.target.run").len(), 6);

    // Simulations change nothing: a smaller quota re-cuts the run, a changed rule reads
    // the households again; bad plans are refused before anything runs.
    let runs_before = w.app.runs(&naf, None, 100).unwrap().len();
    let one = TargetPlan {
        simulate: true,
        quota: Some(1),
        ..Default::default()
    };
    let sim = w.app.target(&naf, &["UCT".into()], &one).unwrap().remove(0);
    assert_eq!(
        (sim.run.clone(), sim.from_run.clone()),
        (None, o.run.clone())
    );
    assert_eq!(sim.summary.selected, o.summary.selected.min(1));
    let wide = TargetPlan {
        simulate: true,
        set: vec![("under_the_line".into(), "true".into())],
        ..Default::default()
    };
    let sim = w
        .app
        .target(&naf, &["UCT".into()], &wide)
        .unwrap()
        .remove(0);
    assert!(sim.from_run.is_none() && sim.summary.eligible >= o.summary.eligible);
    let no_rule = TargetPlan {
        simulate: true,
        set: vec![("nope".into(), "true".into())],
        ..Default::default()
    };
    assert_eq!(
        w.app
            .target(&naf, &["UCT".into()], &no_rule)
            .unwrap_err()
            .code,
        "no_rule"
    );
    let string_vs_number = TargetPlan {
        simulate: true,
        set: vec![("under_the_line".into(), "facts.governorate > 3".into())],
        ..Default::default()
    };
    assert_eq!(
        w.app
            .target(&naf, &["UCT".into()], &string_vs_number)
            .unwrap_err()
            .code,
        "program_invalid"
    );
    let negative = TargetPlan {
        simulate: true,
        quota: Some(-1),
        ..Default::default()
    };
    assert_eq!(
        w.app
            .target(&naf, &["UCT".into()], &negative)
            .unwrap_err()
            .code,
        "negative"
    );
    let gq = TargetPlan {
        simulate: true,
        governorate_quotas: [("11".to_owned(), -2)].into(),
        ..Default::default()
    };
    assert_eq!(
        w.app.target(&naf, &["UCT".into()], &gq).unwrap_err().code,
        "negative"
    );
    let gq = TargetPlan {
        simulate: true,
        governorate_quotas: [("11".to_owned(), 0)].into(),
        ..Default::default()
    };
    let none_in_amman = w.app.target(&naf, &["UCT".into()], &gq).unwrap().remove(0);
    assert_eq!(
        none_in_amman
            .summary
            .by_governorate
            .get("11")
            .map_or(0, |c| c.selected),
        0
    );
    let tiny = TargetPlan {
        simulate: true,
        budget_fils: Some(1),
        ..Default::default()
    };
    if o.summary.eligible > 0 {
        assert_eq!(
            w.app.target(&naf, &["UCT".into()], &tiny).unwrap_err().code,
            "budget_fits_none"
        );
    }
    assert_eq!(w.app.runs(&naf, None, 100).unwrap().len(), runs_before);
    assert_eq!(
        w.app.target(&cspd, &["UCT".into()], &one).unwrap_err().kind,
        Kind::Forbidden
    );

    // Explanations: each rule's outcome, the terms adding up to the score.
    let d = w.app.decisions(&naf, &fams[0].crid).unwrap();
    let sum: f64 = d.terms.iter().map(|t| t.contribution).sum();
    assert!((sum - d.score.unwrap()).abs() < 0.01);
    let uct_d = d.programs.iter().find(|p| p.code == "UCT").unwrap();
    assert_eq!(uct_d.rules.len(), 3);
    assert!(d.inputs.iter().any(|i| i.table == "DVLD_Car_Info"));
    assert_eq!(
        w.app.decisions(&cspd, &fams[0].crid).unwrap_err().kind,
        Kind::Forbidden
    );

    // A program every household is in unless it has a new car: the applicant's new car
    // takes it out at re-verification, and the change is recorded with its cause.
    let test = json!({"code": "TEST", "name": {"ar": "اختبار", "en": "Test"}, "owner": "NAF",
        "target_group": {"ar": "الجميع", "en": "Everyone"},
        "inclusion": [{"name": "everyone", "rule": "true", "label": {"ar": "الجميع", "en": "Everyone"}}],
        "exclusion": [{"name": "new_car", "rule": "facts.cars > 0 && facts.newest_car_age < 5", "label": {"ar": "سيارة حديثة", "en": "A new car"}}],
        "benefit": "1000"});
    w.app.save_program(&naf, &test.to_string(), true).unwrap();
    let run = w
        .app
        .target(&naf, &["TEST".into()], &TargetPlan::default())
        .unwrap()
        .remove(0);
    let entry = w
        .store
        .sp_run_entry(run.run.as_ref().unwrap(), &fams[0].crid)
        .unwrap()
        .unwrap();
    assert!(entry.selected, "{entry:?}");
    let dvld = user("dvldadmin", Role::EntityAdmin, Some("DVLD"));
    w.app
        .add_source(
            &dvld,
            nur_ingest::cdc::SourceDef {
                name: "dvld-feed".into(),
                kind: nur_ingest::cdc::Kind::Http,
                entity: "DVLD".into(),
                config: Default::default(),
            },
        )
        .unwrap();
    let event = json!([{"op": "c", "before": null, "ts_ms": 1_700_000_000_000i64,
        "after": {"Registration_Number": "R-NEW-9", "National_Number": fams[0].members[0].0, "Make": "Kia", "Model_Year": 2026},
        "source": {"table": "DVLD_Car_Info", "lsn": 11, "ts_ms": 1_700_000_000_000i64}}]);
    w.app
        .ingest_events(
            &client_of("DVLD"),
            "dvld-feed",
            &serde_json::to_vec(&event).unwrap(),
        )
        .unwrap();
    assert_eq!(w.app.reverify_pending(&operator(), 10).unwrap(), 1);
    let changes = w.store.sp_decisions(&fams[0].crid).unwrap();
    let change = changes
        .iter()
        .find(|c| c.program == "TEST")
        .expect("the decision changed");
    assert_eq!(
        (change.previous.as_str(), change.state.as_str()),
        ("selected", "not_eligible")
    );
    assert!(
        change.cause.contains("DVLD_Car_Info") && change.cause.contains("cars 0 → 1"),
        "{}",
        change.cause
    );
    assert!(!sp_events(&w, "sp.decision").is_empty());
    let d = w.app.decisions(&naf, &fams[0].crid).unwrap();
    assert_eq!(
        d.programs.iter().find(|p| p.code == "TEST").unwrap().state,
        "not_eligible"
    );
}

both!(targeting);
