//! Server-side sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure behind
//! TLS), stored only as its SHA-256; a new id at each step of sign-in; idle and absolute
//! timeouts; a CSRF token per session.

use super::i18n::{self, Lang, UnknownTimeZone};
use crate::AppState;
use axum::extract::Query;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use serde::Deserialize;
use std::path::PathBuf;

pub const SESSION_COOKIE: &str = "nur_session";
pub const LANG_COOKIE: &str = "nur_lang";
/// The CSRF token of a visitor not signed in (compared with the one the form carries).
pub const CSRF_COOKIE: &str = "nur_csrf";
pub use nur_app::signin::{CODE, SIGNED_IN};

/// Portal settings of a deployment (the sign-in rules are the app's: [`nur_app::SignInPolicy`]).
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// Mark cookies Secure (set when NUR is served behind TLS).
    pub secure_cookies: bool,
    /// Where one-time codes go in development (one JSON line each).
    pub outbox: Option<PathBuf>,
    /// Production delivery: an SMTP relay (plain or STARTTLS) or an SMS gateway URL.
    pub smtp: Option<super::delivery::Smtp>,
    pub sms_gateway: Option<String>,
    /// The zone every time shown to a person is in (times are stored in UTC). Asia/Amman by
    /// default; [`PortalConfig::with_time_zone`] sets it from a name.
    pub time_zone: TimeZone,
    /// The service desk's contact details (Contact Us); none configured, the page says whom
    /// to ask.
    pub contact: Option<String>,
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
            outbox: None,
            smtp: None,
            sms_gateway: None,
            time_zone: i18n::time_zone(DEFAULT_TIME_ZONE)
                .expect("the bundled time zone database has Asia/Amman"),
            contact: None,
        }
    }
}

pub use nur_store::now_ms;

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

pub fn csrf_cookie(state: &AppState, value: &str) -> String {
    format!(
        "{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{}",
        if state.portal.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

/// Whether a cookie value has the shape of NUR's tokens (32 bytes, URL-safe base64).
pub fn token_shaped(t: &str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The language the visitor chose (cookie), if any.
pub fn chosen_lang(h: &HeaderMap) -> Option<Lang> {
    cookie(h, LANG_COOKIE).and_then(|c| Lang::parse(&c))
}

/// The language: the visitor's choice (cookie), else the browser's Accept-Language.
pub fn lang_of(h: &HeaderMap) -> Lang {
    chosen_lang(h).unwrap_or_else(|| {
        Lang::from_accept_language(
            h.get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        )
    })
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

/// Whether `p` is a path on this site and nothing else. Browsers read `/\\host`, `/\thost`
/// or `//host` as another host, so only a plain path is accepted: a `/` not followed by `/` or
/// `\\`, then printable ASCII without backslashes, spaces or control characters (what the
/// portal's own links hold).
pub fn local_path(p: &str) -> bool {
    let mut chars = p.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && p.len() <= 2048
        && p.chars().all(|c| c.is_ascii_graphic() && c != '\\')
}

/// Remembers the chosen language and returns to the page (a local path only).
pub async fn switch_lang(Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or(Lang::En);
    let back = q
        .back
        .filter(|b| local_path(b))
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

    #[test]
    fn only_plain_local_paths_are_followed() {
        for ok in [
            "/",
            "/login",
            "/queries?table=CSPD_Personal_Info&page=2",
            "/audit?person=9821017042",
        ] {
            assert!(local_path(ok), "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example".replace("%09", "\t").as_str(),
            "https://evil.example",
            "evil.example",
            "",
            "/ok\\..\\evil",
            "/a b",
            "/\u{202e}x",
        ] {
            assert!(!local_path(bad), "{bad:?}");
        }
    }
}
