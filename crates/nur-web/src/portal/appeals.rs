//! Appeals in the portal: the officers' list (open ones by deadline, the overdue, all, or one
//! state), one appeal (the decision appealed with its explanation, the reason, the documents,
//! each step with its officer and note, and the form of the next step), a caseworker's appeal
//! from a household's decisions page, and the pieces the citizen's pages share: the appeal
//! form under each decision, an appeal's account, a document's download. The rules are
//! `nur-app`'s (`App::submit_appeal`, `App::appeal_step`, …).

use super::i18n::Lang;
use super::words::{comma, refusal};
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::{AppError, AppealView, NewDocument, ProgramDecision};
use nur_sp::cycle::AppealState;
use nur_store::{AppealFilter, AppealRow};
use serde::Deserialize;

/// The documents sent with an appeal form.
pub(super) fn documents_of(v: &Visit) -> Vec<NewDocument> {
    v.files("documents")
        .map(|f| NewDocument {
            name: f.filename.clone(),
            content_type: f.content_type.clone(),
            content: f.bytes.to_vec(),
        })
        .collect()
}

/// Whether an appeal is still to be decided.
pub(super) fn is_open(a: &AppealRow) -> bool {
    !AppealState::parse(&a.state).is_some_and(AppealState::decided)
}

/// The appeal form under one program's decision, posting to `action`; none when the
/// program has decided nothing yet, a note instead while an appeal against it is open.
pub(super) fn appeal_form(
    s: &AppState,
    v: &Visit,
    action: &str,
    p: &ProgramDecision,
    appeals: &[AppealRow],
    typed: Option<(&str, &AppError)>,
) -> Markup {
    let lang = v.lang;
    if p.run.is_none() {
        return html! {};
    }
    if let Some(a) = appeals.iter().find(|a| a.program == p.code && is_open(a)) {
        let due = lang.datetime(a.due_at_ms, &s.portal.time_zone);
        return html! { p.appeal-open { (lang.tf("sp-appeal-already", &[("state", &lang.t(&format!("sp-appeal-state-{}", a.state))), ("due", &due)])) } };
    }
    let citizen = v.account.is_none();
    let (reason, refused) = match typed {
        Some((r, e)) => (r, Some(e)),
        None => ("", None),
    };
    let code = &p.code;
    html! {
        details.appeal open[refused.is_some()] {
            summary { (lang.t("sp-appeal-this")) }
            @if let Some(e) = refused { (refusal(s, lang, e, !citizen)) }
            form method="post" action=(action) enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(v.session.csrf);
                input type="hidden" name="program" value=(code);
                p {
                    label for=(format!("reason-{code}")) { (lang.t("sp-appeal-reason")) } br;
                    textarea id=(format!("reason-{code}")) name="reason" rows="4" cols="70" maxlength="4000" required { (reason) }
                }
                p {
                    label for=(format!("documents-{code}")) { (lang.t("sp-appeal-documents")) } br;
                    input id=(format!("documents-{code}")) type="file" name="documents" multiple accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";
                }
                p { button type="submit" { (lang.t("sp-appeal-send")) } }
            }
        }
    }
}

