//! What a signed-in citizen sees of the programs, in plain words: each program's decision about
//! their household (explained on `/citizen/decisions`, where each can be appealed), the
//! payments received (a rejected one says why and that it is paid again once the account is
//! fixed), the household's place in each cycle, the account payments go to (whole to the
//! beneficiary, who alone changes it, masked to the others), and their appeals. The rules are
//! `nur-app`'s (`App::citizen_benefits`, `App::set_account`, `App::submit_appeal`, …).

use super::appeals::{appeal_form, detail, document_response, documents_of, is_open};
use super::i18n::Lang;
use super::pay_accounts::{forms, history, input_of};
use super::words::{comma, member_reason, money, payment_reason, provider, refusal};
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::{AppError, CitizenBenefits, HouseholdDecisions};

/// The program of a cycle (its id is the program's code and `-YYYY-MM`).
fn program_of(cycle: &str) -> &str {
    cycle.get(..cycle.len().saturating_sub(8)).unwrap_or(cycle)
}

/// The sections of the citizen's home page about the programs.
pub(super) fn home_sections(
    s: &AppState,
    lang: Lang,
    benefits: &Result<CitizenBenefits, AppError>,
    decisions: &Result<HouseholdDecisions, AppError>,
) -> Markup {
    let zone = &s.portal.time_zone;
    let name = |ar: &str, en: &str| {
        if lang == Lang::Ar {
            ar.to_owned()
        } else {
            en.to_owned()
        }
    };
    let label = |program: &str, rule: &str| -> Option<String> {
        let d = decisions.as_ref().ok()?;
        let r = d
            .programs
            .iter()
            .find(|p| p.code == program)?
            .rules
            .iter()
            .find(|r| r.name == rule)?;
        Some(name(&r.label_ar, &r.label_en))
    };
    html! {
        section aria-labelledby="decisions" {
            h2 #decisions { (lang.t("citizen-programs")) }
            @match decisions {
                Ok(d) => ul { @for p in &d.programs {
                    li {
                        (lang.tf(&format!("citizen-decision-{}", p.state), &[("program", &name(&p.name_ar, &p.name_en))]))
                        @if let (Some(b), "selected") = (p.benefit_fils, p.state.as_str()) { " " (lang.tf("citizen-benefit", &[("amount", &money(lang, b))])) }
                        " " a href=(format!("/citizen/decisions#prog-{}", p.code)) { (lang.t("citizen-why")) }
                    }
                } },
                Err(e) if e.code == "no_household" => p { (lang.t("citizen-no-decisions")) },
                Err(e) => (refusal(s, lang, e, false)),
            }
        }
        @match benefits {
            Err(e) if e.code == "no_household" => {},
            Err(e) => (refusal(s, lang, e, false)),
            Ok(b) => {
                section aria-labelledby="payments" {
                    h2 #payments { (lang.t("citizen-payments")) }
                    @if b.payments.is_empty() { p { (lang.t("citizen-payments-none")) } } @else {
                        table {
                            caption { (lang.t("citizen-payments-caption")) }
                            thead { tr {
                                th scope="col" { (lang.t("sp-col-cycle")) }
                                th scope="col" { (lang.t("sp-col-amount")) }
                                th scope="col" { (lang.t("sp-col-status")) }
                                th scope="col" { (lang.t("sp-col-at")) }
                                th scope="col" { (lang.t("sp-col-account")) }
                            } }
                            tbody { @for p in &b.payments { tr {
                                td.nowrap { bdi { (p.cycle) } }
                                td.nowrap { (money(lang, p.amount_fils)) }
                                td { (lang.t(&format!("sp-pay-{}", p.status)))
                                    @if matches!(p.status.as_str(), "rejected" | "returned") {
                                        br; (payment_reason(lang, p.reason.as_deref())) " "
                                        @match (&p.carried_to, &b.account) {
                                            (Some(c), _) => (lang.tf("citizen-paid-again-in", &[("cycle", c)])),
                                            (None, Some(a)) if a.seq != p.account_seq => (lang.t("citizen-paid-next-cycle")),
                                            _ => (lang.t("citizen-paid-when-fixed")),
                                        }
                                    }
                                }
                                td { (p.status_at_ms.map(|t| lang.datetime(t, zone)).unwrap_or_else(|| "—".into())) }
                                td { (provider(s, lang, &p.provider)) " " bdi dir="ltr" { (p.iban.as_deref().or(p.mobile.as_deref()).unwrap_or("")) } }
                            } } }
                        }
                    }
                }
                @if !b.memberships.is_empty() {
                    section aria-labelledby="cycles" {
                        h2 #cycles { (lang.t("citizen-cycles")) }
                        table {
                            caption { (lang.t("citizen-cycles-caption")) }
                            thead { tr {
                                th scope="col" { (lang.t("sp-col-cycle")) }
                                th scope="col" { (lang.t("sp-col-status")) }
                                th scope="col" { (lang.t("sp-col-reason")) }
                                th scope="col" { (lang.t("sp-col-entitlement")) }
                            } }
                            tbody { @for (c, m) in &b.memberships { tr {
                                td.nowrap { bdi { (c) } }
                                td { (lang.t(&format!("sp-membership-{}", m.state))) }
                                td { (member_reason(lang, &m.reason, &|r| label(program_of(c), r))) }
                                td.nowrap { (money(lang, m.entitlement_fils)) }
                            } } }
                        }
                    }
                }
                section aria-labelledby="account" {
                    h2 #account { (lang.t("citizen-account")) }
                    @match &b.account {
                        Some(a) => p { (lang.t(&format!("sp-account-kind-{}", a.kind))) (comma(lang)) (provider(s, lang, &a.provider)) ": " bdi dir="ltr" { (a.iban.as_deref().or(a.mobile.as_deref()).unwrap_or("")) } },
                        None => p { (lang.t("citizen-account-none")) },
                    }
                    @if may_change(b) {
                        p { a.button href="/citizen/account" { (lang.t("citizen-account-change")) } }
                    } @else {
                        p { (lang.t("citizen-account-head-only")) }
                    }
                }
                section aria-labelledby="appeals" {
                    h2 #appeals { (lang.t("citizen-appeals")) }
                    @if b.appeals.is_empty() { p { (lang.t("citizen-appeals-none")) } } @else {
                        table {
                            caption { (lang.t("citizen-appeals")) }
                            thead { tr {
                                th scope="col" { (lang.t("sp-appeal")) }
                                th scope="col" { (lang.t("sp-col-status")) }
                                th scope="col" { (lang.t("sp-appeal-submitted")) }
                                th scope="col" { (lang.t("sp-appeal-due")) }
                            } }
                            tbody { @for a in &b.appeals { tr {
                                td { a href=(format!("/citizen/appeals/{}", a.id)) { bdi { (a.program) } } }
                                td { (lang.t(&format!("sp-appeal-state-{}", a.state))) }
                                td { (lang.datetime(a.submitted_at_ms, zone)) }
                                td { @if is_open(a) { (lang.datetime(a.due_at_ms, zone)) } @else { "—" } }
                            } } }
                        }
                    }
                    p { (lang.t("citizen-appeal-how")) " " a href="/citizen/decisions" { (lang.t("citizen-decisions")) } }
                }
            }
        }
        p { a href="/citizen/access" { (lang.t("citizen-access")) } }
    }
}

