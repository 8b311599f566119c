//! Change events over HTTP, source freshness and Prometheus metrics.
//!
//! `POST /api/v1/ingest/{source}/events` takes a JSON array of Debezium events from a client
//! of the source's custodian entity. Malformed JSON and out-of-order positions refuse the
//! whole request (400: the sender still holds the events and can correct them); an event that
//! parses as JSON but cannot be applied becomes a dead letter and the rest apply. Sending the
//! same events again changes nothing: positions at or before the committed one are counted
//! as duplicates.

use crate::error::{ApiError, ErrorBody};
use crate::openapi::parts::{said, CallerHeaders};
use crate::openapi::schemas;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use nur_app::Caller;
use nur_store::now_ms;
use serde::Serialize;
use utoipa::ToSchema;

/// What became of a request's events.
#[derive(Serialize, ToSchema)]
pub(crate) struct IngestResult {
    received: u64,
    applied: u64,
    /// At or before the committed position: already applied.
    duplicates: u64,
    /// Could not be applied; kept in the dead-letter table with the reason.
    dead_lettered: u64,
    /// The source's committed position after this request.
    position: Option<String>,
}

/// Offers a batch of change events to an HTTP source.
///
/// Only clients of the source's custodian may send. Sending the same events again changes
/// nothing.
#[utoipa::path(post, path = "/api/v1/ingest/{source}/events", tag = "ingest",
    params(
        ("source" = String, Path, description = "the source's name"),
        CallerHeaders,
    ),
    request_body(description = "1 to 10,000 events in source order", content = Vec<schemas::ChangeEvent>),
    responses(
        (status = 200, description = "the events were applied, skipped as duplicates or dead-lettered", body = IngestResult),
        (status = 400, description = "`malformed_json`, `batch_size`, `out_of_order` (positions not increasing), `not_an_http_source`: the whole batch is refused; or `invalid_header`, `purpose_required`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_source_custodian`: the caller is not a client of the source's entity; `address_not_allowed`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such source", body = ErrorBody),
        (status = 413, description = "`body_too_large`: above 32 MiB", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub(crate) async fn events(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<IngestResult>, ApiError> {
    let (Path(source), body) = (path?, body?);
    blocking(move || {
        let o = s.app.ingest_events(&caller, &source, &body)?;
        if o.applied.applied > 0 {
            // A change may have queued DCI events: their notifications need not wait for
            // the worker's next poll.
            s.dci.wake.notify_one();
        }
        Ok(Json(IngestResult {
            received: o.received,
            applied: o.applied.applied,
            duplicates: o.applied.duplicates,
            dead_lettered: o.applied.dead_lettered,
            position: o.applied.position,
        }))
    })
    .await
}

/// The last committed position of one stream of a source.
#[derive(Serialize, ToSchema)]
pub(crate) struct StreamPosition {
    stream: String,
    position: String,
}

/// A source's freshness and counters.
#[derive(Serialize, ToSchema)]
pub(crate) struct SourceStatus {
    name: String,
    kind: String,
    entity: String,
    /// The source's commit time of the last applied change (Unix ms).
    last_event_ms: Option<i64>,
    /// When NUR last committed a batch of this source (Unix ms).
    last_applied_ms: Option<i64>,
    since_last_apply_ms: Option<i64>,
    /// Apply time minus source commit time of the last batch's newest change.
    lag_ms: Option<i64>,
    events: i64,
    applied: i64,
    duplicates: i64,
    dead_letters: i64,
    last_error: Option<String>,
    snapshot_done: bool,
    positions: Vec<StreamPosition>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SourceList {
    sources: Vec<SourceStatus>,
}

/// Freshness of every source (no connection details).
/// Freshness of the sources: with the metrics token, all of them; for a client, its own
/// entity's (the names and health of other agencies' feeds are theirs).
#[utoipa::path(get, path = "/api/v1/sources", tag = "ingest",
    params(CallerHeaders),
    security(("bearer" = []), ("metrics_token" = [])),
    responses(
        (status = 200, description = "the sources the caller may watch: its entity's, or all with the metrics token", body = SourceList),
        (status = 400, description = said::CALLER_BAD, body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = said::CALLER_FORBIDDEN, body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub(crate) async fn sources(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
) -> Result<Json<SourceList>, ApiError> {
    let rows = if s.metrics_token.is_some() && ops_allowed(&s, &headers) {
        blocking(move || Ok(s.app.source_status()?)).await?
    } else {
        let caller = crate::auth::caller_from(&s, &headers, peer.ip()).await?;
        blocking(move || Ok(s.app.sources_of(&caller)?)).await?
    };
    let now = now_ms();
    let sources = rows
        .into_iter()
        .map(|r| SourceStatus {
            since_last_apply_ms: r.last_applied_ms.map(|t| now - t),
            name: r.name,
            kind: r.kind,
            entity: r.entity,
            last_event_ms: r.last_event_ms,
            last_applied_ms: r.last_applied_ms,
            lag_ms: r.lag_ms,
            events: r.events_total,
            applied: r.applied_total,
            duplicates: r.duplicates_total,
            dead_letters: r.errors_total,
            last_error: r.last_error,
            snapshot_done: r.snapshot_done,
            positions: r
                .cursors
                .into_iter()
                .map(|(stream, position)| StreamPosition { stream, position })
                .collect(),
        })
        .collect();
    Ok(Json(SourceList { sources }))
}

/// Whether a request may read the operational endpoints: anyone when no token is configured,
/// else only with it (compared in constant time).
pub(crate) fn ops_allowed(s: &AppState, headers: &axum::http::HeaderMap) -> bool {
    let Some(want) = &s.metrics_token else {
        return true;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    nur_core::totp::constant_time_eq(given.trim().as_bytes(), want.as_bytes())
}

/// Prometheus text exposition: every route, the audit group commit, the sources.
///
/// With the deployment's metrics token when one is configured, else from this machine only
/// (a scraper beside the server).
#[utoipa::path(get, path = "/metrics", tag = "monitoring",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "the metrics", body = String,
            content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "`unauthorized`: the deployment's metrics token is required (or a request from this machine when none is set)", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub(crate) async fn metrics(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
) -> Result<impl IntoResponse, ApiError> {
    let allowed = match &s.metrics_token {
        Some(_) => ops_allowed(&s, &headers),
        None => peer.ip().is_loopback(),
    };
    if !allowed {
        return Err(ApiError::unauthorized(
            "the metrics need the deployment's metrics token (server.metrics_token)",
        ));
    }
    let text = blocking(move || {
        s.metrics
            .render()
            .map_err(|e| ApiError::internal(format!("metrics: {e}")))
    })
    .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )],
        text,
    ))
}
