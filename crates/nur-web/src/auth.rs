//! Machine clients over HTTP: the OAuth2 client-credentials endpoint (`POST
//! /oauth2/client/token`, as the DCI standard specifies), the published verification keys
//! (`GET /.well-known/jwks.json`), and the [`Caller`] every data request resolves to from its
//! bearer token and its `X-NUR-User-Id` / `X-NUR-Purpose` headers. The rules are the app's
//! (`nur_app::tokens`).

use crate::error::{ApiError, ErrorBody};
use crate::openapi::parts::said;
use crate::openapi::schemas;
use crate::{blocking, AppState};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use nur_app::{Caller, Kind};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use utoipa::ToSchema;

/// The client-credentials grant (RFC 6749 §4.4). Every field is needed; each is optional
/// here so that a missing one gets an OAuth2 error rather than a bare rejection.
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    #[schema(value_type = String, required = true, pattern = "^client_credentials$")]
    grant_type: Option<String>,
    #[schema(value_type = String, required = true)]
    client_id: Option<String>,
    #[schema(value_type = String, required = true)]
    client_secret: Option<String>,
}

/// An access token (RFC 6749 §5.1).
#[derive(Serialize, ToSchema)]
pub(crate) struct TokenResponse {
    /// A JWT signed with EdDSA; verify it with the keys at `/.well-known/jwks.json`.
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until the token expires.
    expires_in: u64,
}

/// The error codes of RFC 6749 §5.2 that the token endpoint answers.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OAuthErrorCode {
    InvalidRequest,
    UnsupportedGrantType,
    InvalidClient,
}

/// An OAuth2 error response (RFC 6749 §5.2), the shape OAuth2 clients expect.
#[derive(Serialize, ToSchema)]
pub(crate) struct OAuthError {
    error: OAuthErrorCode,
    error_description: String,
}

fn oauth_error(status: StatusCode, error: OAuthErrorCode, description: &str) -> Response {
    (
        status,
        Json(OAuthError {
            error,
            error_description: description.to_owned(),
        }),
    )
        .into_response()
}

/// Issues an access token to a machine client (OAuth2 client credentials).
///
/// The client's IP allowlist applies here as on every request. One answer for an unknown
/// client, a wrong secret and a revoked client, so client ids cannot be probed.
#[utoipa::path(post, path = "/oauth2/client/token", tag = "tokens",
    security(()),
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "a bearer token", body = TokenResponse),
        (status = 400, description = "`invalid_request` (not a form, or a field missing), `unsupported_grant_type`", body = OAuthError),
        (status = 401, description = "`invalid_client`: unknown client, wrong secret, revoked client, or an address the client may not connect from", body = OAuthError),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn token(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(req)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidRequest,
            "the body must be application/x-www-form-urlencoded with grant_type, client_id and client_secret",
        );
    };
    if req.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::UnsupportedGrantType,
            "grant_type must be client_credentials",
        );
    }
    let (Some(id), Some(secret)) = (req.client_id, req.client_secret) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidRequest,
            "client_id and client_secret are required",
        );
    };
    let app = s.app.clone();
    let ip = peer.ip();
    let issued = tokio::task::spawn_blocking(move || app.issue_token(&id, &secret, ip)).await;
    match issued {
        Ok(Ok(t)) => Json(TokenResponse {
            access_token: t.access_token,
            token_type: "Bearer",
            expires_in: t.expires_in,
        })
        .into_response(),
        Ok(Err(e)) if matches!(e.kind, Kind::Unauthorized | Kind::Forbidden) => oauth_error(
            StatusCode::UNAUTHORIZED,
            OAuthErrorCode::InvalidClient,
            &e.message,
        ),
        Ok(Err(e)) => ApiError::from(e).into_response(),
        Err(e) => ApiError::internal(format!("worker failed: {e}")).into_response(),
    }
}

/// The public keys that verify NUR's access tokens (RFC 7517).
///
/// A key stays here after a rotation until the tokens it signed have expired.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "tokens",
    security(()),
    responses(
        (status = 200, description = "the key set", body = schemas::JwkSet),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn jwks(State(s): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    // Written by jsonwebtoken, which knows RFC 7517; the schema names the fields it writes.
    let set = blocking(move || Ok(s.app.jwks()?)).await?;
    Ok(Json(set))
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
