//! The social registry's intake through `nur-app`, on both backends: a household of the
//! synthetic population applies, is verified through NAF's grants (and only them), its
//! discrepancies recorded with their source; bad answers refused at their paths with
//! nothing saved; an import that changes nothing the second time; re-verification after a
//! registry change; the national facts run.

use super::{client_of, id, operator, user, world, Backend, World};
use nur_app::{Caller, Kind};
use nur_core::account::Role;
use nur_core::grant::{GrantChange, Target};
use serde_json::{json, Value as Json};

fn naf() -> Caller {
    user("nafcase", Role::EntityUser, Some("NAF"))
}

/// NAF is granted every column of every table the social registry reads (by the
/// operator, for brevity).
pub(super) fn grant_naf(w: &World) {
    let cat = w.app.catalog();
    let wanted: Vec<(GrantChange, bool)> = [
        "CSPD_Personal_Info",
        "CSPD_Death_Info",
        "CSPD_Family_Booklet",
        "DVLD_Car_Info",
        "SSC_Insured_Info",
        "CSB_Civil_Servants",
        "CSB_Pension_Info",
        "DCMR_Employer",
        "ISTD_Income_Info",
        "DLS_Land_Ownership",
        "CCD_Companies",
        "MIT_Sole_Proprietorships",
        "HCD_Disability_Cards",
        "HIA_Health_Insurance",
        "MOHE_University_Students",
    ]
    .iter()
    .flat_map(|t| {
        cat.table(t)
            .unwrap()
            .columns
            .iter()
            .map(move |c| (*t, c.name.clone()))
    })
    .map(|(t, column)| {
        (
            GrantChange {
                consumer: id("NAF"),
                target: Target::Column {
                    table: id(t),
                    column,
                },
            },
            true,
        )
    })
    .collect();
    w.app.set_grants(&operator(), &wanted).unwrap();
}

/// A household of the population with its living members, as the civil registry has them.
pub(super) struct Family {
    pub(super) crid: String,
    pub(super) members: Vec<(String, String, String)>,
}

pub(super) fn families(w: &World) -> Vec<Family> {
    let cat = w.app.catalog();
    let person = cat.person_table();
    let death = cat.table("CSPD_Death_Info").unwrap();
    let mut out = Vec::new();
    for (crid, nns) in w.store.sp_households_after(cat, "", 1000).unwrap() {
        let keys: Vec<&str> = nns.iter().map(String::as_str).collect();
        let rows = w.store.registry_rows(&[person, death], &keys).unwrap();
        let members = nns
            .iter()
            .filter(|nn| !rows[*nn].contains_key("CSPD_Death_Info"))
            .map(|nn| {
                let p = &rows[nn]["CSPD_Personal_Info"][0];
                let born = p["Birth_Date"].as_str().unwrap().to_owned();
                let gender = if p["Gender"] == "1" { "male" } else { "female" };
                (nn.clone(), born, gender.to_owned())
            })
            .collect::<Vec<_>>();
        if !members.is_empty() {
            out.push(Family { crid, members });
        }
    }
    out
}

pub(super) fn answers(f: &Family) -> Json {
    let members: Vec<Json> = f
        .members
        .iter()
        .enumerate()
        .map(|(i, (nn, born, gender))| {
            json!({"national_number": nn, "relation": if i == 0 { "head" } else { "other" },
                   "birth_date": born, "gender": gender, "education": "basic", "work": "none",
                   "disability": false, "chronic_illness": false})
        })
        .collect();
    json!({
        "household": {"civil_record_id": f.crid, "governorate": "11", "area": "urban", "members": members},
        "dwelling": {"walls": "concrete", "roof": "concrete", "floor": "tiles", "rooms": 3,
                     "tenure": "owned", "water": "network", "toilet": "sewer"},
        "assets": {"fridge": true, "washing_machine": true, "tv": true, "air_conditioner": false,
                   "computer": false, "livestock": 0, "cars": 0, "land_parcels": 0, "business": false},
        "income": {"formal_jod": 0, "informal_jod": 120, "other_aid_jod": 0},
        "utilities": {"electricity_kwh": 200, "water_m3": 10},
        "contact": {"mobile": "+962791234567"},
        "payment": {"method": "bank", "iban": "JO94CBJO0010000000000131000302"}
    })
}

fn paths(e: &nur_app::AppError) -> Vec<(String, String)> {
    e.fields
        .iter()
        .map(|f| (f.path.clone(), f.code.clone()))
        .collect()
}

