//! The one place that turns errors into HTTP responses. Every error body has the same stable
//! shape: `{"error": {"code": "machine_code", "message": "what went wrong"}}`, the requests
//! axum's extractors refuse (malformed JSON, a body too large) included. Internal causes are
//! logged, not shown.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use nur_store::StoreError;
use serde::Serialize;

/// Every error the JSON API answers.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, serde::Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable, e.g. `not_granted`.
    pub code: String,
    /// For the person who asked.
    pub message: String,
    /// Refused answers (422), each at its field path, in the requested language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldErrorBody>,
    /// Why a query spec or a call was refused, as a stable code with named arguments (table
    /// and column names, counts, values), for a client that says it in its own language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonBody>,
}

/// A refusal's code and arguments, e.g. `column_not_granted` with
/// `{"column": "DVLD_Car_Info.Model_Year", "entity": "NAF"}`.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ReasonBody {
    pub code: String,
    pub args: std::collections::BTreeMap<String, String>,
}

/// One refused answer.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, utoipa::ToSchema)]
pub struct FieldErrorBody {
    /// Where, e.g. `household.members[2].national_number`.
    pub path: String,
    /// Stable, e.g. `required`, `above_max`, `unknown_member`.
    pub code: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldErrorBody>,
    /// A refused query's reason: its code and arguments go out with the English message,
    /// so a client (and the portal) can say it in another language.
    reason: Option<Box<nur_core::Reason>>,
}

impl ApiError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            fields: Vec::new(),
            reason: None,
        }
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code,
            message: message.into(),
            fields: Vec::new(),
            reason: None,
        }
    }
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: message.into(),
            fields: Vec::new(),
            reason: None,
        }
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code,
            message: message.into(),
            fields: Vec::new(),
            reason: None,
        }
    }
    pub fn upstream(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            reason: None,
        }
    }
    /// A request an extractor refused, with the status axum chose for it.
    fn rejected(status: StatusCode, code: &'static str, message: String) -> ApiError {
        ApiError {
            status,
            code,
            message,
            fields: Vec::new(),
            reason: None,
        }
    }
    pub fn status(&self) -> StatusCode {
        self.status
    }
    pub fn code(&self) -> &'static str {
        self.code
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn reason(&self) -> Option<&nur_core::Reason> {
        self.reason.as_deref()
    }
    pub fn internal(cause: String) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal error; the cause is in the server log".into(),
            fields: Vec::new(),
            reason: None,
        }
    }
}

impl ApiError {
    /// A use case's error with its refused answers in `lang`.
    pub fn from_app_in(e: nur_app::AppError, lang: nur_sp::Lang) -> ApiError {
        let fields = e
            .fields
            .iter()
            .map(|f| FieldErrorBody {
                path: f.path.clone(),
                code: f.code.clone(),
                message: f.message.get(lang).to_owned(),
            })
            .collect();
        ApiError {
            fields,
            ..ApiError::from(e)
        }
    }
}

impl From<nur_app::AppError> for ApiError {
    fn from(e: nur_app::AppError) -> ApiError {
        use nur_app::Kind;
        let status = match e.kind {
            Kind::Invalid => StatusCode::BAD_REQUEST,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
            Kind::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Upstream => StatusCode::BAD_GATEWAY,
            Kind::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            // The cause was logged where it happened.
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError {
            status,
            code: e.code,
            message: e.message,
            fields: Vec::new(),
            reason: e.reason,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(m) => ApiError::not_found("not_found", m),
            StoreError::Invalid(m) => ApiError::invalid("invalid", m),
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl From<nur_core::query::QueryError> for ApiError {
    fn from(e: nur_core::query::QueryError) -> ApiError {
        nur_app::AppError::from(e).into()
    }
}

/// A request body axum could not read or parse; the status is axum's (400, 413, 415 or 422).
impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        let code = match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
            _ => "invalid_json",
        };
        ApiError::rejected(r.status(), code, r.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> ApiError {
        let code = match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
            _ => "invalid_body",
        };
        ApiError::rejected(r.status(), code, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        ApiError::rejected(r.status(), "invalid_query_string", r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::rejected(r.status(), "invalid_path", r.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let shown = crate::portal::errors::Shown {
            code: self.code,
            message: self.message.clone(),
            reason: self.reason.as_deref().cloned(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                fields: self.fields,
                reason: self.reason.map(|r| ReasonBody {
                    code: r.code.to_owned(),
                    args: r.args.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                }),
            },
        };
        let mut resp = (self.status, Json(body)).into_response();
        // Over a rate or busy: when to come back (RFC 9110 §10.2.3).
        let retry = match self.status {
            StatusCode::TOO_MANY_REQUESTS => Some("30"),
            StatusCode::SERVICE_UNAVAILABLE => Some("2"),
            _ => None,
        };
        if let Some(secs) = retry {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(secs),
            );
        }
        resp.extensions_mut()
            .insert(crate::metrics::ErrorCode(self.code));
        resp.extensions_mut().insert(shown);
        resp
    }
}
