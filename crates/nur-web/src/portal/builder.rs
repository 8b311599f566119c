//! The query builder's state as its form carries it, and the query spec it stands for, both
//! ways: a saved procedure opens as exactly the query it is (tables and joins, columns,
//! conditions, parameters with their descriptions, order, limit, revoke policy), and saving
//! the form unchanged saves the same spec.
//!
//! Conditions are rows (column, operator, a value or parameter names). A saved condition
//! tree the rows cannot show (an `or`, nesting) is kept as it is and joined with the rows by
//! `and`, never flattened or dropped.

use nur_core::query::{
    Condition, Direction, JoinKind, Op, OrderBy, Parameter, QuerySpec, RevokePolicy, SpecTable,
    Test, SPEC_VERSION,
};
use nur_core::{Catalog, ColumnType};
use serde_json::Value as Json;

/// The operators offered, in the order shown.
pub const OPS: &[Op] = &[
    Op::Eq,
    Op::Ne,
    Op::Lt,
    Op::Le,
    Op::Gt,
    Op::Ge,
    Op::Between,
    Op::In,
    Op::StartsWith,
    Op::Like,
    Op::IsNull,
    Op::IsNotNull,
];

/// The catalog key of an operator's name (`op-eq`, `op-between`, …).
pub fn op_key(op: Op) -> String {
    let word = match op {
        Op::Eq => "eq",
        Op::Ne => "ne",
        Op::Lt => "lt",
        Op::Le => "le",
        Op::Gt => "gt",
        Op::Ge => "ge",
        other => other.name(),
    };
    format!("op-{word}")
}

pub fn op_of(name: &str) -> Option<Op> {
    OPS.iter().copied().find(|o| o.name() == name)
}

/// One condition row: `column` is `Table.Column`; the operand is `value` when given (comma
/// separated for `in` and `between`), else `params` (names, comma separated); with neither,
/// a parameter named after the column (which the page then writes into the row, so the name
/// stays as the query grows).
#[derive(Debug, Clone, PartialEq)]
pub struct CondRow {
    pub column: String,
    pub op: Op,
    pub value: String,
    pub params: String,
}

/// A parameter as the form declares it: its description and a sample value to try a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRow {
    pub name: String,
    pub ty: ColumnType,
    pub list: bool,
    pub description: String,
    pub sample: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Builder {
    /// The query's tables in order; the first one's join is not used.
    pub tables: Vec<(String, JoinKind)>,
    /// Selected columns as `Table.Column`.
    pub columns: Vec<String>,
    pub conditions: Vec<CondRow>,
    /// A saved condition tree the rows cannot show, as JSON text.
    pub kept_tree: Option<String>,
    pub params: Vec<ParamRow>,
    pub order: Vec<(String, Direction)>,
    pub limit: Option<u32>,
    pub on_revoke: RevokePolicy,
    pub name: String,
    pub description: String,
    /// The procedure version this form was opened from (or last saved as).
    pub opened: Option<i64>,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            tables: Vec::new(),
            columns: Vec::new(),
            conditions: Vec::new(),
            kept_tree: None,
            params: Vec::new(),
            order: Vec::new(),
            limit: Some(100),
            on_revoke: RevokePolicy::Refuse,
            name: String::new(),
            description: String::new(),
            opened: None,
        }
    }
}

/// The form's fields, read by name (repeated names in order).
pub trait Fields {
    fn all(&self, name: &str) -> Vec<String>;
    fn one(&self, name: &str) -> String {
        self.all(name).into_iter().next().unwrap_or_default()
    }
}

