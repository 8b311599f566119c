//! Server-side sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure behind
//! TLS), stored only as its SHA-256; a new id at each step of sign-in; idle and absolute
//! timeouts; a CSRF token per session.

use super::i18n::{self, Lang, UnknownTimeZone};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::Query;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use nur_store::{AccountRow, SessionRow};
use serde::Deserialize;
use std::path::PathBuf;

pub const SESSION_COOKIE: &str = "nur_session";
pub const LANG_COOKIE: &str = "nur_lang";
pub const ANONYMOUS: &str = "anonymous";
pub const CODE: &str = "code";
pub const SIGNED_IN: &str = "signed_in";

/// Portal settings of a deployment.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// Mark cookies Secure (set when NUR is served behind TLS).
    pub secure_cookies: bool,
    pub idle_ms: i64,
    pub absolute_ms: i64,
    /// Where one-time codes go in development (one JSON line each).
    pub outbox: Option<PathBuf>,
    /// Production delivery: an SMTP relay (host:port, sender) or an SMS gateway URL.
    pub smtp: Option<(String, String)>,
    pub sms_gateway: Option<String>,
    /// Code lifetime and attempts; resend spacing and count; lockout.
    pub code_ttl_ms: i64,
    pub code_attempts: i64,
    pub resend_after_ms: i64,
    pub max_resends: i64,
    pub max_failed_logins: i64,
    pub lock_ms: i64,
    /// The zone every time shown to a person is in (times are stored in UTC). Asia/Amman by
    /// default; [`PortalConfig::with_time_zone`] sets it from a name.
    pub time_zone: TimeZone,
}

/// The portal's default time zone, where the people who run NUR are.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Amman";

impl PortalConfig {
    /// These settings with times shown in the zone `name`, an IANA name such as
    /// `Asia/Amman`, looked up in the time zone database built into the binary; a name it
    /// does not hold is refused, so a deployment learns of a typo at start-up.
    pub fn with_time_zone(mut self, name: &str) -> Result<PortalConfig, UnknownTimeZone> {
        self.time_zone = i18n::time_zone(name)?;
        Ok(self)
    }
}

impl Default for PortalConfig {
    fn default() -> PortalConfig {
        PortalConfig {
            secure_cookies: false,
            idle_ms: 15 * 60_000,
            absolute_ms: 8 * 3_600_000,
            outbox: None,
            smtp: None,
            sms_gateway: None,
            code_ttl_ms: 5 * 60_000,
            code_attempts: 5,
            resend_after_ms: 30_000,
            max_resends: 3,
            max_failed_logins: 5,
            lock_ms: 15 * 60_000,
            time_zone: i18n::time_zone(DEFAULT_TIME_ZONE)
                .expect("the bundled time zone database has Asia/Amman"),
        }
    }
}

pub use nur_store::now_ms;

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> Result<String, ApiError> {
    use base64::Engine;
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
}

pub fn hash(s: &str) -> String {
    nur_core::audit::sha256_hex(s.as_bytes())
}

pub fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub fn set_cookie(state: &AppState, value: &str) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{}",
        if state.portal.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The language: the visitor's choice (cookie), else the browser's Accept-Language.
pub fn lang_of(h: &HeaderMap) -> Lang {
    cookie(h, LANG_COOKIE)
        .and_then(|c| Lang::parse(&c))
        .unwrap_or_else(|| {
            Lang::from_accept_language(
                h.get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            )
        })
}

/// The session of a cookie and its account, if the session is alive (and then touched).
pub fn load(
    state: &AppState,
    cookie: Option<&str>,
) -> Result<(Option<SessionRow>, Option<AccountRow>), ApiError> {
    let Some(c) = cookie else {
        return Ok((None, None));
    };
    let h = hash(c);
    let Some(mut s) = state.store.session(&h).map_err(ApiError::from)? else {
        return Ok((None, None));
    };
    let now = now_ms();
    let cfg = &state.portal;
    if now - s.seen_at_ms > cfg.idle_ms || now - s.created_at_ms > cfg.absolute_ms {
        state.store.delete_session(&h).map_err(ApiError::from)?;
        return Ok((None, None));
    }
    // Touching the session costs a write: do it once a minute at most (the idle timeout is
    // counted in minutes).
    if now - s.seen_at_ms > 60_000 {
        s.seen_at_ms = now;
        state.store.put_session(&s).map_err(ApiError::from)?;
    }
    let account = match &s.username {
        Some(u) => state.store.account(u).map_err(ApiError::from)?,
        None => None,
    };
    Ok((Some(s), account))
}

/// A new session at `stage` for `username`; returns it with its cookie value.
pub fn fresh(username: Option<&str>, stage: &str) -> Result<(SessionRow, String), ApiError> {
    let id = random_token()?;
    let now = now_ms();
    Ok((
        SessionRow {
            id_hash: hash(&id),
            username: username.map(str::to_owned),
            stage: stage.to_owned(),
            csrf: random_token()?,
            created_at_ms: now,
            seen_at_ms: now,
            code_hash: None,
            code_expires_ms: None,
            code_attempts: 0,
            code_sent_at_ms: None,
            resends: 0,
            totp_step: None,
        },
        id,
    ))
}

pub fn anonymous(state: &AppState) -> Result<(SessionRow, String), ApiError> {
    // New visitors are where sessions come from: clear the expired ones here.
    let now = now_ms();
    let cfg = &state.portal;
    state
        .store
        .expire_sessions(now - cfg.idle_ms, now - cfg.absolute_ms)
        .map_err(ApiError::from)?;
    let (s, id) = fresh(None, ANONYMOUS)?;
    state.store.put_session(&s).map_err(ApiError::from)?;
    Ok((s, id))
}

/// A redirect that also sets the session cookie.
pub fn redirect_with_cookie(state: &AppState, to: &str, cookie: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(state, cookie)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    #[serde(default)]
    back: Option<String>,
}

/// Remembers the chosen language and returns to the page (a local path only).
pub async fn switch_lang(Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or(Lang::En);
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let mut r = Redirect::to(&back).into_response();
    let c = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000",
        lang.code()
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zone_is_amman_unless_named() {
        assert_eq!(
            PortalConfig::default().time_zone.iana_name(),
            Some("Asia/Amman")
        );
        let utc = PortalConfig::default().with_time_zone("UTC").unwrap();
        assert_eq!(utc.time_zone.iana_name(), Some("UTC"));
        let e = PortalConfig::default()
            .with_time_zone("Asia/Aman")
            .unwrap_err();
        assert!(e.to_string().contains("\"Asia/Aman\""), "{e}");
    }
}
