//! The social registry's intake for a caseworker of the programs' entity: the applications
//! with their status, the intake form rendered from its definition (labels in the portal's
//! language, every answer kept when something is refused, drafts saved and resumed, works
//! without JavaScript), and a submitted application with its verification and
//! discrepancies. The rules are `nur-app`'s (`App::create_application`, …).

use super::i18n::Lang;
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::ApplicationView;
use nur_sp::form::{Field, FieldType};
use nur_sp::FieldError;
use serde_json::{Map, Value as Json};

/// Who fills the form in: a caseworker of the programs' entity, or a citizen for their own
/// household (the same pages, in a citizen's frame and under their own paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Door {
    Caseworker,
    Citizen,
}

impl Door {
    fn base(self) -> &'static str {
        match self {
            Door::Caseworker => "/sp",
            Door::Citizen => "/citizen",
        }
    }
    fn home(self) -> &'static str {
        match self {
            Door::Caseworker => "/sp",
            Door::Citizen => "/citizen/home",
        }
    }
    fn channel(self) -> &'static str {
        match self {
            Door::Caseworker => "caseworker",
            Door::Citizen => "citizen",
        }
    }
    fn home_label(self, lang: Lang) -> String {
        lang.t(match self {
            Door::Caseworker => "sp-title",
            Door::Citizen => "citizen-home",
        })
    }
    fn frame(
        self,
        s: &AppState,
        v: &Visit,
        title: &str,
        crumbs: &[(String, Option<String>)],
        body: Markup,
    ) -> Markup {
        match self {
            Door::Caseworker => layout::page(s, v, title, "/sp", crumbs, body),
            Door::Citizen => layout::citizen_page(s, v, title, crumbs, body),
        }
    }
}

fn sp_lang(l: Lang) -> nur_sp::Lang {
    match l {
        Lang::Ar => nur_sp::Lang::Ar,
        Lang::En => nur_sp::Lang::En,
    }
}

pub(crate) fn text(v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        // A whole amount reads as one (50, not 50.0).
        Json::Number(n)
            if n.as_f64()
                .is_some_and(|x| x.fract() == 0.0 && x.abs() < 1e15) =>
        {
            format!("{}", n.as_f64().unwrap_or(0.0) as i64)
        }
        other => other.to_string(),
    }
}

/// The applications and the counts.
pub async fn list(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let found = blocking(move || {
        Ok(st
            .app
            .applications(&caller, None, 100)
            .map(|rows| (rows, st.store.sp_counts().ok())))
    })
    .await?;
    let title = lang.t("sp-title");
    let body = match found {
        Err(e) => html! { p.flash.error role="alert" { (super::reasons::refusal(&s, lang, &e)) } },
        Ok((rows, counts)) => html! {
            p { a.button href="/sp/new" { (lang.t("sp-new")) } }
            @if let Some((by_status, by_kind)) = counts {
                p {
                    @for (k, n) in &by_status { span.badge { (lang.t(&format!("sp-status-{k}"))) ": " (n) } " " }
                    @for (k, n) in &by_kind { span.badge { (lang.t(&format!("sp-kind-{k}"))) ": " (n) } " " }
                }
            }
            table {
                caption { (lang.t("sp-applications")) }
                thead { tr {
                    th scope="col" { (lang.t("sp-col-application")) }
                    th scope="col" { (lang.t("sp-col-household")) }
                    th scope="col" { (lang.t("sp-col-status")) }
                    th scope="col" { (lang.t("sp-col-channel")) }
                    th scope="col" { (lang.t("sp-col-updated")) }
                } }
                tbody { @for a in &rows { tr {
                    td { a href=(format!("/sp/applications/{}", a.id)) { bdi { (a.external_ref.clone().unwrap_or_else(|| a.id.clone())) } } }
                    td { bdi { (a.household) } }
                    td { (lang.t(&format!("sp-status-{}", a.status))) }
                    td { (lang.t(&format!("sp-channel-{}", a.channel))) }
                    td { (lang.datetime(a.updated_at_ms, &s.portal.time_zone)) }
                } } }
            }
        },
    };
    Ok(
        Html(layout::page(&s, &v, &title, "/sp", &[(title.clone(), None)], body).into_string())
            .into_response(),
    )
}

