//! A citizen signs in to the social registry with their national number, their ID card and a
//! code sent to the mobile the civil registry holds, and applies for their own household.

use super::browser::Browser;
use super::portal::{account, audited, form_fields, last_code, sign_in, PW};
use super::{App, Backend};
use nur_core::account::Role;

/// A member of the household of `answers` who can sign in: their national number and card.
fn citizen_of(app: &App, answers: &serde_json::Value) -> (String, String) {
    let cards = app.uses.catalog().table("CSPD_ID_Cards").unwrap();
    for m in answers["household"]["members"].as_array().unwrap() {
        let nn = m["national_number"].as_str().unwrap();
        let rows = app.store.registry_rows(&[cards], &[nn]).unwrap();
        for card in rows[nn].get("CSPD_ID_Cards").into_iter().flatten() {
            let number = card["Card_Number"].as_str().unwrap();
            if app.uses.citizen_may_sign_in(nn, number).unwrap().is_some() {
                return (nn.to_owned(), number.to_owned());
            }
        }
    }
    panic!("no member of the household can sign in");
}

fn outbox_line(app: &App) -> serde_json::Value {
    let text = std::fs::read_to_string(&app.outbox).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

fn start(app: &App, nn: &str, card: &str) -> (Browser, super::browser::Resp) {
    let mut b = Browser::new(app.addr);
    let r = b.post(
        "/citizen",
        "/citizen",
        &[("national_number", nn), ("card_number", card)],
    );
    (b, r)
}

pub(super) fn citizens_sign_in_and_apply_for_their_own_household(b: Backend) {
    let app = super::spawn_app(b);
    let answers = super::sp::family_answers(&app);
    let household = answers["household"]["civil_record_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (nn, card) = citizen_of(&app, &answers);

    // The door speaks Arabic first.
    let mut visitor = Browser::new(app.addr);
    let page = visitor.get("/citizen");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("lang=\"ar\""), "{}", page.body);
    assert!(page.body.contains("name=\"card_number\""));

    // A wrong card, a malformed national number, an empty card: one answer for all, and
    // nothing sent.
    let sent_before = std::fs::read_to_string(&app.outbox)
        .unwrap_or_default()
        .lines()
        .count();
    for (n, c) in [
        (nn.as_str(), "ID99999999"),
        ("12345", card.as_str()),
        (nn.as_str(), ""),
        ("٢٠٠١٠١٢٣٤٥", card.as_str()),
    ] {
        let (_, r) = start(&app, n, c);
        assert_eq!(
            (r.status, r.location()),
            (303, "/citizen?e=citizen-invalid"),
            "{n} {c}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&app.outbox)
            .unwrap_or_default()
            .lines()
            .count(),
        sent_before
    );
    assert!(audited(&app, "citizen.login.failed") >= 1);

    // The right card: a code to the mobile CSPD holds (the card number in lower case, with
    // spaces, is the same card).
    let (mut citizen, r) = start(&app, &nn, &format!(" {} ", card.to_lowercase()));
    assert_eq!(
        (r.status, r.location()),
        (303, "/citizen/code"),
        "{}",
        r.body
    );
    let sent = outbox_line(&app);
    assert_eq!(sent["to"], format!("citizen:{nn}"));
    let address = app
        .store
        .registry_rows(
            &[app.uses.catalog().table("CSPD_Personal_Address").unwrap()],
            &[nn.as_str()],
        )
        .unwrap();
    let mobile = address[&nn]["CSPD_Personal_Address"][0]["Mobile_Number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(sent["contact"], mobile.as_str());
    let code_page = citizen.get("/citizen/code");
    assert!(code_page.body.contains(&mobile[mobile.len() - 3..]));
    assert!(!code_page.body.contains(&mobile), "only the last digits");
    // Half signed in reaches nothing.
    assert_eq!(citizen.get("/citizen/home").location(), "/citizen");
    let r = citizen.post("/citizen/code", "/citizen/code", &[("code", "000000")]);
    assert_eq!(r.location(), "/citizen/code?e=login-code-wrong");
    let code = last_code(&app);
    let r = citizen.post("/citizen/code", "/citizen/code", &[("code", &code)]);
    assert_eq!((r.status, r.location()), (303, "/citizen/home"));
    assert_eq!(audited(&app, "citizen.login"), 1);

    // Their household, and a form started with it.
    let home = citizen.get("/citizen/home");
    assert_eq!(home.status, 200);
    assert!(home.body.contains(&household) && home.body.contains(&nn));
    let new = citizen.get("/citizen/new");
    assert!(new.body.contains(&format!("value=\"{household}\"")));
    assert!(new.body.contains(&format!("value=\"{nn}\"")));

    // A citizen is no officer: the officers' pages are not theirs.
    for p in ["/", "/sp", "/persons", "/audit"] {
        assert_eq!(citizen.get(p).location(), "/login", "{p}");
    }

    // Another household's booklet is refused at its field, the answers kept.
    let mut other = form_fields(&answers);
    for (k, v) in other.iter_mut() {
        if k == "household.civil_record_id" {
            *v = "1999999".into();
        }
    }
    let f: Vec<(&str, &str)> = other
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .chain([("action", "save")])
        .collect();
    let r = citizen.post("/citizen/new", "/citizen/applications", &f);
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("household-civil_record_id-error"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"1999999\""));

    // Their own: saved, resumed, submitted and verified under NAF's grants.
    let fields = form_fields(&answers);
    let mut f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    f.push(("action", "save"));
    let r = citizen.post("/citizen/new", "/citizen/applications", &f);
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = r.location().to_owned();
    assert!(draft.starts_with("/citizen/applications/APP-"), "{draft}");
    assert!(citizen.get("/citizen/home").body.contains(&draft));
    f.pop();
    f.push(("action", "submit"));
    let r = citizen.post(&draft, &draft, &f);
    assert_eq!(r.status, 303, "{}", r.body);
    let done = citizen.get(r.location());
    assert!(done.body.contains("id=\"verification\""), "{}", done.body);
    let id = draft.rsplit('/').next().unwrap();
    let row = app.store.sp_application(id).unwrap().unwrap();
    assert_eq!(
        (
            row.status.as_str(),
            row.channel.as_str(),
            row.created_by.as_str()
        ),
        ("submitted", "citizen", nn.as_str())
    );
    let f = nur_store::AuditFilter {
        action: Some("sp.verify".into()),
        limit: 10,
        ..Default::default()
    };
    let read = app.store.audit_events(&f).unwrap();
    assert!(read.iter().any(|e| e.actor == nn
        && e.entity.as_deref() == Some("NAF")
        && e.purpose.as_deref() == Some("intake verification")));

    // The verification's reads are on the citizen's own access report, and no one else's
    // report is theirs to read.
    let report = citizen.get("/citizen/access");
    assert_eq!(report.status, 200);
    assert!(
        report.body.contains("السجل الاجتماعي: التحقق من طلب")
            && report.body.contains("التحقق من طلب بمطابقته مع السجلات"),
        "{}",
        report.body
    );
    let me = nur_app::Caller::new(
        nur_core::grant::Actor::Citizen {
            national_number: nn.clone(),
        },
        None,
    );
    let someone = app.uses.national_number(&app.person).unwrap();
    if app.person != nn {
        let e = app.uses.access_report(&me, &someone, 10, 0).unwrap_err();
        assert_eq!(e.code, "not_own_report");
    }

    // The caseworker sees it; another household's application is no citizen's business.
    account(&app, "NAFUser", Role::EntityUser, Some("NAF"), PW);
    let mut naf = sign_in(&app, "NAFUser", PW);
    assert!(naf.get("/sp").body.contains(id));
    assert_eq!(naf.get("/citizen/home").location(), "/citizen");
    let stranger = app
        .uses
        .create_application(
            &nur_app::Caller::operator("tests"),
            &serde_json::json!({"dwelling": {"rooms": 2}}),
            "caseworker",
        )
        .unwrap();
    let theirs = citizen.get(&format!(
        "/citizen/applications/{}",
        stranger.application.id
    ));
    assert!(theirs.body.contains("flash error"), "{}", theirs.body);
    assert!(!theirs.body.contains("name=\"dwelling.rooms\""));

    // Signed out, then five wrong codes lock the person, whatever sign-in they come from.
    let r = citizen.post("/citizen/home", "/citizen/logout", &[]);
    assert_eq!(r.location(), "/citizen?e=login-signed-out");
    assert_eq!(citizen.get("/citizen/home").location(), "/citizen");
    let (mut first, _) = start(&app, &nn, &card);
    for _ in 0..2 {
        first.post("/citizen/code", "/citizen/code", &[("code", "000001")]);
    }
    let (mut second, _) = start(&app, &nn, &card);
    let mut last = None;
    for _ in 0..3 {
        last = Some(second.post("/citizen/code", "/citizen/code", &[("code", "000002")]));
    }
    assert_eq!(last.unwrap().location(), "/citizen?e=citizen-locked");
    assert_eq!(audited(&app, "citizen.locked"), 1);
    let (_, r) = start(&app, &nn, &card);
    assert_eq!(r.location(), "/citizen?e=citizen-locked");
    // The first sign-in ended with the lock.
    assert_eq!(first.get("/citizen/code").location(), "/citizen");
}
