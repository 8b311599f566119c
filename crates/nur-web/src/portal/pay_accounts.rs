//! Where a person's benefits are paid, in the portal: their accounts (the active one, then
//! every earlier one, with where each came from, who set it and when) and the two forms that
//! change it — a bank account by IBAN, or an e-wallet by provider and mobile. The caseworker's
//! page is here; the beneficiary's own (`/citizen/account`) uses the same pieces. The checks
//! are `nur-app`'s (`App::set_account`).

use super::i18n::Lang;
use super::words::{provider, refusal};
use super::{layout, Visit};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use nur_app::{AccountInput, AppError};
use nur_store::PayAccountRow;

/// The account a form gives: `kind` bank (with `iban`) or ewallet (with `provider`, `mobile`).
pub(super) fn input_of(v: &Visit) -> Result<AccountInput, AppError> {
    let f = |k: &str| v.field(k).unwrap_or("").trim().to_owned();
    match f("kind").as_str() {
        "bank" => Ok(AccountInput::Bank { iban: f("iban") }),
        "ewallet" => Ok(AccountInput::Ewallet {
            mobile: f("mobile"),
            provider: f("provider"),
        }),
        other => Err(AppError::invalid(
            "bad_kind",
            format!("{other:?}: an account is a bank account or an e-wallet"),
        )),
    }
}

/// The accounts, the active one first.
pub(super) fn history(s: &AppState, lang: Lang, rows: &[PayAccountRow]) -> Markup {
    let zone = &s.portal.time_zone;
    html! {
        @if rows.is_empty() { p #no-account { (lang.t("sp-account-none")) } } @else {
            table #accounts {
                caption { (lang.t("sp-accounts-caption")) }
                thead { tr {
                    th scope="col" { (lang.t("sp-col-account")) }
                    th scope="col" { (lang.t("sp-col-provider")) }
                    th scope="col" { (lang.t("sp-col-status")) }
                    th scope="col" { (lang.t("sp-col-source")) }
                    th scope="col" { (lang.t("sp-col-changed-by")) }
                } }
                tbody { @for a in rows { tr {
                    td { (lang.t(&format!("sp-account-kind-{}", a.kind))) ": " bdi dir="ltr" { (a.iban.as_deref().or(a.mobile.as_deref()).unwrap_or("")) } }
                    td { (provider(s, lang, &a.provider)) }
                    td { @if a.active { strong { (lang.t("sp-account-active")) } } @else {
                        (lang.tf("sp-account-ended", &[("at", &a.ended_at_ms.map(|t| lang.datetime(t, zone)).unwrap_or_default())]))
                    } }
                    td { (lang.t(&format!("sp-account-source-{}", a.source.replace(' ', "-")))) }
                    td { bdi { (a.changed_by) } " " (lang.datetime(a.changed_at_ms, zone)) }
                } } }
            }
        }
    }
}

/// The two forms that set a new account, posting to `action`; what was typed is kept.
pub(super) fn forms(s: &AppState, v: &Visit, action: &str) -> Markup {
    let lang = v.lang;
    let kind = v.field("kind").unwrap_or("");
    let typed = |k: &str, of: &str| {
        if kind == of {
            v.field(k).unwrap_or("").to_owned()
        } else {
            String::new()
        }
    };
    let chosen = typed("provider", "ewallet");
    html! {
        form.account method="post" action=(action) {
            input type="hidden" name="csrf" value=(v.session.csrf);
            input type="hidden" name="kind" value="bank";
            fieldset {
                legend { (lang.t("sp-account-bank")) }
                p {
                    label for="iban" { (lang.t("sp-iban")) " " small { (lang.t("sp-iban-hint")) } } br;
                    input #iban name="iban" type="text" dir="ltr" size="36" autocomplete="off" maxlength="42" required value=(typed("iban", "bank"));
                }
                p { button #save-bank type="submit" { (lang.t("sp-account-save")) } }
            }
        }
        form.account method="post" action=(action) {
            input type="hidden" name="csrf" value=(v.session.csrf);
            input type="hidden" name="kind" value="ewallet";
            fieldset {
                legend { (lang.t("sp-account-wallet")) }
                p {
                    label for="wallet-provider" { (lang.t("sp-wallet-provider")) } br;
                    select #wallet-provider name="provider" {
                        @for w in s.app.social_registry().providers.wallets() {
                            option value=(w.code) selected[chosen == w.code] { (if lang == Lang::Ar { &w.name.ar } else { &w.name.en }) }
                        }
                    }
                }
                p {
                    label for="mobile" { (lang.t("sp-wallet-mobile")) " " small { (lang.t("sp-wallet-mobile-hint")) } } br;
                    input #mobile name="mobile" type="text" inputmode="tel" dir="ltr" size="20" autocomplete="off" maxlength="20" required value=(typed("mobile", "ewallet"));
                }
                p { button #save-wallet type="submit" { (lang.t("sp-account-save")) } }
            }
        }
    }
}

/// A person's accounts, for a caseworker of the programs' entity.
pub async fn page(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(nn): Path<String>,
    Query(q): Query<layout::DoneQuery>,
) -> Result<Response, ApiError> {
    let saved = q.done.as_deref() == Some("saved");
    page_with(s, v, nn, saved, None).await
}

async fn page_with(
    s: AppState,
    v: Visit,
    nn: String,
    saved: bool,
    refused: Option<AppError>,
) -> Result<Response, ApiError> {
    let lang = v.lang;
    let caller = v.caller();
    let st = s.clone();
    let n = nn.clone();
    let got = blocking(move || Ok(st.app.accounts_of(&caller, &n))).await?;
    let title = lang.t("sp-accounts-title");
    let here = format!("/sp/accounts/{nn}");
    let body = match got {
        Err(e) => refusal(&s, lang, &e, true),
        Ok(rows) => html! {
            @if let Some(e) = &refused { (refusal(&s, lang, e, true)) }
            @if saved { (layout::flash(Some(&lang.t("sp-account-saved")), false)) }
            p { (lang.tf("sp-accounts-of", &[("nn", &nn)])) }
            (history(&s, lang, &rows))
            h2 { (lang.t("sp-account-change")) }
            p { (lang.t("sp-account-change-intro")) }
            (forms(&s, &v, &here))
        },
    };
    let crumbs = [
        (lang.t("sp-title"), Some("/sp".to_owned())),
        (title.clone(), None),
    ];
    Ok(Html(layout::page(&s, &v, &title, &here, &crumbs, body).into_string()).into_response())
}

/// A caseworker sets a person's account.
pub async fn save(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Path(nn): Path<String>,
) -> Result<Response, ApiError> {
    let caller = v.caller();
    let st = s.clone();
    let n = nn.clone();
    let done = match input_of(&v) {
        Err(e) => Err(e),
        Ok(input) => blocking(move || Ok(st.app.set_account(&caller, &n, &input))).await?,
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/sp/accounts/{nn}?done=saved")).into_response()),
        Err(e) => page_with(s, v, nn, false, Some(e)).await,
    }
}
