//! The social registry's programs and targeting in the portal: the programs, one program
//! (its rules in both languages and in CEL, its versions, its newest run with charts,
//! a simulation form, an editor whose Count shows how many households the edited rules
//! admit now, draft and publish), a run with its ranked households, and a household's
//! decisions explained. Charts are SVG drawn here (no script). The rules are `nur-app`'s.

use super::i18n::Lang;
use super::reasons::refusal;
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::{HouseholdDecisions, TargetOutcome, TargetPlan};
use nur_sp::target::{Cover, Summary};
use serde::Deserialize;
use serde_json::Value as Json;

/// An amount in fils as JOD: whole dinars as such, otherwise with the three decimals.
fn fils(lang: Lang, f: i64) -> String {
    let jod = if f % 1000 == 0 {
        lang.number(f / 1000)
    } else {
        format!(
            "{}{}{}",
            lang.number(f / 1000),
            if lang == Lang::Ar { "\u{066B}" } else { "." },
            lang.digits(&format!("{:03}", (f % 1000).abs()))
        )
    };
    format!("{jod} {}", lang.t("sp-jod"))
}

fn governorate(s: &AppState, lang: Lang, code: &str) -> String {
    if code.is_empty() {
        return lang.t("sp-unknown");
    }
    s.catalog
        .geography
        .governorates
        .iter()
        .find(|g| g.code == code)
        .map(|g| {
            if lang == Lang::Ar {
                g.name_ar.clone()
            } else {
                g.name_en.clone()
            }
        })
        .unwrap_or_else(|| code.to_owned())
}

fn pct(lang: Lang, x: f64) -> String {
    lang.digits(&format!("{:.1}%", x * 100.0))
}

fn label(def: &Json, path: &str, lang: Lang) -> String {
    def.pointer(&format!("{path}/{}", lang.code()))
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned()
}

/// A horizontal bar chart: one bar per item (the share selected of its households), the
/// figures written beside each bar so the chart reads without colour.
fn bars(lang: Lang, title: &str, items: &[(String, &Cover)]) -> Markup {
    let row = 22;
    let height = row * items.len() as i64 + 8;
    let max = items
        .iter()
        .map(|(_, c)| share(c))
        .fold(0.0f64, f64::max)
        .max(0.01);
    html! {
        figure.chart {
            figcaption { (title) }
            // Drawn left to right in both languages (an inherited right-to-left direction
            // would move every label onto its bar); the Arabic labels still read right to left.
            svg role="img" aria-label=(title) direction="ltr" viewBox=(format!("0 0 520 {height}")) width="520" height=(height) {
                @for (i, (name, c)) in items.iter().enumerate() {
                    @let y = 4 + row * i as i64;
                    @let w = (share(c) / max * 300.0).round() as i64;
                    text x="0" y=(y + 15) font-size="12" { (name) }
                    rect x="110" y=(y + 3) width=(w.max(1)) height="14" fill="#2f6f8f" {}
                    text x=(116 + w) y=(y + 15) font-size="12" {
                        (format!("{} / {} ({})", lang.number(c.selected as i64), lang.number(c.households as i64), pct(lang, share(c))))
                    }
                }
            }
        }
    }
}

fn share(c: &Cover) -> f64 {
    if c.households == 0 {
        0.0
    } else {
        c.selected as f64 / c.households as f64
    }
}

