//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the JSON API. utoipa generates it from
//! each handler's `#[utoipa::path]` attribute and the types of the bodies the handler reads
//! and writes, so the document and the code cannot drift apart; at request time
//! [`procedures`] adds one operation per procedure the caller may call right now.

pub(crate) mod parts;
mod procedures;
pub(crate) mod schemas;

use crate::error::{ApiError, ErrorBody};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::Json as AxJson;
use nur_app::Caller;
use parts::{said, CallerHeaders};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Machine clients send the JWT from `/oauth2/client/token`; `/metrics` may instead want the
/// deployment's metrics token.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The fixed part of the document: every route of [`crate::router`] but the portal's.
#[derive(OpenApi)]
#[openapi(
    info(description = "The JSON API of NUR: tokens for machine clients, queries and procedures under grants, the service-bus gateway, person lookups, change events, and the operational endpoints."),
    paths(
        crate::healthz,
        crate::readyz,
        crate::auth::token,
        crate::auth::jwks,
        document,
        crate::data::my_grants,
        crate::data::query_sql,
        crate::data::query_run,
        crate::data::procedures,
        crate::data::procedure_post,
        crate::data::procedure_get,
        crate::gateway::call,
        crate::ingest::events,
        crate::ingest::sources,
        crate::ingest::metrics,
        crate::data::persons::person,
        crate::data::persons::access_log,
        crate::sp::form,
        crate::sp::create,
        crate::sp::update,
        crate::sp::submit,
        crate::sp::get_one,
        crate::sp::household,
        crate::sp_target::decisions,
        crate::sp_target::programs,
        crate::sp_target::save,
        crate::sp_target::program,
        crate::sp_target::publish,
        crate::sp_target::target,
        crate::sp_target::runs,
        crate::sp_target::run,
        crate::sp_pay::cycles,
        crate::sp_pay::create_cycle,
        crate::sp_pay::cycle,
        crate::sp_pay::approve,
        crate::sp_pay::close,
        crate::sp_pay::members,
        crate::sp_pay::member,
        crate::sp_pay::payments,
        crate::sp_pay::file,
        crate::sp_pay::statuses,
        crate::sp_pay::rejections,
        crate::sp_pay::accounts,
        crate::sp_pay::set_account,
        crate::sp_pay::submit_appeal,
        crate::sp_pay::appeals,
        crate::sp_pay::appeal,
        crate::sp_pay::appeal_step,
    ),
    modifiers(&SecuritySchemes),
    security(("bearer" = [])),
    tags(
        (name = "tokens", description = "OAuth2 client credentials and the keys that verify tokens"),
        (name = "queries", description = "Ad hoc query specs under the entity's grants"),
        (name = "procedures", description = "The entity's saved procedures"),
        (name = "grants", description = "What the entity was granted"),
        (name = "gateway", description = "Custodians' live operations through NUR"),
        (name = "persons", description = "Person lookups and the citizen access report"),
        (name = "ingest", description = "Change events and the sources' freshness"),
        (name = "social registry", description = "Intake applications, their verification, households; programs, targeting runs and explained decisions; enrollment cycles, payments, accounts and appeals"),
        (name = "monitoring", description = "Health, readiness and metrics"),
        (name = "openapi", description = "This document"),
    ),
)]
struct ApiDoc;

/// The document for this caller: the fixed part, and the procedures it may call right now.
#[utoipa::path(get, path = "/api/openapi.json", tag = "openapi", operation_id = "openapi",
    params(CallerHeaders),
    responses(
        (status = 200, description = "this document", body = Object),
        (status = 400, description = said::CALLER_BAD, body = ErrorBody),
        (status = 401, description = said::UNAUTHORIZED, body = ErrorBody),
        (status = 403, description = "`no_entity`, `address_not_allowed`", body = ErrorBody),
        (status = 500, description = said::INTERNAL, body = ErrorBody),
    ))]
pub async fn document(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<AxJson<utoipa::openapi::OpenApi>, ApiError> {
    blocking(move || {
        let callable = s.app.callable_procedures(&caller)?;
        let mut doc = ApiDoc::openapi();
        doc.info.title = format!(
            "{} — {}",
            s.catalog.country.platform_en,
            caller.entity().map(|e| e.to_string()).unwrap_or_default()
        );
        doc.info.version = env!("CARGO_PKG_VERSION").into();
        procedures::add(&mut doc, &callable);
        Ok(AxJson(doc))
    })
    .await
}
