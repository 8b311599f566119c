//! Change events over HTTP, source freshness and Prometheus metrics.
//!
//! `POST /api/v1/ingest/{source}/events` takes a JSON array of Debezium events from a client
//! of the source's custodian entity. Malformed JSON and out-of-order positions refuse the
//! whole request (400: the sender still holds the events and can correct them); an event that
//! parses as JSON but cannot be applied becomes a dead letter and the rest apply. Sending the
//! same events again changes nothing: positions at or before the committed one are counted
//! as duplicates.

use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use nur_app::Caller;
use nur_store::now_ms;
use serde_json::{json, Value as J};

pub(crate) async fn events(
    State(s): State<AppState>,
    caller: Caller,
    Path(source): Path<String>,
    body: Bytes,
) -> Result<Json<J>, ApiError> {
    blocking(move || {
        let o = s.app.ingest_events(&caller, &source, &body)?;
        Ok(Json(json!({
            "received": o.received,
            "applied": o.applied.applied,
            "duplicates": o.applied.duplicates,
            "dead_lettered": o.applied.dead_lettered,
            "position": o.applied.position,
        })))
    })
    .await
}

/// Freshness of every source (no connection details).
/// Freshness of the sources: with the metrics token, all of them; for a client, its own
/// entity's (the names and health of other agencies' feeds are theirs).
pub(crate) async fn sources(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
) -> Result<Json<J>, ApiError> {
    let rows = if s.metrics_token.is_some() && ops_allowed(&s, &headers) {
        blocking(move || Ok(s.app.source_status()?)).await?
    } else {
        let caller = crate::auth::caller_from(&s, &headers, peer.ip()).await?;
        blocking(move || Ok(s.app.sources_of(&caller)?)).await?
    };
    let now = now_ms();
    let list: Vec<J> = rows
        .into_iter()
        .map(|r| {
            json!({
                "name": r.name,
                "kind": r.kind,
                "entity": r.entity,
                "last_event_ms": r.last_event_ms,
                "last_applied_ms": r.last_applied_ms,
                "since_last_apply_ms": r.last_applied_ms.map(|t| now - t),
                "lag_ms": r.lag_ms,
                "events": r.events_total,
                "applied": r.applied_total,
                "duplicates": r.duplicates_total,
                "dead_letters": r.errors_total,
                "last_error": r.last_error,
                "snapshot_done": r.snapshot_done,
                "positions": r.cursors.into_iter().map(|(s, p)| json!({"stream": s, "position": p})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({ "sources": list })))
}

/// Prometheus text exposition of the sources' counters and freshness.
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

/// The metrics: with the deployment's metrics token when one is configured, else from this
/// machine only (a scraper beside the server).
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