/// Whether the citizen may change where the household is paid: they are its beneficiary, or
/// no cycle has named one yet (then the account is their own).
fn may_change(b: &CitizenBenefits) -> bool {
    b.is_payee || b.payee.is_none()
}

/// The account payments go to, its history, and the forms that change it.
pub async fn account(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    account_page(s, v, None).await
}

async fn account_page(
    s: AppState,
    v: Visit,
    refused: Option<AppError>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let nn = nur_app::citizen_of(&v.session).unwrap_or("").to_owned();
    let got = blocking(move || {
        Ok(st
            .app
            .citizen_benefits(&caller)
            .and_then(|b| Ok((st.app.accounts_of(&caller, &nn)?, b))))
    })
    .await?;
    let title = lang.t("citizen-account");
    let body = match got {
        Err(e) => refusal(&s, lang, &e, false),
        Ok((_, b)) if !may_change(&b) => html! { p { (lang.t("citizen-account-head-only")) } },
        Ok((rows, _)) => html! {
            @if let Some(e) = &refused { (refusal(&s, lang, e, false)) }
            p { (lang.t("citizen-account-intro")) }
            (history(&s, lang, &rows))
            (forms(&s, &v, "/citizen/account"))
        },
    };
    let crumbs = [(title.clone(), None)];
    Ok(Html(layout::citizen_page(&s, &v, &title, &crumbs, body).into_string()).into_response())
}

