//! Database URLs: `sqlite:PATH` (or `sqlite://PATH`) and `postgres://…` / `postgresql://…`.
//! Any other scheme is refused.

use crate::StoreError;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

/// Whether a missing SQLite file may be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    Create,
    MustExist,
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, StoreError> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "{url:?}: sqlite URL has no path"
                )));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        Err(StoreError::Invalid(format!(
            "{url:?}: unknown database URL scheme (use sqlite:PATH or postgres://HOST/DB)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(
            DbUrl::parse("sqlite:./nur-data/nur.db").unwrap(),
            DbUrl::Sqlite("./nur-data/nur.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite:///tmp/x.db").unwrap(),
            DbUrl::Sqlite("/tmp/x.db".into())
        );
        assert!(matches!(
            DbUrl::parse("postgres://127.0.0.1/nur").unwrap(),
            DbUrl::Postgres(_)
        ));
        for bad in ["mysql://x", "nur.db", "sqlite:", ""] {
            assert!(DbUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