fn summary_block(s: &AppState, lang: Lang, summary: &Summary) -> Markup {
    let govs: Vec<(String, &Cover)> = summary
        .by_governorate
        .iter()
        .map(|(g, c)| (governorate(s, lang, g), c))
        .collect();
    let sexes: Vec<(String, &Cover)> = summary
        .by_head_sex
        .iter()
        .map(|(k, c)| (lang.t(&format!("sp-head-{k}")), c))
        .collect();
    let deciles: Vec<(String, &Cover)> = summary
        .by_decile
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                lang.tf("sp-decile", &[("n", &lang.digits(&(i + 1).to_string()))]),
                c,
            )
        })
        .collect();
    html! {
        dl.summary {
            dt { (lang.t("sp-selected")) } dd { (lang.number(summary.selected as i64)) " / " (lang.number(summary.eligible as i64)) " " (lang.t("sp-eligible-households")) }
            dt { (lang.t("sp-individuals")) } dd { (lang.number(summary.individuals as i64)) }
            dt { (lang.t("sp-cost")) } dd { (fils(lang, summary.cost_fils)) }
            dt { (lang.t("sp-stopped-by")) } dd { (lang.t(&format!("sp-stopped-{}", summary.stopped_by))) }
            @if let Some(c) = summary.cutoff {
                dt { (lang.t("sp-cutoff")) } dd { (lang.digits(&format!("{c:.4}"))) " (" (lang.digits(&format!("{:.1}", c.exp()))) " " (lang.t("sp-jod-pc")) ")" }
            }
            @if let Some(e) = &summary.errors {
                dt { (lang.t("sp-inclusion-error")) } dd { (pct(lang, e.inclusion)) }
                dt { (lang.t("sp-exclusion-error")) } dd { (pct(lang, e.exclusion)) " " (lang.tf("sp-truth-of", &[("n", &lang.number(e.truth_known as i64))])) }
            }
        }
        div.charts {
            (bars(lang, &lang.t("sp-by-governorate"), &govs))
            (bars(lang, &lang.t("sp-by-head-sex"), &sexes))
            (bars(lang, &lang.t("sp-by-decile"), &deciles))
        }
    }
}

fn error_page(s: &AppState, v: &Visit, title: &str, path: &str, e: &nur_app::AppError) -> Response {
    let body = html! { p.flash.error role="alert" { (refusal(s, v.lang, e)) } };
    Html(layout::page(s, v, title, path, &[(title.to_owned(), None)], body).into_string())
        .into_response()
}

fn crumbs(lang: Lang, more: &[(String, Option<String>)]) -> Vec<(String, Option<String>)> {
    layout::sp_crumbs(lang, "sp-programs", "/sp/programs", more)
}

/// The programs.
pub async fn programs(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let got = blocking(move || {
        Ok(st.app.programs(&caller).map(|list| {
            let runs = st.app.runs(&caller, None, 200).unwrap_or_default();
            (list, runs)
        }))
    })
    .await?;
    let title = lang.t("sp-programs");
    let (list, runs) = match got {
        Ok(x) => x,
        Err(e) => return Ok(error_page(&s, &v, &title, "/sp/programs", &e)),
    };
    let body = html! {
        p { (lang.t("sp-programs-intro")) " " a.button href="/sp/programs/new" { (lang.t("sp-new-program")) } }
        table {
            caption { (lang.t("sp-programs")) }
            thead { tr {
                th scope="col" { (lang.t("sp-col-program")) }
                th scope="col" { (lang.t("sp-col-owner")) }
                th scope="col" { (lang.t("sp-col-version")) }
                th scope="col" { (lang.t("sp-col-latest-run")) }
            } }
            tbody { @for p in &list {
                @let run = runs.iter().find(|r| r.program == p.code);
                tr {
                    td { a href=(format!("/sp/programs/{}", p.code)) { bdi { (p.code) } } " — " (if lang == Lang::Ar { &p.name_ar } else { &p.name_en }) }
                    td { bdi { (p.owner) } }
                    td { (p.published.map(|v| format!("v{v}")).unwrap_or_else(|| "—".into()))
                        @if p.published != Some(p.latest) { " " span.badge { (lang.tf("sp-draft-version", &[("v", &p.latest.to_string())])) } } }
                    td { @match run {
                        Some(r) => {
                            @let sum: Option<Summary> = serde_json::from_str(&r.summary).ok();
                            a href=(format!("/sp/runs/{}", r.id)) { (lang.datetime(r.created_at_ms, &s.portal.time_zone)) }
                            @if let Some(sum) = sum { " — " (lang.number(sum.selected as i64)) " / " (lang.number(sum.eligible as i64)) }
                        }
                        None => { (lang.t("sp-no-run")) }
                    } }
                }
            } }
        }
    };
    Ok(
        Html(layout::page(&s, &v, &title, "/sp/programs", &crumbs(lang, &[]), body).into_string())
            .into_response(),
    )
}

