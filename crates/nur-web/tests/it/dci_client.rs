//! NUR as a DCI client, against a second NUR on port 0 acting as the partner registry (its
//! CRVS and Social Registry APIs, NUR's signature verified with the key on file there), and against partners
//! that are down, never answer, answer 500 or answer JSON that is no DCI response. Every
//! outcome is an answer of its own; none stops an intake submission.

use super::dci::{dci_app, SENDER};
use super::{spawn_app_with, App, Tweaks};
use nur_app::{Caller, PartnerAnswer, PartnerDef};
use nur_store::testing::Backend;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn def(
    name: &str,
    base: String,
    token: String,
    partner: &App,
    ttl: i64,
    verify: bool,
) -> PartnerDef {
    PartnerDef {
        name: name.into(),
        registry: "crvs".into(),
        base_url: base,
        token_url: token,
        client_id: partner.client_id.clone(),
        client_secret: partner.secret.clone(),
        sender_id: SENDER.into(),
        scheme: "jws".into(),
        public_key: None,
        id_type: "UIN".into(),
        reg_type: "ns:org:RegistryType:Civil".into(),
        ttl_secs: ttl,
        timeout_ms: 400,
        verify,
    }
}

/// A server answering every request with `status` and `body` (`None`: accepts and never
/// answers).
fn fixed(answer: Option<(&'static str, &'static str)>) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let Some((status, body)) = answer else {
                held.push(s);
                continue;
            };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

fn failed(a: &PartnerAnswer) -> (&str, &str) {
    match a {
        PartnerAnswer::Failed(f) => (f.kind.as_str(), f.message.as_str()),
        other => panic!("expected a failure, got {other:?}"),
    }
}

