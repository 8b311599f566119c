//! NUR over HTTP: the JSON APIs under `/api/v1`, health and readiness probes. This is the only
//! crate that knows HTTP; it calls the store through `spawn_blocking` because store calls
//! are synchronous and may take longer than an async task should block.

pub mod auth;
mod data;
mod dci;
mod error;
pub mod gateway;
mod ingest;
pub mod metrics;
mod openapi;
pub mod portal;
mod sp;

mod sp_pay;
mod sp_target;
pub mod upstream;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use nur_app::App;
use nur_core::Catalog;
use nur_store::{Store, Warehouse};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::ErrorBody;

/// Everything a request handler needs, shared by all requests: the use cases, and what only
/// the web needs (the gateway's HTTP client, the portal's settings).
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    /// The app's store and catalog, for reads that need no use case.
    pub store: Arc<Store>,
    pub catalog: Arc<Catalog>,
    pub http: gateway::HttpClient,
    pub portal: portal::PortalConfig,
    /// When set, the operational endpoints (`/metrics`, `/api/v1/sources`) ask for it as a
    /// bearer token.
    pub metrics_token: Option<Arc<str>>,
    pub metrics: Arc<metrics::Metrics>,
    /// The DCI registries' service, and the prefix each is mounted under.
    pub dci: Arc<nur_dci::Dci>,
    pub dci_prefixes: Vec<(nur_dci::Registry, String)>,
    /// How the DCI outbox retries its deliveries.
    pub dci_backoff: nur_dci::Backoff,
    /// Query results kept for paging and export in the portal.
    pub kept: Arc<portal::KeptResults>,
}

/// Builds the use cases and the web state over one store: one-time codes go to the outbox
/// file (development), else the SMTP relay, else the SMS gateway.
pub fn app_state(
    store: Arc<Store>,
    catalog: Arc<Catalog>,
    mut options: nur_app::Options,
    portal: portal::PortalConfig,
) -> nur_app::Result<AppState> {
    options.delivery = portal::delivery::for_config(&portal);
    let app = Arc::new(App::new(store.clone(), catalog.clone(), options)?);
    let dci = Arc::new(nur_dci::Dci::new(app.clone(), "nur").map_err(nur_app::AppError::internal)?);
    Ok(AppState {
        app,
        store: store.clone(),
        catalog,
        http: gateway::http_client(),
        portal,
        metrics_token: None,
        metrics: Arc::new(metrics::Metrics::new(store)),
        dci,
        dci_prefixes: vec![
            (nur_dci::Registry::Crvs, "/dci/crvs".into()),
            (nur_dci::Registry::Sr, "/dci/sr".into()),
        ],
        dci_backoff: nur_dci::Backoff::default(),
        kept: Arc::default(),
    })
}

impl AppState {
    /// Puts `/metrics` and `/api/v1/sources` behind a bearer token.
    pub fn with_metrics_token(mut self, token: Option<&str>) -> AppState {
        self.metrics_token = token.map(Arc::from);
        self
    }
}

