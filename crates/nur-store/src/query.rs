//! Query plans (checked by `nur_core::query::plan`) compiled to SQL with sea-query for either
//! dialect, and run. Identifiers come only from the plan, which took them from the catalog;
//! every value is a bound parameter. On PostgreSQL every parameter is sent as text and cast
//! to the column's type in SQL, and every selected cell is cast to text and re-typed from the
//! catalog, as the lookup path does.

use crate::ddl::Dialect;
use crate::{Result, Store};
use nur_core::query::{Args, Direction, Filter, JoinKind, Op, Operand, Plan};
use nur_core::{ColumnType, Value};
use sea_query::{
    Alias, BinOper, Cond, Expr, JoinType, Order, PostgresQueryBuilder, Query, SimpleExpr,
    SqliteQueryBuilder,
};

/// A bound value as compiled: what each backend binds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bound {
    Text(String),
    Int(i64),
    Real(f64),
    Null,
}

/// The rows a query returned, one value per output column of the plan; and, for each row,
/// who it is about (the plan's subject columns, read for the audit trail, never returned).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryRows {
    pub rows: Vec<Vec<Value>>,
    pub subjects: Vec<Vec<Value>>,
}

fn table_alias(i: usize) -> Alias {
    Alias::new(format!("t{i}"))
}

/// The PostgreSQL type a text-bound value is cast to (text columns need none).
pub(crate) fn pg_type(ty: ColumnType) -> Option<&'static str> {
    match ty {
        ColumnType::Integer => Some("bigint"),
        ColumnType::Decimal => Some("numeric"),
        ColumnType::Date => Some("date"),
        ColumnType::Boolean => Some("boolean"),
        _ => None,
    }
}

struct Compiler<'a> {
    d: Dialect,
    plan: &'a Plan,
    args: Option<&'a Args>,
}