/// An empty form.
pub async fn new(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    Ok(form_page(
        &s,
        &v,
        Door::Caseworker,
        None,
        &Json::Object(Map::new()),
        &[],
        None,
        0,
    )
    .into_response())
}

/// A draft (the form, filled) or a submitted application (with its verification).
pub async fn show(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    show_at(s, v, id, Door::Caseworker).await
}

pub(crate) async fn show_at(
    s: AppState,
    v: Visit,
    id: String,
    door: Door,
) -> Result<Response, ApiError> {
    let caller = v.caller();
    let st = s.clone();
    let got = blocking(move || Ok(st.app.application(&caller, &id))).await?;
    Ok(match got {
        Err(e) => Html(
            door.frame(
                &s,
                &v,
                &door.home_label(v.lang),
                &[],
                html! { p.flash.error role="alert" { (super::reasons::refusal(&s, v.lang, &e)) } },
            )
            .into_string(),
        )
        .into_response(),
        Ok(view) if view.application.status == "draft" => {
            let open = view.open.clone();
            form_page(&s, &v, door, Some(&view), &view.answers, &open, None, 0).into_response()
        }
        Ok(view) => submitted(&s, &v, door, &view).into_response(),
    })
}

/// Saves, submits or grows (one more member row) a new draft.
pub async fn save_new(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    save(s, v, None, Door::Caseworker).await
}

/// The same for an existing draft.
pub async fn save_draft(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    save(s, v, Some(id), Door::Caseworker).await
}

pub(crate) async fn save(
    s: AppState,
    v: Visit,
    id: Option<String>,
    door: Door,
) -> Result<Response, ApiError> {
    let form = s.app.social_registry();
    let answers = answers_from(&form.form, &v.form);
    let action = v.field("action").unwrap_or("save").to_owned();
    let revision = v.field("revision").and_then(|r| r.parse::<i64>().ok());
    let extra_rows = v
        .field("rows")
        .and_then(|r| r.parse::<usize>().ok())
        .unwrap_or(0)
        + usize::from(action == "add_member");
    let caller = v.caller();
    let st = s.clone();
    let a = answers.clone();
    let done = blocking(move || {
        let saved = match &id {
            None => st.app.create_application(&caller, &a, door.channel()),
            Some(id) => st.app.update_application(&caller, id, revision, &a),
        };
        // A refusal is shown with the draft it concerns (read here, off the async threads).
        let draft = |id: &Option<String>| {
            id.as_ref()
                .and_then(|id| st.app.application(&caller, id).ok())
        };
        let saved = match saved {
            Ok(view) => view,
            Err(e) => return Ok(Err((draft(&id), e))),
        };
        if action != "submit" {
            return Ok(Ok((saved, false)));
        }
        let id = saved.application.id.clone();
        match st
            .app
            .submit_application(&caller, &id, Some(saved.application.revision))
        {
            Ok(view) => Ok(Ok((view, true))),
            Err(e) => Ok(Err((draft(&Some(id)), e))),
        }
    })
    .await?;
    match done {
        Ok((view, true)) => Ok(Redirect::to(&format!(
            "{}/applications/{}?submitted=1",
            door.base(),
            view.application.id
        ))
        .into_response()),
        Ok((view, false)) if extra_rows == 0 => Ok(Redirect::to(&format!(
            "{}/applications/{}",
            door.base(),
            view.application.id
        ))
        .into_response()),
        Ok((view, false)) => {
            let open = view.open.clone();
            Ok(form_page(
                &s,
                &v,
                door,
                Some(&view),
                &view.answers,
                &open,
                None,
                extra_rows,
            )
            .into_response())
        }
        Err((view, e)) => {
            // Refused: the page shows every answer as typed, with the errors beside them.
            let errors = if e.fields.is_empty() {
                vec![FieldError {
                    path: String::new(),
                    code: e.code.into(),
                    message: nur_sp::Label {
                        ar: e.message.clone(),
                        en: e.message.clone(),
                    },
                }]
            } else {
                e.fields
            };
            Ok(form_page(
                &s,
                &v,
                door,
                view.as_ref(),
                &answers,
                &errors,
                Some(true),
                extra_rows,
            )
            .into_response())
        }
    }
}