impl Fields for [(String, String)] {
    fn all(&self, name: &str) -> Vec<String> {
        self.iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Array(items) => items.iter().map(json_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

impl Builder {
    pub fn from_form(f: &[(String, String)]) -> Builder {
        let joins = f.all("join");
        let tables = f
            .all("tbl")
            .into_iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, t)| {
                let join = match joins.get(i).map(String::as_str) {
                    Some("inner") => JoinKind::Inner,
                    _ => JoinKind::Left,
                };
                (t, join)
            })
            .collect();
        let (cols, ops, vals, prms) = (
            f.all("cond_col"),
            f.all("cond_op"),
            f.all("cond_val"),
            f.all("cond_param"),
        );
        let conditions = cols
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .map(|(i, c)| CondRow {
                column: c.clone(),
                op: ops.get(i).and_then(|o| op_of(o)).unwrap_or(Op::Eq),
                value: vals.get(i).map(|v| v.trim().to_owned()).unwrap_or_default(),
                params: prms.get(i).map(|v| v.trim().to_owned()).unwrap_or_default(),
            })
            .collect();
        let (pnames, ptypes, plists, pdescs, psamples) = (
            f.all("pname"),
            f.all("ptype"),
            f.all("plist"),
            f.all("pdesc"),
            f.all("psample"),
        );
        let params = pnames
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let ty = column_type(ptypes.get(i)?)?;
                Some(ParamRow {
                    name: n.clone(),
                    ty,
                    list: plists.get(i).is_some_and(|l| l == "1"),
                    description: pdescs
                        .get(i)
                        .map(|d| d.trim().to_owned())
                        .unwrap_or_default(),
                    sample: psamples
                        .get(i)
                        .map(|d| d.trim().to_owned())
                        .unwrap_or_default(),
                })
            })
            .collect();
        let dirs = f.all("order_dir");
        let order = f
            .all("order_col")
            .into_iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .map(|(i, c)| {
                let d = match dirs.get(i).map(String::as_str) {
                    Some("desc") => Direction::Desc,
                    _ => Direction::Asc,
                };
                (c, d)
            })
            .collect();
        // A form without the field (no table chosen yet) keeps the default; an empty one
        // asks for no limit of its own.
        let limit = match f.all("limit").first() {
            None => Builder::default().limit,
            Some(l) => l.trim().parse().ok(),
        };
        Builder {
            tables,
            columns: f.all("col"),
            conditions,
            kept_tree: Some(f.one("cond_tree")).filter(|t| !t.trim().is_empty()),
            params,
            order,
            limit,
            on_revoke: RevokePolicy::parse(&f.one("on_revoke")).unwrap_or_default(),
            name: f.one("name").trim().to_owned(),
            description: f.one("description").trim().to_owned(),
            opened: f.one("opened").parse().ok(),
        }
    }

    /// The form a saved spec opens as.
    pub fn from_spec(
        spec: &QuerySpec,
        name: &str,
        description: &str,
        on_revoke: RevokePolicy,
        version: i64,
    ) -> Builder {
        let mut tables = Vec::new();
        let mut columns = Vec::new();
        for t in &spec.tables {
            tables.push((t.table.clone(), t.join.unwrap_or(JoinKind::Left)));
            columns.extend(t.columns.iter().map(|c| format!("{}.{c}", t.table)));
        }
        let qualify = |c: &str| -> String {
            if c.contains('.') {
                return c.to_owned();
            }
            // A bare column name belongs to the one table of the query that has it (the
            // planner refused the spec otherwise); the first table when none is known here.
            spec.tables
                .first()
                .map(|t| format!("{}.{c}", t.table))
                .unwrap_or_else(|| c.to_owned())
        };
        let row = |t: &Test| CondRow {
            column: qualify(&t.column),
            op: t.op,
            value: t.value.as_ref().map(json_text).unwrap_or_default(),
            params: match (&t.param, &t.params) {
                (Some(p), _) => p.clone(),
                (None, Some(ps)) => ps.join(", "),
                (None, None) => String::new(),
            },
        };
        let (conditions, kept_tree) = match &spec.conditions {
            None => (Vec::new(), None),
            Some(Condition::Test(t)) => (vec![row(t)], None),
            Some(Condition::And(items))
                if items.iter().all(|c| matches!(c, Condition::Test(_))) =>
            {
                (
                    items
                        .iter()
                        .filter_map(|c| match c {
                            Condition::Test(t) => Some(row(t)),
                            _ => None,
                        })
                        .collect(),
                    None,
                )
            }
            Some(other) => (
                Vec::new(),
                Some(serde_json::to_string(other).expect("a condition is JSON")),
            ),
        };
        Builder {
            tables,
            columns,
            conditions,
            kept_tree,
            params: spec
                .parameters
                .iter()
                .map(|p| ParamRow {
                    name: p.name.clone(),
                    ty: p.ty,
                    list: p.list,
                    description: p.description.clone().unwrap_or_default(),
                    sample: String::new(),
                })
                .collect(),
            order: spec
                .order_by
                .iter()
                .map(|o| (qualify(&o.column), o.direction))
                .collect(),
            limit: spec.limit,
            on_revoke,
            name: name.to_owned(),
            description: description.to_owned(),
            opened: Some(version),
        }
    }

    /// The tables' names, in order.
    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().map(|(t, _)| t.as_str())
    }

    pub fn has_table(&self, t: &str) -> bool {
        self.table_names().any(|x| x == t)
    }

    /// Adds a table at the end (the columns already chosen stay).
    pub fn add_table(&mut self, t: &str) {
        if !t.is_empty() && !self.has_table(t) {
            self.tables.push((t.to_owned(), JoinKind::Left));
        }
    }

    /// Removes a table with its columns, conditions and order on it.
    pub fn remove_table(&mut self, t: &str) {
        let prefix = format!("{t}.");
        self.tables.retain(|(x, _)| x != t);
        self.columns.retain(|c| !c.starts_with(&prefix));
        self.conditions.retain(|c| !c.column.starts_with(&prefix));
        self.order.retain(|(c, _)| !c.starts_with(&prefix));
    }

    /// The parameter a condition row without value or names gets: the column's name in
    /// lower case, numbered when taken.
    fn fresh_param(taken: &[String], column: &str) -> String {
        let base = column.rsplit('.').next().unwrap_or(column).to_lowercase();
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }

    /// The parameters of each condition row as the spec will name them.
    pub fn row_params(&self) -> Vec<Vec<String>> {
        let mut taken: Vec<String> = self.params.iter().map(|p| p.name.clone()).collect();
        self.conditions
            .iter()
            .map(|r| {
                if matches!(r.op, Op::IsNull | Op::IsNotNull) {
                    return Vec::new();
                }
                if !r.value.is_empty() {
                    return Vec::new();
                }
                let given = split_list(&r.params);
                if !given.is_empty() {
                    return given;
                }
                let names: Vec<String> = (0..if r.op == Op::Between { 2 } else { 1 })
                    .map(|i| {
                        let col = if i == 1 {
                            format!("{}_to", r.column)
                        } else {
                            r.column.clone()
                        };
                        let n = Builder::fresh_param(&taken, &col);
                        taken.push(n.clone());
                        n
                    })
                    .collect();
                names
            })
            .collect()
    }

    /// The spec the form stands for. Types come from the catalog; a condition naming a
    /// column the catalog lacks is left for the planner to refuse by name.
    pub fn spec(&self, catalog: &Catalog) -> Result<QuerySpec, nur_core::Reason> {
        let col_type = |q: &str| -> Option<ColumnType> {
            let (t, c) = q.split_once('.')?;
            Some(catalog.table(t)?.column(c)?.ty)
        };
        if let Some(c) = self.columns.iter().find(|c| {
            !self
                .table_names()
                .any(|t| c.strip_prefix(t).is_some_and(|r| r.starts_with('.')))
        }) {
            return Err(nur_core::reason!(
                "table_not_in_query",
                "column {column:?}: table {table:?} is not one of the query's tables",
                column = c,
                table = c.split_once('.').map_or("", |(t, _)| t)
            ));
        }
        let tables = self
            .tables
            .iter()
            .enumerate()
            .map(|(i, (t, join))| {
                let prefix = format!("{t}.");
                SpecTable {
                    table: t.clone(),
                    columns: self
                        .columns
                        .iter()
                        .filter_map(|c| c.strip_prefix(&prefix).map(str::to_owned))
                        .collect(),
                    join: (i > 0).then_some(*join),
                }
            })
            .collect();
        let mut tests = Vec::new();
        let mut used: Vec<(String, ColumnType, bool)> = Vec::new();
        for (r, names) in self.conditions.iter().zip(self.row_params()) {
            let ty = col_type(&r.column).unwrap_or(ColumnType::Text);
            let mut t = Test {
                column: r.column.clone(),
                op: r.op,
                param: None,
                params: None,
                value: None,
            };
            let list = r.op == Op::In && names.len() == 1;
            match names.len() {
                0 if matches!(r.op, Op::IsNull | Op::IsNotNull) => {}
                0 => t.value = Some(literal(&r.value, r.op, ty)),
                1 if r.op != Op::Between => t.param = Some(names[0].clone()),
                _ => t.params = Some(names.clone()),
            }
            for n in names {
                if !used.iter().any(|(u, _, _)| *u == n) {
                    used.push((n, ty, list));
                }
            }
            tests.push(Condition::Test(t));
        }
        let kept = match &self.kept_tree {
            Some(text) => Some(serde_json::from_str::<Condition>(text).map_err(|e| {
                nur_core::reason!(
                    "spec_unreadable",
                    "the kept condition tree: {detail}",
                    detail = e
                )
            })?),
            None => None,
        };
        let mut kept_params = Vec::new();
        if let Some(k) = &kept {
            params_of(k, &mut kept_params);
        }
        let conditions = match (kept, tests.len()) {
            (None, 0) => None,
            (None, 1) => tests.pop(),
            (None, _) => Some(Condition::And(tests)),
            (Some(k), 0) => Some(k),
            (Some(k), _) => Some(Condition::And(std::iter::once(k).chain(tests).collect())),
        };
        // Declared order first (as saved), then the new ones; each used once.
        let mut parameters = Vec::new();
        for p in &self.params {
            let row = used.iter().find(|(n, _, _)| *n == p.name);
            if row.is_none() && !kept_params.contains(&p.name) {
                continue;
            }
            let (ty, list) = match row {
                // The declared type stands when it fits the column (national_number on a
                // text column, say); otherwise the column's.
                Some((_, ty, list)) => (
                    if same_class(p.ty, *ty) { p.ty } else { *ty },
                    *list || (p.list && kept_params.contains(&p.name)),
                ),
                None => (p.ty, p.list),
            };
            parameters.push(Parameter {
                name: p.name.clone(),
                ty,
                list,
                description: Some(p.description.clone()).filter(|d| !d.is_empty()),
            });
        }
        for (n, ty, list) in used {
            if !parameters.iter().any(|p| p.name == n) {
                parameters.push(Parameter {
                    name: n,
                    ty,
                    list,
                    description: None,
                });
            }
        }
        Ok(QuerySpec {
            version: SPEC_VERSION,
            tables,
            conditions,
            parameters,
            order_by: self
                .order
                .iter()
                .map(|(c, d)| OrderBy {
                    column: c.clone(),
                    direction: *d,
                })
                .collect(),
            limit: self.limit,
        })
    }

    /// Sample values typed for a test run, as (parameter, value) pairs.
    pub fn samples(&self) -> Vec<(String, String)> {
        self.params
            .iter()
            .filter(|p| !p.sample.is_empty())
            .map(|p| (p.name.clone(), p.sample.clone()))
            .collect()
    }

    /// The parameter rows of `spec` with what the form holds for them (descriptions,
    /// samples).
    pub fn param_rows(&self, spec: &QuerySpec) -> Vec<ParamRow> {
        spec.parameters
            .iter()
            .map(|p| {
                let had = self.params.iter().find(|r| r.name == p.name);
                ParamRow {
                    name: p.name.clone(),
                    ty: p.ty,
                    list: p.list,
                    description: p.description.clone().unwrap_or_default(),
                    sample: had.map(|r| r.sample.clone()).unwrap_or_default(),
                }
            })
            .collect()
    }
}

