//! NUR over HTTP: the JSON APIs under `/api/v1`, health and readiness probes. This is the only
//! crate that knows HTTP; it calls the store through `spawn_blocking` because store calls
//! are synchronous and may take longer than an async task should block.

mod error;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use error::ApiError;
use nur_core::{Catalog, NationalNumber};
use nur_store::{PersonRecord, Store, Warehouse};
use std::sync::Arc;

pub use error::ErrorBody;

/// Everything a request handler needs, shared by all requests.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub catalog: Arc<Catalog>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/persons/{national_number}", get(person))
        .fallback(not_found)
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers.
async fn readyz(State(s): State<AppState>) -> Result<&'static str, ApiError> {
    blocking(move || s.store.schema_version().map_err(ApiError::from)).await?;
    Ok("ready")
}

async fn person(
    State(s): State<AppState>,
    Path(nn): Path<String>,
) -> Result<Json<PersonRecord>, ApiError> {
    let nn = NationalNumber::parse(&s.catalog.identity, &nn)
        .map_err(|e| ApiError::invalid("invalid_national_number", e.to_string()))?;
    let record = blocking(move || {
        s.store
            .lookup_person(&s.catalog, &nn)
            .map_err(ApiError::from)
    })
    .await?;
    record.map(Json).ok_or_else(|| {
        ApiError::not_found(
            "person_not_found",
            "no person or registry record has this national number",
        )
    })
}

async fn not_found() -> ApiError {
    ApiError::not_found("route_not_found", "no such route")
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("worker failed: {e}")))?
}
