//! Machine clients over HTTP: the OAuth2 client-credentials endpoint (`POST
//! /oauth2/client/token`, as the DCI standard specifies), the published verification keys
//! (`GET /.well-known/jwks.json`), and the [`Caller`] every data request resolves to from its
//! bearer token and its `X-NUR-User-Id` / `X-NUR-Purpose` headers. The rules are the app's
//! (`nur_app::tokens`).

use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use nur_app::{Caller, Kind};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};

#[derive(Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// An OAuth2 error response (RFC 6749 §5.2), the shape OAuth2 clients expect.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"error": error, "error_description": description})),
    )
        .into_response()
}

pub async fn token(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(req)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded with grant_type, client_id and client_secret",
        );
    };
    if req.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    let (Some(id), Some(secret)) = (req.client_id, req.client_secret) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id and client_secret are required",
        );
    };
    let app = s.app.clone();
    let ip = peer.ip();
    let issued = tokio::task::spawn_blocking(move || app.issue_token(&id, &secret, ip)).await;
    match issued {
        Ok(Ok(t)) => Json(serde_json::json!({
            "access_token": t.access_token,
            "token_type": "Bearer",
            "expires_in": t.expires_in,
        }))
        .into_response(),
        Ok(Err(e)) if matches!(e.kind, Kind::Unauthorized | Kind::Forbidden) => {
            oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &e.message)
        }
        Ok(Err(e)) => ApiError::from(e).into_response(),
        Err(e) => ApiError::internal(format!("worker failed: {e}")).into_response(),
    }
}

/// The public keys that verify NUR's access tokens (RFC 7517).
pub async fn jwks(State(s): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let set = blocking(move || Ok(s.app.jwks()?)).await?;
    Ok(Json(
        serde_json::to_value(set).map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

/// A header of free text (`X-NUR-Purpose`, `X-NUR-User-Id`): visible ASCII, or any language
/// (an Arabic purpose) percent-encoded as UTF-8, decoded here. Control characters are
/// refused; at most `MAX_HEADER_TEXT` characters.
fn header_text(h: &HeaderMap, name: &str) -> Result<Option<String>, ApiError> {
    let Some(v) = h.get(name) else {
        return Ok(None);
    };
    let bad = |why: &str| ApiError::invalid("invalid_header", format!("{name} {why}"));
    let raw = v
        .to_str()
        .map_err(|_| bad("must be visible ASCII text, or UTF-8 percent-encoded"))?;
    let text = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| bad("is percent-encoded but not UTF-8"))?;
    let text = text.trim();
    if text.chars().any(char::is_control) {
        return Err(bad("holds control characters"));
    }
    if text.chars().count() > nur_app::MAX_HEADER_TEXT {
        return Err(bad(&format!(
            "is longer than {} characters",
            nur_app::MAX_HEADER_TEXT
        )));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// The address a request came from.
pub(crate) fn peer_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Caller, ApiError> {
        caller_from(s, &parts.headers, peer_ip(parts)).await
    }
}

/// The caller of a request's bearer token and headers.
pub(crate) async fn caller_from(
    s: &AppState,
    headers: &HeaderMap,
    ip: IpAddr,
) -> Result<Caller, ApiError> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized("a bearer token is required (POST /oauth2/client/token)")
        })?
        .trim()
        .to_owned();
    let on_behalf_of = header_text(headers, "x-nur-user-id")?;
    let purpose = header_text(headers, "x-nur-purpose")?;
    let app = s.app.clone();
    blocking(move || Ok(app.caller_from_token(&token, ip, on_behalf_of, purpose)?)).await
}
