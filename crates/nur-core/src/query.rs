//! Query specs: the versioned JSON a consumer writes (or the query builder produces) to ask
//! for data, and the checked [`Plan`] it becomes once every table, column and parameter has
//! been resolved against the catalog and the caller's [`Grants`]. The store compiles a plan
//! to SQL; nothing reaches SQL that did not pass [`plan`].
//!
//! The format is documented with examples in `docs/query-spec.md`.

use crate::catalog::{Catalog, ColumnType, Ident};
use crate::grant::Grants;
use crate::identity::IdentityRules;
use crate::value::Value;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::{HashMap, HashSet};

/// The spec format this build reads.
pub const SPEC_VERSION: u32 = 1;

/// Bounds that keep one spec from becoming a denial of service.
const MAX_TABLES: usize = 16;
const MAX_TESTS: usize = 256;
const MAX_DEPTH: usize = 16;
const MAX_LIST: usize = 1000;

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
    fn name(self) -> &'static str {
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
        let spec: QuerySpec = serde_json::from_str(text)
            .map_err(|e| QueryError::Invalid(format!("query spec: {e}")))?;
        spec.check_version()?;
        Ok(spec)
    }

    pub fn check_version(&self) -> Result<(), QueryError> {
        if self.version != SPEC_VERSION {
            return Err(QueryError::Invalid(format!(
                "query spec version {} is not supported (this build reads version {SPEC_VERSION})",
                self.version
            )));
        }
        Ok(())
    }
}

/// What to do with a saved procedure's selected columns after a grant is revoked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokePolicy {
    /// Refuse the call, naming what is no longer granted (the default).
    #[default]
    Refuse,
    /// Leave the ungranted selected columns out and say so in the response.
    DropColumns,
}

impl RevokePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RevokePolicy::Refuse => "refuse",
            RevokePolicy::DropColumns => "drop_columns",
        }
    }
    pub fn parse(s: &str) -> Option<RevokePolicy> {
        match s {
            "refuse" => Some(RevokePolicy::Refuse),
            "drop_columns" => Some(RevokePolicy::DropColumns),
            _ => None,
        }
    }
}

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

/// A checked query, ready to compile. Every identifier in it comes from the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub tables: Vec<PlanTable>,
    pub output: Vec<OutputColumn>,
    pub filter: Option<Filter>,
    pub order: Vec<(usize, Ident, Direction)>,
    pub limit: u32,
    /// The limit asked for was above the configured maximum and was lowered to it.
    pub capped: bool,
    pub parameters: Vec<Parameter>,
    /// Selected columns left out under [`RevokePolicy::DropColumns`] (as `Table.Column`).
    pub dropped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanTable {
    pub table: Ident,
    pub person_column: Ident,
    pub join: JoinKind,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputColumn {
    /// Index into [`Plan::tables`].
    pub table: usize,
    pub column: Ident,
    pub ty: ColumnType,
    /// The key in each result row: the column name, or `Table.Column` when two selected
    /// tables share the name.
    pub name: String,
    pub qualified: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Test {
        table: usize,
        column: Ident,
        ty: ColumnType,
        op: Op,
        operands: Vec<Operand>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Index into [`Plan::parameters`].
    Param(usize),
    Literal(Value),
}

/// Parameter values bound to a plan, by parameter index (a list parameter holds many).
#[derive(Debug, Clone, PartialEq)]
pub struct Args(pub Vec<Vec<Value>>);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_rows: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_rows: 10_000 }
    }
}