pub(super) fn sp_events(w: &World, action: &str) -> Vec<nur_core::audit::AuditEvent> {
    w.store
        .audit_events(&nur_store::AuditFilter {
            action: Some(action.into()),
            limit: 1000,
            ..Default::default()
        })
        .unwrap()
}

pub(super) fn intake(b: Backend) {
    let w = world(b);
    let fams = families(&w);
    let f = fams
        .iter()
        .find(|f| f.members.len() >= 3)
        .expect("a family of three");

    // Only NAF's caseworkers and clients (and the operator) handle applications.
    let e = w
        .app
        .create_application(&client_of("DVLD"), &answers(f), "api")
        .unwrap_err();
    assert_eq!((e.kind, e.code), (Kind::Forbidden, "not_program_entity"));

    // A draft may be incomplete; it is kept and resumed.
    let draft = w
        .app
        .create_application(&naf(), &json!({"dwelling": {"rooms": 2}}), "caseworker")
        .unwrap();
    assert_eq!(draft.application.status, "draft");
    assert!(draft
        .open
        .iter()
        .any(|o| o.path == "household" && o.code == "required"));
    // A wrong answer in a draft is refused and the saved draft is unchanged.
    let e = w
        .app
        .update_application(
            &naf(),
            &draft.application.id,
            None,
            &json!({"dwelling": {"rooms": 0}}),
        )
        .unwrap_err();
    assert_eq!(
        (e.kind, paths(&e)),
        (
            Kind::Unprocessable,
            vec![("dwelling.rooms".into(), "below_min".into())]
        )
    );
    let kept = w.app.application(&naf(), &draft.application.id).unwrap();
    assert_eq!(kept.answers, json!({"dwelling": {"rooms": 2}}));
    let id = draft.application.id.clone();
    let v1 = w
        .app
        .update_application(&naf(), &id, Some(1), &answers(f))
        .unwrap();
    assert_eq!(v1.application.revision, 2);
    assert!(v1.open.is_empty(), "{:?}", v1.open);
    // A stale editor is refused.
    let e = w
        .app
        .update_application(&naf(), &id, Some(1), &answers(f))
        .unwrap_err();
    assert_eq!((e.kind, e.code), (Kind::Conflict, "draft_changed"));

    // Without a grant on the civil registry nothing can be verified.
    let e = w.app.submit_application(&naf(), &id, None).unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (Kind::Forbidden, "verification_not_granted")
    );
    grant_naf(&w);
    let done = w.app.submit_application(&naf(), &id, None).unwrap();
    assert_eq!(done.application.status, "submitted");
    let v = done.verification.expect("verified");
    assert_eq!(v.members_verified, f.members.len() as i64);
    // Each read is NAF's audited access for intake verification, in the member's report.
    let read = sp_events(&w, "sp.verify");
    assert_eq!(read.len(), 1);
    assert_eq!(
        (read[0].entity.as_deref(), read[0].purpose.as_deref()),
        (Some("NAF"), Some("intake verification"))
    );
    let report = w
        .app
        .access_report(
            &operator(),
            &w.app.national_number(&f.members[0].0).unwrap(),
            50,
            0,
        )
        .unwrap();
    assert!(
        report
            .entries
            .iter()
            .any(|e| e.purpose.as_deref() == Some("intake verification")),
        "{:?}",
        report.entries
    );
    // The household's profile carries its facts.
    let h = w.app.sp_household(&naf(), &f.crid).unwrap();
    let facts: Json = serde_json::from_str(&h.facts.unwrap().facts).unwrap();
    assert_eq!(facts["values"]["members"], json!(f.members.len()));
    assert_eq!(
        facts["values"]["rooms_per_person"],
        json!(3.0 / f.members.len() as f64 * 1000.0)
            .as_f64()
            .map(|x| json!((x).round() / 1000.0))
            .unwrap()
    );

    // A submitted application cannot be edited.
    let e = w
        .app
        .update_application(&naf(), &id, None, &answers(f))
        .unwrap_err();
    assert_eq!((e.kind, e.code), (Kind::Conflict, "not_a_draft"));
    // Its members cannot be in a second open application.
    let e = w
        .app
        .create_application(&naf(), &answers(f), "caseworker")
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (Kind::Unprocessable, "member_in_another_application")
    );
}

