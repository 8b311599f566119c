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

use crate::reason::Reason;
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

/// Why a spec or a call was refused. Each carries its [`Reason`]: a stable code with
/// arguments (every code is in [`REASONS`], so a page can say it in its own language) and the
/// English sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The spec is malformed or names something that does not exist.
    #[error("{0}")]
    Invalid(Reason),
    /// The spec names something the caller's entity is not granted.
    #[error("{0}")]
    Forbidden(Reason),
    /// A parameter value is missing or of the wrong type.
    #[error("{0}")]
    Parameter(Reason),
}

impl QueryError {
    pub fn reason(&self) -> &Reason {
        match self {
            QueryError::Invalid(r) | QueryError::Forbidden(r) | QueryError::Parameter(r) => r,
        }
    }
}

/// Every code a [`QueryError`]'s reason may carry (a test keeps the list and the sources in
/// step).
pub const REASONS: &[&str] = &[
    "spec_unreadable",
    "spec_version",
    "no_tables",
    "too_many_tables",
    "unknown_table",
    "table_twice",
    "table_not_granted",
    "first_table_joined",
    "join_column_not_granted",
    "unknown_column",
    "column_twice",
    "column_not_granted",
    "no_columns",
    "no_columns_granted",
    "parameter_name_invalid",
    "parameter_declared_twice",
    "parameter_unused",
    "order_column_not_granted",
    "limit_zero",
    "too_many_literals",
    "table_not_in_query",
    "no_such_column_in_query",
    "column_ambiguous",
    "nesting_too_deep",
    "empty_group",
    "too_many_conditions",
    "condition_column_not_granted",
    "one_of_param_params_value",
    "list_parameter_alone",
    "too_many_list_values",
    "takes_no_operand",
    "between_operands",
    "in_operands",
    "list_parameter_only_in",
    "one_operand",
    "text_only_operator",
    "parameter_undeclared",
    "parameter_type_mismatch",
    "value_invalid",
    "parameter_unknown",
    "parameter_required",
    "parameter_list_size",
    "parameter_value_invalid",
    "too_many_bound",
    "parameter_twice",
];
#[cfg(test)]
mod tests;