fn column_type(name: &str) -> Option<ColumnType> {
    serde_json::from_value(Json::String(name.to_owned())).ok()
}

fn same_class(a: ColumnType, b: ColumnType) -> bool {
    let text = |t| {
        matches!(
            t,
            ColumnType::NationalNumber
                | ColumnType::PersonalId
                | ColumnType::CivilRecordId
                | ColumnType::Text
        )
    };
    let number = |t| matches!(t, ColumnType::Integer | ColumnType::Decimal);
    a == b || (text(a) && text(b)) || (number(a) && number(b))
}

/// A typed literal: numbers and booleans as JSON numbers and booleans, the rest as text;
/// `in` and `between` take a list.
fn literal(text: &str, op: Op, ty: ColumnType) -> Json {
    let one = |s: &str| -> Json {
        match ty {
            ColumnType::Integer => s.parse::<i64>().map(Json::from).unwrap_or(s.into()),
            ColumnType::Decimal => serde_json::from_str::<serde_json::Number>(s)
                .map(Json::Number)
                .unwrap_or(s.into()),
            ColumnType::Boolean => match s {
                "true" => Json::Bool(true),
                "false" => Json::Bool(false),
                _ => s.into(),
            },
            _ => s.into(),
        }
    };
    if matches!(op, Op::In | Op::Between) {
        Json::Array(split_list(text).iter().map(|s| one(s)).collect())
    } else {
        one(text)
    }
}

