//! Home: what the signed-in person can do here, and the platform's counts; Contact Us.

use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::response::Html;
use axum::Extension;
use maud::html;
use nur_core::account::Role;

pub async fn page(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Html<String>, ApiError> {
    let (st, caller) = (s.clone(), v.caller());
    let (procedures, persons) = blocking(move || {
        let procs = st.app.procedures_of(&caller)?.len();
        let persons = st.store.person_count(&st.catalog).map_err(ApiError::from)?;
        Ok((procs, persons))
    })
    .await?;
    let lang = v.lang;
    let a = v.account();
    // Each task, with the page where it is done.
    let can: Vec<(&str, &str)> = match a.role {
        Role::SuperAdmin => vec![
            ("can-grants-all", "/security"),
            ("can-users", "/settings/users"),
            ("can-clients", "/settings/clients"),
            ("can-audit", "/audit"),
        ],
        Role::EntityAdmin => vec![
            ("can-grants-own", "/security"),
            ("can-queries", "/queries"),
            ("can-procedures", "/queries"),
            ("can-clients", "/settings/clients"),
            ("can-lookup", "/persons"),
        ],
        Role::EntityUser => vec![("can-run", "/procedures"), ("can-lookup", "/persons")],
        Role::Auditor => vec![("can-audit-all", "/audit")],
    };
    let title = lang.t("home-title");
    let counts = [
        ("count-registries", s.catalog.registries.len() as i64),
        ("count-tables", s.catalog.tables.len() as i64),
        ("count-procedures", procedures as i64),
        ("count-persons", persons),
    ];
    let body = html! {
        p { (lang.tb("home-greeting", &[("name", a.display_name.as_str())])) }
        h2 { (lang.t("home-you-can")) }
        ul.tasks { @for (k, href) in &can { li { a href=(href) { (lang.t(k)) } } } }
        h2 { (lang.t("home-counts")) }
        dl.counts {
            @for (k, n) in counts {
                div { dt { (lang.t(k)) } dd { (lang.number(n)) } }
            }
        }
    };
    Ok(Html(
        layout::page(&s, &v, &title, "/", &[], body).into_string(),
    ))
}

pub async fn contact(State(s): State<AppState>, Extension(v): Extension<Visit>) -> Html<String> {
    let lang = v.lang;
    let title = lang.t("menu-contact");
    let body = html! {
        @match &s.portal.contact {
            Some(c) => {
                p { (lang.t("contact-desk")) }
                address.contact { @for line in c.split(['\n', ';']).map(str::trim).filter(|l| !l.is_empty()) { bdi { (line) } br; } }
            },
            None => p { (lang.t("contact-text")) },
        }
        p { (lang.tf("contact-your-admin", &[("entity", v.account().entity.as_deref().unwrap_or("—"))])) }
    };
    Html(layout::page(&s, &v, &title, "/contact", &[(title.clone(), None)], body).into_string())
}