impl Compiler<'_> {
    /// A value as an expression of the column's type.
    fn value(&self, v: &Value, ty: ColumnType) -> SimpleExpr {
        match self.d {
            Dialect::Postgres => {
                let text = match v {
                    Value::Null => None,
                    other => Some(other.to_string()),
                };
                let e = Expr::val(text);
                match pg_type(ty) {
                    Some(t) => e.cast_as(Alias::new(t)),
                    None => e.into(),
                }
            }
            Dialect::Sqlite => match v {
                Value::Null => Expr::val(None::<String>).into(),
                Value::Text(s) => Expr::val(s.clone()).into(),
                Value::Int(i) => Expr::val(*i).into(),
                Value::Decimal(x) => Expr::val(*x).into(),
                Value::Date(d) => Expr::val(d.to_string()).into(),
                Value::Bool(b) => Expr::val(*b as i64).into(),
            },
        }
    }

    /// The values an operand stands for (a list parameter stands for many; without
    /// arguments, for one placeholder).
    fn operand(&self, o: &Operand, ty: ColumnType) -> Vec<SimpleExpr> {
        match o {
            Operand::Literal(v) => vec![self.value(v, ty)],
            Operand::Param(i) => match self.args {
                Some(a) => a.0[*i].iter().map(|v| self.value(v, ty)).collect(),
                None => vec![self.value(&Value::Null, ty)],
            },
        }
    }

    fn like_value(&self, o: &Operand, starts_with: bool) -> SimpleExpr {
        let raw = match o {
            Operand::Literal(v) => Some(v.to_string()),
            Operand::Param(i) => self.args.map(|a| a.0[*i][0].to_string()),
        };
        let pattern = raw.map(|s| {
            if starts_with {
                let mut p = String::with_capacity(s.len() + 1);
                for c in s.chars() {
                    if matches!(c, '%' | '_' | '!') {
                        p.push('!');
                    }
                    p.push(c);
                }
                p.push('%');
                p
            } else {
                s
            }
        });
        Expr::val(pattern).into()
    }

    fn filter(&self, f: &Filter) -> Cond {
        match f {
            Filter::And(items) => items.iter().fold(Cond::all(), |c, i| c.add(self.filter(i))),
            Filter::Or(items) => items.iter().fold(Cond::any(), |c, i| c.add(self.filter(i))),
            Filter::Test {
                table,
                column,
                ty,
                op,
                operands,
            } => {
                let ty = *ty;
                let col = Expr::col((table_alias(*table), Alias::new(column.as_str())));
                let one = || self.operand(&operands[0], ty).remove(0);
                let e: SimpleExpr = match op {
                    Op::Eq => col.eq(one()),
                    Op::Ne => col.ne(one()),
                    Op::Lt => col.lt(one()),
                    Op::Le => col.lte(one()),
                    Op::Gt => col.gt(one()),
                    Op::Ge => col.gte(one()),
                    Op::In => col.is_in(
                        operands
                            .iter()
                            .flat_map(|o| self.operand(o, ty))
                            .collect::<Vec<_>>(),
                    ),
                    Op::Between => {
                        let lo = self.operand(&operands[0], ty).remove(0);
                        let hi = self.operand(&operands[1], ty).remove(0);
                        col.between(lo, hi)
                    }
                    Op::IsNull => col.is_null(),
                    Op::IsNotNull => col.is_not_null(),
                    Op::StartsWith | Op::Like => {
                        let pattern = self.like_value(&operands[0], *op == Op::StartsWith);
                        let like = SimpleExpr::from(col).binary(BinOper::Like, pattern);
                        if *op == Op::StartsWith {
                            // The custom-expression placeholder follows the dialect.
                            let template = match self.d {
                                Dialect::Sqlite => "? ESCAPE '!'",
                                Dialect::Postgres => "$1 ESCAPE '!'",
                            };
                            Expr::cust_with_exprs(template, [like])
                        } else {
                            like
                        }
                    }
                };
                Cond::all().add(e)
            }
        }
    }

    fn build(&self, with_subjects: bool) -> (String, Vec<Bound>) {
        let p = self.plan;
        let mut q = Query::select();
        let subjects: &[(usize, nur_core::Ident)] = if with_subjects { &p.subjects } else { &[] };
        let columns = p
            .output
            .iter()
            .map(|o| (o.table, &o.column))
            .chain(subjects.iter().map(|(t, c)| (*t, c)));
        for (i, (table, column)) in columns.enumerate() {
            let col = Expr::col((table_alias(table), Alias::new(column.as_str())));
            let e: SimpleExpr = match self.d {
                Dialect::Postgres => col.cast_as(Alias::new("text")),
                Dialect::Sqlite => col.into(),
            };
            q.expr_as(e, Alias::new(format!("c{i}")));
        }
        q.from_as(Alias::new(p.tables[0].table.as_str()), table_alias(0));
        let first_person = Alias::new(p.tables[0].person_column.as_str());
        for (i, t) in p.tables.iter().enumerate().skip(1) {
            let kind = match t.join {
                JoinKind::Left => JoinType::LeftJoin,
                JoinKind::Inner => JoinType::InnerJoin,
            };
            q.join_as(
                kind,
                Alias::new(t.table.as_str()),
                table_alias(i),
                Expr::col((table_alias(i), Alias::new(t.person_column.as_str())))
                    .equals((table_alias(0), first_person.clone())),
            );
        }
        if let Some(f) = &p.filter {
            q.cond_where(self.filter(f));
        }
        for (t, col, dir) in &p.order {
            let order = match dir {
                Direction::Asc => Order::Asc,
                Direction::Desc => Order::Desc,
            };
            q.order_by((table_alias(*t), Alias::new(col.as_str())), order);
        }
        let (mut sql, values) = match self.d {
            Dialect::Sqlite => q.build(SqliteQueryBuilder),
            Dialect::Postgres => q.build(PostgresQueryBuilder),
        };
        // The limit is the plan's own number, written into the text rather than bound: SQLite
        // plans with a bound LIMIT's value, so a statement binding it is prepared again on
        // every run (3.5 times the cost of the one-person procedure's query), while a literal
        // keeps the cached statement. The text stays one per plan, so the cache still hits.
        sql.push_str(&format!(" LIMIT {}", p.limit));
        let bound = values.0.into_iter().map(bound_from).collect();
        (sql, bound)
    }
}

fn bound_from(v: sea_query::Value) -> Bound {
    use sea_query::Value as V;
    match v {
        V::String(Some(s)) => Bound::Text(*s),
        V::BigInt(Some(i)) => Bound::Int(i),
        V::BigUnsigned(Some(i)) => Bound::Int(i as i64),
        V::Int(Some(i)) => Bound::Int(i as i64),
        V::Unsigned(Some(i)) => Bound::Int(i as i64),
        V::Double(Some(x)) => Bound::Real(x),
        V::Bool(Some(b)) => Bound::Int(b as i64),
        _ => Bound::Null,
    }
}

