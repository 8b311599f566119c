//! The service-bus gateway: consumers call custodians' live operations through NUR
//! (`POST /api/v1/operations/{entity}/{service}/{operation}`). NUR checks the operation grant,
//! validates the input, calls the registered upstream over HTTP with a timeout, removes every
//! output property the caller is not granted, maps upstream failures to clear errors and
//! audits the call.

use crate::auth::Caller;
use crate::data::grants_now;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::Json as AxJson;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use nur_core::grant::find_service;
use nur_core::{Ident, Value};
use serde_json::{json, Map, Value as Json};
use std::time::Duration;

/// The largest upstream answer accepted.
const MAX_UPSTREAM_BYTES: usize = 8 * 1024 * 1024;

pub type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http()
}

fn ident(kind: &str, s: &str) -> Result<Ident, ApiError> {
    Ident::parse(s).map_err(|e| ApiError::invalid("invalid_name", format!("{kind}: {e}")))
}

pub async fn call(
    State(s): State<AppState>,
    caller: Caller,
    Path((entity, service, operation)): Path<(String, String, String)>,
    body: Option<AxJson<Map<String, Json>>>,
) -> Result<AxJson<Json>, ApiError> {
    let (service, operation) = (ident("service", &service)?, ident("operation", &operation)?);
    let svc = find_service(&s.catalog, &service, &operation)
        .ok()
        .filter(|svc| svc.custodian.as_str() == entity)
        .ok_or_else(|| {
            ApiError::not_found(
                "operation_not_found",
                format!("{entity} has no operation {service}.{operation}"),
            )
        })?
        .clone();
    let target = format!("{entity}/{service}.{operation}");
    let input = body.map(|b| b.0).unwrap_or_default();
    // Grant check, input validation and the upstream address, off the async threads.
    let (grants, upstream) = {
        let s = s.clone();
        let caller = caller.clone();
        let target = target.clone();
        blocking(move || {
            let grants = grants_now(&s.store, &caller)?;
            if !grants.operation(&s.catalog, &service, &operation) {
                let e = ApiError::forbidden(
                    "not_granted",
                    format!(
                        "operation {service}.{operation} is not granted to {}",
                        caller.entity
                    ),
                );
                let mut ev = caller.event("operation.call", target);
                ev.outcome = format!("refused: {}", e.message());
                s.store.audit(ev).map_err(ApiError::from)?;
                return Err(e);
            }
            let up = s.store.upstream(service.as_str()).map_err(ApiError::from)?;
            Ok((grants, up))
        })
        .await?
    };
    let mut args = Map::new();
    for k in input.keys() {
        if !svc.input.iter().any(|i| i.name.as_str() == k) {
            return Err(ApiError::invalid(
                "invalid_parameter",
                format!(
                    "operation {}.{} takes no input {k:?}",
                    svc.service, svc.operation
                ),
            ));
        }
    }
    for i in &svc.input {
        let v = input.get(i.name.as_str()).ok_or_else(|| {
            ApiError::invalid("invalid_parameter", format!("input {} is required", i.name))
        })?;
        let parsed = Value::from_json(&s.catalog.identity, i.ty, v).map_err(|e| {
            ApiError::invalid("invalid_parameter", format!("input {}: {e}", i.name))
        })?;
        args.insert(i.name.to_string(), parsed.to_json());
    }
    let upstream = upstream.ok_or_else(|| {
        ApiError::upstream(
            StatusCode::BAD_GATEWAY,
            "upstream_not_registered",
            format!(
                "no upstream address is registered for service {}",
                svc.service
            ),
        )
    })?;
    let url = format!(
        "{}/{}/{}",
        upstream.base_url.trim_end_matches('/'),
        svc.service,
        svc.operation
    );
    let result = fetch(&s.http, &url, &Json::Object(args), upstream.timeout_ms).await;
    let records = match result {
        Ok(r) => r,
        Err(e) => {
            let store = s.store.clone();
            let mut ev = caller.event("operation.call", target);
            ev.outcome = format!("failed: {}", e.message());
            blocking(move || store.audit(ev).map_err(ApiError::from)).await?;
            return Err(e);
        }
    };
    // Keep only granted properties (and only properties the catalog defines).
    let mut returned = std::collections::BTreeSet::new();
    let mut persons = Vec::new();
    let filtered: Vec<Json> = records
        .into_iter()
        .map(|r| {
            let kept: Map<String, Json> = r
                .into_iter()
                .filter(|(k, _)| {
                    svc.properties.iter().any(|p| {
                        p.name.as_str() == k
                            && grants.property(&s.catalog, &svc.service, &svc.operation, &p.name)
                    })
                })
                .collect();
            for (k, v) in &kept {
                returned.insert(k.clone());
                let is_nn = svc
                    .properties
                    .iter()
                    .any(|p| p.name.as_str() == k && p.ty == nur_core::ColumnType::NationalNumber);
                if let (true, Some(nn)) = (is_nn, v.as_str()) {
                    persons.push(nn.to_owned());
                }
            }
            Json::Object(kept)
        })
        .collect();
    let mut ev = caller.event("operation.call", target);
    ev.columns = returned.into_iter().collect();
    ev.persons = persons;
    if let Some(Json::String(nn)) = args_nn(&svc, &input) {
        ev.persons.push(nn);
    }
    let store = s.store.clone();
    blocking(move || store.audit(ev).map_err(ApiError::from)).await?;
    Ok(AxJson(json!({
        "entity": svc.custodian, "service": svc.service, "operation": svc.operation,
        "records": filtered,
    })))
}