pub(super) fn discrepancies_and_bad_members(b: Backend) {
    let w = world(b);
    grant_naf(&w);
    let fams = families(&w);
    let cars = w.app.catalog().table("DVLD_Car_Info").unwrap();
    // A family one of whose members has a registered car, which the answers leave out.
    let (f, owner) = fams
        .iter()
        .find_map(|f| {
            let keys: Vec<&str> = f.members.iter().map(|m| m.0.as_str()).collect();
            let rows = w.store.registry_rows(&[cars], &keys).unwrap();
            keys.iter()
                .find(|k| rows[**k].contains_key("DVLD_Car_Info"))
                .map(|k| (f, k.to_string()))
        })
        .expect("a car owner");
    let a = w
        .app
        .create_application(&naf(), &answers(f), "caseworker")
        .unwrap();
    let done = w
        .app
        .submit_application(&naf(), &a.application.id, None)
        .unwrap();
    let v = done.verification.unwrap();
    let car = v
        .discrepancies
        .iter()
        .find(|d| d.kind == "vehicles")
        .expect("the car");
    assert_eq!(
        (car.source_table.as_str(), car.national_number.as_deref()),
        ("DVLD_Car_Info", Some(owner.as_str()))
    );
    assert!(car.record_keys.starts_with("[\"V"), "{}", car.record_keys);
    assert!(car.as_of_ms.is_some());

    // Unknown and deceased members refuse the submission, naming the member; nothing saved.
    let other = fams
        .iter()
        .find(|o| o.crid != f.crid && o.members.len() >= 2)
        .unwrap();
    let mut bad = answers(other);
    bad["household"]["members"][1]["national_number"] = json!("9991099999");
    bad["household"]["members"][1]["birth_date"] = json!("1999-01-01");
    bad["household"]["members"][1]["gender"] = json!("male");
    let d = w
        .app
        .create_application(&naf(), &bad, "caseworker")
        .unwrap();
    let e = w
        .app
        .submit_application(&naf(), &d.application.id, None)
        .unwrap_err();
    assert_eq!(
        paths(&e),
        vec![(
            "household.members[1].national_number".into(),
            "unknown_member".into()
        )]
    );
    assert_eq!(
        w.app
            .application(&naf(), &d.application.id)
            .unwrap()
            .application
            .status,
        "draft"
    );
    assert!(w
        .store
        .sp_verification(&d.application.id)
        .unwrap()
        .is_none());

    // A widow's late husband, still in the family booklet, cannot be a member.
    let cat = w.app.catalog();
    let (person, death) = (cat.person_table(), cat.table("CSPD_Death_Info").unwrap());
    let (crid, dead) = w
        .store
        .sp_households_after(cat, "", 1000)
        .unwrap()
        .into_iter()
        .find_map(|(crid, nns)| {
            let keys: Vec<&str> = nns.iter().map(String::as_str).collect();
            let rows = w.store.registry_rows(&[person, death], &keys).unwrap();
            let dead = nns
                .iter()
                .find(|n| rows[*n].contains_key("CSPD_Death_Info"))?;
            let p = &rows[dead]["CSPD_Personal_Info"][0];
            Some((
                crid,
                (dead.clone(), p["Birth_Date"].as_str().unwrap().to_owned()),
            ))
        })
        .expect("a deceased member");
    let widow = fams
        .iter()
        .find(|f| f.crid == crid)
        .expect("the widow's household");
    let mut with_dead = answers(widow);
    with_dead["household"]["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"national_number": dead.0, "relation": "spouse", "birth_date": dead.1, "gender": "male",
                     "education": "basic", "work": "none", "disability": false, "chronic_illness": false}));
    let d = w
        .app
        .create_application(&naf(), &with_dead, "caseworker")
        .unwrap();
    let e = w
        .app
        .submit_application(&naf(), &d.application.id, None)
        .unwrap_err();
    let at = format!("household.members[{}].national_number", widow.members.len());
    assert_eq!(paths(&e), vec![(at, "deceased_member".into())]);
}