/// The SQL a plan compiles to (with placeholders) and its bound values; with arguments (to
/// run), the subject columns are read too.
pub(crate) fn compile(d: Dialect, plan: &Plan, args: Option<&Args>) -> (String, Vec<Bound>) {
    Compiler { d, plan, args }.build(args.is_some())
}

impl Store {
    /// The SQL text a plan compiles to on this backend (for review; values are placeholders).
    pub fn query_sql(&self, plan: &Plan) -> String {
        compile(self.dialect(), plan, None).0
    }

    /// Runs a plan with bound arguments.
    pub fn run_query(&self, plan: &Plan, args: &Args) -> Result<QueryRows> {
        let (sql, bound) = compile(self.dialect(), plan, Some(args));
        let n = plan.output.len();
        let types: Vec<ColumnType> = plan
            .output
            .iter()
            .map(|o| o.ty)
            .chain(plan.subjects.iter().map(|_| ColumnType::NationalNumber))
            .collect();
        let mut rows = match self {
            Store::Sqlite(s) => s.run_select(&sql, &bound, &types)?,
            Store::Postgres(s) => s.run_select(&sql, &bound, &types)?,
        };
        let subjects = rows.iter_mut().map(|r| r.split_off(n)).collect();
        Ok(QueryRows { rows, subjects })
    }

    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Store::Sqlite(_) => Dialect::Sqlite,
            Store::Postgres(_) => Dialect::Postgres,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nur_core::grant::{Grants, Target};
    use nur_core::query::{plan, Limits, QuerySpec, RevokePolicy};
    use nur_core::{Catalog, Ident};

    /// A procedure's statement is prepared once per connection and reused call after call:
    /// nothing in its text or bindings makes SQLite prepare it again (a bound LIMIT did).
    #[test]
    fn a_compiled_statement_is_not_prepared_again_per_call() {
        let catalog = Catalog::jordan();
        let id = |s: &str| Ident::parse(s).unwrap();
        let held: Vec<Target> = ["National_Number", "First_Name"]
            .iter()
            .map(|c| Target::Column {
                table: id("CSPD_Personal_Info"),
                column: id(c),
            })
            .chain([Target::Table {
                table: id("CSPD_Personal_Info"),
            }])
            .collect();
        let spec: QuerySpec = serde_json::from_value(serde_json::json!({
            "version": 1,
            "tables": [{"table": "CSPD_Personal_Info", "columns": ["National_Number", "First_Name"]}],
            "conditions": {"column": "National_Number", "op": "=", "param": "nn"},
            "parameters": [{"name": "nn", "type": "national_number"}],
            "limit": 5,
        }))
        .unwrap();
        let p = plan(
            &catalog,
            &Grants::new(id("NAF"), held),
            &spec,
            Limits::default(),
            RevokePolicy::Refuse,
        )
        .unwrap();
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE CSPD_Personal_Info (National_Number TEXT, First_Name TEXT);
             CREATE INDEX nn ON CSPD_Personal_Info (National_Number);
             INSERT INTO CSPD_Personal_Info VALUES ('9821017042', 'a'), ('9821017043', 'b');",
        )
        .unwrap();
        let mut st = None;
        for nn in ["9821017042", "9821017043", "9821017042"] {
            let mut m = serde_json::Map::new();
            m.insert("nn".into(), nn.into());
            let args = p.bind(&catalog.identity, &m).unwrap();
            let (sql, bound) = compile(Dialect::Sqlite, &p, Some(&args));
            assert!(sql.ends_with(" LIMIT 5"), "{sql}");
            let st = st.get_or_insert_with(|| c.prepare(&sql).unwrap());
            let params: Vec<crate::sql::P<'_>> = bound.iter().map(Into::into).collect();
            let n = st
                .query(rusqlite::params_from_iter(params.iter()))
                .unwrap()
                .mapped(|r| r.get::<_, String>(0))
                .count();
            assert_eq!(n, 1);
        }
        let st = st.unwrap();
        assert_eq!(st.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }
}