/// The answers of a posted form, typed by the form definition (what cannot be read as its
/// type is kept as typed, so the check names it). Empty inputs are unanswered; a member row
/// left empty is no member.
pub(crate) fn answers_from(form: &nur_sp::Form, posted: &[(String, String)]) -> Json {
    let get = |name: &str| {
        posted
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let mut out = Map::new();
    for s in &form.sections {
        let mut section = Map::new();
        for f in &s.fields {
            if f.ty == FieldType::Group {
                let mut items = Vec::new();
                for i in 0..f.max_items.unwrap_or(30) {
                    let mut item = Map::new();
                    for sub in &f.fields {
                        if let Some(v) = get(&format!("{}.{}.{i}.{}", s.id, f.id, sub.id)) {
                            item.insert(sub.id.clone(), typed(sub, v));
                        }
                    }
                    if !item.is_empty() {
                        items.push(Json::Object(item));
                    }
                }
                if !items.is_empty() {
                    section.insert(f.id.clone(), Json::Array(items));
                }
            } else if let Some(v) = get(&format!("{}.{}", s.id, f.id)) {
                section.insert(f.id.clone(), typed(f, v));
            }
        }
        if !section.is_empty() {
            out.insert(s.id.clone(), Json::Object(section));
        }
    }
    Json::Object(out)
}

fn typed(f: &Field, v: &str) -> Json {
    match f.ty {
        FieldType::Integer => v
            .parse::<i64>()
            .map(Json::from)
            .unwrap_or_else(|_| Json::from(v)),
        FieldType::Money => v
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number)
            .unwrap_or_else(|| Json::from(v)),
        FieldType::Boolean => match v {
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            other => Json::from(other),
        },
        _ => Json::from(v),
    }
}

fn error_at<'a>(errors: &'a [FieldError], path: &str) -> Option<&'a FieldError> {
    errors.iter().find(|e| e.path == path)
}

