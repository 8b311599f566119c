//! Data under grants over HTTP: query specs (`/api/v1/queries/sql`, `/run`), procedure calls
//! (`/api/v1/procedures/{entity}/{name}`), person lookups and the citizen access report. The
//! use cases (grants, audit) are the app's; this module reads requests and writes JSON or
//! CSV.

use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json as AxJson;
use nur_app::{Args, Caller, Output};
use nur_core::query::QuerySpec;
use nur_core::ColumnType;
use nur_store::PersonRecord;
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};

/// A spec from a request body, with a clear error for malformed JSON.
fn spec_from(v: Json) -> Result<QuerySpec, ApiError> {
    let spec: QuerySpec = serde_json::from_value(v)
        .map_err(|e| ApiError::invalid("invalid_query", format!("query spec: {e}")))?;
    spec.check_version()?;
    Ok(spec)
}

/// A query's result as JSON.
pub(crate) fn output_json(out: &Output) -> Json {
    let columns: Vec<Json> = out
        .plan
        .output
        .iter()
        .map(|o| {
            json!({"name": o.name, "table": out.plan.tables[o.table].table, "column": o.column, "type": o.ty.name()})
        })
        .collect();
    let rows: Vec<Json> = out
        .rows
        .iter()
        .map(|r| {
            Json::Object(
                out.plan
                    .output
                    .iter()
                    .zip(r)
                    .map(|(o, v)| (o.name.clone(), v.to_json()))
                    .collect(),
            )
        })
        .collect();
    let mut body = json!({
        "columns": columns,
        "rows": rows,
        "row_count": out.rows.len(),
        "limit": out.plan.limit,
        "limit_capped": out.plan.capped,
    });
    if !out.plan.dropped.is_empty() {
        body["dropped_columns"] = json!(out.plan.dropped);
        body["notice"] =
            json!("columns no longer granted were left out (procedure policy drop_columns)");
    }
    if let Some(p) = &out.procedure {
        body["procedure"] = json!({"entity": p.entity, "name": p.name, "version": p.version});
    }
    body
}

