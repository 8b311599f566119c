//! Data access under grants: query specs (`/api/v1/queries/sql`, `/run`), procedure calls
//! (`/api/v1/procedures/{entity}/{name}`), person lookups and the citizen access report.
//! Every access is checked against the caller's grants at the moment of the call and leaves
//! one audit event (refusals too) before any data leaves.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json as AxJson;
use nur_core::grant::Grants;
use nur_core::query::{self, Args, Plan, QueryError, QuerySpec, RevokePolicy};
use nur_core::{Catalog, ColumnType, NationalNumber};
use nur_store::{PersonRecord, Store, Warehouse};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};

/// The grants the caller's entity holds right now.
pub(crate) fn grants_now(store: &Store, caller: &Caller) -> Result<Grants, ApiError> {
    let held = store
        .grants_of(caller.entity.as_str())
        .map_err(ApiError::from)?;
    Ok(Grants::new(caller.entity.clone(), held))
}

/// A spec from a request body, with a clear error for malformed JSON.
fn spec_from(v: Json) -> Result<QuerySpec, ApiError> {
    let spec: QuerySpec = serde_json::from_value(v)
        .map_err(|e| ApiError::invalid("invalid_query", format!("query spec: {e}")))?;
    spec.check_version()?;
    Ok(spec)
}

fn audit_refusal(store: &Store, caller: &Caller, action: &str, target: &str, e: &ApiError) {
    let mut ev = caller.event(action, target.to_owned());
    ev.outcome = format!("refused: {}", e.message());
    if let Err(err) = store.audit(ev) {
        tracing::error!(%err, "could not audit a refusal");
    }
}

/// What one query run returns.
pub(crate) struct Output {
    pub(crate) plan: Plan,
    pub(crate) rows: Vec<Vec<nur_core::Value>>,
    pub(crate) procedure: Option<(String, String, i64)>,
}

impl Output {
    fn json(&self) -> Json {
        let columns: Vec<Json> = self
            .plan
            .output
            .iter()
            .map(|o| {
                json!({"name": o.name, "table": self.plan.tables[o.table].table, "column": o.column, "type": o.ty.name()})
            })
            .collect();
        let rows: Vec<Json> = self
            .rows
            .iter()
            .map(|r| {
                Json::Object(
                    self.plan
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
            "row_count": self.rows.len(),
            "limit": self.plan.limit,
            "limit_capped": self.plan.capped,
        });
        if !self.plan.dropped.is_empty() {
            body["dropped_columns"] = json!(self.plan.dropped);
            body["notice"] =
                json!("columns no longer granted were left out (procedure policy drop_columns)");
        }
        if let Some((e, n, v)) = &self.procedure {
            body["procedure"] = json!({"entity": e, "name": n, "version": v});
        }
        body
    }

    fn csv(&self) -> Result<Response, ApiError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| ApiError::internal(format!("csv: {e}"));
        w.write_record(self.plan.output.iter().map(|o| o.name.as_str()))
            .map_err(fail)?;
        for r in &self.rows {
            w.write_record(r.iter().map(|v| v.to_string()))
                .map_err(fail)?;
        }
        let body = w
            .into_inner()
            .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
        Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
    }

    fn respond(&self, headers: &HeaderMap) -> Result<Response, ApiError> {
        let wants_csv = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"));
        if wants_csv {
            self.csv()
        } else {
            Ok(AxJson(self.json()).into_response())
        }
    }
}

pub(crate) enum ArgsIn {
    Body(Map<String, Json>),
    Text(Vec<(String, String)>),
}