/// One answer's control. `aria` labels a control that has no `<label>` of its own (a member
/// row's cells, under their column headers).
fn input(
    lang: Lang,
    f: &Field,
    name: &str,
    value: &Json,
    err: Option<&FieldError>,
    aria: Option<&str>,
) -> Markup {
    let sl = sp_lang(lang);
    let id = name.replace('.', "-");
    let described = err.map(|_| format!("{id}-error"));
    let required = f.required;
    let v = text(value);
    html! {
        @match f.ty {
            FieldType::Choice => select id=(id) name=(name) aria-invalid=[err.map(|_| "true")] aria-describedby=[described.clone()] aria-label=[aria] required[required] {
                option value="" { "—" }
                @for o in &f.options { option value=(o.value) selected[o.value == v] { (o.label.get(sl)) } }
            },
            FieldType::Boolean => select id=(id) name=(name) aria-invalid=[err.map(|_| "true")] aria-describedby=[described.clone()] aria-label=[aria] required[required] {
                option value="" { "—" }
                option value="true" selected[v == "true"] { (lang.t("sp-yes")) }
                option value="false" selected[v == "false"] { (lang.t("sp-no")) }
            },
            FieldType::Integer => input id=(id) name=(name) type="number" step="1" min=[f.min] max=[f.max] value=(v) aria-invalid=[err.map(|_| "true")] aria-describedby=[described.clone()] aria-label=[aria];
            FieldType::Money => input id=(id) name=(name) type="number" step="0.001" min=[f.min] max=[f.max] value=(v) aria-invalid=[err.map(|_| "true")] aria-describedby=[described.clone()] aria-label=[aria];
            FieldType::Date => input id=(id) name=(name) type="date" value=(v) aria-invalid=[err.map(|_| "true")] aria-describedby=[described.clone()] aria-label=[aria];
            FieldType::NationalNumber => input id=(id) name=(name) type="text" inputmode="numeric" dir="ltr" value=(v) aria-invalid=[err.map(|_| "true")] aria-describedby=[described.clone()] aria-label=[aria];
            _ => input id=(id) name=(name) type="text" dir=[matches!(f.ty, FieldType::Iban | FieldType::PersonalId | FieldType::CivilRecordId).then_some("ltr")] value=(v) aria-invalid=[err.map(|_| "true")] aria-describedby=[described.clone()] aria-label=[aria];
        }
        @if let Some(e) = err { span.field-error id=(format!("{id}-error")) { (e.message.get(sl)) } }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn form_page(
    s: &AppState,
    v: &Visit,
    door: Door,
    view: Option<&ApplicationView>,
    answers: &Json,
    issues: &[FieldError],
    refused: Option<bool>,
    extra_rows: usize,
) -> Html<String> {
    let lang = v.lang;
    let sl = sp_lang(lang);
    let sp = s.app.social_registry();
    let action = match view {
        Some(a) => format!("{}/applications/{}", door.base(), a.application.id),
        None => format!("{}/applications", door.base()),
    };
    let title = match view {
        Some(a) => format!(
            "{} {}",
            lang.t("sp-draft"),
            a.application
                .external_ref
                .clone()
                .unwrap_or_else(|| a.application.id.clone())
        ),
        None => lang.t("sp-new"),
    };
    let general: Vec<&FieldError> = issues
        .iter()
        .filter(|e| {
            !sp.form.sections.iter().any(|s| {
                s.fields.iter().any(|f| {
                    e.path == format!("{}.{}", s.id, f.id)
                        || e.path.starts_with(&format!("{}.{}[", s.id, f.id))
                })
            })
        })
        .collect();
    let body = html! {
        @if refused == Some(true) { p.flash.error role="alert" { (lang.t("sp-refused")) } }
        @else if !issues.is_empty() { p.flash role="status" { (lang.t("sp-open")) } }
        @if !general.is_empty() { ul.errors { @for e in &general { li { @if !e.path.is_empty() { bdi { (e.path) } ": " } (e.message.get(sl)) } } } }
        form.intake method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(v.session.csrf);
            @if let Some(a) = view { input type="hidden" name="revision" value=(a.application.revision); }
            @for section in &sp.form.sections {
                fieldset {
                    legend { (section.label.get(sl)) }
                    @for f in &section.fields {
                        @let path = format!("{}.{}", section.id, f.id);
                        @if f.ty == FieldType::Group {
                            @let given = answers.pointer(&format!("/{}/{}", section.id, f.id)).and_then(Json::as_array).cloned().unwrap_or_default();
                            @let rows = (given.len() + extra_rows).max(1);
                            input type="hidden" name="rows" value=(rows.saturating_sub(given.len()));
                            table.members {
                                caption { (f.label.get(sl)) @if let Some(e) = error_at(issues, &path) { " — " span.field-error { (e.message.get(sl)) } } }
                                thead { tr { @for sub in &f.fields { th scope="col" { (sub.label.get(sl)) } } } }
                                tbody { @for i in 0..rows { tr {
                                    @for sub in &f.fields {
                                        @let name = format!("{path}.{i}.{}", sub.id);
                                        @let at = format!("{path}[{i}].{}", sub.id);
                                        @let aria = lang.tf("sp-member-field", &[("field", sub.label.get(sl)), ("n", &(i + 1).to_string())]);
                                        td { (input(lang, sub, &name, given.get(i).and_then(|m| m.get(&sub.id)).unwrap_or(&Json::Null), error_at(issues, &at), Some(&aria))) }
                                    }
                                } } }
                            }
                            button type="submit" name="action" value="add_member" { (lang.t("sp-add-member")) }
                        } @else {
                            div.field {
                                label for=(path.replace('.', "-")) { (f.label.get(sl)) @if f.required { " *" } }
                                (input(lang, f, &path, answers.pointer(&format!("/{}/{}", section.id, f.id)).unwrap_or(&Json::Null), error_at(issues, &path), None))
                            }
                        }
                    }
                }
            }
            p {
                button type="submit" name="action" value="save" { (lang.t("sp-save")) }
                " "
                button type="submit" name="action" value="submit" { (lang.t("sp-submit")) }
            }
        }
    };
    let crumbs = [
        (door.home_label(lang), Some(door.home().to_owned())),
        (title.clone(), None),
    ];
    Html(door.frame(s, v, &title, &crumbs, body).into_string())
}

fn submitted(s: &AppState, v: &Visit, door: Door, view: &ApplicationView) -> Html<String> {
    let lang = v.lang;
    let sl = sp_lang(lang);
    let sp = s.app.social_registry();
    let a = &view.application;
    let title = format!(
        "{} {}",
        lang.t("sp-application"),
        a.external_ref.clone().unwrap_or_else(|| a.id.clone())
    );
    let body = html! {
        p { (lang.t("sp-col-status")) ": " strong { (lang.t(&format!("sp-status-{}", a.status))) } " · " (lang.t("sp-col-household")) ": " bdi { (a.household) } }
        @if let Some(ver) = &view.verification {
            section #verification {
                h2 { (lang.t("sp-verification")) }
                p {
                    (lang.ta("sp-members-verified", &[("count", (ver.members_verified as usize).into())]))
                    " · " (lang.t("sp-formal-income")) ": " bdi { (format!("{:.3}", ver.formal_income_fils as f64 / 1000.0)) }
                    " · " (lang.datetime(ver.verified_at_ms, &s.portal.time_zone))
                }
                @if ver.discrepancies.is_empty() { p { (lang.t("sp-no-discrepancy")) } }
                @else {
                    table {
                        caption { (lang.t("sp-discrepancies")) }
                        thead { tr {
                            th scope="col" { (lang.t("sp-col-finding")) }
                            th scope="col" { (lang.t("sp-col-member")) }
                            th scope="col" { (lang.t("sp-col-source")) }
                            th scope="col" { (lang.t("sp-col-records")) }
                            th scope="col" { (lang.t("sp-col-declared")) }
                            th scope="col" { (lang.t("sp-col-registry")) }
                            th scope="col" { (lang.t("sp-col-as-of")) }
                        } }
                        tbody { @for d in &ver.discrepancies { tr {
                            td { (if lang == Lang::Ar { &d.message_ar } else { &d.message_en }) }
                            td { bdi { (d.national_number.clone().unwrap_or_default()) } }
                            td { bdi { (d.source_table) } " " small { (s.catalog.table(&d.source_table).map(|t| if lang == Lang::Ar { t.label_ar.clone() } else { t.label_en.clone() }).unwrap_or_default()) } }
                            td { bdi { (serde_json::from_str::<Vec<String>>(&d.record_keys).unwrap_or_default().join(", ")) } }
                            td { bdi { (d.declared) } }
                            td { bdi { (d.registry) } }
                            td { (d.as_of_ms.map(|t| lang.datetime(t, &s.portal.time_zone)).unwrap_or_default()) }
                        } } }
                    }
                }
            }
        }
        section #answers {
            h2 { (lang.t("sp-answers")) }
            @for section in &sp.form.sections {
                h3 { (section.label.get(sl)) }
                table.record { tbody {
                    @for f in section.fields.iter().filter(|f| f.ty != FieldType::Group) {
                        @if let Some(val) = view.answers.pointer(&format!("/{}/{}", section.id, f.id)) {
                            tr { th scope="row" { (f.label.get(sl)) } td { bdi { (shown(lang, f, val)) } } }
                        }
                    }
                } }
                @for f in section.fields.iter().filter(|f| f.ty == FieldType::Group) {
                    @let items = view.answers.pointer(&format!("/{}/{}", section.id, f.id)).and_then(Json::as_array).cloned().unwrap_or_default();
                    table {
                        caption { (f.label.get(sl)) }
                        thead { tr { @for sub in &f.fields { th scope="col" { (sub.label.get(sl)) } } } }
                        tbody { @for m in &items { tr { @for sub in &f.fields { td { bdi { (m.get(&sub.id).map(|x| shown(lang, sub, x)).unwrap_or_default()) } } } } } }
                    }
                }
            }
        }
    };
    let crumbs = [
        (door.home_label(lang), Some(door.home().to_owned())),
        (title.clone(), None),
    ];
    Html(door.frame(s, v, &title, &crumbs, body).into_string())
}

/// An answer as a person reads it: a choice by its label, yes or no.
fn shown(lang: Lang, f: &Field, v: &Json) -> String {
    let sl = sp_lang(lang);
    match (f.ty, v) {
        (FieldType::Boolean, Json::Bool(true)) => lang.t("sp-yes"),
        (FieldType::Boolean, Json::Bool(false)) => lang.t("sp-no"),
        (FieldType::Choice, Json::String(s)) => f
            .options
            .iter()
            .find(|o| &o.value == s)
            .map(|o| o.label.get(sl).to_owned())
            .unwrap_or_else(|| s.clone()),
        _ => text(v),
    }
}
