//! What a use case answers when it does not succeed. The kind says how a door should present
//! it (the HTTP layer maps kinds to statuses, the CLI prints the message); the code is stable
//! and machine-readable; the message is for the person who asked.

use nur_core::grant::GrantError;
use nur_core::query::QueryError;
use nur_core::Reason;
use nur_store::StoreError;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request itself is wrong (a malformed spec, an unknown name, a bad value).
    Invalid,
    NotFound,
    /// No valid credentials.
    Unauthorized,
    /// Valid credentials, but this actor may not do this.
    Forbidden,
    /// Well-formed, but the answers are refused: each refused answer is in `fields`.
    Unprocessable,
    /// The thing changed or is taken meanwhile (a draft edited elsewhere, a member in
    /// another application).
    Conflict,
    /// Too many attempts or requests from this address or for this account.
    TooMany,
    /// The service is busy (too many password checks under way): try again shortly.
    Busy,
    /// A custodian's live service failed or answered badly.
    Upstream,
    /// A custodian's live service did not answer in time.
    UpstreamTimeout,
    /// Something inside NUR failed; the cause is logged, not shown.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub kind: Kind,
    pub code: &'static str,
    pub message: String,
    /// The refused answers, each at its field path with its message in both languages.
    pub fields: Vec<nur_sp::FieldError>,
    /// Why, as a code with arguments a page can say in its own language (a refused query
    /// spec or call); `message` is its English sentence.
    pub reason: Option<Box<Reason>>,
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            kind,
            code,
            message: message.into(),
            fields: Vec::new(),
            reason: None,
        }
    }
    /// Answers refused at their paths.
    pub fn unprocessable(
        code: &'static str,
        message: impl Into<String>,
        fields: Vec<nur_sp::FieldError>,
    ) -> AppError {
        AppError {
            fields,
            ..AppError::new(Kind::Unprocessable, code, message)
        }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Kind::Conflict, code, message)
    }
    pub fn invalid(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Kind::Invalid, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Kind::NotFound, code, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> AppError {
        AppError::new(Kind::Unauthorized, "unauthorized", message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Kind::Forbidden, code, message)
    }
    pub fn too_many(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Kind::TooMany, code, message)
    }
    pub fn busy(message: impl Into<String>) -> AppError {
        AppError::new(Kind::Busy, "busy", message)
    }
    pub fn upstream(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Kind::Upstream, code, message)
    }
    pub fn upstream_timeout(message: impl Into<String>) -> AppError {
        AppError::new(Kind::UpstreamTimeout, "upstream_timeout", message)
    }
    /// An internal failure: the cause goes to the log, the caller reads a generic message.
    pub fn internal(cause: impl fmt::Display) -> AppError {
        tracing::error!(%cause, "internal error");
        AppError::new(
            Kind::Internal,
            "internal",
            "internal error; the cause is in the server log",
        )
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound(_) => AppError::not_found("not_found", e.to_string()),
            StoreError::Invalid(_) => AppError::invalid("invalid", e.to_string()),
            other => AppError::internal(other),
        }
    }
}

impl From<QueryError> for AppError {
    fn from(e: QueryError) -> AppError {
        let (kind, code) = match &e {
            QueryError::Invalid(_) => (Kind::Invalid, "invalid_query"),
            QueryError::Forbidden(_) => (Kind::Forbidden, "not_granted"),
            QueryError::Parameter(_) => (Kind::Invalid, "invalid_parameter"),
        };
        let reason = e.reason().clone();
        AppError {
            reason: Some(Box::new(reason.clone())),
            ..AppError::new(kind, code, reason.text())
        }
    }
}

impl From<GrantError> for AppError {
    fn from(e: GrantError) -> AppError {
        match e {
            GrantError::Unknown(m) => AppError::invalid("unknown_target", m),
            GrantError::Forbidden(m) => AppError::forbidden("not_custodian_admin", m),
        }
    }
}

/// No randomness from the operating system: nothing secret can be made.
pub(crate) fn no_randomness(e: getrandom::Error) -> AppError {
    AppError::internal(format!("no randomness from the operating system: {e}"))
}