/// Checks `spec` against the catalog and the caller's grants.
pub fn plan(
    catalog: &Catalog,
    grants: &Grants,
    spec: &QuerySpec,
    limits: Limits,
    policy: RevokePolicy,
) -> Result<Plan, QueryError> {
    spec.check_version()?;
    let invalid = |m: String| Err(QueryError::Invalid(m));
    let who = grants
        .entity()
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|| "the caller".into());
    if spec.tables.is_empty() {
        return invalid("a query names at least one table".into());
    }
    if spec.tables.len() > MAX_TABLES {
        return invalid(format!("a query names at most {MAX_TABLES} tables"));
    }
    let mut tables = Vec::new();
    let mut seen = HashSet::new();
    for (i, st) in spec.tables.iter().enumerate() {
        let Some(t) = catalog.table(&st.table) else {
            return invalid(format!("unknown table {:?}", st.table));
        };
        if !seen.insert(t.name.clone()) {
            return invalid(format!("table {} is listed twice", t.name));
        }
        if !grants.table(catalog, &t.name) {
            return Err(QueryError::Forbidden(format!(
                "table {} is not granted to {who}",
                t.name
            )));
        }
        let join = match (i, st.join) {
            (0, Some(_)) => {
                return invalid(format!(
                    "the first table ({}) is not joined; join applies to the tables after it",
                    t.name
                ))
            }
            (_, j) => j.unwrap_or(JoinKind::Left),
        };
        tables.push(PlanTable {
            table: t.name.clone(),
            person_column: t.person_column.clone(),
            join,
        });
    }
    let resolver = Resolver {
        catalog,
        tables: &tables,
    };
    let mut output = Vec::new();
    let mut dropped = Vec::new();
    for (i, st) in spec.tables.iter().enumerate() {
        let t = catalog.table(&st.table).expect("resolved above");
        let mut cols = HashSet::new();
        for name in &st.columns {
            let Some(c) = t.column(name) else {
                return invalid(format!("table {} has no column {name:?}", t.name));
            };
            if !cols.insert(name) {
                return invalid(format!("column {}.{name} is selected twice", t.name));
            }
            let qualified = format!("{}.{}", t.name, c.name);
            if !grants.column(catalog, &t.name, &c.name) {
                if policy == RevokePolicy::DropColumns {
                    dropped.push(qualified);
                    continue;
                }
                return Err(QueryError::Forbidden(format!(
                    "column {qualified} is not granted to {who}"
                )));
            }
            output.push(OutputColumn {
                table: i,
                column: c.name.clone(),
                ty: c.ty,
                name: String::new(),
                qualified,
            });
        }
    }
    if output.is_empty() {
        return Err(if dropped.is_empty() {
            QueryError::Invalid("a query selects at least one column".into())
        } else {
            QueryError::Forbidden(format!(
                "none of the selected columns is granted to {who} any more ({})",
                dropped.join(", ")
            ))
        });
    }
    let mut counts: HashMap<&Ident, usize> = HashMap::new();
    for o in &output {
        *counts.entry(&o.column).or_default() += 1;
    }
    let names: Vec<String> = output
        .iter()
        .map(|o| {
            if counts[&o.column] > 1 {
                o.qualified.clone()
            } else {
                o.column.to_string()
            }
        })
        .collect();
    for (o, n) in output.iter_mut().zip(names) {
        o.name = n;
    }

    let mut parameters = Vec::new();
    let mut param_index = HashMap::new();
    for p in &spec.parameters {
        if Ident::parse(&p.name).is_err() {
            return invalid(format!(
                "parameter name {:?} is not valid (a letter, then letters, digits or '_')",
                p.name
            ));
        }
        if param_index
            .insert(p.name.clone(), parameters.len())
            .is_some()
        {
            return invalid(format!("parameter {} is declared twice", p.name));
        }
        parameters.push(p.clone());
    }
    let mut ctx = FilterCtx {
        resolver: &resolver,
        grants,
        who: &who,
        params: &parameters,
        param_index: &param_index,
        used: vec![false; parameters.len()],
        tests: 0,
        rules: &catalog.identity,
    };
    let filter = match &spec.conditions {
        Some(c) => Some(ctx.filter(c, 0)?),
        None => None,
    };
    if let Some(i) = ctx.used.iter().position(|u| !u) {
        return invalid(format!(
            "parameter {} is declared but no condition uses it",
            parameters[i].name
        ));
    }
    let mut order = Vec::new();
    for o in &spec.order_by {
        let (ti, col) = resolver.column(&o.column)?;
        if !grants.column(catalog, &tables[ti].table, &col) {
            return Err(QueryError::Forbidden(format!(
                "column {}.{col} (in order_by) is not granted to {who}",
                tables[ti].table
            )));
        }
        order.push((ti, col, o.direction));
    }
    let (limit, capped) = match spec.limit {
        Some(0) => return invalid("limit must be at least 1".into()),
        Some(n) if n > limits.max_rows => (limits.max_rows, true),
        Some(n) => (n, false),
        None => (limits.max_rows, false),
    };
    Ok(Plan {
        tables,
        output,
        filter,
        order,
        limit,
        capped,
        parameters,
        dropped,
    })
}

struct Resolver<'a> {
    catalog: &'a Catalog,
    tables: &'a [PlanTable],
}

