//! Planning: a spec checked against the catalog and the caller's grants becomes a [`Plan`],
//! in which every identifier comes from the catalog and every operand is typed.

use super::spec::{Condition, Direction, JoinKind, Op, Parameter, QuerySpec, Test};
use super::{QueryError, MAX_BOUND, MAX_DEPTH, MAX_LIST, MAX_TABLES, MAX_TESTS};
use crate::catalog::{Catalog, ColumnType, Ident};
use crate::grant::Grants;
use crate::identity::IdentityRules;
use crate::reason;
use crate::reason::Reason;
use crate::value::Value;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::{HashMap, HashSet};

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
    /// The person column of each table, read with every row but never returned: who each
    /// row is about, for the audit trail (a query may filter on a person without selecting
    /// them).
    pub subjects: Vec<(usize, Ident)>,
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

impl Filter {
    /// How many values the compiled conditions bind, given the call's parameter values
    /// (`args[i]` the values of parameter `i`; a parameter used twice counts twice).
    pub fn bound_values(&self, args: &[Vec<Value>]) -> usize {
        match self {
            Filter::And(items) | Filter::Or(items) => {
                items.iter().map(|f| f.bound_values(args)).sum()
            }
            Filter::Test { operands, .. } => operands
                .iter()
                .map(|o| match o {
                    Operand::Literal(_) => 1,
                    Operand::Param(i) => args.get(*i).map_or(1, Vec::len),
                })
                .sum(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Index into [`Plan::parameters`].
    Param(usize),
    Literal(Value),
}

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
    let invalid = |r: Reason| Err(QueryError::Invalid(r));
    let who = grants
        .entity()
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|| "the caller".into());
    if spec.tables.is_empty() {
        return invalid(reason!("no_tables", "a query names at least one table"));
    }
    if spec.tables.len() > MAX_TABLES {
        return invalid(reason!(
            "too_many_tables",
            "a query names at most {max} tables",
            max = MAX_TABLES
        ));
    }
    let mut tables = Vec::new();
    let mut seen = HashSet::new();
    for (i, st) in spec.tables.iter().enumerate() {
        let Some(t) = catalog.table(&st.table) else {
            return invalid(reason!(
                "unknown_table",
                "unknown table {table:?}",
                table = st.table
            ));
        };
        if !seen.insert(t.name.clone()) {
            return invalid(reason!(
                "table_twice",
                "table {table} is listed twice",
                table = t.name
            ));
        }
        if !grants.table(catalog, &t.name) {
            return Err(QueryError::Forbidden(reason!(
                "table_not_granted",
                "table {table} is not granted to {entity}",
                table = t.name,
                entity = who
            )));
        }
        let join = match (i, st.join) {
            (0, Some(_)) => {
                return invalid(reason!(
                    "first_table_joined",
                    "the first table ({table}) is not joined; join applies to the tables after it",
                    table = t.name
                ))
            }
            (_, j) => j.unwrap_or(JoinKind::Left),
        };
        // A joined table's rows say that the person has some (an inner join lists exactly
        // who does): joining needs the grant of the column those rows are joined on.
        if i > 0 && !grants.column(catalog, &t.name, &t.person_column) {
            return Err(QueryError::Forbidden(reason!(
                "join_column_not_granted",
                "joining table {table} needs its column {column} granted to {entity}",
                table = t.name,
                column = format!("{}.{}", t.name, t.person_column),
                entity = who
            )));
        }
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
                return invalid(reason!(
                    "unknown_column",
                    "table {table} has no column {column:?}",
                    table = t.name,
                    column = name
                ));
            };
            if !cols.insert(name) {
                return invalid(reason!(
                    "column_twice",
                    "column {column} is selected twice",
                    column = format!("{}.{name}", t.name)
                ));
            }
            let qualified = format!("{}.{}", t.name, c.name);
            if !grants.column(catalog, &t.name, &c.name) {
                if policy == RevokePolicy::DropColumns {
                    dropped.push(qualified);
                    continue;
                }
                return Err(QueryError::Forbidden(reason!(
                    "column_not_granted",
                    "column {column} is not granted to {entity}",
                    column = qualified,
                    entity = who
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
            QueryError::Invalid(reason!("no_columns", "a query selects at least one column"))
        } else {
            QueryError::Forbidden(reason!(
                "no_columns_granted",
                "none of the selected columns is granted to {entity} any more ({columns})",
                entity = who,
                columns = dropped.join(", ")
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
            return invalid(reason!(
                "parameter_name_invalid",
                "parameter name {param:?} is not valid (a letter, then letters, digits or '_')",
                param = p.name
            ));
        }
        if param_index
            .insert(p.name.clone(), parameters.len())
            .is_some()
        {
            return invalid(reason!(
                "parameter_declared_twice",
                "parameter {param} is declared twice",
                param = p.name
            ));
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
        return invalid(reason!(
            "parameter_unused",
            "parameter {param} is declared but no condition uses it",
            param = parameters[i].name
        ));
    }
    let mut order = Vec::new();
    for o in &spec.order_by {
        let (ti, col) = resolver.column(&o.column)?;
        if !grants.column(catalog, &tables[ti].table, &col) {
            return Err(QueryError::Forbidden(reason!(
                "order_column_not_granted",
                "column {column} (in order_by) is not granted to {entity}",
                column = format!("{}.{col}", tables[ti].table),
                entity = who
            )));
        }
        order.push((ti, col, o.direction));
    }
    let (limit, capped) = match spec.limit {
        Some(0) => return invalid(reason!("limit_zero", "limit must be at least 1")),
        Some(n) if n > limits.max_rows => (limits.max_rows, true),
        Some(n) => (n, false),
        None => (limits.max_rows, false),
    };
    let literals = filter.as_ref().map_or(0, |f| f.bound_values(&[]));
    if literals > MAX_BOUND {
        return invalid(reason!(
            "too_many_literals",
            "the conditions hold {count} values; at most {max} in one query",
            count = literals,
            max = MAX_BOUND
        ));
    }
    let subjects = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (i, t.person_column.clone()))
        .collect();
    Ok(Plan {
        tables,
        output,
        filter,
        order,
        limit,
        capped,
        parameters,
        dropped,
        subjects,
    })
}

struct Resolver<'a> {
    catalog: &'a Catalog,
    tables: &'a [PlanTable],
}

impl Resolver<'_> {
    /// Resolves `Table.Column` (or a bare column name that only one query table has).
    fn column(&self, reference: &str) -> Result<(usize, Ident), QueryError> {
        let invalid = |r: Reason| Err(QueryError::Invalid(r));
        if let Some((t, c)) = reference.split_once('.') {
            let Some(ti) = self.tables.iter().position(|pt| pt.table.as_str() == t) else {
                return invalid(reason!(
                    "table_not_in_query",
                    "column {column:?}: table {table:?} is not one of the query's tables",
                    column = reference,
                    table = t
                ));
            };
            let table = self
                .catalog
                .table(t)
                .expect("query tables are catalog tables");
            return match table.column(c) {
                Some(col) => Ok((ti, col.name.clone())),
                None => invalid(reason!(
                    "unknown_column",
                    "table {table} has no column {column:?}",
                    table = t,
                    column = c
                )),
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
            0 => invalid(reason!(
                "no_such_column_in_query",
                "no table of the query has a column {column:?}",
                column = reference
            )),
            _ => invalid(reason!(
                "column_ambiguous",
                "column {column:?} is in more than one table; write it as Table.Column",
                column = reference
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
            return Err(QueryError::Invalid(reason!(
                "nesting_too_deep",
                "conditions nest deeper than {max} levels",
                max = MAX_DEPTH
            )));
        }
        let group = |ctx: &mut Self, items: &[Condition]| -> Result<Vec<Filter>, QueryError> {
            if items.is_empty() {
                return Err(QueryError::Invalid(reason!(
                    "empty_group",
                    "an and/or group holds at least one condition"
                )));
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
            return Err(QueryError::Invalid(reason!(
                "too_many_conditions",
                "a query holds at most {max} conditions",
                max = MAX_TESTS
            )));
        }
        let (ti, column) = self.resolver.column(&t.column)?;
        let table = &self.resolver.tables[ti].table;
        if !self.grants.column(self.resolver.catalog, table, &column) {
            return Err(QueryError::Forbidden(reason!(
                "condition_column_not_granted",
                "column {column} (in a condition) is not granted to {entity}",
                column = format!("{table}.{column}"),
                entity = self.who
            )));
        }
        let ty = self.resolver.column_type(ti, &column);
        let at = At {
            column: format!("{table}.{column}"),
            op: t.op,
        };
        let invalid = |r: Reason| QueryError::Invalid(at.said(r));
        let given = [t.param.is_some(), t.params.is_some(), t.value.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if given > 1 {
            return Err(invalid(reason!(
                "one_of_param_params_value",
                "give one of param, params or value"
            )));
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
                return Err(invalid(reason!(
                    "list_parameter_alone",
                    "list parameter {param} must be given alone, as \"param\"",
                    param = p
                )));
            }
            operands.push(Operand::Param(i));
        }
        match &t.value {
            Some(Json::Array(items)) => {
                if items.len() > MAX_LIST {
                    return Err(invalid(reason!(
                        "too_many_list_values",
                        "at most {max} values",
                        max = MAX_LIST
                    )));
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
                Op::IsNull | Op::IsNotNull => reason!("takes_no_operand", "takes no operand"),
                Op::Between => reason!(
                    "between_operands",
                    "takes two operands (params [low, high] or value [low, high])"
                ),
                Op::In => reason!(
                    "in_operands",
                    "takes a list parameter, several params or a value array"
                ),
                _ if list_param => {
                    reason!(
                        "list_parameter_only_in",
                        "a list parameter only goes with in"
                    )
                }
                _ => reason!(
                    "one_operand",
                    "takes exactly one operand, got {count}",
                    count = n
                ),
            }));
        }
        if matches!(t.op, Op::StartsWith | Op::Like) && class(ty) != Class::Text {
            return Err(invalid(reason!(
                "text_only_operator",
                "{operator} applies to text columns only",
                operator = t.op.name()
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

    fn param(&mut self, name: &str, ty: ColumnType, at: &At) -> Result<(usize, bool), QueryError> {
        let Some(&i) = self.param_index.get(name) else {
            return Err(QueryError::Invalid(at.said(reason!(
                "parameter_undeclared",
                "parameter {param:?} is not declared in \"parameters\"",
                param = name
            ))));
        };
        let p = &self.params[i];
        if !compatible(p.ty, ty) {
            return Err(QueryError::Invalid(at.said(reason!(
                "parameter_type_mismatch",
                "parameter {param} is a {param_type} but the column is a {column_type}",
                param = name,
                param_type = p.ty.name(),
                column_type = ty.name()
            ))));
        }
        self.used[i] = true;
        Ok((i, p.list))
    }

    fn literal(&self, v: &Json, ty: ColumnType, at: &At) -> Result<Value, QueryError> {
        Value::from_json(self.rules, ty, v).map_err(|e| {
            QueryError::Invalid(at.said(reason!(
                "value_invalid",
                "value {value} is not a valid {value_type}: {detail}",
                value = v,
                value_type = ty.name(),
                detail = e
            )))
        })
    }
}

/// The condition a reason belongs to: its column and operator, said before the reason.
struct At {
    column: String,
    op: Op,
}

impl At {
    fn said(&self, r: Reason) -> Reason {
        let english = format!("condition on {} ({})", self.column, self.op.name());
        r.at(
            &english,
            vec![
                ("condition", self.column.clone()),
                ("operator", self.op.name().to_owned()),
            ],
        )
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
    /// The literal national numbers the conditions name (who the query asks about).
    pub fn named_persons(&self) -> Vec<String> {
        fn walk(f: &Filter, out: &mut Vec<String>) {
            match f {
                Filter::And(items) | Filter::Or(items) => {
                    items.iter().for_each(|i| walk(i, out));
                }
                Filter::Test { ty, operands, .. } => {
                    if *ty == ColumnType::NationalNumber {
                        out.extend(operands.iter().filter_map(|o| match o {
                            Operand::Literal(v) => Some(v.to_string()),
                            Operand::Param(_) => None,
                        }));
                    }
                }
            }
        }
        let mut out = Vec::new();
        if let Some(f) = &self.filter {
            walk(f, &mut out);
        }
        out
    }

    /// The national-number columns of the output (who the rows returned name, for the audit
    /// trail).
    pub fn identity_outputs(&self) -> Vec<usize> {
        self.output
            .iter()
            .enumerate()
            .filter(|(_, o)| o.ty == ColumnType::NationalNumber)
            .map(|(i, _)| i)
            .collect()
    }
}