fn params_of(c: &Condition, out: &mut Vec<String>) {
    match c {
        Condition::And(items) | Condition::Or(items) => {
            items.iter().for_each(|i| params_of(i, out))
        }
        Condition::Test(t) => out.extend(t.param.iter().chain(t.params.iter().flatten()).cloned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: Json) -> QuerySpec {
        serde_json::from_value(v).unwrap()
    }

    /// The fields the builder's page renders for `b` (what a browser sends back unchanged).
    fn fields(b: &Builder) -> Vec<(String, String)> {
        let mut f = Vec::new();
        let mut put = |k: &str, v: String| f.push((k.to_owned(), v));
        for (t, j) in &b.tables {
            put("tbl", t.clone());
            put(
                "join",
                if *j == JoinKind::Inner {
                    "inner"
                } else {
                    "left"
                }
                .into(),
            );
        }
        for c in &b.columns {
            put("col", c.clone());
        }
        for r in &b.conditions {
            put("cond_col", r.column.clone());
            put("cond_op", r.op.name().into());
            put("cond_val", r.value.clone());
            put("cond_param", r.params.clone());
        }
        if let Some(t) = &b.kept_tree {
            put("cond_tree", t.clone());
        }
        for p in &b.params {
            put("pname", p.name.clone());
            put("ptype", p.ty.name().into());
            put("plist", if p.list { "1" } else { "0" }.into());
            put("pdesc", p.description.clone());
            put("psample", p.sample.clone());
        }
        for (c, d) in &b.order {
            put("order_col", c.clone());
            put(
                "order_dir",
                if *d == Direction::Desc { "desc" } else { "asc" }.into(),
            );
        }
        put("limit", b.limit.map(|l| l.to_string()).unwrap_or_default());
        put("on_revoke", b.on_revoke.as_str().into());
        put("name", b.name.clone());
        put("description", b.description.clone());
        put(
            "opened",
            b.opened.map(|o| o.to_string()).unwrap_or_default(),
        );
        f
    }

    fn round_trip(s: &QuerySpec) -> QuerySpec {
        let catalog = Catalog::jordan();
        let b = Builder::from_spec(s, "p", "d", RevokePolicy::DropColumns, 3);
        let back = Builder::from_form(&fields(&b));
        assert_eq!(back, b, "the form gives back the builder it shows");
        back.spec(&catalog).unwrap()
    }

    #[test]
    fn saved_specs_open_and_save_unchanged() {
        let specs = [
            // The demo's person_vehicles: two tables, a bare test, a parameter.
            json!({"version": 1, "tables": [
                {"table": "CSPD_Personal_Info", "columns": ["National_Number", "First_Name", "Family_Name"]},
                {"table": "DVLD_Car_Info", "columns": ["Vehicle_Type", "Model_Year"], "join": "left"}],
              "conditions": {"column": "CSPD_Personal_Info.National_Number", "op": "=", "param": "national_number"},
              "parameters": [{"name": "national_number", "type": "national_number", "description": "whose"}],
              "limit": 100}),
            // Inner join, several tests of every operand kind, order, no limit.
            json!({"version": 1, "tables": [
                {"table": "CSPD_Personal_Info", "columns": ["National_Number"]},
                {"table": "DVLD_Car_Info", "columns": [], "join": "inner"}],
              "conditions": {"and": [
                {"column": "DVLD_Car_Info.Model_Year", "op": "between", "params": ["from", "to"]},
                {"column": "CSPD_Personal_Info.Gender", "op": "in", "value": ["1", "2"]},
                {"column": "CSPD_Personal_Info.Family_Name", "op": "starts_with", "value": "Al"},
                {"column": "CSPD_Personal_Info.Religion", "op": "is_null"},
                {"column": "CSPD_Personal_Info.Birth_Liwa_Code", "op": "in", "param": "liwas"}]},
              "parameters": [
                {"name": "liwas", "type": "text", "list": true},
                {"name": "from", "type": "integer"}, {"name": "to", "type": "integer"}],
              "order_by": [{"column": "CSPD_Personal_Info.Family_Name", "direction": "desc"}]}),
            // A tree the rows cannot show is kept whole.
            json!({"version": 1, "tables": [{"table": "CSPD_Personal_Info", "columns": ["National_Number"]}],
              "conditions": {"or": [
                {"column": "CSPD_Personal_Info.Gender", "op": "=", "param": "g"},
                {"and": [{"column": "CSPD_Personal_Info.Family_Name", "op": "=", "value": "x"}]}]},
              "parameters": [{"name": "g", "type": "text"}],
              "limit": 5}),
        ];
        for s in specs {
            let s = spec(s);
            assert_eq!(round_trip(&s), s);
        }
    }

    #[test]
    fn empty_conditions_become_parameters_named_after_their_columns() {
        let mut b = Builder::default();
        b.add_table("CSPD_Personal_Info");
        b.add_table("DVLD_Car_Info");
        b.columns = vec!["CSPD_Personal_Info.National_Number".into()];
        for (col, op) in [
            ("CSPD_Personal_Info.National_Number", Op::Eq),
            ("DVLD_Car_Info.National_Number", Op::Eq),
            ("DVLD_Car_Info.Model_Year", Op::Between),
        ] {
            b.conditions.push(CondRow {
                column: col.into(),
                op,
                value: String::new(),
                params: String::new(),
            });
        }
        let s = b.spec(&Catalog::jordan()).unwrap();
        let names: Vec<_> = s.parameters.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "national_number",
                "national_number_2",
                "model_year",
                "model_year_to"
            ]
        );
        assert_eq!(s.tables[1].join, Some(JoinKind::Left));
        b.remove_table("DVLD_Car_Info");
        let s = b.spec(&Catalog::jordan()).unwrap();
        assert_eq!(s.tables.len(), 1);
        assert!(matches!(s.conditions, Some(Condition::Test(_))));
    }
}