impl Resolver<'_> {
    /// Resolves `Table.Column` (or a bare column name that only one query table has).
    fn column(&self, reference: &str) -> Result<(usize, Ident), QueryError> {
        let invalid = |m: String| Err(QueryError::Invalid(m));
        if let Some((t, c)) = reference.split_once('.') {
            let Some(ti) = self.tables.iter().position(|pt| pt.table.as_str() == t) else {
                return invalid(format!(
                    "column {reference:?}: table {t:?} is not one of the query's tables"
                ));
            };
            let table = self
                .catalog
                .table(t)
                .expect("query tables are catalog tables");
            return match table.column(c) {
                Some(col) => Ok((ti, col.name.clone())),
                None => invalid(format!("table {t} has no column {c:?}")),
            };
        }
        let found: Vec<(usize, Ident)> = self
            .tables
            .iter()
            .enumerate()
            .filter_map(|(i, pt)| {
                let t = self.catalog.table(pt.table.as_str())?;
                t.column(reference).map(|c| (i, c.name.clone()))
            })
            .collect();
        match found.len() {
            1 => Ok(found.into_iter().next().expect("one")),
            0 => invalid(format!("no table of the query has a column {reference:?}")),
            _ => invalid(format!(
                "column {reference:?} is in more than one table; write it as Table.Column"
            )),
        }
    }

    fn column_type(&self, table: usize, column: &Ident) -> ColumnType {
        let t = self
            .catalog
            .table(self.tables[table].table.as_str())
            .expect("query tables are catalog tables");
        t.column(column.as_str()).expect("resolved").ty
    }
}

struct FilterCtx<'a> {
    resolver: &'a Resolver<'a>,
    grants: &'a Grants,
    who: &'a str,
    params: &'a [Parameter],
    param_index: &'a HashMap<String, usize>,
    used: Vec<bool>,
    tests: usize,
    rules: &'a IdentityRules,
}

impl FilterCtx<'_> {
    fn filter(&mut self, c: &Condition, depth: usize) -> Result<Filter, QueryError> {
        if depth > MAX_DEPTH {
            return Err(QueryError::Invalid(format!(
                "conditions nest deeper than {MAX_DEPTH} levels"
            )));
        }
        let group = |ctx: &mut Self, items: &[Condition]| -> Result<Vec<Filter>, QueryError> {
            if items.is_empty() {
                return Err(QueryError::Invalid(
                    "an and/or group holds at least one condition".into(),
                ));
            }
            items.iter().map(|c| ctx.filter(c, depth + 1)).collect()
        };
        match c {
            Condition::And(items) => Ok(Filter::And(group(self, items)?)),
            Condition::Or(items) => Ok(Filter::Or(group(self, items)?)),
            Condition::Test(t) => self.test(t),
        }
    }

    fn test(&mut self, t: &Test) -> Result<Filter, QueryError> {
        self.tests += 1;
        if self.tests > MAX_TESTS {
            return Err(QueryError::Invalid(format!(
                "a query holds at most {MAX_TESTS} conditions"
            )));
        }
        let (ti, column) = self.resolver.column(&t.column)?;
        let table = &self.resolver.tables[ti].table;
        if !self.grants.column(self.resolver.catalog, table, &column) {
            return Err(QueryError::Forbidden(format!(
                "column {table}.{column} (in a condition) is not granted to {}",
                self.who
            )));
        }
        let ty = self.resolver.column_type(ti, &column);
        let at = format!("condition on {table}.{column} ({})", t.op.name());
        let invalid = |m: String| QueryError::Invalid(format!("{at}: {m}"));
        let given = [t.param.is_some(), t.params.is_some(), t.value.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if given > 1 {
            return Err(invalid("give one of param, params or value".into()));
        }
        let mut operands = Vec::new();
        let mut list_param = false;
        if let Some(p) = &t.param {
            let (i, list) = self.param(p, ty, &at)?;
            list_param = list;
            operands.push(Operand::Param(i));
        }
        for p in t.params.iter().flatten() {
            let (i, list) = self.param(p, ty, &at)?;
            if list {
                return Err(invalid(format!(
                    "list parameter {p} must be given alone, as \"param\""
                )));
            }
            operands.push(Operand::Param(i));
        }
        match &t.value {
            Some(Json::Array(items)) => {
                if items.len() > MAX_LIST {
                    return Err(invalid(format!("at most {MAX_LIST} values")));
                }
                for v in items {
                    operands.push(Operand::Literal(self.literal(v, ty, &at)?));
                }
            }
            Some(v) => operands.push(Operand::Literal(self.literal(v, ty, &at)?)),
            None => {}
        }
        let n = operands.len();
        let arity_ok = match t.op {
            Op::IsNull | Op::IsNotNull => n == 0,
            Op::Between => n == 2 && !list_param,
            Op::In => n >= 1 && (!list_param || n == 1),
            _ => n == 1 && !list_param,
        };
        if !arity_ok {
            return Err(invalid(match t.op {
                Op::IsNull | Op::IsNotNull => "takes no operand".into(),
                Op::Between => {
                    "takes two operands (params [low, high] or value [low, high])".into()
                }
                Op::In => "takes a list parameter, several params or a value array".into(),
                _ if list_param => "a list parameter only goes with in".into(),
                _ => format!("takes exactly one operand, got {n}"),
            }));
        }
        if matches!(t.op, Op::StartsWith | Op::Like) && class(ty) != Class::Text {
            return Err(invalid(format!(
                "{} applies to text columns only",
                t.op.name()
            )));
        }
        Ok(Filter::Test {
            table: ti,
            column,
            ty,
            op: t.op,
            operands,
        })
    }

    fn param(&mut self, name: &str, ty: ColumnType, at: &str) -> Result<(usize, bool), QueryError> {
        let Some(&i) = self.param_index.get(name) else {
            return Err(QueryError::Invalid(format!(
                "{at}: parameter {name:?} is not declared in \"parameters\""
            )));
        };
        let p = &self.params[i];
        if !compatible(p.ty, ty) {
            return Err(QueryError::Invalid(format!(
                "{at}: parameter {name} is a {} but the column is a {}",
                p.ty.name(),
                ty.name()
            )));
        }
        self.used[i] = true;
        Ok((i, p.list))
    }

    fn literal(&self, v: &Json, ty: ColumnType, at: &str) -> Result<Value, QueryError> {
        Value::from_json(self.rules, ty, v)
            .map_err(|e| QueryError::Invalid(format!("{at}: value {v}: {e}")))
    }
}

