//! Data under grants over HTTP: query specs (`/api/v1/queries/sql`, `/run`), procedure calls
//! (`/api/v1/procedures/{entity}/{name}`), the grants held, and ([`persons`]) person lookups
//! and the citizen access report. The use cases (grants, audit) are the app's; this module
//! reads requests and writes JSON or CSV, each JSON body a type below whose schema the
//! OpenAPI document shows.

pub(crate) mod persons;

pub use persons::{access_log, person};

use crate::error::{ApiError, ErrorBody};
use crate::openapi::parts::{said, CallerHeaders};
use crate::openapi::schemas::{self, ColumnType, Parameter};
use crate::{blocking, AppState};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json as AxJson;
use nur_app::{Args, Caller, Output};
use nur_core::query::QuerySpec;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use utoipa::ToSchema;

/// The SQL a spec compiles to for this caller, for review (values are placeholders).
#[derive(Serialize, ToSchema)]
pub(crate) struct CompiledQuery {
    /// `sqlite` or `postgres`: the dialect of `sql`.
    dialect: &'static str,
    sql: String,
    parameters: Vec<Parameter>,
}

/// One output column of a query result.
#[derive(Serialize, ToSchema)]
pub(crate) struct ResultColumn {
    /// The key of this column in each row: the column name, or `Table.Column` when two
    /// selected tables share the name.
    name: String,
    table: String,
    column: String,
    #[serde(rename = "type")]
    ty: ColumnType,
}

/// The saved procedure a result came from.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProcedureRef {
    entity: String,
    name: String,
    version: i64,
}

/// The rows of a query run or procedure call.
#[derive(Serialize, ToSchema)]
pub(crate) struct QueryResult {
    columns: Vec<ResultColumn>,
    /// One object per row, keyed by the columns' names; an empty cell is null.
    rows: Vec<Map<String, serde_json::Value>>,
    row_count: usize,
    /// The row limit that applied.
    limit: u32,
    /// The limit asked for was above the deployment's maximum and was lowered to it.
    limit_capped: bool,
    /// Selected columns (`Table.Column`) no longer granted and left out, under the
    /// procedure's `drop_columns` policy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dropped_columns: Vec<String>,
    /// Says why columns were left out, when they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    procedure: Option<ProcedureRef>,
}

/// A spec from a request body, with a clear error for malformed JSON.
/// A spec from a request body, with a clear error for malformed JSON.
fn spec_from(v: Json) -> Result<QuerySpec, ApiError> {
    let spec: QuerySpec = serde_json::from_value(v)
        .map_err(|e| ApiError::invalid("invalid_query", format!("query spec: {e}")))?;
    spec.check_version()?;
    Ok(spec)
}

