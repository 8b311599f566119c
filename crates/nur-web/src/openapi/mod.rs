//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the JSON API. utoipa generates it from
//! each handler's `#[utoipa::path]` attribute and the types of the bodies the handler reads
//! and writes, so the document and the code cannot drift apart; at request time
//! [`procedures`] adds one operation per procedure the caller may call right now.

mod procedures;
pub(crate) mod schemas;

use crate::error::{ApiError, ErrorBody};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::Json as AxJson;
use nur_app::Caller;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::Required;
use utoipa::{IntoParams, Modify, OpenApi};

/// What the error answers shared by many operations mean.
pub(crate) mod said {
    pub const UNAUTHORIZED: &str = "`unauthorized`: no bearer token, or one that is expired, malformed, or of a revoked or rotated client";
    pub const INTERNAL: &str =
        "`internal`: something inside NUR failed; the cause is in the server log";
    pub const CALLER_BAD: &str = "`invalid_header`: X-NUR-Purpose or X-NUR-User-Id is not visible text or too long; `purpose_required`: the entity requires X-NUR-Purpose";
    pub const CALLER_FORBIDDEN: &str =
        "`address_not_allowed`: the client may not connect from this address";
    pub const TOO_LARGE: &str = "`body_too_large`: the body is above 2 MiB";
    pub const NOT_JSON: &str = "`unsupported_media_type`: the body is not `application/json`";
    pub const BODY_SHAPE: &str =
        "`invalid_body`: the body is JSON, but not of the shape this operation takes";
    pub const PROCEDURE_BAD: &str = "`invalid_parameter` (a parameter missing, unknown or of the wrong type), `invalid_json`; or `invalid_header`, `purpose_required`";
    pub const PROCEDURE_FORBIDDEN: &str = "`not_owner`: an entity calls only its own procedures; `not_granted`: a grant the procedure needs was revoked (policy `refuse`); `no_entity`, `address_not_allowed`";
}

/// The headers a data request may carry: they go into its audit event, and an entity may
/// require the purpose.
pub(crate) struct CallerHeaders;

impl IntoParams for CallerHeaders {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let header = |name: &str, description: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .max_length(Some(nur_app::MAX_HEADER_TEXT)),
                ))
                .build()
        };
        vec![
            header("X-NUR-Purpose", "the case or purpose of the request"),
            header(
                "X-NUR-User-Id",
                "the officer on whose behalf the client asks",
            ),
        ]
    }
}

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
