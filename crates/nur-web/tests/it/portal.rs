//! The portal over HTTP on the real app: sign-in with password and code, resend limit,
//! lockout, password reset, TOTP enrolment, language, every route's guard, CSRF, and the
//! grant → query → procedure path.

use super::browser::Browser;
use super::{call, token, App};
use nur_core::account::{hash_password, NewAccount, Role};
use nur_core::totp::Totp;
use nur_store::testing::Backend;
use nur_web::portal::{Need, ROUTES};

pub(super) fn last_code(app: &App) -> String {
    let text = std::fs::read_to_string(&app.outbox).unwrap_or_default();
    let line = text.lines().last().unwrap_or("");
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["text"]
        .as_str()
        .unwrap()
        .split(": ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned()
}

pub(super) fn account(app: &App, username: &str, role: Role, entity: Option<&str>, password: &str) {
    app.store
        .put_account(
            &NewAccount {
                username: username.into(),
                display_name: format!("{username} (تجربة)"),
                role,
                entity: entity.map(str::to_owned),
                password_hash: hash_password(password, &[7u8; 16]).unwrap(),
                contact: None,
            },
            super::ev("account.create"),
        )
        .unwrap();
}

pub(super) const PW: &str = "correct horse battery";

/// Signs in with password and the one-time code from the outbox.
pub(super) fn sign_in(app: &App, username: &str, password: &str) -> Browser {
    let mut b = Browser::new(app.addr);
    let r = b.post(
        "/login",
        "/login",
        &[("username", username), ("password", password)],
    );
    assert_eq!((r.status, r.location()), (303, "/login/code"), "{}", r.body);
    let code = last_code(app);
    let r = b.post("/login/code", "/login/code", &[("code", &code)]);
    assert_eq!((r.status, r.location()), (303, "/"), "{}", r.body);
    b
}

pub(super) fn audited(app: &App, action: &str) -> usize {
    let f = nur_store::AuditFilter {
        action: Some(action.into()),
        limit: 100,
        ..Default::default()
    };
    app.store.audit_events(&f).unwrap().len()
}

/// The newest audit event of `action`.
pub(super) fn newest(app: &App, action: &str) -> nur_core::audit::AuditEvent {
    let f = nur_store::AuditFilter {
        action: Some(action.into()),
        limit: 1,
        ..Default::default()
    };
    app.store.audit_events(&f).unwrap().remove(0)
}

pub(super) fn portal_sign_in_and_lockout(b: Backend) {
    let app = super::spawn_app(b);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    let mut br = Browser::new(app.addr);
    let r = br.get("/login");
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("127.0.0.1"),
        "the login page shows the client's address"
    );
    assert!(r
        .header("content-security-policy")
        .unwrap()
        .contains("script-src 'self'"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    let set = r.header("set-cookie").unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(
        !r.body.contains("<script>") && !r.body.contains("style="),
        "no inline script or style"
    );
    // Every input is labelled.
    for id in ["username", "password"] {
        assert!(r.body.contains(&format!("for=\"{id}\"")), "label for {id}");
    }

    // A form without its CSRF token is refused.
    let r = br.send("POST", "/login", "username=NAFAdmin&password=x");
    assert_eq!(r.status, 403);

    let r = br.post(
        "/login",
        "/login",
        &[("username", "NAFAdmin"), ("password", "wrong")],
    );
    assert_eq!(r.location(), "/login?e=login-invalid");
    assert_eq!(audited(&app, "login.failed"), 1);
    let r = br.post(
        "/login",
        "/login",
        &[("username", "nobody"), ("password", "x")],
    );
    assert_eq!(r.location(), "/login?e=login-invalid");

    // Password accepted: a session, made only now (a visitor's pages made none), and a
    // code in the outbox.
    let before = br.cookies.get("nur_session").cloned();
    assert_eq!(
        before, None,
        "no session for a visitor who has not signed in"
    );
    let r = br.post(
        "/login",
        "/login",
        &[("username", "NAFAdmin"), ("password", PW)],
    );
    assert_eq!(r.location(), "/login/code");
    assert_ne!(
        br.cookies.get("nur_session").cloned(),
        before,
        "session id made at sign-in"
    );
    let first = last_code(&app);
    assert_eq!(
        br.get("/").location(),
        "/login",
        "no access before the code"
    );
    let page = br.get("/login/code");
    assert!(page.body.contains("Resend verification code"));
    // Resend is rate-limited, then sends a new code that replaces the old one.
    let r = br.post("/login/code", "/login/resend", &[]);
    assert_eq!(r.location(), "/login/code?e=login-code-wait");
    // Once the spacing has passed, the resend goes through.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let r = br.post("/login/code", "/login/resend", &[]);
        if r.location() == "/login/code?e=login-code-resent" {
            break;
        }
        assert_eq!(r.location(), "/login/code?e=login-code-wait");
        assert!(
            std::time::Instant::now() < deadline,
            "resend never allowed again"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let second = last_code(&app);
    if first != second {
        let r = br.post("/login/code", "/login/code", &[("code", &first)]);
        assert_eq!(r.location(), "/login/code?e=login-code-wrong");
    }
    let r = br.post("/login/code", "/login/code", &[("code", "12345x")]);
    assert_eq!(r.location(), "/login/code?e=login-code-wrong");
    let r = br.post("/login/code", "/login/code", &[("code", &second)]);
    assert_eq!(r.location(), "/");
    let home = br.get("/");
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("NAFAdmin (تجربة)") && home.body.contains("Entity Admin"),
        "{}",
        home.body
    );
    assert_eq!(audited(&app, "login"), 1);
    let r = br.post("/", "/logout", &[]);
    assert_eq!(r.location(), "/login?e=login-signed-out");
    assert_eq!(br.get("/").location(), "/login");

    // Too many wrong passwords lock the account, even against the right one.
    for _ in 0..5 {
        br.post(
            "/login",
            "/login",
            &[("username", "NAFAdmin"), ("password", "nope")],
        );
    }
    let r = br.post(
        "/login",
        "/login",
        &[("username", "NAFAdmin"), ("password", PW)],
    );
    assert_eq!(r.location(), "/login?e=login-locked");
    assert_eq!(audited(&app, "account.locked"), 1);

    // Forgotten password: a single-use code through the same delivery.
    let r = br.post(
        "/password/forgot",
        "/password/forgot",
        &[("username", "NAFAdmin")],
    );
    assert!(r.location().starts_with("/password/reset?e=reset-sent"));
    let code = last_code(&app);
    let reset = |br: &mut Browser, code: &str, pw: &str| {
        br.post(
            "/password/reset",
            "/password/reset",
            &[("username", "NAFAdmin"), ("code", code), ("password", pw)],
        )
        .location()
        .to_owned()
    };
    assert!(reset(&mut br, "00000000", "a new long password").contains("reset-invalid"));
    assert!(reset(&mut br, &code, "short").contains("reset-weak"));
    assert_eq!(
        reset(&mut br, &code, "a new long password"),
        "/login?e=reset-done"
    );
    assert!(
        reset(&mut br, &code, "another long password").contains("reset-invalid"),
        "single use"
    );
    // The reset also lifts the lock.
    let mut br = sign_in(&app, "NAFAdmin", "a new long password");

    // TOTP enrolment, then sign-in with the authenticator's code (no resend offered).
    let page = br.get("/account");
    assert!(page.body.contains("<svg") && page.body.contains("totp-key"));
    let key = page
        .body
        .split("id=\"totp-key\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let totp = Totp::from_base32(&key).unwrap();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let r = br.post(
        "/account",
        "/account/totp",
        &[("secret", &key), ("code", "000000")],
    );
    assert_eq!(r.location(), "/account?e=totp-wrong");
    let r = br.post(
        "/account",
        "/account/totp",
        &[("secret", &key), ("code", &totp.code_at(now()))],
    );
    assert_eq!(r.location(), "/account?e=totp-enrolled");
    br.post("/", "/logout", &[]);
    let mut br = Browser::new(app.addr);
    br.post(
        "/login",
        "/login",
        &[
            ("username", "NAFAdmin"),
            ("password", "a new long password"),
        ],
    );
    let page = br.get("/login/code");
    assert!(page.body.contains("authenticator") && !page.body.contains("Resend"));
    let r = br.post(
        "/login/code",
        "/login/code",
        &[("code", &totp.code_at(now()))],
    );
    assert_eq!(r.location(), "/");

    // Idle and absolute timeouts end a signed-in session.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (name, created, seen, alive) in [
        ("fresh", now - 60_000, now - 60_000, true),
        ("idle", now - 20 * 60_000, now - 16 * 60_000, false),
        ("old", now - 9 * 3_600_000, now - 1_000, false),
    ] {
        app.store
            .write_sessions(&[nur_store::SessionWrite::Put(nur_store::SessionRow {
                id_hash: nur_core::audit::sha256_hex(name.as_bytes()),
                username: Some("NAFAdmin".into()),
                stage: "signed_in".into(),
                csrf: "t".into(),
                created_at_ms: created,
                seen_at_ms: seen,
                code_hash: None,
                code_expires_ms: None,
                code_attempts: 0,
                code_sent_at_ms: None,
                resends: 0,
                totp_step: None,
            })])
            .unwrap();
        let mut b = Browser::new(app.addr);
        b.cookies.insert("nur_session".into(), name.into());
        let r = b.get("/");
        assert_eq!(
            r.status == 200,
            alive,
            "{name} session: {} {}",
            r.status,
            r.location()
        );
    }

    // Arabic: from the browser's language on the first visit, then as chosen; right to left.
    let mut ar = Browser::new(app.addr);
    ar.accept_language = Some("ar-JO,ar;q=0.9,en;q=0.5");
    let page = ar.get("/login");
    assert!(page.body.contains("dir=\"rtl\"") && page.body.contains("تسجيل الدخول"));
    let r = ar.get("/lang?to=en&back=/login");
    assert_eq!(r.location(), "/login");
    assert!(ar.get("/login").body.contains("dir=\"ltr\""));
    assert_eq!(
        ar.get("/lang?to=ar&back=//evil.example").location(),
        "/",
        "only local paths"
    );
}

pub(super) fn portal_routes_check_role_and_csrf(b: Backend) {
    let app = super::spawn_app(b);
    account(&app, "NAFUser", Role::EntityUser, Some("NAF"), PW);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    let mut anon = Browser::new(app.addr);
    let mut user = sign_in(&app, "NAFUser", PW);
    let mut admin = sign_in(&app, "NAFAdmin", PW);
    assert!(ROUTES.len() >= 20);
    for r in ROUTES {
        let get = r.method == "GET";
        if matches!(r.need, Need::Public | Need::Static) {
            if get {
                let want = match r.path {
                    "/lang" => 400,         // needs ?to=
                    "/login/code" => 303,   // only after the password
                    "/citizen/code" => 303, // only after the ID card
                    _ => 200,
                };
                assert_eq!(anon.get(r.path).status, want, "{}", r.path);
            }
            continue;
        }
        // Signed out: GET goes to sign-in (a citizen's or an officer's), POST is refused.
        let door = if r.need == Need::Citizen {
            "/citizen"
        } else {
            "/login"
        };
        if get {
            let resp = anon.get(r.path);
            assert_eq!(
                (resp.status, resp.location()),
                (303, door),
                "GET {}",
                r.path
            );
            if r.need == Need::Citizen {
                // An officer is no citizen.
                let resp = admin.get(r.path);
                assert_eq!(
                    (resp.status, resp.location()),
                    (303, door),
                    "GET {}",
                    r.path
                );
            }
        } else {
            assert_eq!(
                anon.send("POST", r.path, "csrf=x").status,
                403,
                "POST {}",
                r.path
            );
            // Signed in but without the session's token: refused.
            assert_eq!(
                admin.send("POST", r.path, "csrf=forged").status,
                403,
                "POST {} with a forged token",
                r.path
            );
        }
        // An Entity User is kept out of admin routes.
        if matches!(r.need, Need::Admin | Need::SuperAdmin) {
            let status = if get {
                user.get(r.path).status
            } else {
                user.post("/", r.path, &[]).status
            };
            assert_eq!(status, 403, "{} {} as an Entity User", r.method, r.path);
        }
    }
    // Menus follow the role.
    assert!(!user.get("/").body.contains("href=\"/queries\""));
    assert!(admin.get("/").body.contains("href=\"/queries\""));
}

pub(super) fn portal_grants_and_query_builder(b: Backend) {
    let app = super::spawn_app(b);
    account(&app, "CSPDAdmin", Role::EntityAdmin, Some("CSPD"), PW);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    let mut cspd = sign_in(&app, "CSPDAdmin", PW);
    let page = cspd.get("/security/columns?group=CSPD_Death_Info&consumer=NAF");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Death_Place") && !page.body.contains("DVLD_Car_Info"),
        "own rows only"
    );
    let cells = |cols: &[&str]| -> Vec<(String, String)> {
        cols.iter()
            .map(|c| ("cell".to_owned(), format!("c:CSPD_Death_Info.{c}|NAF")))
            .collect()
    };
    let mut fields: Vec<(String, String)> = cells(&["Death_Date", "Death_Place", "Death_Cause"]);
    fields.push(("g".into(), "c:CSPD_Death_Info.Death_Date|NAF".into()));
    fields.push(("g".into(), "c:CSPD_Death_Info.Death_Place|NAF".into()));
    // A row of another custodian's table is ignored.
    fields.push(("cell".into(), "c:DVLD_Car_Info.Make|NAF".into()));
    fields.push(("g".into(), "c:DVLD_Car_Info.Make|NAF".into()));
    fields.push((
        "back".into(),
        "/security/columns?group=CSPD_Death_Info".into(),
    ));
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = cspd.post("/security/columns", "/security/columns", &f);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        r.location().contains("done=4"),
        "table, key and two columns: {}",
        r.location()
    );
    // The confirmation names the cells this page changed.
    let page = cspd.get(r.location());
    assert!(
        page.body
            .contains("Granted: column CSPD_Death_Info.Death_Place to NAF")
            && page
                .body
                .contains("Granted: column CSPD_Death_Info.Death_Date to NAF")
            && !page.body.contains("Death_Cause to NAF"),
        "{}",
        page.body
    );
    // Update at the top and the bottom; paging saves first; a search over rows.
    assert!(page.body.contains("id=\"update-top\"") && page.body.contains("id=\"update\""));
    let found = cspd.get("/security/columns?consumer=NAF&q=death_pl");
    assert!(
        found.body.contains("Death_Place") && !found.body.contains("Death_Date"),
        "{}",
        found.body
    );
    let all = cspd.get("/security/columns?consumer=NAF");
    assert!(
        all.body.contains("name=\"go\""),
        "the pager saves, then pages"
    );
    let mut paging = f.clone();
    paging.push(("go", "/security/columns?page=2"));
    let r2 = cspd.post("/security/columns", "/security/columns", &paging);
    assert!(
        r2.location().starts_with("/security/columns?page=2&done=0"),
        "{}",
        r2.location()
    );
    let held: Vec<String> = app
        .store
        .grants_of("NAF")
        .unwrap()
        .iter()
        .map(|t| t.to_string())
        .collect();
    for want in [
        "table CSPD_Death_Info",
        "column CSPD_Death_Info.Certificate_Number",
        "column CSPD_Death_Info.Death_Date",
        "column CSPD_Death_Info.Death_Place",
    ] {
        assert!(held.contains(&want.to_owned()), "{want} in {held:?}");
    }
    assert!(!held
        .iter()
        .any(|h| h.contains("DVLD") || h.ends_with("Death_Cause")));

    let mut naf = sign_in(&app, "NAFAdmin", PW);
    let page = naf.get("/queries?table=CSPD_Death_Info");
    assert!(
        page.body.contains("col-CSPD_Death_Info.Death_Place")
            && !page.body.contains("col-CSPD_Death_Info.Death_Cause")
    );
    let form = |action: &str| -> Vec<(&'static str, String)> {
        vec![
            ("tbl", "CSPD_Death_Info".into()),
            ("col", "CSPD_Death_Info.Certificate_Number".into()),
            ("col", "CSPD_Death_Info.Death_Date".into()),
            ("col", "CSPD_Death_Info.Death_Place".into()),
            ("limit", "50".into()),
            ("name", "deaths".into()),
            ("description", "وفيات".into()),
            ("action", action.into()),
        ]
    };
    let post = |br: &mut Browser, action: &str| {
        let f = form(action);
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (*a, b.as_str())).collect();
        br.post("/queries?table=CSPD_Death_Info", "/queries", &f)
    };
    let r = post(&mut naf, "sql");
    assert!(
        r.body.contains("id=\"sql\"") && r.body.contains("SELECT"),
        "{}",
        r.body
    );
    let r = post(&mut naf, "run");
    assert!(r.body.contains("id=\"results\""), "{}", r.body);
    let r = post(&mut naf, "save");
    assert!(r.body.contains("id=\"saved\""), "{}", r.body);
    assert!(r.body.contains("/api/v1/procedures/NAF/deaths"));
    // The saved procedure answers its API with exactly the chosen columns.
    let tok = token(&app);
    let (st, v) = call(&app, &tok, "POST", "/api/v1/procedures/NAF/deaths", "{}");
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        super::column_names(&v),
        ["Certificate_Number", "Death_Date", "Death_Place"]
    );
    // A query on a column not granted is refused with the reason, nothing runs.
    let f = [
        ("tbl", "CSPD_Death_Info"),
        ("col", "CSPD_Death_Info.Death_Cause"),
        ("action", "run"),
    ];
    let r = naf.post("/queries?table=CSPD_Death_Info", "/queries", &f);
    assert!(
        r.body.contains("flash error")
            && r.body
                .contains("The column \u{2068}Death Cause (Deaths)\u{2069} is not granted"),
        "{}",
        r.body
    );
    assert!(audited(&app, "query.run") >= 1 && audited(&app, "procedure.save") == 1);
    let refused = newest(&app, "query.run");
    assert!(
        refused.outcome.starts_with("refused"),
        "a refused run is in the trail: {refused:?}"
    );

    // An Entity User runs the entity's saved procedures.
    account(&app, "NAFUser", Role::EntityUser, Some("NAF"), PW);
    let mut user = sign_in(&app, "NAFUser", PW);
    let page = user.get("/procedures");
    assert!(page.body.contains("deaths"), "{}", page.body);
    let r = user.post("/procedures", "/procedures", &[("name", "deaths")]);
    assert!(
        r.body.contains("id=\"results\"") && r.body.contains("Death_Place"),
        "{}",
        r.body
    );
    let r = user.post("/procedures", "/procedures", &[("name", "nope")]);
    assert!(!r.body.contains("id=\"results\""));

    // Person lookup through the same grant filter, audited; bad numbers say why. Fields
    // come in the catalog's order, codes with their labels, each record with its "as of".
    super::grant(
        &app.store,
        &nur_core::Catalog::jordan(),
        super::column("CSPD_Personal_Info", "Gender"),
    );
    let page = naf.get(&format!("/persons?nn={}", app.person));
    assert!(
        page.body.contains("id=\"person\"") && page.body.contains(&app.person),
        "{}",
        page.body
    );
    let at = |label: &str| page.body.find(&format!(">{label}<")).unwrap_or(usize::MAX);
    assert!(
        at("First Name") < at("Family Name") && at("Family Name") < at("Gender"),
        "catalog order: {}",
        page.body
    );
    assert!(
        (page.body.contains(">Male<") || page.body.contains(">Female<"))
            && page.body.contains("As of "),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Death_Cause"));
    let page = naf.get("/persons?nn=12");
    assert!(page.body.contains("flash error"));
    // The audit log: an Entity Admin sees its entity's events; a person filter adds the
    // citizen access report.
    let page = naf.get(&format!("/audit?person={}", app.person));
    assert!(
        page.body.contains("id=\"access-report\"") && page.body.contains("person.lookup"),
        "{}",
        page.body
    );
    // Times are shown in the portal's zone, and the heading says which.
    assert!(
        page.body.contains("Time (<bdi>Asia/Amman</bdi>)"),
        "{}",
        page.body
    );
    // Actions in words with their codes beside them; another entity's events are not listed.
    let page = cspd.get("/audit");
    let listed = |code: &str| {
        page.body
            .contains(&format!("<code class=\"small\">{code}</code>"))
    };
    assert!(
        page.body.contains("Privilege granted") && listed("grant"),
        "{}",
        page.body
    );
    assert!(!listed("procedure.save"), "{}", page.body);
}

