//! A citizen's own pages: sign in with the national number and the ID card number, then the
//! code sent to the mobile the civil registry holds; their household and its applications;
//! the intake form for their own family booklet (the caseworker's form, started with the
//! booklet, the governorate and the citizen as a member). Arabic unless they choose English,
//! and no JavaScript needed. The rules are `nur-app`'s (`App::citizen_sign_in`, …).

use super::i18n::Lang;
use super::intake::{self, Door};
use super::login::{signed_out_to, slow};
use super::{layout, session, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::signin::{CodeStep, ResendStep};
use nur_app::CitizenStep;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
pub struct Flash {
    #[serde(default)]
    e: Option<String>,
}

/// Messages a redirect may name, and whether each is good news.
const FLASHES: &[(&str, bool)] = &[
    ("citizen-invalid", false),
    ("citizen-locked", false),
    ("citizen-no-mobile", false),
    ("login-code-wrong", false),
    ("login-code-expired", false),
    ("login-code-resent", true),
    ("login-code-wait", false),
    ("login-send-failed", false),
    ("login-signed-out", true),
    ("citizen-account-saved", true),
];

fn flash(lang: Lang, f: &Flash) -> maud::Markup {
    let found =
        f.e.as_deref()
            .and_then(|k| FLASHES.iter().find(|(key, _)| *key == k));
    layout::flash(
        found.map(|(k, _)| lang.t(k)).as_deref(),
        !found.is_some_and(|(_, ok)| *ok),
    )
}

pub async fn form(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(f): Query<Flash>,
) -> Html<String> {
    let lang = v.lang;
    Html(
        layout::signin(&s, lang, &lang.t("citizen-title"), "/citizen", html! {
            (flash(lang, &f))
            p { (lang.t("citizen-intro")) }
            form.card method="post" action="/citizen" {
                input type="hidden" name="csrf" value=(v.session.csrf);
                label for="national_number" { (lang.t("label-national-number")) }
                input #national_number name="national_number" type="text" inputmode="numeric" dir="ltr" autocomplete="username" maxlength="20" required autofocus;
                label for="card_number" { (lang.t("label-card-number")) }
                input #card_number name="card_number" type="text" dir="ltr" autocomplete="off" maxlength="20" required;
                button type="submit" { (lang.t("citizen-submit")) }
            }
            p { a href="/login" { (lang.t("citizen-officers")) } }
            p.ip { (lang.t("your-ip")) ": " bdi { (v.ip) } }
        })
        .into_string(),
    )
}

pub async fn submit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let nn = v.field("national_number").unwrap_or("").trim().to_owned();
    let card = v.field("card_number").unwrap_or("").to_owned();
    blocking(move || {
        Ok(match s.app.citizen_sign_in(&v.session, &nn, &card, v.ip)? {
            CitizenStep::CodeDue(next, _) => {
                session::redirect_with_cookie(&s, "/citizen/code", &next.cookie)
            }
            CitizenStep::Invalid => Redirect::to("/citizen?e=citizen-invalid").into_response(),
            CitizenStep::Locked => Redirect::to("/citizen?e=citizen-locked").into_response(),
            CitizenStep::NoMobile => Redirect::to("/citizen?e=citizen-no-mobile").into_response(),
            CitizenStep::SendFailed => Redirect::to("/citizen?e=login-send-failed").into_response(),
            CitizenStep::TooFast => slow(v.lang),
        })
    })
    .await
}

pub async fn code_form(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(f): Query<Flash>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let st = s.clone();
    let sess = v.session.clone();
    let Some(hint) = blocking(move || Ok(st.app.citizen_pending_hint(&sess)?)).await? else {
        return Ok(Redirect::to("/citizen").into_response());
    };
    Ok(Html(
        layout::signin(&s, lang, &lang.t("code-title"), "/citizen/code", html! {
            (flash(lang, &f))
            p { (lang.tf("citizen-code-hint", &[("mobile", &hint)])) }
            form.card method="post" action="/citizen/code" {
                input type="hidden" name="csrf" value=(v.session.csrf);
                label for="code" { (lang.t("label-code")) }
                input #code name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus;
                button type="submit" { (lang.t("code-submit")) }
            }
            form method="post" action="/citizen/resend" {
                input type="hidden" name="csrf" value=(v.session.csrf);
                button.link type="submit" { (lang.t("code-resend")) }
            }
            p { a href="/citizen" { (lang.t("code-start-over")) } }
        })
        .into_string(),
    )
    .into_response())
}

