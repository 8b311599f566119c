//! The sign-in pages: username and password, then the verification code (TOTP or a
//! delivered one-time code), resend, sign out, forgotten password and TOTP enrolment. The
//! rules (attempts, expiry, lockout, audit) are the app's (`nur_app::signin`); these
//! handlers turn its answers into redirects and cookies.

use super::i18n::Lang;
use super::layout;
use super::session::{self, CODE};
use super::Visit;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::html;
use nur_app::signin::{CodeStep, ForgotStep, PasswordStep, ResendStep, ResetStep};
use nur_core::totp::Totp;
use nur_store::AccountRow;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Flash {
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    u: Option<String>,
}

/// Messages a redirect may name (anything else is ignored).
const FLASHES: &[&str] = &[
    "login-invalid",
    "login-locked",
    "login-code-wrong",
    "login-code-expired",
    "login-code-resent",
    "login-code-wait",
    "login-signed-out",
    "login-send-failed",
    "reset-sent",
    "reset-done",
    "reset-invalid",
    "reset-weak",
    "totp-enrolled",
    "totp-wrong",
];

fn flash(lang: Lang, f: &Flash) -> maud::Markup {
    let key = f.e.as_deref().filter(|k| FLASHES.contains(k));
    let ok = key.is_some_and(|k| {
        matches!(
            k,
            "login-code-resent"
                | "login-signed-out"
                | "reset-sent"
                | "reset-done"
                | "totp-enrolled"
        )
    });
    layout::flash(key.map(|k| lang.t(k)).as_deref(), !ok)
}

pub async fn form(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(f): Query<Flash>,
) -> Html<String> {
    let lang = v.lang;
    Html(
        layout::signin(&s, lang, &lang.t("login-title"), "/login", html! {
            (flash(lang, &f))
            form.card method="post" action="/login" {
                input type="hidden" name="csrf" value=(v.session.csrf);
                label for="username" { (lang.t("label-username")) }
                input #username name="username" type="text" autocomplete="username" required autofocus;
                label for="password" { (lang.t("label-password")) }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { (lang.t("login-submit")) }
            }
            p { a href="/password/forgot" { (lang.t("forgot-password")) } }
            p { a href="/citizen" { (lang.t("citizen-for-citizens")) } }
            p.ip { (lang.t("your-ip")) ": " bdi { (v.ip) } }
        })
        .into_string(),
    )
}

pub async fn submit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let username = v.field("username").unwrap_or("").trim().to_owned();
    let password = v.field("password").unwrap_or("").to_owned();
    blocking(move || {
        Ok(
            match s
                .app
                .sign_in_password(&v.session, &username, &password, v.ip)?
            {
                PasswordStep::CodeDue(next) => {
                    session::redirect_with_cookie(&s, "/login/code", &next.cookie)
                }
                PasswordStep::Invalid => Redirect::to("/login?e=login-invalid").into_response(),
                PasswordStep::Locked => Redirect::to("/login?e=login-locked").into_response(),
                PasswordStep::SendFailed => {
                    Redirect::to("/login?e=login-send-failed").into_response()
                }
                PasswordStep::TooFast => slow(v.lang),
                PasswordStep::Busy => busy(v.lang),
            },
        )
    })
    .await
}

fn pending(v: &Visit) -> Option<&AccountRow> {
    (v.session.stage == CODE)
        .then_some(())
        .and(v.account.as_ref())
}

/// Seconds until another code may be sent (0: now).
pub(super) fn resend_wait_secs(s: &AppState, v: &Visit) -> i64 {
    let after = s.app.signin_policy().resend_after_ms;
    let now = nur_store::now_ms();
    v.session
        .code_sent_at_ms
        .map(|t| ((t + after - now).max(0) + 999) / 1000)
        .unwrap_or(0)
}

