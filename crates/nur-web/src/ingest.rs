//! Change events over HTTP, source freshness and Prometheus metrics.
//!
//! `POST /api/v1/ingest/{source}/events` takes a JSON array of Debezium events from a client
//! of the source's custodian entity. Malformed JSON and out-of-order positions refuse the
//! whole request (400: the sender still holds the events and can correct them); an event that
//! parses as JSON but cannot be applied becomes a dead letter and the rest apply. Sending the
//! same events again changes nothing: positions at or before the committed one are counted
//! as duplicates.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use nur_core::grant::Actor;
use nur_ingest::cdc::{Kind, Received, SourceDef};
use nur_store::now_ms;
use serde_json::{json, Value as J};

/// Events per request; larger batches should be split by the sender.
pub const MAX_EVENTS: usize = 10_000;

pub(crate) async fn events(
    State(s): State<AppState>,
    caller: Caller,
    Path(source): Path<String>,
    body: Bytes,
) -> Result<Json<J>, ApiError> {
    blocking(move || {
        let row = s.store.source(&source).map_err(ApiError::from)?;
        let def = SourceDef::from_row(&row).map_err(ApiError::internal)?;
        if !matches!(caller.actor, Actor::Client { .. }) || caller.entity.as_str() != def.entity {
            return Err(ApiError::forbidden(
                "not_source_custodian",
                format!("only clients of {} may send events to {source}", def.entity),
            ));
        }
        if def.kind != Kind::Http {
            return Err(ApiError::invalid(
                "not_an_http_source",
                format!("source {source} is a {} source", def.kind.as_str()),
            ));
        }
        let items: Vec<J> = serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid(
                "malformed_json",
                format!("the body must be a JSON array of events: {e}"),
            )
        })?;
        if items.is_empty() || items.len() > MAX_EVENTS {
            return Err(ApiError::invalid(
                "batch_size",
                format!("send 1 to {MAX_EVENTS} events per request"),
            ));
        }
        let mut received = Vec::with_capacity(items.len());
        let mut last: Option<(usize, String)> = None;
        for (i, item) in items.into_iter().enumerate() {
            let r = Received::from_value(&item, item.to_string());
            if let Ok(e) = &r.event {
                if let Some(p) = &e.position {
                    if let Some((j, prev)) = &last {
                        if p <= prev {
                            return Err(ApiError::invalid(
                                "out_of_order",
                                format!("event {i} has position {p}, not after event {j}'s {prev}: send events in source order"),
                            ));
                        }
                    }
                    last = Some((i, p.clone()));
                }
            }
            received.push(r);
        }
        let mapper = def.clone().check(&s.catalog).map_err(ApiError::internal)?;
        let batch = mapper.batch(&source, "", received, |_| None);
        let applied = s.store.apply_changes(&batch).map_err(ApiError::from)?;
        let mut ev = caller.event("ingest.events", format!("source:{source}"));
        ev.outcome = format!(
            "ok; received {}, applied {}, duplicates {}, dead letters {}",
            batch.received, applied.applied, applied.duplicates, applied.dead_lettered
        );
        s.store.audit(ev).map_err(ApiError::from)?;
        Ok(Json(json!({
            "received": batch.received,
            "applied": applied.applied,
            "duplicates": applied.duplicates,
            "dead_lettered": applied.dead_lettered,
            "position": applied.position,
        })))
    })
    .await
}

/// Freshness of every source (no connection details).
pub(crate) async fn sources(
    State(s): State<AppState>,
    _caller: Caller,
) -> Result<Json<J>, ApiError> {
    let rows = blocking(move || s.store.sources().map_err(ApiError::from)).await?;
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
pub(crate) async fn metrics(State(s): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let rows = blocking(move || s.store.sources().map_err(ApiError::from)).await?;
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