pub(super) fn portal_settings_users_and_clients(b: Backend) {
    let app = super::spawn_app(b);
    account(&app, "NAFAdmin", Role::EntityAdmin, Some("NAF"), PW);
    account(&app, "CSPDAdmin", Role::EntityAdmin, Some("CSPD"), PW);
    let mut naf = sign_in(&app, "NAFAdmin", PW);
    let page = naf.get("/settings/catalog");
    assert!(page.body.contains("CSPD_Personal_Info") && page.body.contains("DVLD"));
    // A user of one's own entity, with a first password shown once.
    let r = naf.post(
        "/settings/users",
        "/settings/users",
        &[
            ("action", "create"),
            ("username", "naf.clerk"),
            ("display_name", "موظف"),
            ("role", "entity_user"),
            ("entity", "CSPD"),
        ],
    );
    assert_eq!(r.status, 200);
    let pw = r
        .body
        .split("shown only now: ")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let clerk = app.store.account("naf.clerk").unwrap().unwrap();
    assert_eq!(
        (clerk.role, clerk.entity.as_deref()),
        (Role::EntityUser, Some("NAF")),
        "the entity is the admin's own"
    );
    sign_in(&app, "naf.clerk", &pw);
    let r = naf.post(
        "/settings/users",
        "/settings/users",
        &[
            ("action", "create"),
            ("username", "boss"),
            ("display_name", "x"),
            ("role", "super_admin"),
        ],
    );
    assert!(
        r.body.contains("not allowed"),
        "an Entity Admin cannot make a Super Admin"
    );
    // Disabling asks first (a page and a form, no script); Cancel leaves the user as is.
    let r = naf.post(
        "/settings/users",
        "/settings/users",
        &[("action", "disable"), ("username", "naf.clerk")],
    );
    assert!(
        r.body.contains("id=\"confirm-action\"")
            && r.body.contains("Disable naf.clerk?")
            && r.body.contains("name=\"confirmed\" value=\"yes\""),
        "{}",
        r.body
    );
    assert!(!app.store.account("naf.clerk").unwrap().unwrap().disabled);
    let r = naf.post(
        "/settings/users",
        "/settings/users",
        &[
            ("action", "disable"),
            ("username", "naf.clerk"),
            ("confirmed", "yes"),
        ],
    );
    assert!(r.body.contains("Saved for naf.clerk"));
    let mut br = Browser::new(app.addr);
    let r = br.post(
        "/login",
        "/login",
        &[("username", "naf.clerk"), ("password", &pw)],
    );
    assert_eq!(
        r.location(),
        "/login?e=login-invalid",
        "a disabled account cannot sign in"
    );
    let r = naf.post(
        "/settings/users",
        "/settings/users",
        &[
            ("action", "disable"),
            ("username", "CSPDAdmin"),
            ("confirmed", "yes"),
        ],
    );
    assert!(
        r.body.contains("not allowed"),
        "another entity's user is out of reach"
    );
    assert!(!app.store.account("CSPDAdmin").unwrap().unwrap().disabled);
    // API clients: the secret is shown once, rotation ends the old one, revocation all.
    let r = naf.post(
        "/settings/clients",
        "/settings/clients",
        &[
            ("action", "create"),
            ("name", "case system"),
            ("entity", "CSPD"),
        ],
    );
    let note = r
        .body
        .split("Client ")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let id = note.split(' ').next().unwrap().to_owned();
    let secret = note.rsplit(": ").next().unwrap().trim().to_owned();
    assert_eq!(app.store.client(&id).unwrap().unwrap().entity, "NAF");
    let (st, _) = super::token_for(&app, &id, &secret);
    assert_eq!(st, 200);
    naf.post(
        "/settings/clients",
        "/settings/clients",
        &[
            ("action", "rotate"),
            ("client_id", &id),
            ("confirmed", "yes"),
        ],
    );
    assert_eq!(
        super::token_for(&app, &id, &secret).0,
        401,
        "the old secret stops working"
    );
    let r = naf.post(
        "/settings/clients",
        "/settings/clients",
        &[("action", "revoke"), ("client_id", &id)],
    );
    assert!(
        r.body.contains(&format!("Revoke client {id}?")),
        "{}",
        r.body
    );
    assert!(app
        .store
        .client(&id)
        .unwrap()
        .unwrap()
        .revoked_at_ms
        .is_none());
    naf.post(
        "/settings/clients",
        "/settings/clients",
        &[
            ("action", "revoke"),
            ("client_id", &id),
            ("confirmed", "yes"),
        ],
    );
    assert!(app
        .store
        .client(&id)
        .unwrap()
        .unwrap()
        .revoked_at_ms
        .is_some());
    assert!(audited(&app, "client.rotate") == 1 && audited(&app, "account.disable") == 1);

    // Entity settings: purpose required is the entity's choice; hiding its accesses from
    // citizens is not. The entity's change sources show their freshness.
    nur_ingest::cdc::SourceDef {
        name: "naf-feed".into(),
        kind: nur_ingest::cdc::Kind::Http,
        entity: "NAF".into(),
        config: Default::default(),
    }
    .add(&app.store, &nur_core::Catalog::jordan(), Default::default())
    .unwrap();
    let page = naf.get("/settings/entity");
    assert!(
        page.body.contains("naf-feed") && page.body.contains("waiting for changes"),
        "{}",
        page.body
    );
    let r = naf.post(
        "/settings/entity",
        "/settings/entity",
        &[
            ("entity", "CSPD"),
            ("purpose_required", "1"),
            ("access_withheld", "1"),
        ],
    );
    assert!(r.body.contains("Entity settings saved"));
    let naf_settings = app.store.entity_settings("NAF").unwrap();
    assert!(naf_settings.purpose_required && !naf_settings.access_withheld);
    assert!(
        !app.store.entity_settings("CSPD").unwrap().purpose_required,
        "only its own entity"
    );
}

