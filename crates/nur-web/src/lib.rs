//! NUR over HTTP: the JSON APIs under `/api/v1`, health and readiness probes. This is the only
//! crate that knows HTTP; it calls the store through `spawn_blocking` because store calls
//! are synchronous and may take longer than an async task should block.

pub mod auth;
mod data;
mod error;
pub mod gateway;
mod ingest;
mod openapi;
pub mod portal;
pub mod upstream;

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use nur_core::query::Limits;
use nur_core::Catalog;
use nur_store::{Store, Warehouse};
use std::net::SocketAddr;
use std::sync::Arc;

pub use error::ErrorBody;

/// Everything a request handler needs, shared by all requests.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub catalog: Arc<Catalog>,
    pub keys: auth::TokenKeys,
    pub limits: Limits,
    pub http: gateway::HttpClient,
    pub portal: portal::PortalConfig,
    /// Where one-time codes are sent (none: codes cannot be sent, TOTP only).
    pub delivery: Option<Arc<dyn portal::Delivery>>,
}

impl AppState {
    /// Loads (or creates) the token signing key; tokens live `token_ttl_secs`.
    pub fn new(
        store: Arc<Store>,
        catalog: Arc<Catalog>,
        token_ttl_secs: u64,
        limits: Limits,
    ) -> nur_store::Result<AppState> {
        let keys = auth::TokenKeys::load(&store, token_ttl_secs)?;
        Ok(AppState {
            store,
            catalog,
            keys,
            limits,
            http: gateway::http_client(),
            portal: portal::PortalConfig::default(),
            delivery: None,
        })
    }

    /// Portal settings; one-time codes go to the outbox file (development), else the SMTP
    /// relay, else the SMS gateway.
    pub fn with_portal(mut self, config: portal::PortalConfig) -> AppState {
        self.delivery = match (&config.outbox, &config.smtp, &config.sms_gateway) {
            (Some(p), _, _) => {
                Some(Arc::new(portal::Outbox(p.clone())) as Arc<dyn portal::Delivery>)
            }
            (None, Some(smtp), _) => Some(Arc::new(smtp.clone()) as Arc<dyn portal::Delivery>),
            (None, None, Some(url)) => {
                Some(Arc::new(portal::delivery::SmsGateway { url: url.clone() })
                    as Arc<dyn portal::Delivery>)
            }
            _ => None,
        };
        self.portal = config;
        self
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/oauth2/client/token", post(auth::token))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/v1/grants", get(data::my_grants))
        .route("/api/v1/queries/sql", post(data::query_sql))
        .route("/api/v1/queries/run", post(data::query_run))
        .route("/api/v1/procedures", get(data::procedures))
        .route(
            "/api/v1/procedures/{entity}/{name}",
            post(data::procedure_post).get(data::procedure_get),
        )
        .route(
            "/api/v1/operations/{entity}/{service}/{operation}",
            post(gateway::call),
        )
        .route(
            "/api/v1/ingest/{source}/events",
            post(ingest::events).layer(axum::extract::DefaultBodyLimit::max(32 << 20)),
        )
        .route("/api/v1/sources", get(ingest::sources))
        .route("/metrics", get(ingest::metrics))
        .route("/api/v1/persons/{national_number}", get(data::person))
        .route(
            "/api/v1/persons/{national_number}/access-log",
            get(data::access_log),
        )
        .merge(portal::router(state.clone()))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(portal::security_headers))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves the simulated upstream operations (see [`upstream`]) until `shutdown` resolves.
pub async fn serve_upstream(
    listener: tokio::net::TcpListener,
    store: Arc<Store>,
    catalog: Arc<Catalog>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, upstream::router(store, catalog))
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

async fn not_found() -> ApiError {
    ApiError::not_found("route_not_found", "no such route")
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("worker failed: {e}")))?
}
