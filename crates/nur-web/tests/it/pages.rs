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
