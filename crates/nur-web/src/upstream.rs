//! A simulated upstream for the catalog's service operations, served from the warehouse on
//! its own port, so the gateway path in the demo and the tests is real HTTP. It answers
//! `POST /{service}/{operation}` with `{"National_Number": …}` by returning the operation's
//! properties from its source table for that person, as the custodian itself would (the
//! custodian sees all of its own data).

use crate::blocking;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json as AxJson, Router};
use nur_core::grant::{find_service, Grants};
use nur_core::query::{self, Condition, Op, QuerySpec, RevokePolicy, SpecTable, Test};
use nur_core::{Catalog, Ident};
use nur_store::Store;
use serde_json::{Map, Value as Json};
use std::sync::Arc;

#[derive(Clone)]
struct Upstream {
    store: Arc<Store>,
    catalog: Arc<Catalog>,
}

pub fn router(store: Arc<Store>, catalog: Arc<Catalog>) -> Router {
    Router::new()
        .route("/{service}/{operation}", post(answer))
        .with_state(Upstream { store, catalog })
}

async fn answer(
    State(u): State<Upstream>,
    Path((service, operation)): Path<(String, String)>,
    AxJson(input): AxJson<Map<String, Json>>,
) -> Result<AxJson<Vec<Json>>, ApiError> {
    let bad = |m: String| ApiError::invalid("invalid", m);
    let (service, operation) = (
        Ident::parse(&service).map_err(bad)?,
        Ident::parse(&operation).map_err(bad)?,
    );
    let svc = find_service(&u.catalog, &service, &operation)
        .map_err(|m| ApiError::not_found("operation_not_found", m))?
        .clone();
    let input_name = svc
        .input
        .first()
        .ok_or_else(|| bad("the operation takes no input".into()))?
        .name
        .clone();
    let key = input
        .get(input_name.as_str())
        .cloned()
        .unwrap_or(Json::Null);
    blocking(move || {
        let table = u
            .catalog
            .table(svc.source_table.as_str())
            .expect("checked at load");
        let spec = QuerySpec {
            version: query::SPEC_VERSION,
            tables: vec![SpecTable {
                table: table.name.to_string(),
                columns: svc
                    .properties
                    .iter()
                    .map(|p| p.column.to_string())
                    .collect(),
                join: None,
            }],
            conditions: Some(Condition::Test(Test {
                column: table.person_column.to_string(),
                op: Op::Eq,
                param: None,
                params: None,
                value: Some(key),
            })),
            parameters: vec![],
            order_by: vec![],
            limit: Some(1000),
        };
        let owner = Grants::new(svc.custodian.clone(), []);
        let plan = query::plan(
            &u.catalog,
            &owner,
            &spec,
            Default::default(),
            RevokePolicy::Refuse,
        )?;
        let rows = u
            .store
            .run_query(&plan, &nur_core::query::Args(vec![]))
            .map_err(ApiError::from)?;
        Ok(AxJson(
            rows.rows
                .iter()
                .map(|r| {
                    Json::Object(
                        svc.properties
                            .iter()
                            .zip(r)
                            .map(|(p, v)| (p.name.to_string(), v.to_json()))
                            .collect(),
                    )
                })
                .collect(),
        ))
    })
    .await
}