/// The national number the call was about, if its input has one.
fn args_nn(svc: &nur_core::catalog::Service, input: &Map<String, Json>) -> Option<Json> {
    svc.input
        .iter()
        .find(|i| i.ty == nur_core::ColumnType::NationalNumber)
        .and_then(|i| input.get(i.name.as_str()).cloned())
}

/// POSTs `body` upstream; the answer is a JSON array of records (or one record).
async fn fetch(
    http: &HttpClient,
    url: &str,
    body: &Json,
    timeout_ms: i64,
) -> Result<Vec<Map<String, Json>>, ApiError> {
    let bad = |code: &'static str, m: String| ApiError::upstream(StatusCode::BAD_GATEWAY, code, m);
    let req = Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| bad("upstream_invalid_address", format!("{url}: {e}")))?;
    let timeout = Duration::from_millis(timeout_ms.max(1) as u64);
    let exchange = async {
        let resp = http.request(req).await.map_err(|e| {
            bad(
                "upstream_unavailable",
                format!("the upstream service did not answer: {e}"),
            )
        })?;
        let status = resp.status();
        let bytes = http_body_util::Limited::new(resp.into_body(), MAX_UPSTREAM_BYTES)
            .collect()
            .await
            .map_err(|e| {
                bad(
                    "upstream_invalid",
                    format!("reading the upstream answer: {e}"),
                )
            })?
            .to_bytes();
        Ok::<_, ApiError>((status, bytes))
    };
    let (status, bytes) = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| {
            ApiError::upstream(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                format!("the upstream service did not answer within {timeout_ms} ms"),
            )
        })??;
    if status == StatusCode::NOT_FOUND {
        return Ok(vec![]);
    }
    if !status.is_success() {
        return Err(bad(
            "upstream_error",
            format!("the upstream service answered HTTP {}", status.as_u16()),
        ));
    }
    let v: Json = serde_json::from_slice(&bytes).map_err(|e| {
        bad(
            "upstream_invalid",
            format!("the upstream answer is not JSON: {e}"),
        )
    })?;
    match v {
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::Object(m) => Ok(m),
                _ => Err(bad(
                    "upstream_invalid",
                    "an upstream record is not an object".into(),
                )),
            })
            .collect(),
        Json::Object(m) => Ok(vec![m]),
        _ => Err(bad(
            "upstream_invalid",
            "the upstream answer is not a record or a list of records".into(),
        )),
    }
}