/// An appeal's account: the decision appealed, the reason, the documents (downloaded under
/// `docs`), every step.
pub(super) fn detail(
    s: &AppState,
    lang: Lang,
    view: &AppealView,
    docs: &str,
    officer: bool,
) -> Markup {
    let a = &view.appeal;
    let zone = &s.portal.time_zone;
    html! {
        dl.facts {
            dt { (lang.t("sp-col-household")) } dd {
                @if officer { a href=(format!("/sp/households/{}/decisions", a.household)) { bdi { (a.household) } } }
                @else { bdi { (a.household) } }
            }
            dt { (lang.t("sp-col-program")) } dd { bdi { (a.program) } }
            dt { (lang.t("sp-appeal-decision")) } dd {
                (lang.t(&format!("sp-state-{}", a.decision))) " — "
                a href=(if officer { format!("/sp/households/{}/decisions", a.household) } else { "/citizen/decisions".to_owned() }) { (lang.t("sp-appeal-explanation")) }
                @if officer { @if let Some(r) = &a.run { " · " a href=(format!("/sp/runs/{r}")) { bdi { (r) } } } }
            }
            dt { (lang.t("sp-col-status")) } dd { strong { (lang.t(&format!("sp-appeal-state-{}", a.state))) }
                @if view.overdue { " " span.badge.overdue { (lang.t("sp-appeal-overdue")) } } }
            dt { (lang.t("sp-appeal-submitted")) } dd { (lang.t(&format!("sp-appeal-by-{}", a.submitter_kind))) @if officer { " " bdi { (a.submitted_by) } } (comma(lang)) (lang.datetime(a.submitted_at_ms, zone)) }
            dt { (lang.t("sp-appeal-due")) } dd { (lang.datetime(a.due_at_ms, zone)) }
            @if let Some(t) = a.decided_at_ms { dt { (lang.t("sp-appeal-decided")) } dd { (lang.datetime(t, zone)) } }
            @if let Some(c) = &a.applied_cycle { dt { (lang.t("sp-appeal-applied")) } dd {
                @if officer { a href=(format!("/sp/cycles/{c}")) { bdi { (c) } } } @else { bdi { (c) } }
            } }
        }
        h2 { (lang.t("sp-appeal-reason-given")) }
        p.reason { (a.reason) }
        h2 { (lang.t("sp-appeal-documents-sent")) }
        @if view.documents.is_empty() { p { (lang.t("sp-appeal-no-documents")) } } @else {
            ul { @for d in &view.documents {
                li { a href=(format!("{docs}/{}", d.seq)) download { bdi { (d.name) } } " (" (d.content_type) (comma(lang)) (lang.number(d.bytes)) " " (lang.t("sp-bytes")) ")" }
            } }
        }
        h2 { (lang.t("sp-appeal-steps")) }
        table #steps {
            caption { (lang.t("sp-appeal-steps")) }
            thead { tr {
                th scope="col" { (lang.t("sp-col-status")) }
                th scope="col" { (lang.t("sp-col-officer")) }
                th scope="col" { (lang.t("sp-col-note")) }
                th scope="col" { (lang.t("sp-col-at")) }
            } }
            tbody { @for st in &view.steps { tr {
                td { (lang.t(&format!("sp-appeal-state-{}", st.state))) }
                // A citizen reads who acted by role, not by an officer's account name.
                td { @if officer { bdi { (st.officer) } }
                    @else if st.seq == 1 { (lang.t(&format!("sp-appeal-by-{}", a.submitter_kind))) }
                    @else { (s.app.social_registry().entity.as_str()) } }
                td { (st.note) }
                td { (lang.datetime(st.at_ms, zone)) }
            } } }
        }
    }
}

/// A document of an appeal, as an attachment under the name it was sent with.
pub(super) async fn document_response(
    s: AppState,
    v: Visit,
    id: String,
    seq: i64,
) -> Result<Response, ApiError> {
    let caller = v.caller();
    let st = s.clone();
    let got = blocking(move || Ok(st.app.appeal_document(&caller, &id, seq))).await?;
    match got {
        Ok((name, ty, bytes)) => Ok((
            [
                (header::CONTENT_TYPE, ty),
                (header::CONTENT_DISPOSITION, attachment(&name)),
            ],
            bytes,
        )
            .into_response()),
        Err(e) => {
            let title = v.lang.t("sp-appeal");
            let body = refusal(&s, v.lang, &e, v.account.is_some());
            let page = if v.account.is_some() {
                layout::page(&s, &v, &title, "/sp/appeals", &[], body)
            } else {
                layout::citizen_page(&s, &v, &title, &[], body)
            };
            Ok(Html(page.into_string()).into_response())
        }
    }
}