pub(super) fn dci_nur_asks_a_partner_registry(b: Backend) {
    let partner = dci_app(b);
    let nur = spawn_app_with(b, Tweaks::default());
    let op = Caller::operator("tests");
    // The partner keeps NUR's public key on file and verifies what NUR signs.
    let jwks = nur.uses.jwks().unwrap();
    let jwk = serde_json::to_string(&jwks.keys[0]).unwrap();
    partner
        .uses
        .register_dci_sender(&op, &partner.client_id, SENDER, "jws", Some(&jwk))
        .unwrap();
    let base = format!("http://{}/dci/crvs", partner.addr);
    let token = format!("http://{}/oauth2/client/token", partner.addr);

    // Bad configuration is refused with its reason; only the Super Admin configures.
    let mut bad = def("p crvs", base.clone(), token.clone(), &partner, 60, false);
    assert!(nur.uses.put_dci_partner(&op, bad.clone()).is_err());
    bad.name = "p-crvs".into();
    bad.base_url = "ftp://x".into();
    let e = nur.uses.put_dci_partner(&op, bad).unwrap_err();
    assert!(e.message.contains("ftp://x"), "{e:?}");
    let naf = Caller::new(
        nur_core::grant::Actor::Client {
            client_id: nur.client_id.clone(),
            entity: nur_core::Ident::parse("NAF").unwrap(),
        },
        None,
    );
    assert!(nur
        .uses
        .put_dci_partner(
            &naf,
            def("p-crvs", base.clone(), token.clone(), &partner, 60, false)
        )
        .is_err());

    nur.uses
        .put_dci_partner(
            &op,
            def("p-crvs", base.clone(), token.clone(), &partner, 3600, false),
        )
        .unwrap();
    let listed = nur.uses.dci_partners(&op).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        !serde_json::to_string(&listed)
            .unwrap()
            .contains(&partner.secret),
        "the secret is never listed"
    );

    // Found at the partner (under the grants the partner gave NUR's client there), then kept.
    let a = nur
        .uses
        .ask_partner(&op, "p-crvs", &partner.person)
        .unwrap();
    let PartnerAnswer::Found {
        records, cached, ..
    } = &a
    else {
        panic!("{a:?}")
    };
    assert!(!cached);
    assert_eq!(
        records[0]["identifier"][0]["identifier_value"],
        partner.person.as_str(),
        "{records:?}"
    );
    assert!(records[0]["birth_date"].is_string(), "{records:?}");
    let again = nur
        .uses
        .ask_partner(&op, "p-crvs", &partner.person)
        .unwrap();
    assert!(
        matches!(again, PartnerAnswer::Found { cached: true, .. }),
        "{again:?}"
    );
    // Both are audited accesses on the person's report at NUR.
    let nn = nur.uses.national_number(&partner.person).unwrap();
    let report = nur.uses.access_report(&op, &nn, 50, 0).unwrap();
    let asked = report
        .entries
        .iter()
        .filter(|e| e.action == "dci.partner.search")
        .count();
    assert_eq!(asked, 2, "{:?}", report.entries);

    // The partner's Social Registry too: the household of a person, as a Group.
    super::sp::family_answers(&partner);
    super::sp::scored(&partner);
    let mut sr = def(
        "p-sr",
        format!("http://{}/dci/sr", partner.addr),
        token.clone(),
        &partner,
        0,
        false,
    );
    sr.registry = "sr".into();
    sr.reg_type = "ns:org:RegistryType:Social".into();
    nur.uses.put_dci_partner(&op, sr).unwrap();
    let a = nur.uses.ask_partner(&op, "p-sr", &partner.person).unwrap();
    let PartnerAnswer::Found { records, .. } = &a else {
        panic!("{a:?}")
    };
    assert_eq!(records[0]["@type"], "Group", "{records:?}");
    assert!(
        records[0]["member_list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["member_identifier"][0]["identifier_value"] == partner.person.as_str()),
        "{records:?}"
    );

    // A partner that refuses NUR's signature (another key on file) is a refusal.
    let other =
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
    partner
        .uses
        .register_dci_sender(&op, &partner.client_id, SENDER, "jws", Some(other))
        .unwrap();
    nur.uses
        .put_dci_partner(
            &op,
            def("p-nokeep", base.clone(), token.clone(), &partner, 0, false),
        )
        .unwrap();
    let a = nur
        .uses
        .ask_partner(&op, "p-nokeep", &partner.person)
        .unwrap();
    let (kind, why) = failed(&a);
    assert_eq!(kind, "refused", "{why}");
    assert!(why.contains("signature"), "{why}");
    partner
        .uses
        .register_dci_sender(&op, &partner.client_id, SENDER, "jws", Some(&jwk))
        .unwrap();

    // Down, silent, 500, garbage: each a failure of its kind, quickly.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    for (name, base, token, want) in [
        (
            "p-down",
            format!("{closed}/dci"),
            format!("{closed}/token"),
            "unavailable",
        ),
        ("p-silent", fixed(None), token.clone(), "timeout"),
        (
            "p-500",
            fixed(Some(("500 Internal Server Error", "{\"error\":\"boom\"}"))),
            token.clone(),
            "refused",
        ),
        (
            "p-garbage",
            fixed(Some(("200 OK", "{\"hello\": \"world\"}"))),
            token.clone(),
            "invalid",
        ),
        (
            "p-html",
            fixed(Some(("200 OK", "<html>hi</html>"))),
            token.clone(),
            "invalid",
        ),
        (
            "p-token-500",
            base.clone(),
            fixed(Some(("500 Internal Server Error", "{}"))),
            "refused",
        ),
    ] {
        nur.uses
            .put_dci_partner(&op, def(name, base, token, &partner, 60, false))
            .unwrap();
        let t = Instant::now();
        let a = nur.uses.ask_partner(&op, name, &partner.person).unwrap();
        assert_eq!(failed(&a).0, want, "{name}: {a:?}");
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{name} took {:?}",
            t.elapsed()
        );
    }
    // A failure is never kept: the next question asks again.
    let a = nur
        .uses
        .ask_partner(&op, "p-garbage", &partner.person)
        .unwrap();
    assert_eq!(failed(&a).0, "invalid");

    // Intake verification asks the verifying partners about each member; a partner that is
    // down is a result, not a refusal.
    for name in ["p-crvs", "p-down"] {
        let base = if name == "p-crvs" {
            base.clone()
        } else {
            format!("{closed}/dci")
        };
        let tok = if name == "p-crvs" {
            token.clone()
        } else {
            format!("{closed}/token")
        };
        nur.uses
            .put_dci_partner(&op, def(name, base, tok, &partner, 3600, true))
            .unwrap();
    }
    let answers = super::sp::family_answers(&nur);
    let draft = nur
        .uses
        .create_application(&op, &answers, "office")
        .unwrap();
    let view = nur
        .uses
        .submit_application(&op, &draft.application.id, None)
        .unwrap();
    let snap: serde_json::Value =
        serde_json::from_str(&view.verification.unwrap().snapshot).unwrap();
    let members: Vec<&str> = answers["household"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["national_number"].as_str().unwrap())
        .collect();
    for m in &members {
        assert_eq!(snap["partners"]["p-crvs"][m]["status"], "found", "{snap}");
        assert_eq!(snap["partners"]["p-down"][m]["status"], "failed", "{snap}");
        assert_eq!(
            snap["partners"]["p-down"][m]["kind"], "unavailable",
            "{snap}"
        );
    }
}