pub async fn code_submit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let code = v.field("code").unwrap_or("").trim().to_owned();
    blocking(move || {
        Ok(match s.app.citizen_code(&v.session, &code, v.ip)? {
            CodeStep::SignedIn(next) => {
                session::redirect_with_cookie(&s, "/citizen/home", &next.cookie)
            }
            CodeStep::NotPending => Redirect::to("/citizen").into_response(),
            CodeStep::Expired => Redirect::to("/citizen/code?e=login-code-expired").into_response(),
            CodeStep::Wrong => Redirect::to("/citizen/code?e=login-code-wrong").into_response(),
            CodeStep::Locked => signed_out_to("/citizen?e=citizen-locked"),
            CodeStep::TooFast => slow(v.lang),
        })
    })
    .await
}

pub async fn resend(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let to = match s.app.citizen_resend(&v.session, v.ip)? {
            ResendStep::NotPending => "/citizen",
            ResendStep::Wait => "/citizen/code?e=login-code-wait",
            ResendStep::SendFailed => "/citizen/code?e=login-send-failed",
            ResendStep::Resent => "/citizen/code?e=login-code-resent",
            ResendStep::TooFast => return Ok(slow(v.lang)),
        };
        Ok(Redirect::to(to).into_response())
    })
    .await
}

pub async fn logout(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    blocking(move || {
        s.app.citizen_sign_out(&v.session, v.ip)?;
        Ok(signed_out_to("/citizen?e=login-signed-out"))
    })
    .await
}

/// Who the citizen is, their household and its applications, the programs' decisions, the
/// payments, the account and the appeals.
pub async fn home(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(f): Query<Flash>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let got = blocking(move || {
        Ok(st.app.citizen(&caller).map(|me| {
            let decisions = st.app.decisions(&caller, &me.household);
            let benefits = st.app.citizen_benefits(&caller);
            (me, benefits, decisions)
        }))
    })
    .await?;
    let title = lang.t("citizen-home");
    let body = match got {
        Err(e) => html! { p.flash.error role="alert" { (super::reasons::refusal(&s, lang, &e)) } },
        Ok((me, benefits, decisions)) => {
            let open = me
                .applications
                .iter()
                .find(|a| a.status == "draft")
                .map(|a| a.id.clone());
            let submitted = me.applications.iter().any(|a| a.status == "submitted");
            html! {
                table.record { tbody {
                    tr { th scope="row" { (lang.t("citizen-name")) } td { (if lang == Lang::Ar || me.name_en.is_empty() { &me.name_ar } else { &me.name_en }) } }
                    tr { th scope="row" { (lang.t("label-national-number")) } td { bdi { (me.national_number) } } }
                    tr { th scope="row" { (lang.t("citizen-booklet")) } td { bdi { (me.household) } } }
                    tr { th scope="row" { (lang.t("citizen-mobile")) } td { bdi dir="ltr" { (me.mobile_hint) } } }
                } }
                p { (lang.t("citizen-how")) }
                @if let Some(id) = &open {
                    p { a.button href=(format!("/citizen/applications/{id}")) { (lang.t("citizen-continue")) } }
                } @else if !submitted {
                    p { a.button href="/citizen/new" { (lang.t("citizen-start")) } }
                }
                @if me.applications.is_empty() {
                    p { (lang.t("citizen-none")) }
                } @else {
                    table {
                        caption { (lang.t("citizen-applications")) }
                        thead { tr {
                            th scope="col" { (lang.t("sp-col-application")) }
                            th scope="col" { (lang.t("sp-col-status")) }
                            th scope="col" { (lang.t("sp-col-channel")) }
                            th scope="col" { (lang.t("sp-col-updated")) }
                        } }
                        tbody { @for a in &me.applications { tr {
                            td { a href=(format!("/citizen/applications/{}", a.id)) { bdi { (a.external_ref.clone().unwrap_or_else(|| a.id.clone())) } } }
                            td { (lang.t(&format!("sp-status-{}", a.status))) }
                            td { (lang.t(&format!("sp-channel-{}", a.channel))) }
                            td { (lang.datetime(a.updated_at_ms, &s.portal.time_zone)) }
                        } } }
                    }
                }
                (super::citizen_sp::home_sections(&s, lang, &benefits, &decisions))
            }
        }
    };
    let body = html! { (flash(lang, &f)) (body) };
    Ok(Html(layout::citizen_page(&s, &v, &title, &[], body).into_string()).into_response())
}

/// A new form, started with what the civil registry already says: the family booklet, the
/// governorate, and the citizen among the members.
pub async fn new(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let caller = v.caller();
    let st = s.clone();
    let me = blocking(move || Ok(st.app.citizen(&caller))).await?;
    let answers = match &me {
        Ok(me) => {
            let mut household = json!({
                "civil_record_id": me.household,
                "members": [{"national_number": me.national_number}],
            });
            if let Some(g) = &me.governorate {
                household["governorate"] = json!(g);
            }
            json!({ "household": household })
        }
        Err(_) => json!({}),
    };
    Ok(intake::form_page(&s, &v, Door::Citizen, None, &answers, &[], None, 0).into_response())
}