/// Every answer as a form field of the intake form; the members as rows.
pub(super) fn form_fields(answers: &serde_json::Value) -> Vec<(String, String)> {
    fn text(v: &serde_json::Value) -> String {
        v.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string())
    }
    let mut fields = Vec::new();
    for (section, v) in answers.as_object().unwrap() {
        for (k, x) in v.as_object().unwrap() {
            match x {
                serde_json::Value::Array(items) => {
                    for (i, m) in items.iter().enumerate() {
                        for (sub, y) in m.as_object().unwrap() {
                            fields.push((format!("{section}.{k}.{i}.{sub}"), text(y)));
                        }
                    }
                }
                other => fields.push((format!("{section}.{k}"), text(other))),
            }
        }
    }
    fields
}

/// A caseworker of NAF fills the intake form in the portal: a draft kept with what is still
/// missing, refused answers shown beside their fields with the others kept, a submission
/// verified; a caseworker of another entity is refused.
pub(super) fn portal_intake_form(b: Backend) {
    let app = super::spawn_app(b);
    let answers = super::sp::family_answers(&app);
    account(&app, "NAFUser", Role::EntityUser, Some("NAF"), PW);
    account(&app, "DVLDUser", Role::EntityUser, Some("DVLD"), PW);
    let mut naf = sign_in(&app, "NAFUser", PW);
    assert!(
        naf.get("/").body.contains("href=\"/sp\""),
        "the menu leads to the registry"
    );
    let page = naf.get("/sp/new");
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("name=\"household.members.0.national_number\""));
    let fields = form_fields(&answers);
    let as_refs = |f: &[(String, String)]| -> Vec<(String, String)> { f.to_vec() };
    // A draft with the dwelling only: saved, with what is still missing listed.
    let dwelling: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("dwelling."))
        .cloned()
        .collect();
    let mut d: Vec<(&str, &str)> = dwelling
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    d.push(("action", "save"));
    let r = naf.post("/sp/new", "/sp/applications", &d);
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = r.location().to_owned();
    let page = naf.get(&draft);
    assert!(
        page.body.contains("value=\"rented\" selected"),
        "the answers are kept"
    );
    assert!(
        page.body.contains("class=\"errors\""),
        "the sections still missing are listed"
    );
    // A refused answer: shown at its field, the other answers kept as typed, nothing lost.
    let mut bad = as_refs(&fields);
    for (k, v) in bad.iter_mut() {
        if k == "dwelling.rooms" {
            *v = "0".into();
        }
    }
    let mut f: Vec<(&str, &str)> = bad.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    f.push(("action", "submit"));
    let r = naf.post(&draft, &draft, &f);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("dwelling-rooms-error"), "{}", r.body);
    assert!(r.body.contains(
        answers["household"]["members"][0]["national_number"]
            .as_str()
            .unwrap()
    ));
    // Corrected and submitted: the verification is shown.
    let mut f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    f.push(("action", "submit"));
    let r = naf.post(&draft, &draft, &f);
    assert_eq!(r.status, 303, "{}", r.body);
    let done = naf.get(r.location());
    assert!(done.body.contains("id=\"verification\""), "{}", done.body);
    assert!(naf.get("/sp").body.contains(&draft));
    // Another entity's caseworker handles no application.
    let mut dvld = sign_in(&app, "DVLDUser", PW);
    assert!(!dvld.get("/").body.contains("href=\"/sp\""));
    assert!(dvld.get(&draft).body.contains("flash error"));
}