pub async fn code_form(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(f): Query<Flash>,
) -> Response {
    let lang = v.lang;
    let Some(a) = pending(&v) else {
        return Redirect::to("/login").into_response();
    };
    let totp = a.totp_secret.is_some();
    Html(
        layout::signin(&s, lang, &lang.t("code-title"), "/login/code", html! {
            (flash(lang, &f))
            p { (lang.t(if totp { "code-totp-hint" } else { "code-otp-hint" })) }
            form.card method="post" action="/login/code" {
                input type="hidden" name="csrf" value=(v.session.csrf);
                label for="code" { (lang.t("label-code")) }
                input #code name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus;
                button type="submit" { (lang.t("code-submit")) }
            }
            @if !totp {
                @let wait = resend_wait_secs(&s, &v);
                @if wait > 0 {
                    p #resend-wait role="status" {
                        (lang.ta("code-resend-in", &[("secs", wait.into())]))
                    }
                }
                form method="post" action="/login/resend" {
                    input type="hidden" name="csrf" value=(v.session.csrf);
                    button.link type="submit" data-wait=(wait) { (lang.t("code-resend")) }
                }
            }
            p { a href="/login" { (lang.t("code-start-over")) } }
        })
        .into_string(),
    )
    .into_response()
}

pub async fn code_submit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let code = v.field("code").unwrap_or("").trim().to_owned();
    blocking(move || {
        Ok(
            match s
                .app
                .sign_in_code(&v.session, v.account.as_ref(), &code, v.ip)?
            {
                CodeStep::SignedIn(next) => session::redirect_with_cookie(&s, "/", &next.cookie),
                CodeStep::NotPending => Redirect::to("/login").into_response(),
                CodeStep::Expired => {
                    Redirect::to("/login/code?e=login-code-expired").into_response()
                }
                CodeStep::Wrong => Redirect::to("/login/code?e=login-code-wrong").into_response(),
                CodeStep::Locked => signed_out_to("/login?e=login-locked"),
                CodeStep::TooFast => slow(v.lang),
            },
        )
    })
    .await
}

/// Too many requests from the visitor's address: 429, and no work done.
pub(super) fn slow(lang: Lang) -> Response {
    super::page_error(
        lang,
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "login-slow",
    )
}

/// Too many password checks under way: 503, try again shortly.
fn busy(lang: Lang) -> Response {
    let mut r = super::page_error(
        lang,
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "login-busy",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    r
}

/// A redirect that also removes the session cookie.
pub(super) fn signed_out_to(to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    if let Ok(h) = HeaderValue::from_str(&session::clear_cookie()) {
        r.headers_mut().append(header::SET_COOKIE, h);
    }
    r
}

pub async fn resend(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let to = match s.app.resend_code(&v.session, v.account.as_ref(), v.ip)? {
            ResendStep::NotPending if pending(&v).is_some() => "/login/code",
            ResendStep::NotPending => "/login",
            ResendStep::Wait => "/login/code?e=login-code-wait",
            ResendStep::SendFailed => "/login/code?e=login-send-failed",
            ResendStep::Resent => "/login/code?e=login-code-resent",
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
        s.app.sign_out(&v.session, v.account(), v.ip)?;
        Ok(signed_out_to("/login?e=login-signed-out"))
    })
    .await
}

pub async fn forgot_form(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(f): Query<Flash>,
) -> Html<String> {
    let lang = v.lang;
    Html(
        layout::signin(&s, lang, &lang.t("forgot-title"), "/password/forgot", html! {
            (flash(lang, &f))
            form.card method="post" action="/password/forgot" {
                input type="hidden" name="csrf" value=(v.session.csrf);
                label for="username" { (lang.t("label-username")) }
                input #username name="username" type="text" autocomplete="username" required autofocus;
                button type="submit" { (lang.t("forgot-submit")) }
            }
            p { a href="/login" { (lang.t("code-start-over")) } }
        })
        .into_string(),
    )
}

/// Sends a reset code when the account exists (the answer is the same either way).
pub async fn forgot_submit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let username = v.field("username").unwrap_or("").trim().to_owned();
    blocking(move || {
        if s.app.request_password_reset(&username, v.ip)? == ForgotStep::TooFast {
            return Ok(slow(v.lang));
        }
        let to = format!("/password/reset?e=reset-sent&u={}", urlencode(&username));
        Ok(Redirect::to(&to).into_response())
    })
    .await
}