pub async fn save_new(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    intake::save(s, v, None, Door::Citizen).await
}

pub async fn show(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    intake::show_at(s, v, id, Door::Citizen).await
}

pub async fn save_draft(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    intake::save(s, v, Some(id), Door::Citizen).await
}

/// Who has seen the citizen's data: every entity's access (those withheld from citizens
/// aside), newest first, with its purpose.
pub async fn access(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let nn = nur_app::citizen_of(&v.session).unwrap_or("").to_owned();
    let report = blocking(move || {
        let nn = st.app.national_number(&nn)?;
        Ok(st.app.access_report(&caller, &nn, 200, 0))
    })
    .await?;
    let title = lang.t("citizen-access");
    let zone = &s.portal.time_zone;
    let entity = |code: &str| {
        s.catalog
            .entity(code)
            .map(|e| match lang {
                Lang::Ar => e.name_ar.clone(),
                Lang::En => e.name_en.clone(),
            })
            .unwrap_or_else(|| code.to_owned())
    };
    let body = match report {
        Err(e) => html! { p.flash.error role="alert" { (super::reasons::refusal(&s, lang, &e)) } },
        Ok(r) if r.entries.is_empty() => html! { p { (lang.t("citizen-access-empty")) } },
        Ok(r) => html! {
            p { (lang.t("citizen-access-intro")) }
            table {
                caption { (lang.t("citizen-access-caption")) }
                thead { tr {
                    th scope="col" { (lang.tb("audit-time", &[("zone", &super::i18n::zone_name(zone))])) }
                    th scope="col" { (lang.t("label-entity")) }
                    th scope="col" { (lang.t("audit-action")) }
                    th scope="col" { (lang.t("audit-purpose")) }
                    th scope="col" { (lang.t("citizen-access-seen")) }
                } }
                tbody { @for e in &r.entries { tr {
                    td { (lang.datetime(e.at_ms, zone)) }
                    td { (e.entity.as_deref().map(entity).unwrap_or_default()) }
                    td { (lang.t(&format!("access-action-{}", e.action.replace('.', "-")))) }
                    td { (purpose(lang, e.purpose.as_deref().unwrap_or(""))) }
                    td { (seen(&s, lang, &e.columns)) }
                } } }
            }
        },
    };
    let crumbs = [(title.clone(), None)];
    Ok(Html(layout::citizen_page(&s, &v, &title, &crumbs, body).into_string()).into_response())
}

/// Every program's decision about the citizen's household, explained as to a caseworker:
/// the score and what made it, each rule's outcome, the registry facts used; and the form
/// that appeals it.
pub async fn decisions(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    super::citizen_sp::decisions_page(s, v, None).await
}

/// The fields an access returned, as the citizen reads them: each registry table's label and
/// the labels of its fields.
fn seen(s: &AppState, lang: Lang, columns: &[String]) -> Markup {
    let mut by_table: Vec<(&str, Vec<&str>)> = Vec::new();
    for q in columns {
        // A lookup names the tables it showed, a query its columns.
        let (t, c) = match q.split_once('.') {
            Some((t, c)) => (t, Some(c)),
            None => (q.as_str(), None),
        };
        let Some(table) = s.catalog.table(t) else {
            continue;
        };
        let field = c.map(|c| {
            table
                .column(c)
                .map(|c| super::labels::column_label(lang, c))
                .unwrap_or(c)
        });
        let name = super::labels::table_label(lang, table);
        match by_table.iter_mut().find(|(n, _)| *n == name) {
            Some((_, fields)) => fields.extend(field),
            None => by_table.push((name, field.into_iter().collect())),
        }
    }
    html! {
        @for (table, fields) in &by_table {
            div {
                strong { (table) }
                @if !fields.is_empty() { ": " (fields.join(if lang == Lang::Ar { "، " } else { ", " })) }
            }
        }
    }
}

/// A purpose as the citizen reads it: the social registry's own in their language, an
/// entity's as the entity gave it; none given, says so.
pub(super) fn purpose(lang: Lang, p: &str) -> Markup {
    match p {
        "" | "portal" => html! { (lang.t("purpose-none")) },
        nur_app::VERIFICATION_PURPOSE => html! { (lang.t("purpose-intake-verification")) },
        nur_app::FACTS_PURPOSE => html! { (lang.t("purpose-household-facts")) },
        nur_app::DECISIONS_PURPOSE => html! { (lang.t("purpose-decisions")) },
        other => html! { bdi { (other) } },
    }
}
