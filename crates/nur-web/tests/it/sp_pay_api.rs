//! The social registry's payments API over HTTP: malformed bodies and queries refused
//! clearly; a cycle prepared for one officer (named in `X-NUR-User-Id`), refused to them
//! at approval and approved for another; its payment file served with the same bytes twice;
//! status reports that are not reports, or name payments NUR never made, change nothing;
//! accounts and appeals checked.

use super::{request, token, App};
use nur_app::NewUser;
use nur_core::account::Role;
use serde_json::Value;

fn send(
    app: &App,
    tok: &str,
    officer: &str,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String) {
    let auth = format!("Bearer {tok}");
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("Accept-Language", "en"),
    ];
    if !officer.is_empty() {
        headers.push(("X-NUR-User-Id", officer));
    }
    request(app, method, path, &headers, body)
}

fn code(body: &str) -> String {
    serde_json::from_str::<Value>(body).map_or_else(
        |_| body.to_owned(),
        |v| v["error"]["code"].as_str().unwrap_or_default().to_owned(),
    )
}

pub(super) fn payments_api_refuses_bad_input(b: super::Backend) {
    let app = super::spawn_app(b);
    let tok = token(&app);
    super::pay_portal::targeted(&app);
    let op = nur_app::Caller::operator("test");
    let uses = &app.uses;
    for (u, role) in [
        ("api.clerk", Role::EntityUser),
        ("api.head", Role::EntityAdmin),
    ] {
        uses.create_user(
            &op,
            NewUser {
                username: u.into(),
                display_name: u.into(),
                role,
                entity: Some("NAF".into()),
                contact: None,
                password: None,
                replace: false,
            },
        )
        .unwrap();
    }

    let cycles = "/api/v1/sp/cycles";
    for (body, want) in [
        ("{not json", 400),
        ("{\"program\": \"UCT\"}", 422),
        ("{\"program\": \"UCT\", \"period\": \"2026/12\"}", 400),
        ("{\"program\": \"NOPE\", \"period\": \"2026-12\"}", 404),
    ] {
        let (st, b) = send(&app, &tok, "api.clerk", "POST", cycles, body);
        assert_eq!(st, want, "{body}: {b}");
    }
    let (st, b) = send(
        &app,
        &tok,
        "api.clerk",
        "POST",
        cycles,
        "{\"program\": \"UCT\", \"period\": \"2026-12\"}",
    );
    assert_eq!(st, 201, "{b}");
    let v: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(v["cycle"]["prepared_by"], "api.clerk");
    let id = v["cycle"]["id"].as_str().unwrap().to_owned();
    let approve = format!("{cycles}/{id}/approve");
    let (st, b) = send(&app, &tok, "", "POST", &approve, "");
    assert_eq!((st, code(&b)), (403, "officer_required".into()), "{b}");
    let (st, b) = send(&app, &tok, "api.clerk", "POST", &approve, "");
    assert_eq!((st, code(&b)), (403, "approver_prepared".into()), "{b}");
    let (st, b) = send(&app, &tok, "someone.else", "POST", &approve, "");
    assert_eq!((st, code(&b)), (403, "officer_unknown".into()), "{b}");
    let (st, b) = send(&app, &tok, "api.head", "POST", &approve, "");
    assert_eq!(st, 200, "{b}");
    let (st, b) = send(
        &app,
        &tok,
        "",
        "GET",
        &format!("{cycles}/{id}/members?state=dancing"),
        "",
    );
    assert_eq!((st, code(&b)), (400, "bad_state".into()), "{b}");

    let (st, b) = send(
        &app,
        &tok,
        "",
        "GET",
        &format!("{cycles}/{id}/payments"),
        "",
    );
    assert_eq!(st, 200, "{b}");
    let payments: Value = serde_json::from_str(&b).unwrap();
    let provider = payments[0]["provider"].as_str().unwrap().to_owned();
    let file = format!("{cycles}/{id}/files/{provider}");
    let (st, first) = send(&app, &tok, "", "GET", &file, "");
    assert_eq!(st, 200, "{first}");
    assert!(first.contains("urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"));
    let (_, second) = send(&app, &tok, "", "GET", &file, "");
    assert_eq!(first, second);
    let (st, b) = send(&app, &tok, "", "GET", &format!("{file}?format=pdf"), "");
    assert_eq!((st, code(&b)), (400, "bad_format".into()), "{b}");
    let (st, _) = send(
        &app,
        &tok,
        "",
        "GET",
        &format!("{cycles}/{id}/files/NOBANK"),
        "",
    );
    assert_eq!(st, 404);

    let statuses = "/api/v1/sp/payment-statuses";
    let (st, b) = send(&app, &tok, "", "POST", statuses, "<Document><not-closed>");
    assert_eq!(st, 400, "{b}");
    let (st, b) = send(
        &app,
        &tok,
        "",
        "POST",
        &format!("{statuses}?format=csv"),
        "end_to_end_id,status,reason\nNOT-OURS-1,accepted,\n",
    );
    assert_eq!((st, code(&b)), (400, "unknown_payments".into()), "{b}");
    let (st, b) = send(
        &app,
        &tok,
        "",
        "POST",
        &format!("{statuses}?format=doc"),
        "x",
    );
    assert_eq!((st, code(&b)), (400, "bad_format".into()), "{b}");
    let (_, b) = send(&app, &tok, "", "GET", &format!("{cycles}/{id}"), "");
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap()["cycle"]["state"],
        "approved",
        "nothing changed"
    );

    let nn = payments[0]["payee"].as_str().unwrap();
    let acc = format!("/api/v1/sp/accounts/{nn}");
    let (st, b) = send(
        &app,
        &tok,
        "api.clerk",
        "PUT",
        &acc,
        "{\"kind\": \"bank\", \"iban\": \"JO94CBJO0010000000000131000303\"}",
    );
    assert_eq!((st, code(&b)), (400, "iban.check".into()), "{b}");
    let (st, b) = send(&app, &tok, "api.clerk", "PUT", &acc, "{\"kind\": \"cash\"}");
    assert_eq!(st, 422, "{b}");
    let (st, b) = send(&app, &tok, "", "GET", "/api/v1/sp/accounts/123", "");
    assert_eq!(st, 400, "{b}");

    let appeals = "/api/v1/sp/appeals";
    let household = payments[0]["household"].as_str().unwrap();
    let (st, b) = send(&app, &tok, "api.clerk", "POST", appeals, &format!("{{\"household\": \"{household}\", \"program\": \"UCT\", \"reason\": \"x\", \"documents\": [{{\"name\": \"a.pdf\", \"content_type\": \"application/pdf\", \"content_base64\": \"%%%\"}}]}}"));
    assert_eq!((st, code(&b)), (400, "bad_document".into()), "{b}");
    let (st, b) = send(
        &app,
        &tok,
        "api.clerk",
        "POST",
        appeals,
        &format!("{{\"household\": \"{household}\", \"program\": \"NOPE\", \"reason\": \"x\"}}"),
    );
    assert_eq!((st, code(&b)), (404, "no_decision".into()), "{b}");
    let (st, b) = send(&app, &tok, "api.clerk", "POST", appeals, &format!("{{\"household\": \"{household}\", \"program\": \"UCT\", \"reason\": \"the amount is wrong\"}}"));
    assert_eq!(st, 201, "{b}");
    let appeal = serde_json::from_str::<Value>(&b).unwrap()["appeal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, b) = send(
        &app,
        &tok,
        "api.head",
        "POST",
        &format!("{appeals}/{appeal}/steps"),
        "{\"to\": \"upheld\", \"note\": \"n\"}",
    );
    assert_eq!((st, code(&b)), (409, "bad_step".into()), "{b}");
    let (st, b) = send(
        &app,
        &tok,
        "api.head",
        "POST",
        &format!("{appeals}/{appeal}/steps"),
        "{\"to\": \"under_review\", \"note\": \"reading\"}",
    );
    assert_eq!(st, 200, "{b}");
    let (st, b) = send(&app, &tok, "", "GET", &format!("{appeals}?state=lost"), "");
    assert_eq!((st, code(&b)), (400, "bad_state".into()), "{b}");
}