#[derive(PartialEq, Eq)]
enum Class {
    Text,
    Number,
    Date,
    Boolean,
}

fn class(ty: ColumnType) -> Class {
    match ty {
        ColumnType::NationalNumber
        | ColumnType::PersonalId
        | ColumnType::CivilRecordId
        | ColumnType::Text => Class::Text,
        ColumnType::Integer | ColumnType::Decimal => Class::Number,
        ColumnType::Date => Class::Date,
        ColumnType::Boolean => Class::Boolean,
    }
}

fn compatible(a: ColumnType, b: ColumnType) -> bool {
    class(a) == class(b)
}

impl Plan {
    /// Binds parameter values (a JSON object by parameter name). Every declared parameter is
    /// required; unknown names are refused so a typo never silently widens a query.
    pub fn bind(
        &self,
        rules: &IdentityRules,
        values: &Map<String, Json>,
    ) -> Result<Args, QueryError> {
        for k in values.keys() {
            if !self.parameters.iter().any(|p| p.name == *k) {
                return Err(QueryError::Parameter(format!("unknown parameter {k:?}")));
            }
        }
        let mut args = Vec::with_capacity(self.parameters.len());
        for p in &self.parameters {
            let err = |m: String| QueryError::Parameter(format!("parameter {}: {m}", p.name));
            let v = values
                .get(&p.name)
                .ok_or_else(|| err("is required".into()))?;
            let vals = match (p.list, v) {
                (true, Json::Array(items)) => {
                    if items.is_empty() || items.len() > MAX_LIST {
                        return Err(err(format!("takes 1 to {MAX_LIST} values")));
                    }
                    items
                        .iter()
                        .map(|i| Value::from_json(rules, p.ty, i).map_err(&err))
                        .collect::<Result<Vec<_>, _>>()?
                }
                (true, other) => vec![Value::from_json(rules, p.ty, other).map_err(&err)?],
                (false, other) => vec![Value::from_json(rules, p.ty, other).map_err(&err)?],
            };
            args.push(vals);
        }
        Ok(Args(args))
    }

    /// Binds parameters given as text (URL query parameters): a list parameter is split on
    /// commas.
    pub fn bind_text(
        &self,
        rules: &IdentityRules,
        values: &[(String, String)],
    ) -> Result<Args, QueryError> {
        let mut m = Map::new();
        for (k, v) in values {
            let list = self.parameters.iter().any(|p| p.name == *k && p.list);
            let j = if list {
                Json::Array(v.split(',').map(|s| Json::String(s.to_owned())).collect())
            } else {
                Json::String(v.clone())
            };
            if m.insert(k.clone(), j).is_some() {
                return Err(QueryError::Parameter(format!(
                    "parameter {k} is given twice"
                )));
            }
        }
        self.bind(rules, &m)
    }

    /// The person columns of the output (national numbers returned, for the audit trail).
    pub fn identity_outputs(&self) -> Vec<usize> {
        self.output
            .iter()
            .enumerate()
            .filter(|(_, o)| o.ty == ColumnType::NationalNumber)
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests;
