//! Signing in: username and password (argon2id), then a verification code — TOTP from an
//! authenticator app when the account has enrolled one, otherwise a one-time code sent
//! through the delivery (SMS/SMTP in production, the outbox file in development). Codes
//! expire, are compared in constant time and allow a few attempts; repeated failures lock
//! the account for a while; every failure, lock and sign-in is audited. A new session id is
//! issued at each step. Also: resend (rate-limited), sign out, forgotten password, and TOTP
//! enrolment.

use super::i18n::Lang;
use super::layout;
use super::session::{self, now_ms, CODE, SIGNED_IN};
use super::Visit;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use maud::html;
use nur_core::account::{hash_password, verify_password};
use nur_core::audit::NewEvent;
use nur_core::totp::{constant_time_eq, Totp};
use nur_store::{AccountChange, AccountRow, SessionRow};
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

fn event(username: &str, ip: std::net::IpAddr, action: &str, outcome: &str) -> NewEvent {
    NewEvent {
        actor_kind: "user".into(),
        actor: username.into(),
        action: action.into(),
        target: format!("account:{username}"),
        client_ip: Some(ip.to_string()),
        outcome: outcome.into(),
        ..Default::default()
    }
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
        let now = now_ms();
        let account = s.store.account(&username).map_err(ApiError::from)?;
        let Some(a) = account.filter(|a| !a.disabled) else {
            // Same work as a real check, so timing does not reveal which usernames exist.
            let _ = verify_password(&password, dummy_hash());
            s.store
                .audit(event(
                    &username,
                    v.ip,
                    "login.failed",
                    "refused: unknown or disabled account",
                ))
                .map_err(ApiError::from)?;
            return Ok(Redirect::to("/login?e=login-invalid").into_response());
        };
        if a.locked_until_ms.is_some_and(|t| t > now) {
            s.store
                .audit(event(
                    &a.username,
                    v.ip,
                    "login.failed",
                    "refused: account locked",
                ))
                .map_err(ApiError::from)?;
            return Ok(Redirect::to("/login?e=login-locked").into_response());
        }
        if !verify_password(&password, &a.password_hash) {
            fail(&s, &a, v.ip, "wrong password")?;
            return Ok(
                Redirect::to(if a.failed_logins + 1 >= s.portal.max_failed_logins {
                    "/login?e=login-locked"
                } else {
                    "/login?e=login-invalid"
                })
                .into_response(),
            );
        }
        let (mut next, cookie) = session::fresh(Some(&a.username), CODE)?;
        if a.totp_secret.is_none() {
            if let Err(e) = send_code(&s, &a, &mut next) {
                tracing::error!(error = %e, "could not deliver a sign-in code");
                return Ok(Redirect::to("/login?e=login-send-failed").into_response());
            }
        }
        s.store
            .rotate_session(&v.session.id_hash, &next)
            .map_err(ApiError::from)?;
        Ok(session::redirect_with_cookie(&s, "/login/code", &cookie))
    })
    .await
}

/// An argon2id hash with the same parameters as real ones, verified against when the account
/// is unknown (a hash that did not parse would answer faster and give the username away).
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("no such account", &[0x5a; 16]).unwrap_or_default())
}

/// Counts a failure; locks the account when there have been too many; audits both.
fn fail(s: &AppState, a: &AccountRow, ip: std::net::IpAddr, why: &str) -> Result<(), ApiError> {
    let lock = a.failed_logins + 1 >= s.portal.max_failed_logins;
    let until = lock.then(|| now_ms() + s.portal.lock_ms);
    s.store
        .change_account(
            &a.username,
            &AccountChange::Failed {
                lock_until_ms: until,
            },
        )
        .map_err(ApiError::from)?;
    s.store
        .audit(event(
            &a.username,
            ip,
            "login.failed",
            &format!("refused: {why}"),
        ))
        .map_err(ApiError::from)?;
    if lock {
        s.store
            .audit(event(
                &a.username,
                ip,
                "account.locked",
                &format!(
                    "locked for {} min after {} failures",
                    s.portal.lock_ms / 60_000,
                    a.failed_logins + 1
                ),
            ))
            .map_err(ApiError::from)?;
    }
    Ok(())
}

