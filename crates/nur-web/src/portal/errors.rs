//! Error pages a person reads, never raw JSON: a page's failure (a handler's error), an
//! unknown address, a refused role, all as HTML inside the frame the visitor knows — the
//! officer's menu, the citizen's menu, or the bare frame before sign-in — with a title for
//! the kind of failure, the reason once, its code, and the way back.

use super::i18n::Lang;
use super::{layout, session, Visit};
use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup};
use std::net::SocketAddr;

/// What an API error said, kept on its response so the portal can show it as a page.
#[derive(Clone, Debug)]
pub struct Shown {
    pub code: &'static str,
    pub message: String,
    pub reason: Option<nur_core::Reason>,
}

/// The title of a page that failed with `status`.
pub fn title_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 | 403 => "error-title-forbidden",
        404 => "error-title-not-found",
        413 => "error-title-too-large",
        429 | 503 => "error-title-busy",
        400 | 409 | 422 => "error-title-refused",
        _ => "error-title-internal",
    }
}

fn body(lang: Lang, reason: &str, code: &str, home: &str) -> Markup {
    html! {
        p role="alert" { bdi { (reason) } }
        @if !code.is_empty() { p.code { (lang.t("error-code")) ": " code { (code) } } }
        p { a href=(home) { (lang.t("menu-home")) } }
    }
}

/// The page for `status` with `reason`, in the frame of `v`.
pub fn page(state: &AppState, v: &Visit, status: StatusCode, code: &str, reason: &str) -> Response {
    let lang = v.lang;
    let title = lang.t(title_key(status));
    let markup = if v.account.is_some() {
        layout::page(state, v, &title, "/", &[], body(lang, reason, code, "/"))
    } else if v.session.stage == nur_app::CITIZEN {
        layout::citizen_page(
            state,
            v,
            &title,
            &[],
            body(lang, reason, code, "/citizen/home"),
        )
    } else {
        layout::bare(lang, &title, body(lang, reason, code, "/"))
    };
    (status, Html(markup.into_string())).into_response()
}

/// A portal handler's JSON error turned into its page (files and pages alike: a person
/// followed the link).
pub fn as_page(state: &AppState, v: &Visit, resp: Response) -> Response {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    match resp.extensions().get::<Shown>() {
        Some(shown) if is_json && resp.status().as_u16() >= 400 => {
            let said = super::reasons::said_or(
                state,
                v.lang,
                shown.code,
                shown.reason.as_ref(),
                &shown.message,
            );
            let mut page = page(state, v, resp.status(), shown.code, &said);
            if let Some(r) = resp.headers().get(header::RETRY_AFTER) {
                page.headers_mut().insert(header::RETRY_AFTER, r.clone());
            }
            page
        }
        _ => resp,
    }
}

/// Addresses that belong to the machine interfaces: their unknown paths answer JSON.
fn is_api(path: &str) -> bool {
    [
        "/api/",
        "/dci/",
        "/oauth2/",
        "/.well-known/",
        "/metrics",
        "/healthz",
        "/ingest",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// The router's fallback: JSON for the APIs, an HTML page for everything else, inside the
/// frame of whoever is signed in.
pub async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if is_api(&path) {
        return crate::error::ApiError::not_found("route_not_found", "no such route")
            .into_response();
    }
    let headers = req.headers().clone();
    let lang = session::lang_of(&headers);
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let cookie = session::cookie(&headers, session::SESSION_COOKIE);
    let st = state.clone();
    let found = crate::blocking(move || Ok(st.app.session(cookie.as_deref())?)).await;
    let reason = lang.t("error-not-found");
    let mut resp = match found {
        Ok((Some(session), account))
            if (session.stage == session::SIGNED_IN && account.is_some())
                || session.stage == nur_app::CITIZEN =>
        {
            let v = Visit::bare(session, account, lang, ip);
            page(&state, &v, StatusCode::NOT_FOUND, "", &reason)
        }
        _ => (
            StatusCode::NOT_FOUND,
            Html(
                layout::bare(
                    lang,
                    &lang.t("error-title-not-found"),
                    body(lang, &reason, "", "/"),
                )
                .into_string(),
            ),
        )
            .into_response(),
    };
    resp.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    resp
}
