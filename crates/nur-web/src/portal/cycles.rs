//! Payment cycles in the portal: the list with the form that prepares one, and a cycle's
//! dashboard — its households, persons and amounts; charts by governorate, by the head's sex,
//! of the turnover since the cycle before and of the payments by status; the households per
//! membership state, listed a page at a time; approval, closing, and a caseworker's change of
//! one household of a draft. Payment files, status reports and the figures as CSV are
//! `cycle_files`. The rules are `nur-app`'s (`App::create_cycle`, `App::approve_cycle`, …).

use super::charts::{bars, Bar};
use super::i18n::Lang;
use super::words::{governorate, member_reason, money, refusal};
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::{AppError, CycleView, Reconciled};
use nur_sp::cycle::Membership;
use nur_store::MemberRow;
use serde::Deserialize;
use serde_json::Value as Json;

/// Households listed per page of a cycle's members.
const PAGE: usize = 100;

/// What a dashboard shows above its figures.
pub(super) enum Notice {
    None,
    /// A step done, named by the redirect that followed it.
    Done(String),
    Refused(AppError),
    Reconciled(Reconciled),
}

/// The steps a redirect may name, each with its message.
const DONE: &[&str] = &["created", "approved", "closed", "member"];

pub(super) fn crumbs(
    lang: Lang,
    more: &[(String, Option<String>)],
) -> Vec<(String, Option<String>)> {
    layout::sp_crumbs(lang, "sp-cycles", "/sp/cycles", more)
}

/// The label of one of a program's rules, from the program's definition (its name when the
/// definition has no such rule).
pub(super) fn rule_label(def: &Json, name: &str, lang: Lang) -> Option<String> {
    ["inclusion", "exclusion"]
        .iter()
        .filter_map(|k| def.get(*k).and_then(Json::as_array))
        .flatten()
        .find(|r| r["name"].as_str() == Some(name))
        .and_then(|r| r["label"][lang.code()].as_str())
        .map(str::to_owned)
}

/// The cycles, newest first, and the form that prepares the next one.
pub async fn list(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    list_page(s, v, None).await
}

async fn list_page(s: AppState, v: Visit, refused: Option<AppError>) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let got = blocking(move || {
        Ok(st
            .app
            .cycles(&caller, None)
            .and_then(|c| Ok((c, st.app.programs(&caller)?))))
    })
    .await?;
    let title = lang.t("sp-cycles");
    let body = match got {
        Err(e) => refusal(&s, lang, &e, true),
        Ok((cycles, programs)) => {
            let typed = |k: &str| v.field(k).unwrap_or("").to_owned();
            html! {
                @if let Some(e) = &refused { (refusal(&s, lang, e, true)) }
                p { (lang.t("sp-cycles-intro")) }
                form.filters method="post" action="/sp/cycles" {
                    input type="hidden" name="csrf" value=(v.session.csrf);
                    div {
                        label for="program" { (lang.t("sp-col-program")) } br;
                        select #program name="program" {
                            @for p in programs.iter().filter(|p| p.published.is_some()) {
                                option value=(p.code) selected[typed("program") == p.code] {
                                    (p.code) " — " (if lang == Lang::Ar { &p.name_ar } else { &p.name_en })
                                }
                            }
                        }
                    }
                    div {
                        label for="period" { (lang.t("sp-period")) " " small { (lang.t("sp-period-hint")) } } br;
                        input #period name="period" type="text" dir="ltr" inputmode="numeric" placeholder="2026-12" maxlength="7" required value=(typed("period"));
                    }
                    div { button type="submit" { (lang.t("sp-cycle-prepare")) } }
                }
                p { a href="/sp/rejections" { (lang.t("sp-rejections")) } " · " a href="/sp/appeals" { (lang.t("sp-appeals")) } }
                @if cycles.is_empty() {
                    p { (lang.t("sp-cycles-none")) }
                } @else {
                    table {
                        caption { (lang.t("sp-cycles-caption")) }
                        thead { tr {
                            th scope="col" { (lang.t("sp-col-cycle")) }
                            th scope="col" { (lang.t("sp-col-program")) }
                            th scope="col" { (lang.t("sp-period")) }
                            th scope="col" { (lang.t("sp-col-status")) }
                            th scope="col" { (lang.t("sp-col-households")) }
                            th scope="col" { (lang.t("sp-col-amount")) }
                        } }
                        tbody { @for c in &cycles { tr {
                            td.nowrap { a href=(format!("/sp/cycles/{}", c.id)) { bdi { (c.id) } } }
                            td { bdi { (c.program) } " v" (c.program_version) }
                            td { (lang.digits(&c.period)) }
                            td { (lang.t(&format!("sp-cycle-state-{}", c.state))) }
                            td { (lang.number(c.households)) }
                            td.nowrap { (money(lang, c.total_fils)) }
                        } } }
                    }
                }
            }
        }
    };
    let page = layout::page(&s, &v, &title, "/sp/cycles", &crumbs(lang, &[]), body);
    Ok(Html(page.into_string()).into_response())
}