pub fn router(state: AppState) -> Router {
    // The DCI doors are described by the official DCI files, not by NUR's OpenAPI document.
    Router::new()
        .merge(dci::routes(&state))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/oauth2/client/token", post(auth::token))
        .route("/.well-known/jwks.json", get(auth::jwks))
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
        .route("/api/v1/sp/form", get(sp::form))
        .route("/api/v1/sp/applications", post(sp::create))
        .route(
            "/api/v1/sp/applications/{id}",
            get(sp::get_one).put(sp::update),
        )
        .route("/api/v1/sp/applications/{id}/submit", post(sp::submit))
        .route("/api/v1/sp/households/{id}", get(sp::household))
        .route(
            "/api/v1/sp/households/{id}/decisions",
            get(sp_target::decisions),
        )
        .route(
            "/api/v1/sp/programs",
            get(sp_target::programs).post(sp_target::save),
        )
        .route("/api/v1/sp/programs/{code}", get(sp_target::program))
        .route(
            "/api/v1/sp/programs/{code}/versions/{version}/publish",
            post(sp_target::publish),
        )
        .route("/api/v1/sp/programs/{code}/target", post(sp_target::target))
        .route("/api/v1/sp/runs", get(sp_target::runs))
        .route("/api/v1/sp/runs/{id}", get(sp_target::run))
        .route(
            "/api/v1/sp/cycles",
            get(sp_pay::cycles).post(sp_pay::create_cycle),
        )
        .route("/api/v1/sp/cycles/{id}", get(sp_pay::cycle))
        .route("/api/v1/sp/cycles/{id}/approve", post(sp_pay::approve))
        .route("/api/v1/sp/cycles/{id}/close", post(sp_pay::close))
        .route("/api/v1/sp/cycles/{id}/members", get(sp_pay::members))
        .route(
            "/api/v1/sp/cycles/{id}/members/{household}",
            post(sp_pay::member),
        )
        .route("/api/v1/sp/cycles/{id}/payments", get(sp_pay::payments))
        .route("/api/v1/sp/cycles/{id}/files/{provider}", get(sp_pay::file))
        .route(
            "/api/v1/sp/payment-statuses",
            post(sp_pay::statuses).layer(axum::extract::DefaultBodyLimit::max(128 << 20)),
        )
        .route(
            "/api/v1/sp/programs/{code}/rejections",
            get(sp_pay::rejections),
        )
        .route(
            "/api/v1/sp/accounts/{national_number}",
            get(sp_pay::accounts).put(sp_pay::set_account),
        )
        .route(
            "/api/v1/sp/appeals",
            get(sp_pay::appeals)
                .post(sp_pay::submit_appeal)
                .layer(axum::extract::DefaultBodyLimit::max(10 << 20)),
        )
        .route("/api/v1/sp/appeals/{id}", get(sp_pay::appeal))
        .route("/api/v1/sp/appeals/{id}/steps", post(sp_pay::appeal_step))
        .route(
            "/api/v1/persons/{national_number}/access-log",
            get(data::access_log),
        )
        .merge(portal::router(state.clone()))
        .fallback(portal::errors::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            portal::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        // The whole body of any request, streamed or not (a route may allow less).
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(RequestIds))
        .with_state(state)
}

/// The largest request body NUR reads (a batch of change events is the largest there is).
const MAX_BODY: usize = 32 << 20;

/// A request that takes longer is answered 503 (its work is abandoned).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Request ids (`x-request-id`): the caller's own when it sends one, else 16 random hex
/// digits; logged with the request and returned with the answer.
#[derive(Clone, Copy)]
struct RequestIds;

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).ok()?;
        axum::http::HeaderValue::from_str(&nur_core::audit::hex(&b))
            .ok()
            .map(RequestId::new)
    }
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Refusals held back while they repeat are written when their interval ends.
    let app = state.app.clone();
    let last = state.app.clone();
    let flusher = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            every.tick().await;
            let app = app.clone();
            let _ = tokio::task::spawn_blocking(move || app.flush_refusals(false)).await;
        }
    });
    // Households whose members' registry rows changed are re-verified as the changes land.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let worker = {
        let (app, stop) = (state.app.clone(), stop.clone());
        std::thread::spawn(move || {
            app.reverify_worker(
                &|| stop.load(std::sync::atomic::Ordering::Relaxed),
                std::time::Duration::from_millis(250),
            )
        })
    };
    // DCI: async answers, notifications from ingestion, and the outbox's deliveries.
    let dci_worker = tokio::spawn(nur_dci::worker::run(state.dci.clone(), state.dci_backoff));
    let served = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    flusher.abort();
    dci_worker.abort();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = tokio::task::spawn_blocking(move || worker.join()).await;
    let _ = tokio::task::spawn_blocking(move || last.flush_refusals(true)).await;
    served
}

/// Serves the simulated upstream operations (see [`upstream`]) until `shutdown` resolves.
/// It answers every property to whoever reaches it, so it refuses any address but loopback.
pub async fn serve_upstream(
    listener: tokio::net::TcpListener,
    store: Arc<Store>,
    catalog: Arc<Catalog>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let at = listener.local_addr()?;
    if !at.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("the simulated upstream serves loopback only, not {at}"),
        ));
    }
    axum::serve(listener, upstream::router(store, catalog))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Alive: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "monitoring", security(()),
    responses((status = 200, description = "`ok`", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers.
#[utoipa::path(get, path = "/readyz", tag = "monitoring", security(()),
    responses(
        (status = 200, description = "`ready`", body = String),
        (status = 500, description = "`internal`: the database does not answer", body = ErrorBody),
    ))]
async fn readyz(State(s): State<AppState>) -> Result<&'static str, ApiError> {
    blocking(move || s.store.schema_version().map_err(ApiError::from)).await?;
    Ok("ready")
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("worker failed: {e}")))?
}