/// The beneficiary sets the account their household is paid to.
pub async fn account_post(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let caller = v.caller();
    let st = s.clone();
    let nn = nur_app::citizen_of(&v.session).unwrap_or("").to_owned();
    let done = match input_of(&v) {
        Err(e) => Err(e),
        Ok(input) => {
            blocking(move || {
                Ok(st.app.citizen_benefits(&caller).and_then(|b| {
                    if !may_change(&b) {
                        return Err(AppError::forbidden(
                            "not_payee",
                            "only the household's beneficiary changes its account",
                        ));
                    }
                    st.app.set_account(&caller, &nn, &input)
                }))
            })
            .await?
        }
    };
    match done {
        Ok(_) => Ok(Redirect::to("/citizen/home?e=citizen-account-saved#account").into_response()),
        Err(e) => account_page(s, v, Some(e)).await,
    }
}

/// Every program's decision about the household, explained, each with the appeal form.
pub(super) async fn decisions_page(
    s: AppState,
    v: Visit,
    refused: Option<(String, AppError)>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let got = blocking(move || {
        Ok(st.app.citizen(&caller).and_then(|me| {
            let d = st.app.decisions(&caller, &me.household)?;
            let appeals = st
                .app
                .appeals(&caller, nur_store::AppealFilter::Household(&me.household))?;
            Ok((d, appeals))
        }))
    })
    .await?;
    let title = lang.t("citizen-decisions");
    let typed = v.field("reason").unwrap_or("");
    let body = match got {
        Ok((d, appeals)) => {
            let form = |p: &nur_app::ProgramDecision| {
                let mine = refused.as_ref().filter(|(code, _)| *code == p.code);
                appeal_form(
                    &s,
                    &v,
                    "/citizen/appeals",
                    p,
                    &appeals,
                    mine.map(|(_, e)| (typed, e)),
                )
            };
            html! {
                @if let Some((code, e)) = &refused {
                    @if !d.programs.iter().any(|p| p.code == *code) { (refusal(&s, lang, e, false)) }
                }
                (super::targeting::explanation(&s, lang, &d, &form, false))
            }
        }
        Err(e) if e.code == "no_household" => html! { p { (lang.t("citizen-no-decisions")) } },
        Err(e) => refusal(&s, lang, &e, false),
    };
    let crumbs = [(title.clone(), None)];
    Ok(Html(layout::citizen_page(&s, &v, &title, &crumbs, body).into_string()).into_response())
}

/// The citizen appeals a program's decision about their household.
pub async fn appeal_post(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let program = v.field("program").unwrap_or("").to_owned();
    let reason = v.field("reason").unwrap_or("").to_owned();
    let docs = documents_of(&v);
    let caller = v.caller();
    let st = s.clone();
    let p = program.clone();
    let done = blocking(move || {
        Ok(st.app.citizen(&caller).and_then(|me| {
            st.app
                .submit_appeal(&caller, &me.household, &p, &reason, docs)
        }))
    })
    .await?;
    match done {
        Ok(a) => Ok(
            Redirect::to(&format!("/citizen/appeals/{}?done=filed", a.appeal.id)).into_response(),
        ),
        Err(e) => decisions_page(s, v, Some((program, e))).await,
    }
}

/// One of the household's appeals (another household's is no such appeal).
pub async fn appeal(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(id): Path<String>,
    Query(q): Query<layout::DoneQuery>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let i = id.clone();
    let got = blocking(move || Ok(st.app.appeal(&caller, &i))).await?;
    let title = lang.t("sp-appeal");
    let body = match got {
        Err(e) => refusal(&s, lang, &e, false),
        Ok(view) => html! {
            @if q.done.as_deref() == Some("filed") { (layout::flash(Some(&lang.t("sp-appeal-done-filed")), false)) }
            (detail(&s, lang, &view, &format!("/citizen/appeals/{id}/documents"), false))
        },
    };
    let crumbs = [(title.clone(), None)];
    Ok(Html(layout::citizen_page(&s, &v, &title, &crumbs, body).into_string()).into_response())
}

pub async fn document(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path((id, seq)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    document_response(s, v, id, seq).await
}
