//! The service-bus gateway over HTTP: consumers call custodians' live operations through NUR
//! (`POST /api/v1/operations/{entity}/{service}/{operation}`). The app checks the grant and
//! the input and filters the answer; this module makes the exchange with the upstream (a
//! timeout, a size limit, clear errors for every way it can fail).

use crate::error::{ApiError, ErrorBody};
use crate::openapi::parts::{said, CallerHeaders};
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::Json as AxJson;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use nur_app::{AppError, Caller};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::time::Duration;
use utoipa::ToSchema;

/// The largest upstream answer accepted.
const MAX_UPSTREAM_BYTES: usize = 8 * 1024 * 1024;

pub type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http()
}

/// What a custodian's operation answered, filtered to the granted properties.
#[derive(Serialize, ToSchema)]
pub struct OperationResult {
    entity: String,
    service: String,
    operation: String,
    /// The records, each with only the properties the caller's entity was granted; none
    /// when the upstream found nothing.
    records: Vec<Map<String, serde_json::Value>>,
}

/// Calls a custodian's live operation through NUR.
///
/// The operation and each output property need their grants; the input is checked against
/// the operation's declared input before the upstream is called. Audited.
#[utoipa::path(post, path = "/api/v1/operations/{entity}/{service}/{operation}",
    tag = "gateway", operation_id = "operation_call",
    params(
        ("entity" = String, Path, description = "the custodian entity"),
        ("service" = String, Path, description = "the custodian's service"),
        ("operation" = String, Path, description = "the operation of the service"),
        CallerHeaders,
    ),
    request_body(description = "the operation's input properties, by name",
        content = Map<String, serde_json::Value>),
    responses(
        (status = 200, description = "the filtered records", body = OperationResult),
        (status = 400, description = "`invalid_parameter` (an input property that is unknown, missing or of the wrong type), `invalid_name`, `invalid_json`; or `invalid_header`, `purpose_required`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_granted`: the operation is not granted; `no_entity`, `address_not_allowed`", body = ErrorBody),
        (status = 404, description = "`operation_not_found`: the entity has no such operation", body = ErrorBody),
        (status = 413, description = said::TOO_LARGE, body = ErrorBody),
        (status = 415, description = said::NOT_JSON, body = ErrorBody),
        (status = 422, description = said::BODY_SHAPE, body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
        (status = 502, description = "`upstream_not_registered`, `upstream_unavailable`, `upstream_error`, `upstream_invalid`, `upstream_invalid_address`: no address is registered for the service, or it failed or answered badly", body = ErrorBody),
        (status = 504, description = "`upstream_timeout`: the custodian's service did not answer in time", body = ErrorBody),
    ))]
pub async fn call(
    State(s): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String, String)>, PathRejection>,
    body: Result<Option<AxJson<Map<String, Json>>>, JsonRejection>,
) -> Result<AxJson<OperationResult>, ApiError> {
    let Path((entity, service, operation)) = path?;
    let input = body?.map(|b| b.0).unwrap_or_default();
    let prepared = {
        let (s, caller) = (s.clone(), caller.clone());
        blocking(move || {
            Ok(s.app
                .prepare_operation(&caller, &entity, (&service, &operation), &input)?)
        })
        .await?
    };
    let answer = fetch(&s.http, &prepared.url, &prepared.input, prepared.timeout_ms).await;
    let r = blocking(move || Ok(s.app.finish_operation(&caller, prepared, answer)?)).await?;
    Ok(AxJson(OperationResult {
        entity: r.entity.to_string(),
        service: r.service.to_string(),
        operation: r.operation.to_string(),
        records: r.records,
    }))
}

/// POSTs `body` upstream; the answer is a JSON array of records (or one record).
async fn fetch(
    http: &HttpClient,
    url: &str,
    body: &Json,
    timeout_ms: i64,
) -> Result<Vec<Map<String, Json>>, AppError> {
    let bad = |code: &'static str, m: String| AppError::upstream(code, m);
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
        Ok::<_, AppError>((status, bytes))
    };
    let (status, bytes) = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| {
            AppError::upstream_timeout(format!(
                "the upstream service did not answer within {timeout_ms} ms"
            ))
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