/// A new program (or a new version of one, under an existing code), from its definition.
pub async fn new_program(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    Ok(new_page(&s, &v, TEMPLATE, None))
}

/// A starting definition: every field a program has, to be edited.
const TEMPLATE: &str = r#"{
  "code": "NEW",
  "name": {"ar": "برنامج جديد", "en": "New program"},
  "owner": "NAF",
  "target_group": {"ar": "الأسر الفقيرة", "en": "Poor households"},
  "inclusion": [
    {"name": "under_the_line", "rule": "score.poor",
     "label": {"ar": "الاستهلاك المتوقع للفرد دون خط الفقر", "en": "Predicted consumption per person under the poverty line"}}
  ],
  "exclusion": [],
  "benefit": "20000",
  "quota": 1000
}"#;

fn new_page(s: &AppState, v: &Visit, text: &str, error: Option<&nur_app::AppError>) -> Response {
    let lang = v.lang;
    let title = lang.t("sp-new-program");
    let body = html! {
        @if let Some(e) = error { p.flash.error role="alert" { (refusal(s, lang, e)) } }
        p { (lang.t("sp-new-program-intro")) }
        form method="post" action="/sp/programs" {
            input type="hidden" name="csrf" value=(v.session.csrf);
            label for="definition" { (lang.t("sp-definition")) }
            textarea #definition name="definition" rows="24" cols="100" dir="ltr" spellcheck="false" { (text) }
            p { button type="submit" { (lang.t("sp-save-draft")) } }
        }
    };
    Html(
        layout::page(
            s,
            v,
            &title,
            "/sp/programs/new",
            &crumbs(lang, &[(title.clone(), None)]),
            body,
        )
        .into_string(),
    )
    .into_response()
}

/// Saves a definition typed in as a draft; refused, the text is shown again as typed.
pub async fn save_new(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let text = v.field("definition").unwrap_or("").to_owned();
    let caller = v.caller();
    let st = s.clone();
    let t = text.clone();
    let saved = blocking(move || Ok(st.app.save_program(&caller, &t, false))).await?;
    Ok(match saved {
        Ok((code, version)) => {
            Redirect::to(&format!("/sp/programs/{code}?version={version}")).into_response()
        }
        Err(e) => new_page(&s, &v, &text, Some(&e)),
    })
}

#[derive(Deserialize)]
pub struct VersionQuery {
    version: Option<i64>,
}