/// A six-digit code, uniformly drawn.
fn six_digits() -> Result<String, ApiError> {
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
        let n = u32::from_le_bytes(b);
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn code_hash(session: &SessionRow, code: &str) -> String {
    session::hash(&format!("{}:{code}", session.id_hash))
}

fn send_code(s: &AppState, a: &AccountRow, sess: &mut SessionRow) -> Result<(), String> {
    let code = six_digits().map_err(|e| e.message().to_owned())?;
    let delivery = s
        .delivery
        .as_ref()
        .ok_or("no delivery for one-time codes is configured")?;
    let text = format!(
        "NUR sign-in code: {code} (valid {} minutes)",
        s.portal.code_ttl_ms / 60_000
    );
    delivery.send(&a.username, a.contact.as_deref(), &text)?;
    let now = now_ms();
    sess.code_hash = Some(code_hash(sess, &code));
    sess.code_expires_ms = Some(now + s.portal.code_ttl_ms);
    sess.code_sent_at_ms = Some(now);
    sess.code_attempts = 0;
    Ok(())
}

fn pending(v: &Visit) -> Option<&AccountRow> {
    (v.session.stage == CODE)
        .then_some(())
        .and(v.account.as_ref())
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
                form method="post" action="/login/resend" {
                    input type="hidden" name="csrf" value=(v.session.csrf);
                    button.link type="submit" { (lang.t("code-resend")) }
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
        let Some(a) = pending(&v).cloned() else {
            return Ok(Redirect::to("/login").into_response());
        };
        let now = now_ms();
        let mut sess = v.session.clone();
        let ok = match &a.totp_secret {
            // A code is good once: the step it matched is remembered for this session.
            Some(secret) => {
                match Totp::from_base32(secret).and_then(|t| t.verify(&code, (now / 1000) as u64)) {
                    Some(step) if sess.totp_step != Some(step as i64) => {
                        sess.totp_step = Some(step as i64);
                        true
                    }
                    _ => false,
                }
            }
            None => {
                if sess.code_expires_ms.is_none_or(|t| t < now) {
                    return Ok(Redirect::to("/login/code?e=login-code-expired").into_response());
                }
                let want = sess.code_hash.clone().unwrap_or_default();
                constant_time_eq(code_hash(&sess, &code).as_bytes(), want.as_bytes())
            }
        };
        if !ok {
            sess.code_attempts += 1;
            if sess.code_attempts >= s.portal.code_attempts {
                s.store
                    .delete_session(&sess.id_hash)
                    .map_err(ApiError::from)?;
                // Exhausting the code attempts counts as enough failures to lock.
                let worst = AccountRow {
                    failed_logins: s.portal.max_failed_logins,
                    ..a.clone()
                };
                fail(&s, &worst, v.ip, "too many wrong codes")?;
                let mut r = Redirect::to("/login?e=login-locked").into_response();
                if let Ok(h) = HeaderValue::from_str(&session::clear_cookie()) {
                    r.headers_mut().append(header::SET_COOKIE, h);
                }
                return Ok(r);
            }
            s.store.put_session(&sess).map_err(ApiError::from)?;
            s.store
                .audit(event(
                    &a.username,
                    v.ip,
                    "login.failed",
                    "refused: wrong code",
                ))
                .map_err(ApiError::from)?;
            return Ok(Redirect::to("/login/code?e=login-code-wrong").into_response());
        }
        s.store
            .change_account(&a.username, &AccountChange::SignedIn)
            .map_err(ApiError::from)?;
        let (mut next, cookie) = session::fresh(Some(&a.username), SIGNED_IN)?;
        next.totp_step = sess.totp_step;
        s.store
            .rotate_session(&sess.id_hash, &next)
            .map_err(ApiError::from)?;
        s.store
            .audit(event(
                &a.username,
                v.ip,
                "login",
                if a.totp_secret.is_some() {
                    "ok; totp"
                } else {
                    "ok; one-time code"
                },
            ))
            .map_err(ApiError::from)?;
        Ok(session::redirect_with_cookie(&s, "/", &cookie))
    })
    .await
}

pub async fn resend(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let Some(a) = pending(&v).cloned() else {
            return Ok(Redirect::to("/login").into_response());
        };
        if a.totp_secret.is_some() {
            return Ok(Redirect::to("/login/code").into_response());
        }
        let mut sess = v.session.clone();
        let now = now_ms();
        let too_soon = sess
            .code_sent_at_ms
            .is_some_and(|t| now - t < s.portal.resend_after_ms);
        if too_soon || sess.resends >= s.portal.max_resends {
            s.store
                .audit(event(
                    &a.username,
                    v.ip,
                    "login.resend",
                    "refused: rate limit",
                ))
                .map_err(ApiError::from)?;
            return Ok(Redirect::to("/login/code?e=login-code-wait").into_response());
        }
        sess.resends += 1;
        if let Err(e) = send_code(&s, &a, &mut sess) {
            tracing::error!(error = %e, "could not deliver a sign-in code");
            return Ok(Redirect::to("/login/code?e=login-send-failed").into_response());
        }
        s.store.put_session(&sess).map_err(ApiError::from)?;
        Ok(Redirect::to("/login/code?e=login-code-resent").into_response())
    })
    .await
}