/// NUR subscribed to a partner's deaths applies what the partner notifies through a change
/// source of its own, verified with the partner's key; a forged notification is refused.
pub(super) fn dci_partner_events_apply_as_a_change_source(b: Backend) {
    use super::{call, column, grant, table};
    use nur_ingest::cdc::{Kind, SourceConfig, SourceDef};
    let partner = dci_app(b);
    let nur = spawn_app_with(b, Tweaks::default());
    let op = Caller::operator("tests");
    let c = nur_core::Catalog::jordan();
    let key_of = |app: &App| serde_json::to_string(&app.uses.jwks().unwrap().keys[0]).unwrap();
    partner
        .uses
        .register_dci_sender(&op, &partner.client_id, SENDER, "jws", Some(&key_of(&nur)))
        .unwrap();
    for col in [
        "Certificate_Number",
        "National_Number",
        "Death_Date",
        "Death_Place",
    ] {
        grant(&partner.store, &c, column("CSPD_Death_Info", col));
    }
    grant(&partner.store, &c, table("CSPD_Death_Info"));
    let base = format!("http://{}/dci/crvs", partner.addr);
    let token = format!("http://{}/oauth2/client/token", partner.addr);
    let mut d = def("p-events", base, token, &partner, 60, false);
    // Without the partner's key, nothing it would send could be applied: refused.
    nur.uses.put_dci_partner(&op, d.clone()).unwrap();
    SourceDef {
        name: "cspd-partner".into(),
        kind: Kind::Http,
        entity: "CSPD".into(),
        config: SourceConfig::default(),
    }
    .add(&nur.store, &c, Default::default())
    .unwrap();
    let callback = format!("http://{}", nur.addr);
    let e = nur
        .uses
        .subscribe_to_partner(&op, "p-events", "death", "cspd-partner", &callback)
        .unwrap_err();
    assert_eq!(e.code, "public_key_required", "{e:?}");
    d.public_key = Some(key_of(&partner));
    nur.uses.put_dci_partner(&op, d).unwrap();
    nur.uses
        .subscribe_to_partner(&op, "p-events", "death", "cspd-partner", &callback)
        .unwrap();
    super::eventually(
        || "the partner never answered the subscription".into(),
        || {
            (nur.uses.partner_subscriptions("p-events").unwrap()[0].status == "subscribed")
                .then_some(())
        },
    );

    // A death applied at the partner by its ingestion reaches NUR's civil tables.
    SourceDef {
        name: "cspd-http".into(),
        kind: Kind::Http,
        entity: "CSPD".into(),
        config: SourceConfig::default(),
    }
    .add(&partner.store, &c, Default::default())
    .unwrap();
    let cspd = super::ingest::client_token(&partner, "CSPD");
    let person = partner.person.clone();
    let before = nur
        .store
        .registry_rows(&[c.table("CSPD_Death_Info").unwrap()], &[person.as_str()])
        .unwrap();
    assert!(!before[&person].contains_key("CSPD_Death_Info"));
    let events = serde_json::json!([super::dci::death(&person, 50, "D-PARTNER-1")]).to_string();
    let (st, v) = call(
        &partner,
        &cspd,
        "POST",
        "/api/v1/ingest/cspd-http/events",
        &events,
    );
    assert_eq!(st, 200, "{v}");
    let row = super::eventually(
        || "the partner's death never reached NUR".into(),
        || {
            let rows = nur
                .store
                .registry_rows(&[c.table("CSPD_Death_Info").unwrap()], &[person.as_str()])
                .unwrap();
            rows[&person].get("CSPD_Death_Info").map(|r| r[0].clone())
        },
    );
    assert_eq!(row["Death_Date"], "2026-11-30", "{row:?}");
    assert_eq!(row["Certificate_Number"], "D-PARTNER-1", "{row:?}");
    let s = nur.store.source("cspd-partner").unwrap();
    assert_eq!(s.applied_total, 1);

    // A notification not signed by the partner's key is refused and applies nothing.
    let forged = serde_json::json!({"signature": "", "header": {"version": "1.0.0", "message_id": "f-1",
        "message_ts": "2026-12-03T10:00:00Z", "action": "notify", "sender_id": "nur", "total_count": 1},
        "message": {"transaction_id": "t", "notify_event": [{"reference_id": "x", "timestamp": "2026-12-03T10:00:00Z",
          "data": {"reg_event_type": "death", "reg_records": {"identifier": [{"identifier_type": "UIN", "identifier_value": person}],
                   "death_date": "1999-01-01"}}}]}});
    let (st, v) = call(
        &nur,
        "",
        "POST",
        "/dci/partners/p-events/registry/notify",
        &forged.to_string(),
    );
    assert_eq!(st, 401, "{v}");
    let (st, _) = call(
        &nur,
        "",
        "POST",
        "/dci/partners/nobody/registry/notify",
        &forged.to_string(),
    );
    assert_eq!(st, 404);
    assert_eq!(nur.store.source("cspd-partner").unwrap().applied_total, 1);
}
