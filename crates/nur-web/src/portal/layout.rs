//! The page frame: header with the state and platform names, the language switch, the menus,
//! breadcrumbs, the "Username | Group | Entity" line and Sign Out. maud escapes every value.

use super::i18n::Lang;
use super::Visit;
use crate::AppState;
use maud::{html, Markup, DOCTYPE};
use nur_core::account::Role;

pub fn role_key(r: Role) -> &'static str {
    match r {
        Role::SuperAdmin => "role-super-admin",
        Role::EntityAdmin => "role-entity-admin",
        Role::EntityUser => "role-entity-user",
        Role::Auditor => "role-auditor",
    }
}

fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " — " (lang.t("platform-short")) }
            link rel="stylesheet" href="/assets/app.css";
            link rel="icon" href="/assets/logo.svg";
            script src="/assets/app.js" defer {}
        }
    }
}

fn banner(state: &AppState, lang: Lang, back: &str) -> Markup {
    let c = &state.catalog.country;
    let (state_name, platform) = match lang {
        Lang::Ar => (&c.state_ar, &c.platform_ar),
        Lang::En => (&c.state_en, &c.platform_en),
    };
    html! {
        header.banner {
            img src="/assets/logo.svg" alt="" width="40" height="40";
            div.names {
                div.state { (state_name) }
                div.platform { (platform) }
            }
            nav.lang aria-label=(lang.t("language")) {
                a href={"/lang?to=ar&back=" (back)} lang="ar" aria-current=[(lang == Lang::Ar).then_some("true")] { "عربي" }
                " / "
                a href={"/lang?to=en&back=" (back)} lang="en" aria-current=[(lang == Lang::En).then_some("true")] { "En" }
            }
        }
    }
}

/// A page for a signed-in visitor. `crumbs` are (label, link) pairs after Home.
pub fn page(
    state: &AppState,
    v: &Visit,
    title: &str,
    path: &str,
    crumbs: &[(String, Option<String>)],
    body: Markup,
) -> Markup {
    let lang = v.lang;
    let a = v.account();
    let admin = matches!(a.role, Role::SuperAdmin | Role::EntityAdmin);
    // Registry data is seen by an entity only: the Super Admin and the Auditor get no data
    // pages; the trail is the Auditor's work.
    let of_entity = a.entity.is_some();
    let reads_audit = admin || a.role == Role::Auditor;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            (head(lang, title))
            body {
                a.skip href="#main" { (lang.t("skip-to-content")) }
                (banner(state, lang, path))
                nav.menu aria-label=(lang.t("menu")) {
                    a href="/" { (lang.t("menu-home")) }
                    @if of_entity {
                        a href="/persons" { (lang.t("menu-persons")) }
                        a href="/procedures" { (lang.t("menu-procedures")) }
                    }
                    @if admin && of_entity {
                        a href="/queries" { (lang.t("menu-queries")) }
                    }
                    @if a.entity.as_deref() == Some(state.app.social_registry().entity.as_str()) {
                        a href="/sp" { (lang.t("menu-sp")) }
                        a href="/sp/programs" { (lang.t("menu-programs")) }
                        a href="/sp/cycles" { (lang.t("menu-cycles")) }
                        a href="/sp/appeals" { (lang.t("menu-appeals")) }
                    }
                    @if admin {
                        a href="/security" { (lang.t("menu-security")) }
                        a href="/sources" { (lang.t("menu-freshness")) }
                    }
                    @if reads_audit {
                        a href="/audit" { (lang.t("menu-audit")) }
                    }
                    a href=(if admin { "/settings/users" } else { "/account" }) { (lang.t("menu-settings")) }
                    a href="/contact" { (lang.t("menu-contact")) }
                }
                div.userline {
                    span { (lang.t("label-username")) ": " bdi { (a.username) } }
                    " | "
                    span { (lang.t("label-group")) ": " (lang.t(role_key(a.role))) }
                    " | "
                    span { (lang.t("label-entity")) ": " bdi { (a.entity.as_deref().unwrap_or("—")) } }
                    form.signout method="post" action="/logout" {
                        input type="hidden" name="csrf" value=(v.session.csrf);
                        button type="submit" { (lang.t("sign-out")) }
                    }
                }
                (trail(lang, "/", &lang.t("menu-home"), crumbs, title, body))
            }
        }
    }
}

