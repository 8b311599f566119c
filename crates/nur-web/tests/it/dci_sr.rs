//! The DCI Social Registry on the real app: households as groups with their current score,
//! members under the client's grants, group and member conditions, the official samples,
//! and `REGISTER` / `NewHouseHoldMember` notified from intake and ingestion. Every answer
//! and notification is validated against the official Social Registry OpenAPI file.

use super::dci::{dci_app, envelope, message_id, post, records, search, Receiver};
use super::dci_schema::{samples, Part, Schemas};
use super::ingest::client_token;
use super::{call, token, App};
use nur_ingest::cdc::{Kind, SourceConfig, SourceDef};
use nur_store::testing::Backend;
use serde_json::{json, Value};

const SYNC: &str = "/dci/sr/registry/sync/search";

fn item(reference: &str, entity: &str, query_type: &str, query: Value, page_size: u32) -> Value {
    json!({"reference_id": reference, "timestamp": "2026-12-02T10:00:00Z",
           "search_criteria": {"version": "1.0.0", "reg_type": "ns:org:RegistryType:Social",
             "response_entity": entity, "query_type": query_type, "query": query,
             "sort": [{"attribute_name": "poverty_score", "sort_order": "asc"}],
             "pagination": {"page_size": page_size, "page_number": 1}}})
}

/// One sync search, validated; the first item's answer.
fn ask(app: &App, tok: &str, schemas: &mut Schemas, it: Value) -> Value {
    let (st, v) = post(app, tok, SYNC, &search(vec![it]));
    schemas.check("sr", "/registry/sync/search", Part::Answer, &v);
    assert_eq!(st, 200, "{v}");
    v
}

fn total(v: &Value) -> u64 {
    v["message"]["search_response"][0]["pagination"]["total_count"]
        .as_u64()
        .unwrap_or_else(|| panic!("no total in {v}"))
}