/// `Content-Disposition` for a name of any script: a plain ASCII fallback and the UTF-8 name
/// (RFC 6266).
fn attachment(name: &str) -> String {
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let utf8 = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{utf8}")
}

#[derive(Deserialize)]
pub struct ListQuery {
    tab: Option<String>,
}

const TABS: &[&str] = &[
    "open",
    "overdue",
    "all",
    "submitted",
    "under_review",
    "upheld",
    "overturned",
];

fn crumbs(lang: Lang, more: &[(String, Option<String>)]) -> Vec<(String, Option<String>)> {
    layout::sp_crumbs(lang, "sp-appeals", "/sp/appeals", more)
}

/// The appeals: the open ones by deadline, or the overdue, all, or those in one state.
pub async fn list(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let tab = q.tab.unwrap_or_else(|| "open".into());
    let caller = v.caller();
    let st = s.clone();
    let t = tab.clone();
    let got = blocking(move || {
        Ok(match t.as_str() {
            "open" => st
                .app
                .appeals(&caller, AppealFilter::State("submitted"))
                .and_then(|mut a| {
                    a.extend(
                        st.app
                            .appeals(&caller, AppealFilter::State("under_review"))?,
                    );
                    a.sort_by(|x, y| (x.due_at_ms, &x.id).cmp(&(y.due_at_ms, &y.id)));
                    Ok(a)
                }),
            "overdue" => st
                .app
                .appeals(&caller, AppealFilter::OverdueAt(nur_store::now_ms())),
            "all" => st.app.appeals(&caller, AppealFilter::All),
            state => st.app.appeals(&caller, AppealFilter::State(state)),
        })
    })
    .await?;
    let title = lang.t("sp-appeals");
    let zone = &s.portal.time_zone;
    let now = nur_store::now_ms();
    let body = html! {
        nav.tabs aria-label=(lang.t("sp-appeals-tabs")) {
            @for t in TABS {
                a href=(format!("/sp/appeals?tab={t}")) aria-current=[(tab == *t).then_some("page")] { (lang.t(&format!("sp-appeals-tab-{t}"))) }
            }
        }
        @match got {
            Err(e) => (refusal(&s, lang, &e, true)),
            Ok(list) if list.is_empty() => p { (lang.t("sp-appeals-none")) },
            Ok(list) => table #appeals {
                caption { (lang.t(&format!("sp-appeals-tab-{}", if TABS.contains(&tab.as_str()) { tab.as_str() } else { "all" }))) }
                thead { tr {
                    th scope="col" { (lang.t("sp-appeal")) }
                    th scope="col" { (lang.t("sp-col-household")) }
                    th scope="col" { (lang.t("sp-col-program")) }
                    th scope="col" { (lang.t("sp-appeal-decision")) }
                    th scope="col" { (lang.t("sp-col-status")) }
                    th scope="col" { (lang.t("sp-appeal-submitted")) }
                    th scope="col" { (lang.t("sp-appeal-due")) }
                } }
                tbody { @for a in &list { tr {
                    td { a href=(format!("/sp/appeals/{}", a.id)) { bdi { (a.id) } } }
                    td { a href=(format!("/sp/households/{}/decisions", a.household)) { bdi { (a.household) } } }
                    td { bdi { (a.program) } }
                    td { (lang.t(&format!("sp-state-{}", a.decision))) }
                    td { (lang.t(&format!("sp-appeal-state-{}", a.state))) }
                    td { (lang.t(&format!("sp-appeal-by-{}", a.submitter_kind))) (comma(lang)) (lang.datetime(a.submitted_at_ms, zone)) }
                    td { (lang.datetime(a.due_at_ms, zone))
                        @if is_open(a) && a.due_at_ms < now { " " span.badge.overdue { (lang.t("sp-appeal-overdue")) } } }
                } } }
            },
        }
    };
    Ok(
        Html(layout::page(&s, &v, &title, "/sp/appeals", &crumbs(lang, &[]), body).into_string())
            .into_response(),
    )
}