/// A query's result as JSON.
pub(crate) fn output_json(out: &Output) -> QueryResult {
    let plan = &out.plan;
    let columns = plan
        .output
        .iter()
        .map(|o| ResultColumn {
            name: o.name.clone(),
            table: plan.tables[o.table].table.to_string(),
            column: o.column.to_string(),
            ty: o.ty.into(),
        })
        .collect();
    let rows = out
        .rows
        .iter()
        .map(|r| {
            plan.output
                .iter()
                .zip(r)
                .map(|(o, v)| (o.name.clone(), v.to_json()))
                .collect()
        })
        .collect();
    QueryResult {
        columns,
        rows,
        row_count: out.rows.len(),
        limit: plan.limit,
        limit_capped: plan.capped,
        dropped_columns: plan.dropped.clone(),
        notice: (!plan.dropped.is_empty())
            .then_some("columns no longer granted were left out (procedure policy drop_columns)"),
        procedure: out.procedure.as_ref().map(|p| ProcedureRef {
            entity: p.entity.clone(),
            name: p.name.clone(),
            version: p.version,
        }),
    }
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

/// A query spec to run, with its parameters' values.
#[derive(Deserialize, ToSchema)]
pub struct RunBody {
    /// The query spec; a malformed one is answered with `invalid_query`.
    // Read as JSON first and as a spec by the handler, for that error code.
    #[schema(value_type = schemas::QuerySpec)]
    spec: Json,
    /// A value for each parameter the spec declares, by name.
    #[serde(default)]
    parameters: Map<String, serde_json::Value>,
}

/// Compiles a query spec to the SQL it would run, for review.
///
/// Refused as a run would be (the same grants apply); nothing is executed.
#[utoipa::path(post, path = "/api/v1/queries/sql", tag = "queries",
    params(CallerHeaders),
    request_body(description = "a query spec, or `{\"spec\": …}` as `/api/v1/queries/run` takes",
        content = schemas::SpecBody),
    responses(
        (status = 200, description = "the SQL and its parameters", body = CompiledQuery),
        (status = 400, description = "`invalid_json`, `invalid_query` (a malformed spec, an unknown table or column); or `invalid_header`, `purpose_required`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_granted`: a table or column the entity was not granted; `no_entity`, `address_not_allowed`", body = ErrorBody),
        (status = 413, description = said::TOO_LARGE, body = ErrorBody),
        (status = 415, description = said::NOT_JSON, body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn query_sql(
    State(s): State<AppState>,
    caller: Caller,
    body: Result<AxJson<Json>, JsonRejection>,
) -> Result<AxJson<CompiledQuery>, ApiError> {
    let AxJson(body) = body?;
    // Accepts the spec itself, or {"spec": …} as /run does.
    let spec = match body.get("spec") {
        Some(inner) => spec_from(inner.clone())?,
        None => spec_from(body)?,
    };
    blocking(move || {
        let q = s.app.query_sql(&caller, &spec)?;
        Ok(AxJson(CompiledQuery {
            dialect: q.dialect,
            sql: q.sql,
            parameters: q.parameters.into_iter().map(Parameter::from).collect(),
        }))
    })
    .await
}

/// Runs a query spec under the caller's grants, read at this very call.
///
/// The rows as JSON, or as CSV when `Accept` names `text/csv`. The run is audited before
/// any row leaves.
#[utoipa::path(post, path = "/api/v1/queries/run", tag = "queries",
    params(CallerHeaders),
    request_body = RunBody,
    responses(
        (status = 200, description = "the rows", content(
            (QueryResult = "application/json"),
            (String = "text/csv"))),
        (status = 400, description = "`invalid_json`, `invalid_query`, `invalid_parameter` (a value that does not fit its parameter's type); or `invalid_header`, `purpose_required`", body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`not_granted`; `no_entity`, `address_not_allowed`", body = ErrorBody),
        (status = 413, description = said::TOO_LARGE, body = ErrorBody),
        (status = 415, description = said::NOT_JSON, body = ErrorBody),
        (status = 422, description = said::BODY_SHAPE, body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn query_run(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<AxJson<RunBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let AxJson(body) = body?;
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

/// Calls one of the entity's saved procedures with its parameters as a JSON object.
///
/// Grants are checked again at every call; the document lists each procedure the caller may
/// call now as an operation of its own, with typed parameters and rows.
#[utoipa::path(post, path = "/api/v1/procedures/{entity}/{name}", tag = "procedures",
    params(
        ("entity" = String, Path, description = "the entity that saved the procedure: the caller's own"),
        ("name" = String, Path, description = "the procedure's name"),
        CallerHeaders,
    ),
    request_body(description = "a value for each of the procedure's parameters, by name",
        content = Map<String, serde_json::Value>),
    responses(
        (status = 200, description = "the rows", content(
            (QueryResult = "application/json"),
            (String = "text/csv"))),
        (status = 400, description = said::PROCEDURE_BAD, body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = said::PROCEDURE_FORBIDDEN, body = ErrorBody),
        (status = 404, description = "`procedure_not_found`", body = ErrorBody),
        (status = 413, description = said::TOO_LARGE, body = ErrorBody),
        (status = 415, description = said::NOT_JSON, body = ErrorBody),
        (status = 422, description = said::BODY_SHAPE, body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn procedure_post(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Option<AxJson<Map<String, Json>>>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Path((entity, name)) = path?;
    let args = body?.map(|b| b.0).unwrap_or_default();
    let out = call_procedure(s, caller, entity, name, Args::Json(args)).await?;
    respond(&out, &headers)
}

/// Calls one of the entity's saved procedures with its parameters in the query string.
///
/// A list parameter takes its values separated by commas.
#[utoipa::path(get, path = "/api/v1/procedures/{entity}/{name}", tag = "procedures",
    params(
        ("entity" = String, Path, description = "the entity that saved the procedure: the caller's own"),
        ("name" = String, Path, description = "the procedure's name"),
        ("parameters" = Option<BTreeMap<String, String>>, Query, style = Form, explode,
            description = "a value for each of the procedure's parameters, by name; a list parameter's values separated by commas"),
        CallerHeaders,
    ),
    responses(
        (status = 200, description = "the rows", content(
            (QueryResult = "application/json"),
            (String = "text/csv"))),
        (status = 400, description = said::PROCEDURE_BAD, body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = said::PROCEDURE_FORBIDDEN, body = ErrorBody),
        (status = 404, description = "`procedure_not_found`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn procedure_get(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((entity, name)) = path?;
    let Query(pairs) = query?;
    let out = call_procedure(s, caller, entity, name, Args::Text(pairs)).await?;
    respond(&out, &headers)
}

/// What a procedure does when a grant its columns need is revoked.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RevokePolicy {
    /// The call is refused, naming what is no longer granted.
    Refuse,
    /// The ungranted selected columns are left out, and the response says so.
    DropColumns,
}

/// A saved procedure of the caller's entity.
#[derive(Serialize, ToSchema)]
pub(crate) struct Procedure {
    entity: String,
    name: String,
    version: i64,
    description: String,
    on_revoke: RevokePolicy,
    /// Where to call it.
    url: String,
    /// The saved query spec (null if it no longer reads as JSON).
    #[schema(value_type = Option<schemas::QuerySpec>)]
    spec: Json,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ProcedureList {
    procedures: Vec<Procedure>,
}

/// The caller's entity's procedures, with their API addresses.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "procedures",
    params(CallerHeaders),
    responses(
        (status = 200, description = "the procedures", body = ProcedureList),
        (status = 400, description = said::CALLER_BAD, body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = said::CALLER_FORBIDDEN, body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn procedures(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<AxJson<ProcedureList>, ApiError> {
    blocking(move || {
        let list = s.app.procedures_of(&caller)?;
        let procedures = list
            .into_iter()
            .map(|p| Procedure {
                url: format!("/api/v1/procedures/{}/{}", p.entity, p.name),
                spec: serde_json::from_str::<Json>(&p.spec).unwrap_or(Json::Null),
                on_revoke: match p.on_revoke {
                    nur_core::query::RevokePolicy::Refuse => RevokePolicy::Refuse,
                    nur_core::query::RevokePolicy::DropColumns => RevokePolicy::DropColumns,
                },
                entity: p.entity,
                name: p.name,
                version: p.version,
                description: p.description,
            })
            .collect();
        Ok(AxJson(ProcedureList { procedures }))
    })
    .await
}

/// What a grant is on.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum GrantTarget {
    Table {
        table: String,
    },
    Column {
        table: String,
        column: String,
    },
    Operation {
        service: String,
        operation: String,
    },
    Property {
        service: String,
        operation: String,
        property: String,
    },
}

impl From<&nur_core::grant::Target> for GrantTarget {
    fn from(t: &nur_core::grant::Target) -> GrantTarget {
        use nur_core::grant::Target as T;
        match t {
            T::Table { table } => GrantTarget::Table {
                table: table.to_string(),
            },
            T::Column { table, column } => GrantTarget::Column {
                table: table.to_string(),
                column: column.to_string(),
            },
            T::Operation { service, operation } => GrantTarget::Operation {
                service: service.to_string(),
                operation: operation.to_string(),
            },
            T::Property {
                service,
                operation,
                property,
            } => GrantTarget::Property {
                service: service.to_string(),
                operation: operation.to_string(),
                property: property.to_string(),
            },
        }
    }
}

/// A grant a custodian gave the consumer.
#[derive(Serialize, ToSchema)]
pub(crate) struct Grant {
    consumer: String,
    custodian: String,
    target: GrantTarget,
    granted_by: String,
    /// Unix time in milliseconds.
    granted_at_ms: i64,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct GrantList {
    entity: Option<String>,
    grants: Vec<Grant>,
}

/// The grants the caller's entity holds.
#[utoipa::path(get, path = "/api/v1/grants", tag = "grants",
    params(CallerHeaders),
    responses(
        (status = 200, description = "the grants", body = GrantList),
        (status = 400, description = said::CALLER_BAD, body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = said::CALLER_FORBIDDEN, body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn my_grants(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<AxJson<GrantList>, ApiError> {
    blocking(move || {
        let rows = s.app.grants_held(&caller)?;
        let grants = rows
            .into_iter()
            .map(|g| Grant {
                target: GrantTarget::from(&g.target),
                consumer: g.consumer,
                custodian: g.custodian,
                granted_by: g.granted_by,
                granted_at_ms: g.granted_at_ms,
            })
            .collect();
        Ok(AxJson(GrantList {
            entity: caller.entity().map(|e| e.to_string()),
            grants,
        }))
    })
    .await
}
