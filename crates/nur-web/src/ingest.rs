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
pub(crate) async fn sources(
    State(s): State<AppState>,
    _caller: Caller,
) -> Result<Json<J>, ApiError> {
    let rows = blocking(move || Ok(s.app.source_status()?)).await?;
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

pub(crate) async fn metrics(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if !ops_allowed(&s, &headers) {
        return Err(ApiError::unauthorized(
            "the metrics need the deployment's metrics token",
        ));
    }
    let rows = blocking(move || Ok(s.app.source_status()?)).await?;
    let mut out = String::new();
    let families: [(&str, &str, &str); 8] = [
        (
            "nur_source_events_total",
            "counter",
            "Events received from the source.",
        ),
        (
            "nur_source_applied_total",
            "counter",
            "Changes applied to the warehouse.",
        ),
        (
            "nur_source_duplicates_total",
            "counter",
            "Events skipped as already applied.",
        ),
        (
            "nur_source_dead_letters_total",
            "counter",
            "Events sent to the dead-letter table.",
        ),
        (
            "nur_source_lag_seconds",
            "gauge",
            "Apply time minus source commit time of the last batch.",
        ),
        (
            "nur_source_last_event_timestamp_seconds",
            "gauge",
            "Source commit time of the newest applied change.",
        ),
        (
            "nur_source_last_apply_timestamp_seconds",
            "gauge",
            "When the last batch was committed.",
        ),
        (
            "nur_source_up",
            "gauge",
            "1 unless the source's last attempt failed.",
        ),
    ];
    for (name, ty, help) in families {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {ty}\n"));
        for r in &rows {
            let v = match name {
                "nur_source_events_total" => Some(r.events_total as f64),
                "nur_source_applied_total" => Some(r.applied_total as f64),
                "nur_source_duplicates_total" => Some(r.duplicates_total as f64),
                "nur_source_dead_letters_total" => Some(r.errors_total as f64),
                "nur_source_lag_seconds" => r.lag_ms.map(|l| l as f64 / 1000.0),
                "nur_source_last_event_timestamp_seconds" => {
                    r.last_event_ms.map(|l| l as f64 / 1000.0)
                }
                "nur_source_last_apply_timestamp_seconds" => {
                    r.last_applied_ms.map(|l| l as f64 / 1000.0)
                }
                _ => Some(if r.last_error.is_none() { 1.0 } else { 0.0 }),
            };
            if let Some(v) = v {
                out.push_str(&format!(
                    "{name}{{source=\"{}\",kind=\"{}\",entity=\"{}\"}} {v}\n",
                    label(&r.name),
                    label(&r.kind),
                    label(&r.entity)
                ));
            }
        }
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    ))
}

/// Escapes a Prometheus label value.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