fn uins(group: &Value) -> Vec<String> {
    group["member_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["member_identifier"][0]["identifier_value"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Completed years between a `YYYY-MM-DD` birth date and today.
fn age(birth: &str) -> i64 {
    let b: jiff::civil::Date = birth[..10].parse().unwrap();
    let days = nur_store::now_ms().div_euclid(86_400_000);
    let today = jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(days))
        .unwrap();
    let mut years = i64::from(today.year() - b.year());
    if (today.month(), today.day()) < (b.month(), b.day()) {
        years -= 1;
    }
    years
}

pub(super) fn dci_sr_groups_members_and_events(b: Backend) {
    let app = dci_app(b);
    let answers = super::sp::family_answers(&app);
    super::sp::scored(&app);
    let tok = token(&app);
    let mut schemas = Schemas::new();
    let op = nur_app::Caller::operator("tests");
    let all = app.uses.sr_groups_after(&op, "", 5_000).unwrap();
    assert!(all.len() > 20, "{} groups", all.len());

    // By household: the group with its score, size, and its members as NAF may see them.
    let g = all
        .iter()
        .find(|g| g.facts["members"].as_i64() > Some(2) && g.score.is_some())
        .unwrap();
    let v = ask(
        &app,
        &tok,
        &mut schemas,
        item(
            "r-hh",
            "Group",
            "idtype-value",
            json!({"type": "HOUSEHOLD_ID", "value": g.household}),
            5,
        ),
    );
    let r = &records(&v)[0];
    assert_eq!(
        r["group_identifier"][0]["identifier_value"],
        g.household.as_str()
    );
    assert_eq!(r["poverty_score"].as_f64(), g.score, "{r}");
    assert!(
        r["poverty_score_type"].as_str().unwrap().contains(" v"),
        "{r}"
    );
    assert_eq!(r["group_size"], g.facts["members"]);
    assert_eq!(
        v["message"]["search_response"][0]["data"]["reg_record_type"],
        "spdci-extensions-social:Group"
    );
    let members = uins(r);
    assert!(
        members.len() as i64 >= g.facts["members"].as_i64().unwrap(),
        "{r}"
    );
    let head = r["group_head_info"]["member_identifier"][0]["identifier_value"]
        .as_str()
        .unwrap_or_else(|| panic!("a head: {r}"));
    assert!(members.iter().any(|m| m == head));
    let m0 = &r["member_list"][0]["demographic_info"];
    assert!(
        m0["birth_date"].is_string(),
        "NAF is granted birth dates: {m0}"
    );
    assert!(m0["sex"].is_string(), "and the sex: {m0}");

    // By a member's national number: their group; as a Member, that member only.
    let v = ask(
        &app,
        &tok,
        &mut schemas,
        item(
            "r-uin",
            "Group",
            "idtype-value",
            json!({"type": "UIN", "value": members[1]}),
            5,
        ),
    );
    assert_eq!(
        records(&v)[0]["group_identifier"][0]["identifier_value"],
        g.household.as_str()
    );
    let v = ask(
        &app,
        &tok,
        &mut schemas,
        item(
            "r-m",
            "Member",
            "idtype-value",
            json!({"type": "UIN", "value": members[1]}),
            5,
        ),
    );
    let rs = records(&v);
    assert_eq!(rs.len(), 1, "{v}");
    assert_eq!(
        rs[0]["member_identifier"][0]["identifier_value"],
        members[1].as_str()
    );
    assert_eq!(
        v["message"]["search_response"][0]["data"]["reg_record_type"],
        "spdci-extensions-social:Member"
    );

    // An expression over the score: the count matches the store, the page is in order.
    let mut scores: Vec<f64> = all.iter().filter_map(|g| g.score).collect();
    scores.sort_by(f64::total_cmp);
    let cut = scores[scores.len() / 2];
    let below = scores.iter().filter(|s| **s < cut).count();
    let v = ask(
        &app,
        &tok,
        &mut schemas,
        item(
            "r-poor",
            "Group",
            "expression",
            json!({"type": "ns:org:QueryType:NoSql", "value": {"expression": {"collection": "Group",
                   "query": {"$and": [{"poverty_score": {"$lt": cut}}]}}}}),
            50,
        ),
    );
    assert_eq!(total(&v), below as u64, "{v}");
    let got: Vec<f64> = records(&v)
        .iter()
        .map(|r| r["poverty_score"].as_f64().unwrap())
        .collect();
    assert_eq!(got.len(), below.min(50));
    assert!(got.windows(2).all(|w| w[0] <= w[1]), "sorted: {got:?}");
    assert!(got.iter().all(|s| *s < cut));

    // Group and member attributes together: groups of at least 3 with a member under 25,
    // checked against the members' own birth dates.
    let v = ask(
        &app,
        &tok,
        &mut schemas,
        item(
            "r-young",
            "Group",
            "predicate",
            json!([{"seq_num": 1, "expression1": {"attribute_name": "group_size", "operator": "ge", "attribute_value": 3},
                    "condition": "and", "expression2": {"attribute_name": "age", "operator": "lt", "attribute_value": 25}}]),
            100,
        ),
    );
    let groups = records(&v);
    let expected = all
        .iter()
        .filter(|g| g.facts["members"].as_i64() >= Some(3))
        .count();
    assert!(!groups.is_empty() && groups.len() <= expected, "{v}");
    for r in &groups {
        assert!(r["group_size"].as_i64() >= Some(3), "{r}");
        assert!(
            r["member_list"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["demographic_info"]["birth_date"]
                    .as_str()
                    .is_some_and(|b| age(b) < 25)),
            "a member under 25: {r}"
        );
    }
    // The same as members: only those under 25, of such groups.
    let v = ask(
        &app,
        &tok,
        &mut schemas,
        item(
            "r-young-m",
            "Member",
            "predicate",
            json!([{"seq_num": 1, "expression1": {"attribute_name": "group_size", "operator": "ge", "attribute_value": 3},
                    "condition": "and", "expression2": {"attribute_name": "age", "operator": "lt", "attribute_value": 25}}]),
            100,
        ),
    );
    let ms = records(&v);
    assert!(!ms.is_empty());
    for m in &ms {
        let b = m["demographic_info"]["birth_date"].as_str().unwrap();
        assert!(age(b) < 25, "{m}");
    }

    // Refused, each with its reason and never a 500.
    for (what, it, code) in [
        (
            "or across group and member",
            item(
                "r-bad",
                "Group",
                "expression",
                json!({"$or": [{"poverty_score": {"$lt": 5}}, {"age": {"$lt": 25}}]}),
                5,
            ),
            "rjct.search_criteria.invalid",
        ),
        (
            "unknown entity",
            item(
                "r-bad",
                "Family",
                "idtype-value",
                json!({"type": "HOUSEHOLD_ID", "value": "1"}),
                5,
            ),
            "rjct.search_criteria.invalid",
        ),
        (
            "unknown identifier",
            item(
                "r-bad",
                "Group",
                "idtype-value",
                json!({"type": "PASSPORT", "value": "1"}),
                5,
            ),
            "rjct.search_criteria.invalid",
        ),
    ] {
        let (st, v) = post(&app, &tok, SYNC, &search(vec![it]));
        schemas.check("sr", "/registry/sync/search", Part::Answer, &v);
        assert_eq!(st, 200, "{what}: {v}");
        let r = &v["message"]["search_response"][0];
        assert_eq!(r["status"], "rjct", "{what}: {v}");
        assert_eq!(r["status_reason_code"], code, "{what}: {v}");
    }

    // A client of another entity does not read the social registry.
    let other = client_token(&app, "DVLD");
    let (st, v) = post(
        &app,
        &other,
        SYNC,
        &search(vec![item(
            "r-x",
            "Group",
            "idtype-value",
            json!({"type": "HOUSEHOLD_ID", "value": g.household}),
            5,
        )]),
    );
    assert_eq!(st, 403, "not a registered sender: {v}");

    // A condition on a column NAF is not granted is refused as such; granted, it is answered.
    let marital = item(
        "r-w",
        "Group",
        "expression",
        json!({"$and": [{"demographic_info.person.sex": {"$eq": "female"}}, {"marital_status": {"$eq": "W"}}]}),
        5,
    );
    let v = ask(&app, &tok, &mut schemas, marital.clone());
    assert!(
        v["message"]["search_response"][0]["status_reason_message"]
            .as_str()
            .is_some_and(|m| m.contains("Marital_Status") && m.contains("not granted")),
        "{v}"
    );
    let c = app.uses.catalog();
    super::grant(
        &app.store,
        c,
        super::column("CSPD_Personal_Info", "Marital_Status"),
    );
    let v = ask(&app, &tok, &mut schemas, marital);
    assert_eq!(v["message"]["search_response"][0]["status"], "succ", "{v}");
    for r in records(&v) {
        assert!(
            r["member_list"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["marital_status"] == "W" && m["demographic_info"]["sex"] == "female"),
            "a widow in each group: {r}"
        );
    }

    // Every official sample request is accepted (answered, if only with a rejection of its
    // invented values), never refused as a message.
    for (name, mut s) in samples("social-registry") {
        s["header"]["message_id"] = message_id().into();
        s["header"]["sender_id"] = super::dci::SENDER.into();
        let path = match s["header"]["action"].as_str().unwrap() {
            "search" => SYNC,
            other => panic!("{name}: {other}"),
        };
        let (st, v) = post(&app, &tok, path, &s);
        assert_eq!(st, 200, "{name}: {v}");
        schemas.check("sr", "/registry/sync/search", Part::Answer, &v);
        let invented = v["message"]["search_response"][0]["status_reason_message"]
            .as_str()
            .is_some_and(|m| m.contains("national number"));
        assert!(v["header"]["status"] == "succ" || invented, "{name}: {v}");
    }

    // Subscriptions: REGISTER from intake, NewHouseHoldMember from ingestion.
    let rx = Receiver::start(0);
    let mut codes = Vec::new();
    for (reference, event) in [("s-reg", "REGISTER"), ("s-new", "NewHouseHoldMember")] {
        let sub = envelope(
            "subscribe",
            Some(&rx.base),
            json!({"transaction_id": "t-sub", "subscribe_request": [{"reference_id": reference, "timestamp": "2026-12-02T10:00:00Z",
                "subscribe_criteria": {"version": "1.0.0", "reg_type": "ns:org:RegistryType:Social", "reg_event_type": event,
                  "frequency": "", "notify_record_type": ""}}]}),
        );
        let (st, v) = post(&app, &tok, "/dci/sr/registry/subscribe", &sub);
        assert_eq!(st, 200, "{v}");
        schemas.check("sr", "/registry/subscribe", Part::Ack, &v);
    }
    for _ in 0..2 {
        let on = rx.wait("/registry/on-subscribe");
        schemas.check("sr", "/registry/on-subscribe", Part::Request, &on);
        codes.push(on);
    }
    assert_eq!(rx.settled_count(&app, "/registry/on-subscribe"), 2);
    let bad = envelope(
        "subscribe",
        Some(&rx.base),
        json!({"transaction_id": "t-sub", "subscribe_request": [{"reference_id": "s-bad", "timestamp": "2026-12-02T10:00:00Z",
            "subscribe_criteria": {"version": "1.0.0", "reg_event_type": "death"}}]}),
    );
    post(&app, &tok, "/dci/sr/registry/subscribe", &bad);
    assert_eq!(rx.settled_count(&app, "/registry/on-subscribe"), 3);
    let refused = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.ends_with("/registry/on-subscribe"))
        .map(|(_, v)| v.clone())
        .find(|v| v["message"]["subscribe_response"][0]["reference_id"] == "s-bad")
        .unwrap();
    assert_eq!(
        refused["message"]["subscribe_response"][0]["status_reason_code"],
        "rjct.notify_types.invalid",
        "a CRVS event is not an SR one: {refused}"
    );

    // The household of `answers` applies: one REGISTER notification with its group.
    let hh = answers["household"]["civil_record_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let draft = app
        .uses
        .create_application(&op, &answers, "office")
        .unwrap();
    app.uses
        .submit_application(&op, &draft.application.id, None)
        .unwrap();
    let note = rx.wait("/registry/notify");
    schemas.check("sr", "/registry/notify", Part::Request, &note);
    let ev = &note["message"]["notify_event"][0]["data"];
    assert_eq!(ev["reg_event_type"], "REGISTER", "{note}");
    assert_eq!(
        ev["reg_records"]["group_identifier"][0]["identifier_value"],
        hh.as_str()
    );
    assert!(ev["reg_records"]["registration_date"].is_string(), "{note}");
    assert_eq!(rx.settled_count(&app, "/registry/notify"), 1);

    // A person recorded by the civil registry in that family booklet, not on its
    // application: one NewHouseHoldMember notification; a change of a listed member, none.
    let listed: Vec<String> = answers["household"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["national_number"].as_str().unwrap().to_owned())
        .collect();
    let newcomer = all
        .iter()
        .filter(|o| o.household != hh)
        .find_map(|o| {
            let v = ask(
                &app,
                &tok,
                &mut schemas,
                item(
                    "r-o",
                    "Group",
                    "idtype-value",
                    json!({"type": "HOUSEHOLD_ID", "value": o.household}),
                    1,
                ),
            );
            uins(&records(&v)[0])
                .into_iter()
                .find(|n| !listed.contains(n))
        })
        .unwrap();
    let person = c.person_table();
    let row = |nn: &str| {
        let rows = app.store.registry_rows(&[person], &[nn]).unwrap();
        let mut r = rows[nn]["CSPD_Personal_Info"][0].clone();
        r.remove("_lineage");
        r.insert("Civil_Record_Id".into(), hh.clone().into());
        Value::Object(r)
    };
    SourceDef {
        name: "cspd-sr".into(),
        kind: Kind::Http,
        entity: "CSPD".into(),
        config: SourceConfig::default(),
    }
    .add(&app.store, c, Default::default())
    .unwrap();
    let cspd = client_token(&app, "CSPD");
    let change = |nn: &str, lsn: u64| {
        json!({"op": "u", "before": null, "ts_ms": 1_764_000_000_000i64, "after": row(nn),
               "source": {"table": "CSPD_Personal_Info", "lsn": lsn, "ts_ms": 1_764_000_000_000i64}})
    };
    let events = json!([change(&listed[0], 20), change(&newcomer, 21)]).to_string();
    let (st, v) = call(
        &app,
        &cspd,
        "POST",
        "/api/v1/ingest/cspd-sr/events",
        &events,
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(rx.settled_count(&app, "/registry/notify"), 2);
    let notes: Vec<Value> = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.ends_with("/registry/notify"))
        .map(|(_, v)| v.clone())
        .collect();
    let note = &notes[1];
    schemas.check("sr", "/registry/notify", Part::Request, note);
    let ev = &note["message"]["notify_event"][0]["data"];
    assert_eq!(ev["reg_event_type"], "NewHouseHoldMember", "{note}");
    assert_eq!(
        ev["reg_records"]["member_identifier"][0]["identifier_value"],
        newcomer.as_str(),
        "{note}"
    );
    assert_eq!(
        ev["reg_records"]["additional_attributes"][0]["value"],
        hh.as_str()
    );
}