pub(super) fn import_and_reverify(b: Backend) {
    let w = world(b);
    grant_naf(&w);
    let fams = families(&w);
    let line = |r: &str, f: &Family| {
        json!({"ref": r, "household": f.crid, "channel": "citizen", "form": "jordan-intake", "form_version": 1, "answers": answers(f)}).to_string()
    };
    let mut bad_nn = answers(&fams[1]);
    bad_nn["household"]["members"][0]["national_number"] = json!("12345");
    let input = [
        line("SYN-1", &fams[0]),
        "{not json".to_owned(),
        json!({"ref": "SYN-3", "form": "jordan-intake", "form_version": 1, "answers": bad_nn})
            .to_string(),
        line("SYN-4", &fams[0]),
        line("SYN-5", &fams[2]),
        json!({"ref": "SYN-6", "form": "other-form", "form_version": 1, "answers": {}}).to_string(),
    ]
    .join("\n");
    let mut seen = 0;
    let r = w
        .app
        .import_applications(&operator(), &mut input.as_bytes(), &mut |_| seen += 1)
        .unwrap();
    assert!(seen >= 1);
    assert_eq!((r.lines, r.imported, r.unchanged), (6, 2, 0));
    let rejected: Vec<(u64, Option<&str>)> = r
        .rejected
        .iter()
        .map(|x| (x.line, x.reference.as_deref()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (2, None),
            (3, Some("SYN-3")),
            (4, Some("SYN-4")),
            (6, Some("SYN-6"))
        ]
    );
    assert!(
        r.rejected[1].reasons[0].starts_with("household.members[0].national_number"),
        "{:?}",
        r.rejected[1]
    );
    assert!(
        r.rejected[2].reasons[0].contains("already a member"),
        "{:?}",
        r.rejected[2]
    );
    // A re-import changes nothing.
    let again = w
        .app
        .import_applications(&operator(), &mut input.as_bytes(), &mut |_| {})
        .unwrap();
    assert_eq!((again.imported, again.unchanged), (0, 2));
    assert_eq!(w.store.sp_applications(None, 100).unwrap().len(), 2);

    // A car registered for a member after the submission marks the household in the
    // change's transaction; the worker records the new discrepancy.
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
    let member = &fams[2].members[0].0;
    let event = json!([{"op": "c", "before": null, "ts_ms": 1_700_000_000_000i64,
        "after": {"Registration_Number": "R-NEW-1", "National_Number": member, "Make": "Kia", "Model_Year": 2025},
        "source": {"table": "DVLD_Car_Info", "lsn": 10, "ts_ms": 1_700_000_000_000i64}}]);
    w.app
        .ingest_events(
            &client_of("DVLD"),
            "dvld-feed",
            &serde_json::to_vec(&event).unwrap(),
        )
        .unwrap();
    let pending = w.store.sp_reverify_pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].0, fams[2].crid);
    assert_eq!(w.app.reverify_pending(&operator(), 10).unwrap(), 1);
    assert!(w.store.sp_reverify_pending(10).unwrap().is_empty());
    let app = w.store.sp_application_by_ref("SYN-5").unwrap().unwrap();
    let v = w.store.sp_verification(&app.id).unwrap().unwrap();
    assert!(
        v.discrepancies
            .iter()
            .any(|d| d.kind == "vehicles" && d.record_keys.contains("R-NEW-1")),
        "{:?}",
        v.discrepancies
    );
    assert_eq!(sp_events(&w, "sp.reverify").len(), 1);
}

pub(super) fn national_facts(b: Backend) {
    let w = world(b);
    grant_naf(&w);
    let total = w.store.sp_household_count(w.app.catalog()).unwrap() as u64;
    let r = w
        .app
        .compute_all_facts(&operator(), 10, false, &mut |_, _| {})
        .unwrap();
    assert_eq!(r.households, total);
    assert_eq!(r.errors, vec![]);
    let fams = families(&w);
    let h = w.app.sp_household(&naf(), &fams[0].crid).unwrap();
    let facts: Json = serde_json::from_str(&h.facts.unwrap().facts).unwrap();
    assert_eq!(facts["values"]["members"], json!(fams[0].members.len()));
    assert_eq!(
        facts["values"]["walls"],
        Json::Null,
        "no answers: registries alone"
    );
    // Every member read appears in their access report.
    let report = w
        .app
        .access_report(
            &operator(),
            &w.app.national_number(&fams[0].members[0].0).unwrap(),
            50,
            0,
        )
        .unwrap();
    assert!(report
        .entries
        .iter()
        .any(|e| e.purpose.as_deref() == Some("household facts")));
    // Only the operator starts it.
    assert_eq!(
        w.app
            .compute_all_facts(&naf(), 10, false, &mut |_, _| {})
            .unwrap_err()
            .kind,
        Kind::Forbidden
    );
    // A finished run starts again from the beginning.
    let again = w
        .app
        .compute_all_facts(&operator(), 1000, false, &mut |_, _| {})
        .unwrap();
    assert_eq!((again.households, again.resumed_from), (total, None));
}

both!(
    intake,
    discrepancies_and_bad_members,
    import_and_reverify,
    national_facts
);
