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
    let can: Vec<&str> = match a.role {
        Role::SuperAdmin => vec!["can-grants-all", "can-users", "can-clients", "can-audit"],
        Role::EntityAdmin => vec![
            "can-grants-own",
            "can-queries",
            "can-procedures",
            "can-clients",
            "can-lookup",
        ],
        Role::EntityUser => vec!["can-run", "can-lookup"],
        Role::Auditor => vec!["can-audit-all"],
    };
    let title = lang.t("home-title");
    let counts = [
        ("count-registries", s.catalog.registries.len() as i64),
        ("count-tables", s.catalog.tables.len() as i64),
        ("count-procedures", procedures as i64),
        ("count-persons", persons),
    ];
    let body = html! {
        p { (lang.tf("home-greeting", &[("name", a.display_name.as_str())])) }
        h2 { (lang.t("home-you-can")) }
        ul { @for k in &can { li { (lang.t(k)) } } }
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
    let body = html! { p { (lang.t("contact-text")) } };
    Html(layout::page(&s, &v, &title, "/contact", &[(title.clone(), None)], body).into_string())
}