/// One program: definition, versions, newest run, simulation and editing.
pub async fn program(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(code): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, ApiError> {
    program_page(s, v, code, q.version, None, None).await
}

async fn program_page(
    s: AppState,
    v: Visit,
    code: String,
    version: Option<i64>,
    outcome: Option<Result<TargetOutcome, nur_app::AppError>>,
    edited: Option<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let c = code.clone();
    let got = blocking(move || {
        Ok(st.app.program(&caller, &c, version).map(|(row, versions)| {
            let run = st
                .app
                .runs(&caller, Some(&c), 1)
                .ok()
                .and_then(|r| r.into_iter().next());
            (row, versions, run)
        }))
    })
    .await?;
    let title = format!("{} — {code}", lang.t("sp-program"));
    let here = format!("/sp/programs/{code}");
    let (row, versions, run) = match got {
        Ok(x) => x,
        Err(e) => return Ok(error_page(&s, &v, &title, &here, &e)),
    };
    let def: Json = serde_json::from_str(&row.definition).unwrap_or_default();
    let rules = |kind: &str| {
        def.get(kind)
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let value_of = |name: &str, original: &str| -> String {
        edited
            .as_ref()
            .and_then(|e| e.iter().find(|(n, _)| n == name).map(|(_, r)| r.clone()))
            .unwrap_or_else(|| original.to_owned())
    };
    let csrf = v.session.csrf.clone();
    let body = html! {
        h2 { (label(&def, "/name", lang)) }
        p { (label(&def, "/target_group", lang)) }
        dl.summary {
            dt { (lang.t("sp-col-owner")) } dd { bdi { (row.owner) } }
            dt { (lang.t("sp-col-version")) } dd { "v" (row.version) " — " (lang.t(&format!("sp-version-{}", row.status))) }
            dt { (lang.t("sp-benefit")) } dd { code { (def["benefit"].as_str().unwrap_or("")) } " " (lang.t("sp-fils")) }
            @if let Some(q) = def["quota"].as_i64() { dt { (lang.t("sp-quota")) } dd { (lang.number(q)) } }
            @if let Some(q) = def["quota_share"].as_f64() { dt { (lang.t("sp-quota-share")) } dd { (pct(lang, q)) } }
            @if let Some(b) = def["budget_fils"].as_i64() { dt { (lang.t("sp-budget")) } dd { (fils(lang, b)) } }
        }
        @if row.status == "draft" {
            form method="post" action=(format!("/sp/programs/{code}/publish")) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="version" value=(row.version);
                button type="submit" { (lang.tf("sp-publish-version", &[("v", &row.version.to_string())])) }
            }
        }
        h3 { (lang.t("sp-rules")) }
        form method="post" action=(format!("/sp/programs/{code}/edit")) {
            input type="hidden" name="csrf" value=(csrf);
            table {
                caption { (lang.t("sp-rules-caption")) }
                thead { tr {
                    th scope="col" { (lang.t("sp-col-kind")) }
                    th scope="col" { (lang.t("sp-col-rule")) }
                    th scope="col" { (lang.t("sp-col-cel")) }
                } }
                tbody {
                    @for (kind, list) in [("inclusion", rules("inclusion")), ("exclusion", rules("exclusion"))] {
                        @for r in &list {
                            @let name = r["name"].as_str().unwrap_or("");
                            tr {
                                td { (lang.t(&format!("sp-rule-{kind}"))) }
                                td { (label(r, "/label", lang)) }
                                td { input type="text" size="60" dir="ltr" name=(format!("rule.{name}")) aria-label=(label(r, "/label", lang)) value=(value_of(name, r["rule"].as_str().unwrap_or(""))); }
                            }
                        }
                    }
                    tr {
                        td { (lang.t("sp-benefit")) }
                        td { (lang.t("sp-fils")) }
                        td { input type="text" size="60" dir="ltr" name="rule.benefit" aria-label=(lang.t("sp-benefit")) value=(value_of("benefit", def["benefit"].as_str().unwrap_or(""))); }
                    }
                }
            }
            p {
                button type="submit" name="action" value="count" { (lang.t("sp-count")) } " "
                button type="submit" name="action" value="save" { (lang.t("sp-save-draft")) }
            }
        }
        @if let Some(Ok(o)) = &outcome {
            @if o.run.is_none() {
                section aria-labelledby="sim" {
                    h3 #sim { (lang.t("sp-simulation")) }
                    p.flash role="status" { (lang.ta("sp-would-admit", &[("n", super::i18n::Arg::Number(o.summary.eligible as i64))])) " " (lang.tf("sp-errors-count", &[("n", &lang.number(o.errors as i64))])) }
                    (summary_block(&s, lang, &o.summary))
                }
            }
        }
        @if let Some(Err(e)) = &outcome { p.flash.error role="alert" { (refusal(&s, lang, e)) } }
        h3 { (lang.t("sp-simulate")) }
        form method="post" action=(format!("/sp/programs/{code}/simulate")) {
            input type="hidden" name="csrf" value=(csrf);
            label { (lang.t("sp-quota")) " " input type="number" min="0" name="quota"; } " "
            label { (lang.t("sp-budget-jod")) " " input type="number" min="0" name="budget_jod"; } " "
            details {
                summary { (lang.t("sp-governorate-quotas")) }
                @for g in &s.catalog.geography.governorates {
                    label { (if lang == Lang::Ar { &g.name_ar } else { &g.name_en }) " " input type="number" min="0" name=(format!("gq.{}", g.code)); } " "
                }
            }
            button type="submit" name="action" value="simulate" { (lang.t("sp-simulate-button")) } " "
            button type="submit" name="action" value="run" { (lang.t("sp-run-button")) }
        }
        @if let Some(r) = &run {
            @let sum: Option<Summary> = serde_json::from_str(&r.summary).ok();
            section aria-labelledby="latest" {
                h3 #latest { (lang.t("sp-latest-run")) " " a href=(format!("/sp/runs/{}", r.id)) { bdi { (r.id) } } }
                p { (lang.tf("sp-run-meta", &[("program", &format!("v{}", r.program_version)), ("model", &format!("v{}", r.model_version)), ("at", &lang.datetime(r.facts_as_of_ms, &s.portal.time_zone))])) }
                @if let Some(sum) = sum { (summary_block(&s, lang, &sum)) }
            }
        }
        h3 { (lang.t("sp-versions")) }
        ul { @for ver in versions.iter().rev() {
            li { a href=(format!("/sp/programs/{code}?version={}", ver.version)) { "v" (ver.version) } " — " (lang.t(&format!("sp-version-{}", ver.status))) ", " (ver.created_by) ", " (lang.datetime(ver.created_at_ms, &s.portal.time_zone)) }
        } }
    };
    Ok(Html(
        layout::page(
            &s,
            &v,
            &title,
            &here,
            &crumbs(lang, &[(code.clone(), None)]),
            body,
        )
        .into_string(),
    )
    .into_response())
}

fn edited_rules(v: &Visit) -> Vec<(String, String)> {
    v.form
        .iter()
        .filter_map(|(k, val)| {
            k.strip_prefix("rule.")
                .map(|n| (n.to_owned(), val.trim().to_owned()))
        })
        .collect()
}

/// The editor: Count (a simulation with the edited rules: how many it admits now) or save
/// the edited rules as a new draft version.
pub async fn edit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let edited = edited_rules(&v);
    let action = v.field("action").unwrap_or("count").to_owned();
    let caller = v.caller();
    let st = s.clone();
    let c = code.clone();
    let e = edited.clone();
    if action == "save" {
        let saved = blocking(move || {
            Ok(st.app.program(&caller, &c, None).and_then(|(row, _)| {
                let mut def: Json =
                    serde_json::from_str(&row.definition).map_err(nur_app::AppError::internal)?;
                for (name, rule) in &e {
                    if name == "benefit" {
                        def["benefit"] = Json::from(rule.as_str());
                    }
                    for kind in ["inclusion", "exclusion"] {
                        if let Some(list) = def.get_mut(kind).and_then(Json::as_array_mut) {
                            for r in list.iter_mut().filter(|r| r["name"].as_str() == Some(name)) {
                                r["rule"] = Json::from(rule.as_str());
                            }
                        }
                    }
                }
                st.app.save_program(&caller, &def.to_string(), false)
            }))
        })
        .await?;
        return match saved {
            Ok((code, version)) => {
                Ok(Redirect::to(&format!("/sp/programs/{code}?version={version}")).into_response())
            }
            Err(err) => program_page(s, v, code, None, Some(Err(err)), Some(edited)).await,
        };
    }
    let set: Vec<(String, String)> = edited;
    let plan = TargetPlan {
        simulate: true,
        set: set.clone(),
        ..Default::default()
    };
    let out =
        blocking(move || Ok(st.app.target(&caller, &[c], &plan).map(|mut o| o.remove(0)))).await?;
    program_page(s, v, code, None, Some(out), Some(set)).await
}

