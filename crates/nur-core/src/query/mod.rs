//! Query specs: the versioned JSON a consumer writes (or the query builder produces) to ask
//! for data, and the checked [`Plan`] it becomes once every table, column and parameter has
//! been resolved against the catalog and the caller's [`Grants`](crate::grant::Grants). The
//! store compiles a plan to SQL; nothing reaches SQL that did not pass [`plan()`].
//!
//! `spec` holds the format and its parsing, `plan` the check under grants that yields a
//! [`Plan`], and `bind` the parameter values a call gives a plan ([`Args`]).
//!
//! The format is documented with examples in `docs/query-spec.md`.

mod bind;
mod plan;
mod review;
mod spec;

pub use bind::Args;
pub use plan::{plan, Filter, Limits, Operand, OutputColumn, Plan, PlanTable, RevokePolicy};
pub use review::{review, ReviewSql};
pub use spec::{
    Condition, Direction, JoinKind, Op, OrderBy, Parameter, QuerySpec, SpecTable, Test,
    SPEC_VERSION,
};

/// Bounds that keep one spec from becoming a denial of service.
const MAX_TABLES: usize = 16;
const MAX_TESTS: usize = 256;
const MAX_DEPTH: usize = 16;
const MAX_LIST: usize = 1000;
/// The most values one compiled query binds: below SQLite's variable limit (32,766) and
/// PostgreSQL's (65,535), so a spec is refused with a reason rather than failing in the
/// database.
pub const MAX_BOUND: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The spec is malformed or names something that does not exist.
    #[error("{0}")]
    Invalid(String),
    /// The spec names something the caller's entity is not granted.
    #[error("{0}")]
    Forbidden(String),
    /// A parameter value is missing or of the wrong type.
    #[error("{0}")]
    Parameter(String),
}

#[cfg(test)]
mod tests;
