//! A plan written out for a person to review: real table and column names, the Select,
//! From, Where and Order By clauses apart, one item per line, parameters as `:name`. This is
//! not the SQL that runs (that one is the store's, with aliases and bound values); it says
//! the same thing in the words of the catalog, as the seed's query builder shows it.

use super::plan::{Filter, Operand, Plan};
use super::spec::{Direction, JoinKind, Op};
use crate::value::Value;

/// The clauses of a reviewed query (`where_clause` and `order_by` empty when it has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewSql {
    pub select: String,
    pub from: String,
    pub where_clause: String,
    pub order_by: String,
    pub limit: u32,
}

impl ReviewSql {
    /// The whole statement, clause by clause.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n{}", self.select, self.from);
        for clause in [&self.where_clause, &self.order_by] {
            if !clause.is_empty() {
                out.push('\n');
                out.push_str(clause);
            }
        }
        out.push_str(&format!("\nLIMIT {}", self.limit));
        out
    }
}

/// `plan` as its reviewer reads it.
pub fn review(plan: &Plan) -> ReviewSql {
    let name = |t: usize| plan.tables[t].table.as_str();
    let select = plan
        .output
        .iter()
        .map(|o| format!("{}.{}", name(o.table), o.column))
        .collect::<Vec<_>>()
        .join(",\n       ");
    let mut from = format!("FROM {}", name(0));
    for t in plan.tables.iter().skip(1) {
        let kind = match t.join {
            JoinKind::Left => "LEFT OUTER JOIN",
            JoinKind::Inner => "INNER JOIN",
        };
        from.push_str(&format!(
            "\n{kind} {} ON {}.{} = {}.{}",
            t.table,
            t.table,
            t.person_column,
            name(0),
            plan.tables[0].person_column
        ));
    }
    let where_clause = plan
        .filter
        .as_ref()
        .map(|f| format!("WHERE {}", condition(plan, f, 0)))
        .unwrap_or_default();
    let order_by = if plan.order.is_empty() {
        String::new()
    } else {
        let items: Vec<String> = plan
            .order
            .iter()
            .map(|(t, c, d)| {
                let dir = match d {
                    Direction::Asc => "ASC",
                    Direction::Desc => "DESC",
                };
                format!("{}.{c} {dir}", name(*t))
            })
            .collect();
        format!("ORDER BY {}", items.join(", "))
    };
    ReviewSql {
        select: format!("SELECT {select}"),
        from,
        where_clause,
        order_by,
        limit: plan.limit,
    }
}

fn condition(plan: &Plan, f: &Filter, depth: usize) -> String {
    let indent = "  ".repeat(depth + 1);
    match f {
        Filter::And(items) | Filter::Or(items) => {
            let word = if matches!(f, Filter::And(_)) {
                "AND"
            } else {
                "OR"
            };
            let parts: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Filter::Test { .. } => condition(plan, i, depth + 1),
                    _ => format!("({})", condition(plan, i, depth + 1)),
                })
                .collect();
            parts.join(&format!("\n{indent}{word} "))
        }
        Filter::Test {
            table,
            column,
            op,
            operands,
            ..
        } => {
            let col = format!("{}.{column}", plan.tables[*table].table);
            let o = |i: usize| {
                operands
                    .get(i)
                    .map(|o| operand(plan, o))
                    .unwrap_or_default()
            };
            match op {
                Op::IsNull => format!("{col} IS NULL"),
                Op::IsNotNull => format!("{col} IS NOT NULL"),
                Op::Between => format!("{col} BETWEEN {} AND {}", o(0), o(1)),
                Op::In => {
                    let all: Vec<String> = operands.iter().map(|x| operand(plan, x)).collect();
                    format!("{col} IN ({})", all.join(", "))
                }
                Op::StartsWith => format!("{col} LIKE {} || '%'", o(0)),
                Op::Like => format!("{col} LIKE {}", o(0)),
                _ => format!("{col} {} {}", op.name().to_uppercase(), o(0)),
            }
        }
    }
}

fn operand(plan: &Plan, o: &Operand) -> String {
    match o {
        Operand::Param(i) => format!(":{}", plan.parameters[*i].name),
        Operand::Literal(Value::Null) => "NULL".into(),
        Operand::Literal(v @ (Value::Int(_) | Value::Decimal(_) | Value::Bool(_))) => v.to_string(),
        Operand::Literal(v) => format!("'{}'", v.to_string().replace('\'', "''")),
    }
}
