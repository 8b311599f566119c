//! `GET /api/openapi.json`: an OpenAPI 3.1 document for the caller, with one operation per
//! procedure the caller may call right now (its parameters typed and its response schema
//! built from the catalog column types), besides the fixed endpoints.

use crate::data::schema_of;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::Json as AxJson;
use nur_app::Caller;
use nur_core::query;
use serde_json::{json, Map, Value as Json};

pub async fn document(State(s): State<AppState>, caller: Caller) -> Result<AxJson<Json>, ApiError> {
    blocking(move || {
        let procedures = s.app.callable_procedures(&caller)?;
        let mut paths = Map::new();
        for (p, plan) in &procedures {
            let param_schema = |p: &query::Parameter| {
                let one = schema_of(p.ty);
                if p.list {
                    json!({"type": "array", "items": one})
                } else {
                    one
                }
            };
            let properties: Map<String, Json> = plan
                .parameters
                .iter()
                .map(|x| {
                    let mut sch = param_schema(x);
                    if let Some(d) = &x.description {
                        sch["description"] = json!(d);
                    }
                    (x.name.clone(), sch)
                })
                .collect();
            let required: Vec<&str> = plan.parameters.iter().map(|x| x.name.as_str()).collect();
            let row: Map<String, Json> = plan
                .output
                .iter()
                .map(|o| {
                    let mut sch = schema_of(o.ty);
                    sch["description"] = json!(o.qualified);
                    (o.name.clone(), json!({"anyOf": [sch, {"type": "null"}]}))
                })
                .collect();
            let response = json!({
                "200": {"description": "the rows", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "columns": {"type": "array"},
                        "rows": {"type": "array", "items": {"type": "object", "properties": row}},
                        "row_count": {"type": "integer"}}}},
                    "text/csv": {"schema": {"type": "string"}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"}
            });
            let op_id = format!("{}_{}", p.entity, p.name);
            let query_params: Vec<Json> = plan
                .parameters
                .iter()
                .map(|x| json!({"name": x.name, "in": "query", "required": true, "schema": param_schema(x)}))
                .collect();
            paths.insert(
                format!("/api/v1/procedures/{}/{}", p.entity, p.name),
                json!({
                    "post": {"operationId": format!("{op_id}_post"), "summary": p.description,
                             "parameters": [{"$ref": "#/components/parameters/Purpose"}, {"$ref": "#/components/parameters/UserId"}],
                             "requestBody": {"required": true, "content": {"application/json": {"schema": {
                                 "type": "object", "properties": properties, "required": required, "additionalProperties": false}}}},
                             "responses": response},
                    "get": {"operationId": format!("{op_id}_get"), "summary": p.description,
                            "parameters": query_params.into_iter().chain([json!({"$ref": "#/components/parameters/Purpose"}), json!({"$ref": "#/components/parameters/UserId"})]).collect::<Vec<_>>(),
                            "responses": response}
                }),
            );
        }
        paths.insert("/oauth2/client/token".into(), json!({"post": {
            "operationId": "token", "security": [],
            "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object", "required": ["grant_type", "client_id", "client_secret"],
                "properties": {"grant_type": {"const": "client_credentials"}, "client_id": {"type": "string"}, "client_secret": {"type": "string"}}}}}},
            "responses": {"200": {"description": "a bearer token"}, "400": {"description": "malformed request"}, "401": {"description": "invalid client"}}}}));
        for (path, id) in [("/api/v1/queries/sql", "query_sql"), ("/api/v1/queries/run", "query_run")] {
            paths.insert(path.into(), json!({"post": {"operationId": id,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok"}, "400": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}}));
        }
        Ok(AxJson(json!({
            "openapi": "3.1.0",
            "info": {"title": format!("{} — {}", s.catalog.country.platform_en, caller.entity().map(|e| e.to_string()).unwrap_or_default()), "version": env!("CARGO_PKG_VERSION")},
            "security": [{"bearer": []}],
            "paths": paths,
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
                "parameters": {
                    "Purpose": {"name": "X-NUR-Purpose", "in": "header", "schema": {"type": "string", "maxLength": 200}, "description": "the case or purpose of the request"},
                    "UserId": {"name": "X-NUR-User-Id", "in": "header", "schema": {"type": "string", "maxLength": 200}, "description": "the officer on whose behalf the client asks"}
                },
                "responses": {"Error": {"description": "an error", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}}}}
            }
        })))
    })
    .await
}
