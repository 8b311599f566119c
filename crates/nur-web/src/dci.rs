//! The DCI door: `POST {prefix}/registry/…` for each registry NUR serves (the CRVS registry
//! at `/dci/crvs` by default) and `GET /.well-known/locations.json`. The bearer token is
//! read here; everything else — the envelope, the sender, its signature, the search under
//! the client's grants, the answer — is `nur_dci::Dci`'s.

use crate::auth::{caller_from, peer_ip};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use nur_dci::{Endpoint, Registry};

/// The DCI routes: each registry under its prefix, and the locations.
pub fn routes(state: &AppState) -> Router<AppState> {
    let mut r = Router::new().route("/.well-known/locations.json", get(locations));
    for (registry, prefix) in &state.dci_prefixes {
        let registry = *registry;
        r = r.route(
            &format!("{}/registry/{{*path}}", prefix.trim_end_matches('/')),
            post(
                move |State(s): State<AppState>,
                      Path(path): Path<String>,
                      parts: Parts,
                      body: Bytes| {
                    self::registry(registry, s, path, parts, body)
                },
            ),
        );
    }
    r.route(
        "/dci/partners/{name}/registry/{*path}",
        post(partner_callback),
    )
}

/// `POST /dci/partners/{name}/registry/{path}`: what a partner registry NUR subscribed to
/// sends back (verified with its key by `nur_dci`, never with a token of NUR's).
async fn partner_callback(
    State(s): State<AppState>,
    Path((name, path)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let dci = s.dci.clone();
    let path = format!("registry/{path}");
    answered(move || dci.partner_callback(&name, &path, &body)).await
}

/// Runs a DCI answer off the async runtime (store calls block) and sends it.
async fn answered(f: impl FnOnce() -> nur_dci::Reply + Send + 'static) -> Response {
    let reply = tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| nur_dci::Reply {
            status: 500,
            body: nur_dci::envelope::http_error("err.service.unavailable", "the request failed"),
        });
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(reply.body)).into_response()
}

/// `POST {prefix}/registry/{path}` of `registry`.
pub async fn registry(
    registry: Registry,
    s: AppState,
    path: String,
    parts: Parts,
    body: Bytes,
) -> Response {
    let Some(endpoint) = Endpoint::parse(&format!("registry/{path}")) else {
        return (
            StatusCode::NOT_FOUND,
            Json(nur_dci::envelope::http_error(
                "err.request.not_found",
                "no such DCI endpoint",
            )),
        )
            .into_response();
    };
    let caller = caller_from(&s, &parts.headers, peer_ip(&parts))
        .await
        .map_err(|e| e.message().to_owned());
    let dci = s.dci.clone();
    answered(move || dci.handle(registry, endpoint, caller, &body)).await
}

/// `GET /.well-known/locations.json`: the country's geography.
pub async fn locations(State(s): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let catalog = s.catalog.clone();
    blocking(move || Ok(nur_dci::crvs::locations(&catalog)))
        .await
        .map(Json)
}
