//! Schemas of bodies that other crates read or write: the query spec (parsed by
//! `nur_core::query::QuerySpec`, whose errors the API reports as `invalid_query`), the JWK
//! set (written by jsonwebtoken) and the Debezium change event (parsed by nur-ingest). The
//! types here are never built: they exist so that utoipa derives those schemas from Rust
//! definitions that mirror the real ones field for field (utoipa reads their `serde`
//! attributes: renames, defaults, unknown fields denied). Beside them, the small types that
//! several answers share (a column's type, a parameter), which the handlers do build.
#![allow(
    dead_code,
    reason = "the types only describe bodies; their schemas are read"
)]

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A query over the warehouse: tables joined on the national number, their columns,
/// conditions on named parameters, an order and a limit. Joining a table needs its table
/// grant; selecting, filtering on or ordering by a column needs its column grant.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuerySpec {
    /// The spec format's version: 1.
    #[schema(minimum = 1, maximum = 1)]
    version: u32,
    /// The first table is the base; each other one joins it on the national number.
    #[schema(min_items = 1)]
    tables: Vec<SpecTable>,
    #[serde(default)]
    conditions: Option<Condition>,
    #[serde(default)]
    parameters: Vec<Parameter>,
    #[serde(default)]
    order_by: Vec<OrderBy>,
    /// At most this many rows (lowered to the deployment's maximum).
    #[serde(default)]
    limit: Option<u32>,
}

/// A spec as `POST /api/v1/queries/sql` takes it: bare, or wrapped as `/run` takes it.
#[derive(ToSchema)]
#[serde(untagged)]
pub(crate) enum SpecBody {
    Spec(QuerySpec),
    Wrapped { spec: QuerySpec },
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpecTable {
    /// A catalog table.
    table: String,
    /// Its columns to select (none: the table only joins or filters).
    #[serde(default)]
    columns: Vec<String>,
    /// How this table joins the first one (not allowed on the first; `left` when absent).
    #[serde(default)]
    join: Option<JoinKind>,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JoinKind {
    Left,
    Inner,
}

/// A condition tree: `{"and": […]}`, `{"or": […]}` or one test.
#[derive(ToSchema)]
#[serde(untagged)]
pub(crate) enum Condition {
    And {
        #[schema(no_recursion)]
        and: Vec<Condition>,
    },
    Or {
        #[schema(no_recursion)]
        or: Vec<Condition>,
    },
    Test(Test),
}

/// One test of a column (`Table.Column` when the name is ambiguous) against a parameter
/// (`param`), several (`params`, for `between`) or a literal `value`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Test {
    column: String,
    op: Op,
    #[serde(default)]
    param: Option<String>,
    #[serde(default)]
    params: Option<Vec<String>>,
    #[serde(default)]
    value: Option<Value>,
}

#[derive(ToSchema)]
pub(crate) enum Op {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "<>")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "in")]
    In,
    #[serde(rename = "starts_with")]
    StartsWith,
    #[serde(rename = "like")]
    Like,
    #[serde(rename = "is_null")]
    IsNull,
    #[serde(rename = "is_not_null")]
    IsNotNull,
    #[serde(rename = "between")]
    Between,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrderBy {
    column: String,
    #[serde(default)]
    direction: Direction,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Direction {
    Asc,
    Desc,
}

/// The public keys that verify NUR's access tokens (RFC 7517).
#[derive(ToSchema)]
pub(crate) struct JwkSet {
    keys: Vec<Jwk>,
}

/// An Ed25519 public key (RFC 8037), its `kid` the RFC 7638 thumbprint.
#[derive(ToSchema)]
pub(crate) struct Jwk {
    /// `OKP`.
    kty: String,
    /// `Ed25519`.
    crv: String,
    /// The public key, base64url.
    x: String,
    kid: String,
    /// `sig`.
    #[serde(rename = "use")]
    public_key_use: String,
    /// `EdDSA`.
    alg: String,
}

/// A change event in the Debezium envelope. One wrapped by the JSON converter as
/// `{"schema": …, "payload": {…}}` is read as its payload. An event that cannot be applied
/// (an unknown table or column, a value of the wrong type) becomes a dead letter.
#[derive(ToSchema)]
pub(crate) struct ChangeEvent {
    /// `c` create, `u` update, `d` delete, `r` snapshot read, `t` truncate.
    op: ChangeOp,
    /// The row before the change (needed for `d`).
    #[serde(default)]
    before: Option<Map<String, Value>>,
    /// The row after the change (needed for `c`, `u` and `r`).
    #[serde(default)]
    after: Option<Map<String, Value>>,
    /// The connector's block: `table` (required), the position fields of its kind, `ts_ms`.
    source: Map<String, Value>,
    /// When the connector saw the change (Unix ms), if `source.ts_ms` is absent.
    #[serde(default)]
    ts_ms: Option<i64>,
}

#[derive(ToSchema)]
pub(crate) enum ChangeOp {
    #[serde(rename = "c")]
    Create,
    #[serde(rename = "u")]
    Update,
    #[serde(rename = "d")]
    Delete,
    #[serde(rename = "r")]
    Read,
    #[serde(rename = "t")]
    Truncate,
}

/// The type of a column or parameter, as the catalog names it.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ColumnType {
    NationalNumber,
    PersonalId,
    CivilRecordId,
    Text,
    Integer,
    Decimal,
    Date,
    Boolean,
}

impl From<nur_core::ColumnType> for ColumnType {
    fn from(t: nur_core::ColumnType) -> ColumnType {
        use nur_core::ColumnType as C;
        match t {
            C::NationalNumber => ColumnType::NationalNumber,
            C::PersonalId => ColumnType::PersonalId,
            C::CivilRecordId => ColumnType::CivilRecordId,
            C::Text => ColumnType::Text,
            C::Integer => ColumnType::Integer,
            C::Decimal => ColumnType::Decimal,
            C::Date => ColumnType::Date,
            C::Boolean => ColumnType::Boolean,
        }
    }
}

/// A named, typed value a query spec or procedure takes when it runs.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Parameter {
    name: String,
    #[serde(rename = "type")]
    ty: ColumnType,
    /// A list parameter takes a JSON array (for `in`); absent means false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    list: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

impl From<nur_core::query::Parameter> for Parameter {
    fn from(p: nur_core::query::Parameter) -> Parameter {
        Parameter {
            name: p.name,
            ty: p.ty.into(),
            list: p.list,
            description: p.description,
        }
    }
}
