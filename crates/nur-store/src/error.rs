use std::fmt;

/// Storage errors. `NotFound` and `Invalid` are kept apart from backend failures so callers
/// can answer 404/400 instead of 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error(
        "database schema version {found} is newer than this build ({known}); refusing to downgrade"
    )]
    Downgrade { found: i64, known: i64 },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {}", PgDisplay(.0))]
    Postgres(#[from] postgres::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A failure reported to several callers at once (a failed audit group).
    #[error("{0}")]
    Failed(String),
}

/// `postgres::Error`'s Display hides the server's message behind "db error"; show it.
struct PgDisplay<'a>(&'a postgres::Error);

impl fmt::Display for PgDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_db_error() {
            Some(db) => write!(f, "{} ({})", db.message(), db.code().code()),
            None => write!(f, "{}", self.0),
        }
    }
}
