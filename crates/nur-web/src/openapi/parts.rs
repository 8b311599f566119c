//! What many operations' descriptions share: the meaning of their common error answers and
//! the headers every data request may carry. A leaf: the handlers use it, and the document
//! (`openapi/mod.rs`), which names the handlers, does not come back through them.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Required;
use utoipa::IntoParams;

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