/// One appeal, with the form of its next step.
pub async fn show(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
    Query(q): Query<layout::DoneQuery>,
) -> Result<Response, ApiError> {
    let done = q.done.filter(|d| d == "filed" || d == "step");
    show_page(s, v, id, done, None).await
}

async fn show_page(
    s: AppState,
    v: Visit,
    id: String,
    done: Option<String>,
    refused: Option<AppError>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let i = id.clone();
    let got = blocking(move || Ok(st.app.appeal(&caller, &i))).await?;
    let title = lang.tf("sp-appeal-title", &[("id", &id)]);
    let here = format!("/sp/appeals/{id}");
    let body = match got {
        Err(e) => refusal(&s, lang, &e, true),
        Ok(view) => {
            let next: &[&str] = match AppealState::parse(&view.appeal.state) {
                Some(AppealState::Submitted) => &["under_review"],
                Some(AppealState::UnderReview) => &["upheld", "overturned"],
                _ => &[],
            };
            let chosen = v.field("to").unwrap_or(next.first().copied().unwrap_or(""));
            html! {
                @if let Some(d) = &done { (layout::flash(Some(&lang.t(&format!("sp-appeal-done-{d}"))), false)) }
                @if let Some(e) = &refused { (refusal(&s, lang, e, true)) }
                (detail(&s, lang, &view, &format!("{here}/documents"), true))
                @if !next.is_empty() {
                    h2 { (lang.t("sp-appeal-next")) }
                    form.card method="post" action=(format!("{here}/step")) {
                        input type="hidden" name="csrf" value=(v.session.csrf);
                        fieldset {
                            legend { (lang.t("sp-appeal-next-state")) }
                            @for to in next {
                                div {
                                    input type="radio" name="to" id=(format!("to-{to}")) value=(to) checked[chosen == *to];
                                    " " label for=(format!("to-{to}")) { (lang.t(&format!("sp-appeal-to-{to}"))) }
                                }
                            }
                        }
                        label for="note" { (lang.t("sp-appeal-note")) }
                        textarea #note name="note" rows="3" cols="70" maxlength="4000" required { (v.field("note").unwrap_or("")) }
                        button #step type="submit" { (lang.t("sp-appeal-record")) }
                    }
                }
            }
        }
    };
    Ok(Html(
        layout::page(
            &s,
            &v,
            &title,
            &here,
            &crumbs(lang, &[(id.clone(), None)]),
            body,
        )
        .into_string(),
    )
    .into_response())
}

/// The next step of an appeal, by the officer signed in, with their note.
pub async fn step(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let to = v.field("to").unwrap_or("").to_owned();
    let note = v.field("note").unwrap_or("").to_owned();
    let caller = v.caller();
    let st = s.clone();
    let i = id.clone();
    match blocking(move || Ok(st.app.appeal_step(&caller, &i, &to, &note))).await? {
        Ok(_) => Ok(Redirect::to(&format!("/sp/appeals/{id}?done=step")).into_response()),
        Err(e) => show_page(s, v, id, None, Some(e)).await,
    }
}

pub async fn document(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path((id, seq)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    document_response(s, v, id, seq).await
}

/// A caseworker appeals a program's decision about a household.
pub async fn household_appeal(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(household): Path<String>,
) -> Result<Response, ApiError> {
    let program = v.field("program").unwrap_or("").to_owned();
    let reason = v.field("reason").unwrap_or("").to_owned();
    let docs = documents_of(&v);
    let caller = v.caller();
    let st = s.clone();
    let (h, p, r) = (household.clone(), program.clone(), reason.clone());
    match blocking(move || Ok(st.app.submit_appeal(&caller, &h, &p, &r, docs))).await? {
        Ok(a) => {
            Ok(Redirect::to(&format!("/sp/appeals/{}?done=filed", a.appeal.id)).into_response())
        }
        Err(e) => super::targeting::decisions_page(s, v, household, Some((program, e))).await,
    }
}
