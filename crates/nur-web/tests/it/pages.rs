//! Error pages are pages: an unknown address, a refused role and a handler's failure answer
//! HTML in the visitor's frame (the menu once signed in), with the reason said once; the
//! machine interfaces keep answering JSON.

use super::browser::Browser;
use super::portal::{account, sign_in, PW};
use nur_core::account::Role;
use nur_store::testing::Backend;

fn is_page(r: &super::browser::Resp) -> bool {
    r.header("content-type")
        .is_some_and(|t| t.starts_with("text/html"))
        && !r.body.contains("{\"error\"")
}

pub(super) fn portal_errors_are_pages_in_the_frame(b: Backend) {
    let app = super::spawn_app(b);
    let mut anon = Browser::new(app.addr);
    let r = anon.get("/no/such/page");
    assert_eq!(r.status, 404);
    assert!(
        is_page(&r) && r.body.contains("Page not found"),
        "{}",
        r.body
    );
    let r = anon.get("/api/v1/no-such-route");
    assert_eq!(r.status, 404);
    assert!(
        r.body.contains("\"route_not_found\""),
        "the APIs answer JSON: {}",
        r.body
    );

    account(&app, "NAFUser", Role::EntityUser, Some("NAF"), PW);
    // The code page counts down to when another code may be asked for.
    let mut waiting = Browser::new(app.addr);
    waiting.post(
        "/login",
        "/login",
        &[("username", "NAFUser"), ("password", PW)],
    );
    let r = waiting.get("/login/code");
    assert!(
        r.body.contains("id=\"resend-wait\"") && r.body.contains("You can ask for another code in"),
        "{}",
        r.body
    );
    let mut user = sign_in(&app, "NAFUser", PW);
    // Home's tasks are links; Contact Us says whom to ask.
    let home = user.get("/").body;
    assert!(
        home.contains("<li><a href=\"/procedures\">") && home.contains("<li><a href=\"/persons\">"),
        "{home}"
    );
    assert!(user
        .get("/contact")
        .body
        .contains("ask your entity's administrator (NAF)"));
    let r = user.get("/security");
    assert_eq!(r.status, 403);
    assert!(
        is_page(&r) && r.body.contains("nav class=\"menu\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("<h1>Not allowed</h1>"));
    assert_eq!(
        r.body.matches("Your role does not open this page").count(),
        1
    );
    let r = user.get("/no/such/page");
    assert_eq!(r.status, 404);
    assert!(
        is_page(&r) && r.body.contains("nav class=\"menu\""),
        "{}",
        r.body
    );

    // A handler's error: the reason and its code, in the frame, in the visitor's language.
    let r = user.get("/results/0123456789abcdef01234567/csv");
    assert_eq!(r.status, 404);
    assert!(
        is_page(&r) && r.body.contains("no longer kept") && r.body.contains("result_gone"),
        "{}",
        r.body
    );
    user.accept_language = Some("ar");
    let _ = user.get("/lang?to=ar&back=/");
    let r = user.get("/results/0123456789abcdef01234567/csv");
    assert!(
        r.body.contains("dir=\"rtl\"") && r.body.contains("لم تعد هذه النتيجة محفوظة"),
        "{}",
        r.body
    );
}

/// The portal asks the purpose of a lookup or a run, records what was given (the citizen's
/// report shows it with the fields seen), and refuses without one when the entity requires it.
pub(super) fn portal_asks_the_purpose_of_data_access(b: Backend) {
    let app = super::spawn_app(b);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    let mut naf = sign_in(&app, "NAFAdmin", PW);
    let lookups = || super::portal::audited(&app, "person.lookup");
    let page = naf.get("/persons");
    assert!(page.body.contains("name=\"purpose\"") && page.body.contains("shown to the citizen"));
    let page = naf.get(&format!(
        "/persons?nn={}&purpose=case+42%2F2026",
        app.person
    ));
    assert!(page.body.contains("id=\"person\""), "{}", page.body);
    let report = app
        .store
        .access_log(&app.person, &nur_store::ReportScope::Citizen, 10, 0)
        .unwrap();
    assert_eq!(report[0].purpose.as_deref(), Some("case 42/2026"));
    assert!(!report[0].columns.is_empty(), "{:?}", report[0]);
    let too_long = "x".repeat(201);
    let page = naf.get(&format!("/persons?nn={}&purpose={too_long}", app.person));
    assert!(page.body.contains("at most 200 characters") && !page.body.contains("id=\"person\""));

    // Required by the entity: none given, nothing is read, the page says why.
    naf.post(
        "/settings/entity",
        "/settings/entity",
        &[("purpose_required", "1")],
    );
    assert!(app.store.entity_settings("NAF").unwrap().purpose_required);
    let before = lookups();
    let page = naf.get(&format!("/persons?nn={}", app.person));
    assert!(
        page.body.contains("requires a purpose") && !page.body.contains("id=\"person\""),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("name=\"purpose\" type=\"text\" maxlength=\"200\" value=\"\" required"));
    assert_eq!(lookups(), before, "nothing was read");
    let f: Vec<(&str, &str)> = vec![
        ("tbl", "CSPD_Personal_Info"),
        ("join", "left"),
        ("col", "CSPD_Personal_Info.National_Number"),
        ("limit", "5"),
        ("action", "run"),
    ];
    let r = naf.post("/queries", "/queries", &f);
    assert!(r.body.contains("requires a purpose") && !r.body.contains("id=\"results\""));
    let mut with = f.clone();
    with.push(("purpose", "audit of payments"));
    let r = naf.post("/queries", "/queries", &with);
    assert!(r.body.contains("id=\"results\""), "{}", r.body);
    let run = super::portal::newest(&app, "query.run");
    assert_eq!(run.purpose.as_deref(), Some("audit of payments"));
}

/// Freshness: the Super Admin sees every change source, an entity's admin its own; dead
/// letters are counted and listed with their reason; another entity's are out of reach.
pub(super) fn freshness_lists_sources_and_their_dead_letters(b: Backend) {
    let app = super::spawn_app(b);
    let catalog = nur_core::Catalog::jordan();
    for (name, entity) in [("dvld-feed", "DVLD"), ("naf-feed", "NAF")] {
        nur_ingest::cdc::SourceDef {
            name: name.into(),
            kind: nur_ingest::cdc::Kind::Http,
            entity: entity.into(),
            config: Default::default(),
        }
        .add(&app.store, &catalog, super::ev("source.add"))
        .unwrap();
    }
    let dvld = super::security::client_of(&app, "DVLD");
    let bad = serde_json::json!([{"op": "c", "after": {"Registration_Number": "R1"},
        "source": {"table": "no_such_table", "lsn": 1}}]);
    let (st, v) = super::call(
        &app,
        &dvld,
        "POST",
        "/api/v1/ingest/dvld-feed/events",
        &bad.to_string(),
    );
    assert_eq!(st, 200, "{v}");

    account(&app, "root", Role::SuperAdmin, None, PW);
    let mut root = sign_in(&app, "root", PW);
    let page = root.get("/sources").body;
    assert!(
        page.contains("dvld-feed")
            && page.contains("naf-feed")
            && page.contains("href=\"/sources/dvld-feed/dead-letters\""),
        "{page}"
    );
    let letters = root.get("/sources/dvld-feed/dead-letters").body;
    assert!(
        letters.contains("no_such_table") && letters.contains("Reason"),
        "{letters}"
    );

    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    let mut naf = sign_in(&app, "NAFAdmin", PW);
    let page = naf.get("/sources").body;
    assert!(
        page.contains("naf-feed") && !page.contains("dvld-feed"),
        "{page}"
    );
    let r = naf.get("/sources/dvld-feed/dead-letters");
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(is_page(&r));
}