fn output_csv(out: &Output) -> Result<Response, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::internal(format!("csv: {e}"));
    w.write_record(out.plan.output.iter().map(|o| o.name.as_str()))
        .map_err(fail)?;
    for r in &out.rows {
        w.write_record(r.iter().map(|v| v.to_string()))
            .map_err(fail)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

/// JSON, or CSV when the client asks for `text/csv`.
fn respond(out: &Output, headers: &HeaderMap) -> Result<Response, ApiError> {
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    if wants_csv {
        output_csv(out)
    } else {
        Ok(AxJson(output_json(out)).into_response())
    }
}

#[derive(Deserialize)]
pub struct RunBody {
    spec: Json,
    #[serde(default)]
    parameters: Map<String, Json>,
}

pub async fn query_sql(
    State(s): State<AppState>,
    caller: Caller,
    AxJson(body): AxJson<Json>,
) -> Result<AxJson<Json>, ApiError> {
    // Accepts the spec itself, or {"spec": …} as /run does.
    let spec = match body.get("spec") {
        Some(inner) => spec_from(inner.clone())?,
        None => spec_from(body)?,
    };
    blocking(move || {
        let q = s.app.query_sql(&caller, &spec)?;
        Ok(AxJson(json!({
            "dialect": q.dialect,
            "sql": q.sql,
            "parameters": q.parameters,
        })))
    })
    .await
}

pub async fn query_run(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    AxJson(body): AxJson<RunBody>,
) -> Result<Response, ApiError> {
    let spec = spec_from(body.spec)?;
    let out = blocking(move || {
        Ok(s.app
            .run_query(&caller, &spec, Args::Json(body.parameters), "ad hoc query")?)
    })
    .await?;
    respond(&out, &headers)
}

pub(crate) async fn call_procedure(
    s: AppState,
    caller: Caller,
    entity: String,
    name: String,
    args: Args,
) -> Result<Output, ApiError> {
    blocking(move || Ok(s.app.call_procedure(&caller, &entity, &name, args)?)).await
}

pub async fn procedure_post(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((entity, name)): Path<(String, String)>,
    body: Option<AxJson<Map<String, Json>>>,
) -> Result<Response, ApiError> {
    let args = body.map(|b| b.0).unwrap_or_default();
    let out = call_procedure(s, caller, entity, name, Args::Json(args)).await?;
    respond(&out, &headers)
}

pub async fn procedure_get(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((entity, name)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let out = call_procedure(s, caller, entity, name, Args::Text(pairs)).await?;
    respond(&out, &headers)
}

/// The caller's entity's procedures, with their API addresses.
pub async fn procedures(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<AxJson<Json>, ApiError> {
    blocking(move || {
        let list = s.app.procedures_of(&caller)?;
        let items: Vec<Json> = list
            .iter()
            .map(|p| {
                json!({"entity": p.entity, "name": p.name, "version": p.version, "description": p.description,
                       "on_revoke": p.on_revoke, "url": format!("/api/v1/procedures/{}/{}", p.entity, p.name),
                       "spec": serde_json::from_str::<Json>(&p.spec).unwrap_or(Json::Null)})
            })
            .collect();
        Ok(AxJson(json!({ "procedures": items })))
    })
    .await
}

/// The grants the caller's entity holds.
pub async fn my_grants(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<AxJson<Json>, ApiError> {
    blocking(move || {
        let rows = s.app.grants_held(&caller)?;
        Ok(AxJson(
            json!({ "entity": caller.entity().map(|e| e.to_string()), "grants": rows }),
        ))
    })
    .await
}

pub async fn person(
    State(s): State<AppState>,
    caller: Caller,
    Path(nn): Path<String>,
) -> Result<AxJson<PersonRecord>, ApiError> {
    let nn = s.app.national_number(&nn)?;
    blocking(move || match s.app.lookup_person(&caller, &nn)? {
        Some(rec) => Ok(AxJson(rec)),
        None => Err(ApiError::not_found(
            "person_not_found",
            "no person or registry record visible to your entity has this national number",
        )),
    })
    .await
}

#[derive(Deserialize)]
pub struct Page {
    limit: Option<u32>,
    offset: Option<u32>,
}

/// The citizen access report: who looked at this person, when and why; newest first.
pub async fn access_log(
    State(s): State<AppState>,
    caller: Caller,
    Path(nn): Path<String>,
    Query(page): Query<Page>,
) -> Result<AxJson<Json>, ApiError> {
    let nn = s.app.national_number(&nn)?;
    blocking(move || {
        let r = s.app.access_report(
            &caller,
            &nn,
            page.limit.unwrap_or(50),
            page.offset.unwrap_or(0),
        )?;
        let items: Vec<Json> = r
            .entries
            .iter()
            .map(|e| {
                let name = e
                    .entity
                    .as_deref()
                    .and_then(|c| s.catalog.entity(c))
                    .map(|x| (x.name_en.clone(), x.name_ar.clone()));
                json!({"at_ms": e.at_ms, "entity": e.entity, "entity_name_en": name.as_ref().map(|n| &n.0),
                       "entity_name_ar": name.as_ref().map(|n| &n.1), "purpose": e.purpose, "action": e.action})
            })
            .collect();
        Ok(AxJson(json!({"national_number": r.national_number, "limit": r.limit, "offset": r.offset, "accesses": items})))
    })
    .await
}

/// JSON-schema type of a catalog column type.
pub(crate) fn schema_of(ty: ColumnType) -> Json {
    match ty {
        ColumnType::Integer => json!({"type": "integer"}),
        ColumnType::Decimal => json!({"type": "number"}),
        ColumnType::Boolean => json!({"type": "boolean"}),
        ColumnType::Date => json!({"type": "string", "format": "date"}),
        ColumnType::NationalNumber => json!({"type": "string", "pattern": "^[0-9]{10}$"}),
        _ => json!({"type": "string"}),
    }
}
