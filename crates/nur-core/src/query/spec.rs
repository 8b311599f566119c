//! The spec format: what a consumer writes, parsed with clear errors. Nothing here looks at
//! the catalog or the grants; that is the work of [`plan()`](super::plan()).

use super::QueryError;
use crate::catalog::ColumnType;
use crate::reason;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// The spec format this build reads.
pub const SPEC_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuerySpec {
    pub version: u32,
    pub tables: Vec<SpecTable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_by: Vec<OrderBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecTable {
    pub table: String,
    #[serde(default)]
    pub columns: Vec<String>,
    /// How this table joins the first one on the national number (not allowed on the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<JoinKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JoinKind {
    Left,
    Inner,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// A list parameter takes a JSON array (for `in`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub list: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderBy {
    pub column: String,
    #[serde(default)]
    pub direction: Direction,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// A condition tree: `{"and": [...]}`, `{"or": [...]}` or one test
/// `{"column": "T.C", "op": "=", "param": "p"}` (operands: `param`, `params` or `value`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Json", into = "Json")]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Test(Test),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    pub column: String,
    pub op: Op,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Json>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "<>", alias = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "in", alias = "IN")]
    In,
    #[serde(rename = "starts_with", alias = "starts-with")]
    StartsWith,
    #[serde(rename = "like", alias = "LIKE")]
    Like,
    #[serde(rename = "is_null", alias = "IS NULL")]
    IsNull,
    #[serde(rename = "is_not_null", alias = "IS NOT NULL")]
    IsNotNull,
    #[serde(rename = "between", alias = "BETWEEN")]
    Between,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => "in",
            Op::StartsWith => "starts_with",
            Op::Like => "like",
            Op::IsNull => "is_null",
            Op::IsNotNull => "is_not_null",
            Op::Between => "between",
        }
    }
}

impl TryFrom<Json> for Condition {
    type Error = String;
    fn try_from(v: Json) -> Result<Condition, String> {
        let Json::Object(mut m) = v else {
            return Err(format!(
                "a condition is an object ({{\"and\": …}}, {{\"or\": …}} or a test), not {v}"
            ));
        };
        let group = |m: &mut Map<String, Json>, key: &str| -> Result<Vec<Condition>, String> {
            if m.len() != 1 {
                return Err(format!("an {key:?} group takes no other keys"));
            }
            match m.remove(key) {
                Some(Json::Array(items)) => items.into_iter().map(Condition::try_from).collect(),
                _ => Err(format!("{key:?} takes an array of conditions")),
            }
        };
        if m.contains_key("and") {
            return group(&mut m, "and").map(Condition::And);
        }
        if m.contains_key("or") {
            return group(&mut m, "or").map(Condition::Or);
        }
        serde_json::from_value(Json::Object(m))
            .map(Condition::Test)
            .map_err(|e| format!("condition: {e}"))
    }
}

impl From<Condition> for Json {
    fn from(c: Condition) -> Json {
        match c {
            Condition::And(v) => serde_json::json!({ "and": v }),
            Condition::Or(v) => serde_json::json!({ "or": v }),
            Condition::Test(t) => serde_json::to_value(t).expect("plain struct"),
        }
    }
}

impl QuerySpec {
    /// Parses a spec from JSON text with a clear error (line and column for syntax errors).
    pub fn from_json(text: &str) -> Result<QuerySpec, QueryError> {
        let spec: QuerySpec = serde_json::from_str(text).map_err(|e| {
            QueryError::Invalid(reason!(
                "spec_unreadable",
                "query spec: {detail}",
                detail = e
            ))
        })?;
        spec.check_version()?;
        Ok(spec)
    }

    pub fn check_version(&self) -> Result<(), QueryError> {
        if self.version != SPEC_VERSION {
            return Err(QueryError::Invalid(reason!(
                "spec_version",
                "query spec version {version} is not supported (this build reads version {supported})",
                version = self.version,
                supported = SPEC_VERSION
            )));
        }
        Ok(())
    }
}