/// The breadcrumbs after the home page at `home` (a crumb naming it again is left out), then
/// the page's title and body.
fn trail(
    lang: Lang,
    home: &str,
    home_label: &str,
    crumbs: &[(String, Option<String>)],
    title: &str,
    body: Markup,
) -> Markup {
    html! {
        nav.crumbs aria-label=(lang.t("breadcrumbs")) {
            ol {
                li { a href=(home) { (home_label) } }
                @for (label, link) in crumbs.iter().skip_while(|(_, l)| l.as_deref() == Some(home)) {
                    li {
                        @match link {
                            // A crumb may be data (a procedure's or a cycle's name).
                            Some(l) => a href=(l) { bdi { (label) } },
                            None => span aria-current="page" { bdi { (label) } },
                        }
                    }
                }
            }
        }
        main #main {
            h1 { (title) }
            (body)
        }
    }
}

/// A page for a signed-in citizen: their own menu (their household's applications), who
/// they are signed in as, and Sign Out. Crumbs follow their home page.
pub fn citizen_page(
    state: &AppState,
    v: &Visit,
    title: &str,
    crumbs: &[(String, Option<String>)],
    body: Markup,
) -> Markup {
    let lang = v.lang;
    let nn = nur_app::citizen_of(&v.session).unwrap_or("");
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            (head(lang, title))
            body {
                a.skip href="#main" { (lang.t("skip-to-content")) }
                (banner(state, lang, "/citizen/home"))
                nav.menu aria-label=(lang.t("menu")) {
                    a href="/citizen/home" { (lang.t("citizen-home")) }
                    a href="/citizen/decisions" { (lang.t("citizen-decisions")) }
                    a href="/citizen/access" { (lang.t("citizen-access")) }
                }
                div.userline {
                    span { (lang.t("label-national-number")) ": " bdi { (nn) } }
                    " | "
                    span { (lang.t("label-group")) ": " (lang.t("role-citizen")) }
                    form.signout method="post" action="/citizen/logout" {
                        input type="hidden" name="csrf" value=(v.session.csrf);
                        button type="submit" { (lang.t("sign-out")) }
                    }
                }
                (trail(lang, "/citizen/home", &lang.t("citizen-home"), crumbs, title, body))
            }
        }
    }
}

/// A page without the signed-in frame (sign-in, errors).
pub fn bare(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            (head(lang, title))
            body.bare {
                main #main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The sign-in frame: the banner with the language switch, then the form.
pub fn signin(state: &AppState, lang: Lang, title: &str, back: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            (head(lang, title))
            body.signin {
                (banner(state, lang, back))
                main #main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

pub fn message(lang: Lang, key: &str) -> Markup {
    html! { p role="alert" { bdi { (lang.t(key)) } } p { a href="/" { (lang.t("menu-home")) } } }
}

pub fn flash(text: Option<&str>, error: bool) -> Markup {
    html! {
        @if let Some(t) = text {
            // Isolated: a sentence of the other direction (a server's reason in an Arabic
            // page) keeps its own order instead of being jumbled by the page's.
            p class=(if error { "flash error" } else { "flash ok" }) role=(if error { "alert" } else { "status" }) { bdi { (t) } }
        }
    }
}

/// The breadcrumbs of a social-registry page: the registry, its section (`key` at `href`),
/// then the page's own.
pub fn sp_crumbs(
    lang: Lang,
    key: &str,
    href: &str,
    more: &[(String, Option<String>)],
) -> Vec<(String, Option<String>)> {
    let mut c = vec![
        (lang.t("sp-title"), Some("/sp".to_owned())),
        (lang.t(key), Some(href.to_owned())),
    ];
    c.extend_from_slice(more);
    c
}

/// `?done=…`: the step a redirect after a form names, for its message.
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}