/// Simulate with a changed quota or budget, or run (store) the targeting.
pub async fn simulate(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let num = |k: &str| {
        v.field(k)
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|x| x.parse::<i64>())
    };
    let quota = num("quota");
    let budget = num("budget_jod");
    let bad = |what: &str| {
        nur_app::AppError::invalid("negative", format!("{what} is not a whole number"))
    };
    let outcome = match (quota, budget) {
        (Some(Err(_)), _) => Err(bad("the quota")),
        (_, Some(Err(_))) => Err(bad("the budget")),
        (q, b) => Ok((
            q.and_then(Result::ok),
            b.and_then(Result::ok).map(|j| j.saturating_mul(1000)),
        )),
    };
    let run = v.field("action") == Some("run");
    let mut governorate_quotas = std::collections::BTreeMap::new();
    let mut outcome = outcome;
    for (k, val) in &v.form {
        let (Some(g), false) = (k.strip_prefix("gq."), val.trim().is_empty()) else {
            continue;
        };
        match val.trim().parse::<i64>() {
            Ok(q) => {
                governorate_quotas.insert(g.to_owned(), q);
            }
            Err(_) => outcome = Err(bad("a governorate's quota")),
        }
    }
    let caller = v.caller();
    let st = s.clone();
    let c = code.clone();
    let out = match outcome {
        Err(e) => Err(e),
        Ok((quota, budget_fils)) => {
            let plan = TargetPlan {
                simulate: !run,
                quota,
                budget_fils,
                governorate_quotas,
                ..Default::default()
            };
            blocking(move || Ok(st.app.target(&caller, &[c], &plan).map(|mut o| o.remove(0))))
                .await?
        }
    };
    match out {
        Ok(o) if o.run.is_some() => {
            Ok(Redirect::to(&format!("/sp/runs/{}", o.run.unwrap_or_default())).into_response())
        }
        other => program_page(s, v, code, None, Some(other), None).await,
    }
}