/// Plans, binds, runs and audits one query for `caller`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn execute(
    store: &Store,
    catalog: &Catalog,
    limits: query::Limits,
    caller: &Caller,
    spec: &QuerySpec,
    policy: RevokePolicy,
    args: ArgsIn,
    action: &str,
    target: &str,
    procedure: Option<(String, String, i64)>,
) -> Result<Output, ApiError> {
    let grants = grants_now(store, caller)?;
    let plan = match query::plan(catalog, &grants, spec, limits, policy) {
        Ok(p) => p,
        Err(e) => {
            let forbidden = matches!(e, QueryError::Forbidden(_));
            let e = ApiError::from(e);
            if forbidden {
                audit_refusal(store, caller, action, target, &e);
            }
            return Err(e);
        }
    };
    let args: Args = match args {
        ArgsIn::Body(m) => plan.bind(&catalog.identity, &m)?,
        ArgsIn::Text(pairs) => plan.bind_text(&catalog.identity, &pairs)?,
    };
    let rows = store.run_query(&plan, &args).map_err(ApiError::from)?.rows;
    let mut ev = caller.event(action, target.to_owned());
    ev.columns = plan.output.iter().map(|o| o.qualified.clone()).collect();
    let ids = plan.identity_outputs();
    ev.persons = rows
        .iter()
        .flat_map(|r| ids.iter().map(|&i| r[i].to_string()))
        .filter(|s| !s.is_empty())
        .collect();
    if !plan.dropped.is_empty() {
        ev.outcome = format!("ok; dropped {}", plan.dropped.join(", "));
    }
    store.audit(ev).map_err(ApiError::from)?;
    Ok(Output {
        plan,
        rows,
        procedure,
    })
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
        let grants = grants_now(&s.store, &caller)?;
        let plan = query::plan(&s.catalog, &grants, &spec, s.limits, RevokePolicy::Refuse)?;
        Ok(AxJson(json!({
            "dialect": s.store.backend(),
            "sql": s.store.query_sql(&plan),
            "parameters": plan.parameters,
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
        execute(
            &s.store,
            &s.catalog,
            s.limits,
            &caller,
            &spec,
            RevokePolicy::Refuse,
            ArgsIn::Body(body.parameters),
            "query.run",
            "ad hoc query",
            None,
        )
    })
    .await?;
    out.respond(&headers)
}

pub(crate) async fn call_procedure(
    s: AppState,
    caller: Caller,
    entity: String,
    name: String,
    args: ArgsIn,
) -> Result<Output, ApiError> {
    if caller.entity.as_str() != entity {
        return Err(ApiError::forbidden(
            "not_owner",
            format!(
                "procedure {entity}/{name} belongs to {entity}; {} may call only its own procedures",
                caller.entity
            ),
        ));
    }
    blocking(move || {
        let target = format!("{entity}/{name}");
        let p = s
            .store
            .procedure(&entity, &name)
            .map_err(ApiError::from)?
            .ok_or_else(|| {
                ApiError::not_found("procedure_not_found", format!("no procedure {target}"))
            })?;
        let spec = QuerySpec::from_json(&p.spec)?;
        execute(
            &s.store,
            &s.catalog,
            s.limits,
            &caller,
            &spec,
            p.on_revoke,
            args,
            "procedure.call",
            &format!("{target}@v{}", p.version),
            Some((entity, name, p.version)),
        )
    })
    .await
}

pub async fn procedure_post(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((entity, name)): Path<(String, String)>,
    body: Option<AxJson<Map<String, Json>>>,
) -> Result<Response, ApiError> {
    let args = body.map(|b| b.0).unwrap_or_default();
    call_procedure(s, caller, entity, name, ArgsIn::Body(args))
        .await?
        .respond(&headers)
}

pub async fn procedure_get(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((entity, name)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    call_procedure(s, caller, entity, name, ArgsIn::Text(pairs))
        .await?
        .respond(&headers)
}

/// The caller's entity's procedures, with their API addresses.
pub async fn procedures(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<AxJson<Json>, ApiError> {
    blocking(move || {
        let list = s
            .store
            .procedures(Some(caller.entity.as_str()))
            .map_err(ApiError::from)?;
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
        let rows = s
            .store
            .grants(&nur_store::GrantFilter {
                consumer: Some(caller.entity.to_string()),
                custodian: None,
            })
            .map_err(ApiError::from)?;
        Ok(AxJson(json!({ "entity": caller.entity, "grants": rows })))
    })
    .await
}

/// Keeps only what `grants` lets the caller see; `None` when that is nothing.
fn visible(catalog: &Catalog, grants: &Grants, rec: PersonRecord) -> Option<PersonRecord> {
    let keep = |table: &str, m: Map<String, Json>| -> Option<Map<String, Json>> {
        let t = catalog.table(table)?;
        if !grants.table(catalog, &t.name) {
            return None;
        }
        let m: Map<String, Json> = m
            .into_iter()
            .filter(|(k, _)| {
                k == "_lineage"
                    || t.column(k)
                        .is_some_and(|c| grants.column(catalog, &t.name, &c.name))
            })
            .collect();
        (m.keys().any(|k| k != "_lineage")).then_some(m)
    };
    let person_table = catalog.person_table().name.to_string();
    let household_table = catalog.household_table().name.to_string();
    let person = rec.person.and_then(|p| keep(&person_table, p));
    let household = rec.household.and_then(|h| {
        let booklet = h.booklet.and_then(|b| keep(&household_table, b));
        let members: Vec<_> = h
            .members
            .into_iter()
            .filter_map(|m| keep(&person_table, m))
            .collect();
        (booklet.is_some() || !members.is_empty()).then_some(nur_store::Household {
            civil_record_id: h.civil_record_id,
            booklet,
            members,
        })
    });
    let records: std::collections::BTreeMap<_, _> = rec
        .records
        .into_iter()
        .filter_map(|(t, rows)| {
            let rows: Vec<_> = rows.into_iter().filter_map(|r| keep(&t, r)).collect();
            (!rows.is_empty()).then_some((t, rows))
        })
        .collect();
    if person.is_none() && household.is_none() && records.is_empty() {
        return None;
    }
    Some(PersonRecord {
        national_number: rec.national_number,
        person,
        household,
        records,
    })
}

pub(crate) fn parse_nn(catalog: &Catalog, nn: &str) -> Result<NationalNumber, ApiError> {
    NationalNumber::parse(&catalog.identity, nn)
        .map_err(|e| ApiError::invalid("invalid_national_number", e.to_string()))
}

/// A person as `caller`'s grants allow, audited; `None` when nothing is visible (not found
/// and not visible look the same, so grants cannot be probed).
pub(crate) fn lookup_for(
    s: &AppState,
    caller: &Caller,
    nn: &NationalNumber,
) -> Result<Option<PersonRecord>, ApiError> {
    let grants = grants_now(&s.store, caller)?;
    let found = s
        .store
        .lookup_person(&s.catalog, nn)
        .map_err(ApiError::from)?
        .and_then(|r| visible(&s.catalog, &grants, r));
    let mut ev = caller.event("person.lookup", nn.as_str().to_owned());
    let Some(rec) = found else {
        ev.outcome = "not found".into();
        s.store.audit(ev).map_err(ApiError::from)?;
        return Ok(None);
    };
    let mut persons = vec![rec.national_number.clone()];
    if let Some(h) = &rec.household {
        let key = catalog_nn_column(&s.catalog);
        persons.extend(
            h.members
                .iter()
                .filter_map(|m| m.get(&key).and_then(|v| v.as_str()).map(str::to_owned)),
        );
    }
    ev.persons = persons;
    ev.columns = rec.records.keys().cloned().collect();
    s.store.audit(ev).map_err(ApiError::from)?;
    Ok(Some(rec))
}

pub async fn person(
    State(s): State<AppState>,
    caller: Caller,
    Path(nn): Path<String>,
) -> Result<AxJson<PersonRecord>, ApiError> {
    let nn = parse_nn(&s.catalog, &nn)?;
    blocking(move || match lookup_for(&s, &caller, &nn)? {
        Some(rec) => Ok(AxJson(rec)),
        None => Err(ApiError::not_found(
            "person_not_found",
            "no person or registry record visible to your entity has this national number",
        )),
    })
    .await
}

fn catalog_nn_column(c: &Catalog) -> String {
    c.dimensions.person.national_number.to_string()
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
    let nn = parse_nn(&s.catalog, &nn)?;
    let limit = page.limit.unwrap_or(50).clamp(1, 500);
    let offset = page.offset.unwrap_or(0);
    blocking(move || {
        let entries = s
            .store
            .access_log(nn.as_str(), limit, offset)
            .map_err(ApiError::from)?;
        let ev = caller.event("person.access_report", nn.as_str().to_owned());
        s.store.audit(ev).map_err(ApiError::from)?;
        let items: Vec<Json> = entries
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
        Ok(AxJson(json!({"national_number": nn.as_str(), "limit": limit, "offset": offset, "accesses": items})))
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