pub async fn logout(
    State(s): State<AppState>,
    Extension(v): Extension<Visit>,
) -> Result<Response, ApiError> {
    blocking(move || {
        s.store
            .delete_session(&v.session.id_hash)
            .map_err(ApiError::from)?;
        s.store
            .audit(event(&v.account().username, v.ip, "logout", "ok"))
            .map_err(ApiError::from)?;
        let mut r = Redirect::to("/login?e=login-signed-out").into_response();
        if let Ok(h) = HeaderValue::from_str(&session::clear_cookie()) {
            r.headers_mut().append(header::SET_COOKIE, h);
        }
        Ok(r)
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
        let now = now_ms();
        if let Some(a) = s
            .store
            .account(&username)
            .map_err(ApiError::from)?
            .filter(|a| !a.disabled)
        {
            let recent = s
                .store
                .reset(&a.username)
                .map_err(ApiError::from)?
                .is_some_and(|r| now - r.3 < s.portal.resend_after_ms);
            if !recent {
                let code = format!("{}{}", six_digits()?, &six_digits()?[..2]);
                let h = session::hash(&format!("reset:{}:{code}", a.username));
                let sent = s
                    .delivery
                    .as_ref()
                    .ok_or("no delivery configured".to_string())
                    .and_then(|d| {
                        d.send(
                            &a.username,
                            a.contact.as_deref(),
                            &format!("NUR password reset code: {code} (valid 15 minutes, once)"),
                        )
                    });
                match sent {
                    Ok(()) => {
                        s.store
                            .put_reset(&a.username, &h, now + 15 * 60_000)
                            .map_err(ApiError::from)?;
                        s.store
                            .audit(event(&a.username, v.ip, "password.reset_requested", "ok"))
                            .map_err(ApiError::from)?;
                    }
                    Err(e) => tracing::error!(error = %e, "could not deliver a reset code"),
                }
            }
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
        if password.chars().count() < 12 {
            return Ok(back("reset-weak"));
        }
        let now = now_ms();
        let Some((h, expires, attempts, _)) = s.store.reset(&username).map_err(ApiError::from)?
        else {
            return Ok(back("reset-invalid"));
        };
        let given = session::hash(&format!("reset:{username}:{code}"));
        if expires < now || attempts >= 5 || !constant_time_eq(given.as_bytes(), h.as_bytes()) {
            s.store
                .finish_reset(&username, attempts + 1 >= 5)
                .map_err(ApiError::from)?;
            s.store
                .audit(event(
                    &username,
                    v.ip,
                    "password.reset",
                    "refused: wrong or expired code",
                ))
                .map_err(ApiError::from)?;
            return Ok(back("reset-invalid"));
        }
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
        let hash =
            hash_password(&password, &salt).map_err(|e| ApiError::internal(e.to_string()))?;
        s.store
            .change_account(&username, &AccountChange::Password { hash })
            .map_err(ApiError::from)?;
        s.store
            .finish_reset(&username, true)
            .map_err(ApiError::from)?;
        s.store
            .audit(event(&username, v.ip, "password.reset", "ok"))
            .map_err(ApiError::from)?;
        Ok(Redirect::to("/login?e=reset-done").into_response())
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
    let qr = nur_core::qr::svg(&uri);
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
        let a = v.account();
        let ok = Totp::from_base32(&secret)
            .is_some_and(|t| t.verify(&code, (now_ms() / 1000) as u64).is_some());
        if !ok || a.totp_secret.is_some() {
            return Ok(Redirect::to("/account?e=totp-wrong").into_response());
        }
        s.store
            .change_account(
                &a.username,
                &AccountChange::Totp {
                    secret: Some(secret),
                },
            )
            .map_err(ApiError::from)?;
        s.store
            .audit(event(&a.username, v.ip, "account.totp_enrolled", "ok"))
            .map_err(ApiError::from)?;
        Ok(Redirect::to("/account?e=totp-enrolled").into_response())
    })
    .await
}