/// Prepares a cycle; refused, the list is shown again with why and the form as typed.
pub async fn create(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let program = v.field("program").unwrap_or("").trim().to_owned();
    let period = v.field("period").unwrap_or("").trim().to_owned();
    let caller = v.caller();
    let st = s.clone();
    let made = blocking(move || Ok(st.app.create_cycle(&caller, &program, &period))).await?;
    match made {
        Ok(c) => {
            Ok(Redirect::to(&format!("/sp/cycles/{}?done=created", c.cycle.id)).into_response())
        }
        Err(e) => list_page(s, v, Some(e)).await,
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct DashQuery {
    state: Option<String>,
    from: Option<usize>,
    done: Option<String>,
}

/// A cycle's dashboard (`{id}.csv`: its figures as CSV).
pub async fn show(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
    Query(q): Query<DashQuery>,
) -> Result<Response, ApiError> {
    if let Some(id) = id.strip_suffix(".csv") {
        return super::cycle_files::figures_csv(s, v, id.to_owned()).await;
    }
    let notice = match q.done.as_deref().filter(|d| DONE.contains(d)) {
        Some(d) => Notice::Done(d.to_owned()),
        None => Notice::None,
    };
    dashboard(s, v, id, q, notice).await
}

struct Dash {
    view: CycleView,
    members: Option<Result<Vec<MemberRow>, AppError>>,
    /// The cycle's program version's definition (for its rules' labels).
    def: Json,
    /// Provider → (payments, fils).
    providers: Vec<(String, i64, i64)>,
}

pub(super) async fn dashboard(
    s: AppState,
    v: Visit,
    id: String,
    q: DashQuery,
    notice: Notice,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let (i, state) = (id.clone(), q.state.clone());
    let got = blocking(move || {
        Ok((|| {
            let view = st.app.cycle(&caller, &i)?;
            let members = state
                .as_deref()
                .map(|x| st.app.cycle_members(&caller, &i, Some(x)));
            let c = &view.cycle;
            let def = st
                .app
                .program(&caller, &c.program, Some(c.program_version))
                .ok()
                .and_then(|(row, _)| serde_json::from_str(&row.definition).ok())
                .unwrap_or_default();
            let mut providers: Vec<(String, i64, i64)> = Vec::new();
            if c.state != "draft" {
                for p in st.app.payments(&caller, &i, None, None)? {
                    match providers.iter_mut().find(|(n, ..)| *n == p.provider) {
                        Some(e) => (e.1, e.2) = (e.1 + 1, e.2 + p.amount_fils),
                        None => providers.push((p.provider.clone(), 1, p.amount_fils)),
                    }
                }
            }
            Ok(Dash {
                view,
                members,
                def,
                providers,
            })
        })())
    })
    .await?;
    let title = lang.tf("sp-cycle-title", &[("id", &id)]);
    let here = format!("/sp/cycles/{id}");
    let body = match got {
        Err(e) => refusal(&s, lang, &e, true),
        Ok(d) => html! {
            (notice_block(&s, lang, &notice))
            (summary(&s, &v, &d.view))
            (charts(&s, lang, &d.view))
            (states(lang, &d.view, q.state.as_deref()))
            @if let Some(m) = &d.members { (members(&s, &v, &d, m, &q)) }
            (super::cycle_files::files_block(&s, &v, &d.view, &d.providers))
        },
    };
    let crumbs = crumbs(lang, &[(id.clone(), None)]);
    Ok(Html(layout::page(&s, &v, &title, &here, &crumbs, body).into_string()).into_response())
}

fn notice_block(s: &AppState, lang: Lang, n: &Notice) -> Markup {
    match n {
        Notice::None => html! {},
        Notice::Done(d) => layout::flash(Some(&lang.t(&format!("sp-cycle-done-{d}"))), false),
        Notice::Refused(e) => refusal(s, lang, e, true),
        Notice::Reconciled(r) => super::cycle_files::reconciled(lang, r),
    }
}

fn summary(s: &AppState, v: &Visit, view: &CycleView) -> Markup {
    let lang = v.lang;
    let c = &view.cycle;
    let n = &view.counts;
    let zone = &s.portal.time_zone;
    let by = |who: &Option<String>, at: Option<i64>| match (who, at) {
        (Some(w), Some(t)) => lang.tb("sp-by-at", &[("by", w), ("at", &lang.datetime(t, zone))]),
        (None, Some(t)) => html! { (lang.datetime(t, zone)) },
        _ => html! { "—" },
    };
    let csrf = &v.session.csrf;
    html! {
        dl.facts {
            dt { (lang.t("sp-col-program")) } dd { a href=(format!("/sp/programs/{}", c.program)) { bdi { (c.program) } } " v" (c.program_version) }
            dt { (lang.t("sp-period")) } dd { (lang.digits(&c.period)) }
            dt { (lang.t("sp-col-status")) } dd { strong { (lang.t(&format!("sp-cycle-state-{}", c.state))) } }
            dt { (lang.t("sp-run")) } dd { a href=(format!("/sp/runs/{}", c.run)) { bdi { (c.run) } } }
            dt { (lang.t("sp-cycle-previous")) } dd { @match &c.previous {
                Some(p) => a href=(format!("/sp/cycles/{p}")) { bdi { (p) } },
                None => (lang.t("sp-cycle-first")),
            } }
            dt { (lang.t("sp-cycle-when-prepared")) } dd { (by(&Some(c.prepared_by.clone()), Some(c.prepared_at_ms))) }
            dt { (lang.t("sp-cycle-when-approved")) } dd { (by(&c.approved_by, c.approved_at_ms)) }
            dt { (lang.t("sp-cycle-when-paid")) } dd { (by(&None, c.paid_at_ms)) }
            dt { (lang.t("sp-cycle-when-closed")) } dd { (by(&c.closed_by, c.closed_at_ms)) }
        }
        div.counts {
            div { dl { dt { (lang.t("sp-col-households")) } dd #households { (lang.number(c.households)) } } }
            div { dl { dt { (lang.t("sp-individuals-enrolled")) } dd #persons { (lang.number(c.persons)) } } }
            div { dl { dt { (lang.t("sp-col-amount")) } dd #total { (money(lang, c.total_fils)) } } }
            @if let Some(b) = c.budget_fils { div { dl { dt { (lang.t("sp-budget")) } dd { (money(lang, b)) } } } }
            div { dl { dt { (lang.t("sp-accounts-from-intake")) } dd { (lang.number(n.accounts_from_intake)) } } }
            @if n.carried > 0 { div { dl { dt { (lang.t("sp-carried")) } dd { (lang.number(n.carried)) } } } }
        }
        @if view.over_budget { p.flash.error role="alert" { (lang.t("sp-over-budget")) } }
        @if n.carried > 0 { p { (lang.tf("sp-carried-is", &[("amount", &money(lang, n.carried_fils))])) } }
        @match c.state.as_str() {
            "draft" => form method="post" action=(format!("/sp/cycles/{}/approve", c.id)) {
                input type="hidden" name="csrf" value=(csrf);
                p { (lang.tf("sp-approve-who", &[("entity", s.app.social_registry().entity.as_str()), ("by", &c.prepared_by)])) }
                button #approve type="submit" { (lang.t("sp-approve")) }
            },
            "paid" => form method="post" action=(format!("/sp/cycles/{}/close", c.id)) {
                input type="hidden" name="csrf" value=(csrf);
                button #close type="submit" { (lang.t("sp-close")) }
            },
            _ => {},
        }
    }
}

fn charts(s: &AppState, lang: Lang, view: &CycleView) -> Markup {
    let n = &view.counts;
    let gov = |amounts: bool| -> Vec<Bar> {
        n.by_governorate
            .iter()
            .map(|(g, (h, f))| Bar {
                label: governorate(s, lang, g),
                value: if amounts { *f } else { *h },
                text: if amounts {
                    money(lang, *f)
                } else {
                    lang.number(*h)
                },
            })
            .collect()
    };
    let sex = |amounts: bool| -> Vec<Bar> {
        ["male", "female"]
            .iter()
            .zip(n.by_head_sex)
            .map(|(k, (h, f))| Bar {
                label: lang.t(&format!("sp-head-{k}")),
                value: if amounts { f } else { h },
                text: if amounts {
                    money(lang, f)
                } else {
                    lang.number(h)
                },
            })
            .collect()
    };
    let turnover = [("sp-entered", n.entered), ("sp-left", n.left)].map(|(k, x)| Bar {
        label: lang.t(k),
        value: x,
        text: lang.number(x),
    });
    let paid: Vec<Bar> = ["accepted", "pending", "rejected", "returned"]
        .iter()
        .map(|st| {
            let (count, fils) = view.payments.get(*st).copied().unwrap_or((0, 0));
            Bar {
                label: lang.t(&format!("sp-pay-{st}")),
                value: count,
                text: format!("{} — {}", lang.number(count), money(lang, fils)),
            }
        })
        .collect();
    html! {
        section aria-labelledby="figures" {
            h2 #figures { (lang.t("sp-cycle-figures")) " " a href=(format!("/sp/cycles/{}.csv", view.cycle.id)) { (lang.t("sp-figures-csv")) } }
            div.charts {
                (bars(&lang.t("sp-chart-households-governorate"), &gov(false)))
                (bars(&lang.t("sp-chart-amounts-governorate"), &gov(true)))
                (bars(&lang.t("sp-chart-households-sex"), &sex(false)))
                (bars(&lang.t("sp-chart-amounts-sex"), &sex(true)))
                (bars(&lang.t("sp-chart-turnover"), &turnover))
                @if view.cycle.state != "draft" { (bars(&lang.t("sp-chart-payments"), &paid)) }
            }
        }
    }
}

fn states(lang: Lang, view: &CycleView, chosen: Option<&str>) -> Markup {
    let id = &view.cycle.id;
    html! {
        section aria-labelledby="states" {
            h2 #states { (lang.t("sp-cycle-states")) }
            table {
                caption { (lang.t("sp-cycle-states-caption")) }
                thead { tr { th scope="col" { (lang.t("sp-col-status")) } th scope="col" { (lang.t("sp-col-households")) } } }
                tbody { @for m in Membership::ALL { tr {
                    @let st = m.as_str();
                    td { a href=(format!("/sp/cycles/{id}?state={st}#members")) aria-current=[(chosen == Some(st)).then_some("true")] { (lang.t(&format!("sp-membership-{st}"))) } }
                    td { (lang.number(view.counts.by_state.get(st).copied().unwrap_or(0))) }
                } } }
            }
        }
    }
}

fn members(
    s: &AppState,
    v: &Visit,
    d: &Dash,
    found: &Result<Vec<MemberRow>, AppError>,
    q: &DashQuery,
) -> Markup {
    let lang = v.lang;
    let c = &d.view.cycle;
    let state = q.state.as_deref().unwrap_or("");
    let from = q.from.unwrap_or(0);
    let draft = c.state == "draft";
    let label = |r: &str| rule_label(&d.def, r, lang);
    html! {
        section aria-labelledby="members" {
            h2 #members { (lang.t("sp-cycle-members")) }
            @match found {
                Err(e) => (refusal(s, lang, e, true)),
                Ok(all) => {
                    @let page: Vec<&MemberRow> = all.iter().skip(from).take(PAGE).collect();
                    p { (lang.tf("sp-members-of", &[("state", &lang.t(&format!("sp-membership-{state}"))), ("n", &lang.number(all.len() as i64))])) }
                    table {
                        caption { (lang.t("sp-cycle-members")) }
                        thead { tr {
                            th scope="col" { (lang.t("sp-col-household")) }
                            th scope="col" { (lang.t("sp-col-reason")) }
                            th scope="col" { (lang.t("sp-col-beneficiary")) }
                            th scope="col" { (lang.t("sp-col-members")) }
                            th scope="col" { (lang.t("sp-col-governorate")) }
                            th scope="col" { (lang.t("sp-col-entitlement")) }
                            @if draft { th scope="col" { (lang.t("sp-member-change")) } }
                        } }
                        tbody { @for m in &page { tr {
                            td { a href=(format!("/sp/households/{}/decisions", m.household)) { bdi { (m.household) } } }
                            td { (member_reason(lang, &m.reason, &label)) }
                            td { @if let Some(nn) = &m.payee {
                                (m.payee_name.clone().unwrap_or_default()) " " a href=(format!("/sp/accounts/{nn}")) { bdi { (nn) } }
                            } }
                            td { (lang.number(m.members)) }
                            td { (governorate(s, lang, &m.governorate)) }
                            td.nowrap { (money(lang, m.entitlement_fils)) }
                            @if draft { td { (change_form(v, &c.id, m, state, from)) } }
                        } } }
                    }
                    nav.pager aria-label=(lang.t("sp-pages")) {
                        @if from > 0 { a href=(format!("/sp/cycles/{}?state={state}&from={}#members", c.id, from.saturating_sub(PAGE))) { (lang.t("sp-previous")) } }
                        @if from + PAGE < all.len() { a href=(format!("/sp/cycles/{}?state={state}&from={}#members", c.id, from + PAGE)) { (lang.t("sp-next")) } }
                    }
                }
            }
        }
    }
}

/// A caseworker pauses, exits or resumes one household of a draft, saying why.
fn change_form(v: &Visit, id: &str, m: &MemberRow, state: &str, from: usize) -> Markup {
    let lang = v.lang;
    html! {
        form.inline method="post" action=(format!("/sp/cycles/{id}/members/{}", m.household)) {
            input type="hidden" name="csrf" value=(v.session.csrf);
            input type="hidden" name="back_state" value=(state);
            input type="hidden" name="from" value=(from);
            select name="state" aria-label=(lang.tf("sp-member-new-state", &[("household", &m.household)])) {
                @for to in ["paused", "exited", "enrolled"] {
                    option value=(to) { (lang.t(&format!("sp-member-set-{to}"))) }
                }
            }
            input type="text" name="note" maxlength="500" required aria-label=(lang.tf("sp-member-note", &[("household", &m.household)]));
            button type="submit" { (lang.t("sp-member-change")) }
        }
    }
}

/// Approves a draft (a second person, an administrator of the programs' entity).
pub async fn approve(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = v.caller();
    let st = s.clone();
    let i = id.clone();
    match blocking(move || Ok(st.app.approve_cycle(&caller, &i))).await? {
        Ok(_) => Ok(Redirect::to(&format!("/sp/cycles/{id}?done=approved")).into_response()),
        Err(e) => dashboard(s, v, id, DashQuery::default(), Notice::Refused(e)).await,
    }
}

/// Closes a paid cycle.
pub async fn close(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = v.caller();
    let st = s.clone();
    let i = id.clone();
    match blocking(move || Ok(st.app.close_cycle(&caller, &i))).await? {
        Ok(_) => Ok(Redirect::to(&format!("/sp/cycles/{id}?done=closed")).into_response()),
        Err(e) => dashboard(s, v, id, DashQuery::default(), Notice::Refused(e)).await,
    }
}

/// One household of a draft paused, exited or resumed, with the caseworker's note.
pub async fn member(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path((id, household)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let to = v.field("state").unwrap_or("").to_owned();
    let note = v.field("note").unwrap_or("").to_owned();
    let back = v
        .field("back_state")
        .filter(|b| Membership::parse(b).is_some())
        .map(str::to_owned);
    let from = v.field("from").and_then(|f| f.parse().ok());
    let caller = v.caller();
    let st = s.clone();
    let i = id.clone();
    let done =
        blocking(move || Ok(st.app.set_membership(&caller, &i, &household, &to, &note))).await?;
    match done {
        Ok(_) => {
            let state = back.map(|b| format!("&state={b}")).unwrap_or_default();
            let from = from
                .map(|f: usize| format!("&from={f}"))
                .unwrap_or_default();
            Ok(
                Redirect::to(&format!("/sp/cycles/{id}?done=member{state}{from}#members"))
                    .into_response(),
            )
        }
        Err(e) => {
            let q = DashQuery {
                state: back,
                from,
                done: None,
            };
            dashboard(s, v, id, q, Notice::Refused(e)).await
        }
    }
}