/// Publishes a draft version.
pub async fn publish(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let version = v
        .field("version")
        .and_then(|x| x.parse::<i64>().ok())
        .unwrap_or(0);
    let caller = v.caller();
    let st = s.clone();
    let c = code.clone();
    let done = blocking(move || Ok(st.app.publish_program(&caller, &c, version))).await?;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/sp/programs/{code}")).into_response()),
        Err(e) => program_page(s, v, code, Some(version), Some(Err(e)), None).await,
    }
}

#[derive(Deserialize)]
pub struct FromQuery {
    from: Option<i64>,
}

const PAGE: i64 = 50;

/// A run: its summary and charts, and its ranked households a page at a time (by rank, so
/// paging reads the stored ranking and never re-runs anything).
pub async fn run(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
    Query(q): Query<FromQuery>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let from = q.from.unwrap_or(1).max(1);
    let i = id.clone();
    let got = blocking(move || Ok(st.app.run(&caller, &i, from, PAGE))).await?;
    let title = lang.t("sp-run");
    let here = format!("/sp/runs/{id}");
    let (run, summary, entries) = match got {
        Ok(x) => x,
        Err(e) => return Ok(error_page(&s, &v, &title, &here, &e)),
    };
    let body = html! {
        p { (lang.tf("sp-run-meta", &[("program", &format!("{} v{}", run.program, run.program_version)), ("model", &format!("v{}", run.model_version)), ("at", &lang.datetime(run.facts_as_of_ms, &s.portal.time_zone))])) " " (lang.tf("sp-run-by", &[("by", &run.created_by), ("at", &lang.datetime(run.created_at_ms, &s.portal.time_zone))])) }
        (summary_block(&s, lang, &summary))
        table {
            caption { (lang.t("sp-ranked")) }
            thead { tr {
                th scope="col" { (lang.t("sp-col-rank")) }
                th scope="col" { (lang.t("sp-col-household")) }
                th scope="col" { (lang.t("sp-col-score")) }
                th scope="col" { (lang.t("sp-col-members")) }
                th scope="col" { (lang.t("sp-col-governorate")) }
                th scope="col" { (lang.t("sp-col-benefit")) }
                th scope="col" { (lang.t("sp-col-selected")) }
            } }
            tbody { @for e in &entries { tr {
                td { (lang.number(e.rank)) }
                td { a href=(format!("/sp/households/{}/decisions", e.household)) { bdi { (e.household) } } }
                td { (lang.digits(&format!("{:.3}", e.score_micro as f64 / 1e6))) }
                td { (lang.number(e.members)) }
                td { (governorate(&s, lang, &e.governorate)) }
                td { (fils(lang, e.benefit_fils)) }
                td { (lang.t(if e.selected { "sp-yes" } else { "sp-waitlisted" })) }
            } } }
        }
        nav aria-label=(lang.t("sp-pages")) {
            @if from > 1 { a href=(format!("/sp/runs/{id}?from={}", (from - PAGE).max(1))) { (lang.t("sp-previous")) } " " }
            @if entries.len() as i64 == PAGE { a href=(format!("/sp/runs/{id}?from={}", from + PAGE)) { (lang.t("sp-next")) } }
        }
    };
    Ok(Html(
        layout::page(
            &s,
            &v,
            &title,
            &here,
            &crumbs(
                lang,
                &[
                    (
                        run.program.clone(),
                        Some(format!("/sp/programs/{}", run.program)),
                    ),
                    (id.clone(), None),
                ],
            ),
            body,
        )
        .into_string(),
    )
    .into_response())
}