pub async fn reset_form(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(f): Query<Flash>,
) -> Html<String> {
    let lang = v.lang;
    let user = f.u.clone().unwrap_or_default();
    Html(
        layout::signin(&s, lang, &lang.t("reset-title"), "/password/reset", html! {
            (flash(lang, &f))
            form.card method="post" action="/password/reset" {
                input type="hidden" name="csrf" value=(v.session.csrf);
                label for="username" { (lang.t("label-username")) }
                input #username name="username" type="text" value=(user) autocomplete="username" required;
                label for="code" { (lang.t("label-reset-code")) }
                input #code name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required;
                label for="password" { (lang.t("label-new-password")) }
                input #password name="password" type="password" autocomplete="new-password" minlength="12" required;
                button type="submit" { (lang.t("reset-submit")) }
            }
        })
        .into_string(),
    )
}

pub async fn reset_submit(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let username = v.field("username").unwrap_or("").trim().to_owned();
    let code = v.field("code").unwrap_or("").trim().to_owned();
    let password = v.field("password").unwrap_or("").to_owned();
    blocking(move || {
        let back = |e: &str| {
            Redirect::to(&format!("/password/reset?e={e}&u={}", urlencode(&username)))
                .into_response()
        };
        Ok(
            match s.app.reset_password(&username, &code, &password, v.ip)? {
                ResetStep::Done => Redirect::to("/login?e=reset-done").into_response(),
                ResetStep::Weak => back("reset-weak"),
                ResetStep::Invalid => back("reset-invalid"),
                ResetStep::TooFast => slow(v.lang),
                ResetStep::Busy => busy(v.lang),
            },
        )
    })
    .await
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The account page: second-factor status and TOTP enrolment (key and QR code).
pub async fn account(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
    Query(f): Query<Flash>,
) -> Result<Html<String>, ApiError> {
    let lang = v.lang;
    let a = v.account().clone();
    let secret = {
        let mut b = vec![0u8; 20];
        getrandom::fill(&mut b).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
        Totp::new(b)
    };
    let issuer = match lang {
        Lang::Ar => s.catalog.country.platform_ar.clone(),
        Lang::En => s.catalog.country.platform_en.clone(),
    };
    let uri = secret.uri(&issuer, &a.username);
    let qr = nur_core::qr::labelled(&uri, &lang.t("qr-label"));
    let title = lang.t("account-title");
    Ok(Html(
        layout::page(&s, &v, &title, "/account", &[(title.clone(), None)], html! {
            (flash(lang, &f))
            h2 { (lang.t("totp-heading")) }
            @if a.totp_secret.is_some() {
                p { (lang.t("totp-enrolled-yes")) }
            } @else {
                p { (lang.t("totp-enrolled-no")) }
                figure.qr { (maud::PreEscaped(qr)) figcaption { (lang.t("totp-scan")) } }
                p { (lang.t("totp-key")) ": " code #totp-key { (secret.secret_base32()) } }
                form.card method="post" action="/account/totp" {
                    input type="hidden" name="csrf" value=(v.session.csrf);
                    input type="hidden" name="secret" value=(secret.secret_base32());
                    label for="code" { (lang.t("label-code")) }
                    input #code name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" required;
                    button type="submit" { (lang.t("totp-confirm")) }
                }
            }
        })
        .into_string(),
    ))
}

pub async fn enrol_totp(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    let secret = v.field("secret").unwrap_or("").to_owned();
    let code = v.field("code").unwrap_or("").trim().to_owned();
    blocking(move || {
        let to = if s.app.enrol_totp(v.account(), &secret, &code, v.ip)? {
            "/account?e=totp-enrolled"
        } else {
            "/account?e=totp-wrong"
        };
        Ok(Redirect::to(to).into_response())
    })
    .await
}