/// A household's decisions, explained, each with the caseworker's appeal form; and the
/// household's appeals.
pub async fn decisions(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    decisions_page(s, v, id, None).await
}

/// The decisions page; `refused`: an appeal against one program's decision was refused (the
/// reason typed is shown again in its form).
pub(super) async fn decisions_page(
    s: AppState,
    v: Visit,
    id: String,
    refused: Option<(String, nur_app::AppError)>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let h = id.clone();
    let got = blocking(move || {
        Ok(st.app.decisions(&caller, &h).map(|d| {
            let appeals = st
                .app
                .appeals(&caller, nur_store::AppealFilter::Household(&h))
                .unwrap_or_default();
            (d, appeals)
        }))
    })
    .await?;
    let title = lang.t("sp-decisions");
    let here = format!("/sp/households/{id}/decisions");
    let (d, appeals) = match got {
        Ok(d) => d,
        Err(e) => return Ok(error_page(&s, &v, &title, &here, &e)),
    };
    let action = format!("/sp/households/{id}/appeals");
    let typed = v.field("reason").unwrap_or("");
    let form = |p: &nur_app::ProgramDecision| {
        let mine = refused.as_ref().filter(|(code, _)| *code == p.code);
        super::appeals::appeal_form(&s, &v, &action, p, &appeals, mine.map(|(_, e)| (typed, e)))
    };
    let zone = &s.portal.time_zone;
    let body = html! {
        @if let Some((code, e)) = &refused {
            @if !d.programs.iter().any(|p| p.code == *code) { (super::words::refusal(&s, lang, e, true)) }
        }
        (explanation(&s, lang, &d, &form, true))
        @if !appeals.is_empty() {
            section aria-labelledby="appeals" {
                h2 #appeals { (lang.t("sp-appeals")) }
                ul { @for a in &appeals { li {
                    a href=(format!("/sp/appeals/{}", a.id)) { bdi { (a.id) } } " — " bdi { (a.program) } (super::words::comma(lang))
                    (lang.t(&format!("sp-appeal-state-{}", a.state))) (super::words::comma(lang)) (lang.datetime(a.submitted_at_ms, zone))
                } } }
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

/// The explanation of every decision about a household (shared with the citizen's page),
/// `appeal` giving what follows each program's decision (the appeal form).
pub(crate) fn explanation(
    s: &AppState,
    lang: Lang,
    d: &HouseholdDecisions,
    appeal: &dyn Fn(&nur_app::ProgramDecision) -> Markup,
    officer: bool,
) -> Markup {
    let total: f64 = d.terms.iter().map(|t| t.contribution).sum();
    html! {
        p { (lang.tf("sp-household-of", &[("id", &d.household)])) " " (lang.t(if d.applied { "sp-applied" } else { "sp-not-applied" })) }
        section aria-labelledby="score" {
            h2 #score { (lang.t("sp-score")) }
            @match (d.score, d.consumption_pc_jod, d.poverty_line_jod) {
                (Some(sc), Some(c), Some(line)) => {
                    p { (lang.tf("sp-score-is", &[("score", &lang.digits(&format!("{sc:.4}"))), ("jod", &lang.digits(&format!("{c:.1}"))), ("line", &lang.digits(&format!("{line:.0}")))])) " "
                        (lang.tf("sp-model-variant", &[("v", &d.model_version.map(|v| v.to_string()).unwrap_or_default()), ("variant", &d.variant.as_deref().map(|k| lang.t(&format!("sp-variant-{k}"))).unwrap_or_default())])) }
                    table #contributions {
                        caption { (lang.t("sp-contributions")) }
                        thead { tr { th scope="col" { (lang.t("sp-col-term")) } th scope="col" { (lang.t("sp-col-value")) } th scope="col" { (lang.t("sp-col-contribution")) } } }
                        tbody { @for t in &d.terms { tr {
                            td { bdi dir="ltr" { (t.term) } }
                            td { (lang.digits(&format!("{:.3}", t.value))) }
                            td { (lang.digits(&format!("{:+.4}", t.contribution))) }
                        } } }
                        tfoot { tr { th scope="row" colspan="2" { (lang.t("sp-total")) } td { (lang.digits(&format!("{total:.4}"))) } } }
                    }
                }
                _ => { p.flash.error { (lang.t("sp-no-score")) " " (d.score_error.clone().unwrap_or_default()) } }
            }
        }
        section aria-labelledby="progs" {
            h2 #progs { (lang.t("sp-programs")) }
            @for p in &d.programs {
                article id=(format!("prog-{}", p.code)) {
                    h3 { (if lang == Lang::Ar { &p.name_ar } else { &p.name_en }) " (" bdi { (p.code) } " v" (p.program_version) ")" }
                    p { strong { (lang.t(&format!("sp-state-{}", p.state))) }
                        @if let Some(r) = p.rank { " — " (lang.tf("sp-rank-of", &[("rank", &lang.number(r)), ("eligible", &lang.number(p.eligible_in_run as i64)), ("selected", &lang.number(p.selected_in_run as i64))])) }
                        @if let Some(c) = p.cutoff { " " (lang.tf("sp-cutoff-is", &[("c", &lang.digits(&format!("{c:.4}")))])) }
                        @if let Some(b) = p.benefit_fils { " " (lang.tf("sp-benefit-is", &[("b", &fils(lang, b))])) } }
                    table {
                        caption { (lang.t("sp-rule-outcomes")) }
                        thead { tr { th scope="col" { (lang.t("sp-col-kind")) } th scope="col" { (lang.t("sp-col-rule")) } th scope="col" { (lang.t("sp-col-outcome")) } } }
                        tbody { @for r in &p.rules { tr {
                            td { (lang.t(match r.kind { nur_sp::program::RuleKind::Inclusion => "sp-rule-inclusion", nur_sp::program::RuleKind::Exclusion => "sp-rule-exclusion" })) }
                            td { (if lang == Lang::Ar { &r.label_ar } else { &r.label_en }) br; code dir="ltr" { (r.rule) } }
                            td { @match &r.outcome {
                                nur_sp::program::Outcome::Holds => { (lang.t("sp-holds")) }
                                nur_sp::program::Outcome::Fails => { (lang.t("sp-fails")) }
                                // The engine's words are for the officers who mend the rule, not for the citizen.
                                nur_sp::program::Outcome::Error(e) => { (lang.t("sp-undecided")) ": " (lang.t("sp-rule-unevaluable")) @if officer { " " code { (e) } } }
                            } }
                        } } }
                    }
                    @if !p.changes.is_empty() {
                        ul { @for c in &p.changes { li { (lang.datetime(c.decided_at_ms, &s.portal.time_zone)) ": " (lang.t(&format!("sp-state-{}", c.previous))) " → " (lang.t(&format!("sp-state-{}", c.state))) " — " (c.cause) } } }
                    }
                    (appeal(p))
                }
            }
        }
        section aria-labelledby="used" {
            h2 #used { (lang.t("sp-registry-facts")) }
            p { (lang.tf("sp-facts-as-of", &[("at", &d.facts_as_of_ms.map(|t| lang.datetime(t, &s.portal.time_zone)).unwrap_or_default())])) }
            table {
                caption { (lang.t("sp-registry-facts")) }
                thead { tr { th scope="col" { (lang.t("sp-col-fact")) } th scope="col" { (lang.t("sp-col-source")) } th scope="col" { (lang.t("sp-col-value")) } } }
                tbody { @for i in &d.inputs { tr {
                    td { (if lang == Lang::Ar { &i.label_ar } else { &i.label_en }) }
                    td { bdi { (i.table) } }
                    td { @match &i.value {
                        Json::Bool(b) => { (lang.t(if *b { "sp-yes" } else { "sp-no" })) }
                        other => { (super::intake::text(other)) }
                    } }
                } } }
            }
        }
    }
}
