//! Search and subscription criteria: `idtype-value`, `predicate` (a list of
//! `expression1 condition expression2` items, joined by `and`) and `expression` (the samples'
//! Mongo style, `{"$and": [{"age": {"$lt": 25}}]}`), told apart by their shape (the samples
//! send predicate lists as `expression`), and the sort and page that go with them.

use crate::envelope::{count, text, Refusal};
use serde_json::{Map, Value as Json};

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
}

impl Cmp {
    fn parse(s: &str) -> Option<Cmp> {
        Some(match s.trim_start_matches('$') {
            "eq" => Cmp::Eq,
            "ne" => Cmp::Ne,
            "lt" => Cmp::Lt,
            "le" | "lte" => Cmp::Le,
            "gt" => Cmp::Gt,
            "ge" | "gte" => Cmp::Ge,
            "in" => Cmp::In,
            _ => return None,
        })
    }

    /// The comparison that holds exactly when this one does not (`in` has none).
    fn negated(self) -> Option<Cmp> {
        Some(match self {
            Cmp::Eq => Cmp::Ne,
            Cmp::Ne => Cmp::Eq,
            Cmp::Lt => Cmp::Ge,
            Cmp::Le => Cmp::Gt,
            Cmp::Gt => Cmp::Le,
            Cmp::Ge => Cmp::Lt,
            Cmp::In => return None,
        })
    }
}

/// A condition over a record's attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Test {
        attribute: String,
        cmp: Cmp,
        value: Json,
    },
}

impl Cond {
    /// The condition's negation, pushed down to its tests (De Morgan).
    fn not(self) -> Result<Cond, String> {
        Ok(match self {
            Cond::And(v) => Cond::Or(v.into_iter().map(Cond::not).collect::<Result<_, _>>()?),
            Cond::Or(v) => Cond::And(v.into_iter().map(Cond::not).collect::<Result<_, _>>()?),
            Cond::Test {
                attribute,
                cmp,
                value,
            } => Cond::Test {
                cmp: cmp
                    .negated()
                    .ok_or_else(|| format!("'not' cannot apply to 'in' ({attribute})"))?,
                attribute,
                value,
            },
        })
    }

    /// The same condition with each attribute renamed by `f`.
    pub fn renamed(self, f: &impl Fn(&str) -> String) -> Cond {
        match self {
            Cond::And(v) => Cond::And(v.into_iter().map(|c| c.renamed(f)).collect()),
            Cond::Or(v) => Cond::Or(v.into_iter().map(|c| c.renamed(f)).collect()),
            Cond::Test {
                attribute,
                cmp,
                value,
            } => Cond::Test {
                attribute: f(&attribute),
                cmp,
                value,
            },
        }
    }

    /// Every attribute the condition names.
    pub fn attributes(&self) -> Vec<&str> {
        match self {
            Cond::And(v) | Cond::Or(v) => v.iter().flat_map(Cond::attributes).collect(),
            Cond::Test { attribute, .. } => vec![attribute.as_str()],
        }
    }

    /// Whether a record (attribute → value, flat) satisfies the condition; an attribute the
    /// record lacks satisfies no test of it.
    pub fn holds(&self, record: &Map<String, Json>) -> bool {
        match self {
            Cond::And(v) => v.iter().all(|c| c.holds(record)),
            Cond::Or(v) => v.iter().any(|c| c.holds(record)),
            Cond::Test {
                attribute,
                cmp,
                value,
            } => {
                let Some(have) = record.get(attribute).filter(|v| !v.is_null()) else {
                    return false;
                };
                compare(have, *cmp, value)
            }
        }
    }
}

fn as_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn compare(have: &Json, cmp: Cmp, want: &Json) -> bool {
    if cmp == Cmp::In {
        return want
            .as_array()
            .is_some_and(|list| list.iter().any(|w| compare(have, Cmp::Eq, w)));
    }
    // A number compares as a number with a numeric string (`"2.5"`, as the samples send).
    let number = |v: &Json| {
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()))
    };
    let numeric = have.is_number() || want.is_number();
    let ord = match (have.as_f64(), want.as_f64()) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        _ if numeric && number(have).is_some() && number(want).is_some() => {
            number(have).partial_cmp(&number(want))
        }
        _ => Some(as_text(have).cmp(&as_text(want))),
    };
    let Some(o) = ord else { return false };
    use std::cmp::Ordering::*;
    match cmp {
        Cmp::Eq => o == Equal,
        Cmp::Ne => o != Equal,
        Cmp::Lt => o == Less,
        Cmp::Le => o != Greater,
        Cmp::Gt => o == Greater,
        Cmp::Ge => o != Less,
        Cmp::In => unreachable!("handled above"),
    }
}

/// What a search asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// An identifier of a type (`UIN`, `BRN`, `HOUSEHOLD_ID`, …) and its value.
    Id {
        id_type: String,
        value: String,
    },
    Where(Cond),
}

/// One search item's criteria, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Criteria {
    pub query: Query,
    /// Attribute and descending.
    pub sort: Vec<(String, bool)>,
    pub page_size: usize,
    /// 1-based.
    pub page_number: usize,
    /// `Group` or `Member` (the social registry).
    pub response_entity: Option<String>,
    pub reg_record_type: Option<String>,
}

impl Criteria {
    /// The first page of `page_size` of what `query` finds, unsorted (a search NUR makes
    /// itself: a notification's person, a batch of identifiers, a household's members).
    pub fn first(query: Query, page_size: usize) -> Criteria {
        Criteria {
            query,
            sort: Vec::new(),
            page_size,
            page_number: 1,
            response_entity: None,
            reg_record_type: None,
        }
    }
}

/// The largest page asked for.
pub const MAX_PAGE_SIZE: usize = 1000;

fn invalid(m: impl Into<String>) -> Refusal {
    Refusal::new("rjct.search_criteria.invalid", m)
}

/// Reads `search_criteria`.
pub fn search_criteria(c: &Json) -> Result<Criteria, Refusal> {
    let Json::Object(c) = c else {
        return Err(invalid("search_criteria must be an object"));
    };
    let query_type = text(c, "query_type").map_err(invalid)?.unwrap_or("");
    let query = query(query_type, c.get("query").unwrap_or(&Json::Null))?;
    let mut sort = Vec::new();
    if let Some(Json::Array(items)) = c.get("sort") {
        for s in items {
            let Json::Object(s) = s else {
                return Err(Refusal::new("rjct.sort.invalid", "each sort is an object"));
            };
            let name = text(s, "attribute_name")
                .ok()
                .flatten()
                .ok_or_else(|| Refusal::new("rjct.sort.invalid", "sort needs attribute_name"))?;
            let desc = match text(s, "sort_order").ok().flatten() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(o) => {
                    return Err(Refusal::new(
                        "rjct.sort.invalid",
                        format!("sort_order is asc or desc, not {o:?}"),
                    ))
                }
            };
            sort.push((name.to_owned(), desc));
        }
    }
    let (page_size, page_number) = match c.get("pagination") {
        Some(Json::Object(p)) => {
            let bad = |m: String| Refusal::new("rjct.pagination.invalid", m);
            let size = count(p, "page_size").map_err(bad)?.unwrap_or(10);
            let number = count(p, "page_number").map_err(bad)?.unwrap_or(1);
            if size == 0 || size as usize > MAX_PAGE_SIZE || number == 0 {
                return Err(bad(format!(
                    "page_size is 1 to {MAX_PAGE_SIZE} and page_number starts at 1"
                )));
            }
            (size as usize, number as usize)
        }
        _ => (10, 1),
    };
    Ok(Criteria {
        query,
        sort,
        page_size,
        page_number,
        response_entity: text(c, "response_entity").ok().flatten().map(str::to_owned),
        reg_record_type: text(c, "reg_record_type").ok().flatten().map(str::to_owned),
    })
}

/// Reads a query (or a subscription's filter) by its shape.
pub fn query(query_type: &str, q: &Json) -> Result<Query, Refusal> {
    match q {
        Json::Array(items) => Ok(Query::Where(predicate(items)?)),
        // `{"type": "ns:org:QueryType:NoSql", "value": {"expression": {…}}}`: a typed
        // expression (the Social Registry samples), not an identifier.
        Json::Object(o) if o.get("value").is_some_and(Json::is_object) => {
            let v = &o["value"];
            query(query_type, v.get("expression").unwrap_or(v))
        }
        Json::Object(o) if o.contains_key("type") && o.contains_key("value") => {
            let id_type = text(o, "type")
                .map_err(invalid)?
                .ok_or_else(|| invalid("the identifier type is empty"))?;
            let value = match o.get("value") {
                Some(Json::String(s)) if !s.is_empty() => s.clone(),
                Some(Json::Number(n)) => n.to_string(),
                _ => return Err(invalid("the identifier value must be a non-empty string")),
            };
            Ok(Query::Id {
                id_type: id_type.to_uppercase(),
                value,
            })
        }
        Json::Object(o) => {
            // `{"collection": …, "query": {…}}` or the query itself.
            let inner = match o.get("query") {
                Some(q @ Json::Object(_)) => q,
                _ => q,
            };
            Ok(Query::Where(mongo(inner)?))
        }
        _ if query_type == "graphql" => Err(invalid("graphql queries are not supported")),
        _ => Err(invalid(format!(
            "query_type {query_type:?} needs a query: an identifier {{type, value}}, a predicate list or an expression"
        ))),
    }
}

fn expression(e: &Json) -> Result<Cond, Refusal> {
    let Json::Object(e) = e else {
        return Err(invalid(
            "an expression is an object {attribute_name, operator, attribute_value}",
        ));
    };
    let attribute = text(e, "attribute_name")
        .map_err(invalid)?
        .ok_or_else(|| invalid("an expression needs attribute_name"))?;
    let op = text(e, "operator").map_err(invalid)?.unwrap_or("");
    let cmp = Cmp::parse(op).ok_or_else(|| {
        invalid(format!(
            "operator {op:?} is not one of gt, lt, eq, ge, le, in"
        ))
    })?;
    let value = e
        .get("attribute_value")
        .cloned()
        .ok_or_else(|| invalid(format!("{attribute} needs attribute_value")))?;
    if cmp == Cmp::In && !value.is_array() {
        return Err(invalid(format!("{attribute} in … needs a list")));
    }
    Ok(Cond::Test {
        attribute: attribute.to_owned(),
        cmp,
        value,
    })
}

fn predicate(items: &[Json]) -> Result<Cond, Refusal> {
    if items.is_empty() {
        return Err(invalid("the predicate list is empty"));
    }
    let mut ordered: Vec<(f64, &Map<String, Json>)> = Vec::new();
    for it in items {
        let Json::Object(o) = it else {
            return Err(invalid("each predicate is an object"));
        };
        let seq = o.get("seq_num").and_then(Json::as_f64).unwrap_or(0.0);
        ordered.push((seq, o));
    }
    ordered.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut all = Vec::new();
    for (_, o) in ordered {
        let e1 = expression(o.get("expression1").unwrap_or(&Json::Null))?;
        let cond = match text(o, "condition").map_err(invalid)? {
            None => e1,
            Some(c) => {
                // `expression2`, `expression3`, … joined by the item's condition (the
                // samples repeat the `condition` key, which JSON keeps once).
                let mut rest = Vec::new();
                for n in 2.. {
                    match o.get(&format!("expression{n}")) {
                        Some(e) if n == 2 || !e.is_null() => rest.push(expression(e)?),
                        None if n == 2 => rest.push(expression(&Json::Null)?),
                        _ => break,
                    }
                }
                match c {
                    "and" => Cond::And(std::iter::once(e1).chain(rest).collect()),
                    "or" => Cond::Or(std::iter::once(e1).chain(rest).collect()),
                    "not" => {
                        let mut all = vec![e1];
                        for e in rest {
                            all.push(e.not().map_err(invalid)?);
                        }
                        Cond::And(all)
                    }
                    other => {
                        return Err(invalid(format!(
                            "condition {other:?} is not one of and, or, not"
                        )))
                    }
                }
            }
        };
        all.push(cond);
    }
    Ok(if all.len() == 1 {
        all.pop().expect("one")
    } else {
        Cond::And(all)
    })
}

fn mongo(q: &Json) -> Result<Cond, Refusal> {
    let Json::Object(o) = q else {
        return Err(invalid("an expression is an object"));
    };
    let mut all = Vec::new();
    for (k, v) in o {
        match k.as_str() {
            "$and" | "$or" | "$nor" => {
                let Json::Array(list) = v else {
                    return Err(invalid(format!("{k} takes a list")));
                };
                let parts = list.iter().map(mongo).collect::<Result<Vec<_>, _>>()?;
                all.push(match k.as_str() {
                    "$and" => Cond::And(parts),
                    "$or" => Cond::Or(parts),
                    _ => Cond::Or(parts).not().map_err(invalid)?,
                });
            }
            "$not" => all.push(mongo(v)?.not().map_err(invalid)?),
            k if k.starts_with('$') => {
                return Err(invalid(format!("{k} is not a supported operator")))
            }
            attribute => match v {
                Json::Object(ops) if ops.keys().all(|o| o.starts_with('$')) => {
                    for (op, value) in ops {
                        let cmp = Cmp::parse(op).ok_or_else(|| {
                            invalid(format!(
                                "{op} is not one of $eq, $ne, $lt, $lte, $gt, $gte, $in"
                            ))
                        })?;
                        if cmp == Cmp::In && !value.is_array() {
                            return Err(invalid(format!("{attribute} $in needs a list")));
                        }
                        all.push(Cond::Test {
                            attribute: attribute.to_owned(),
                            cmp,
                            value: value.clone(),
                        });
                    }
                }
                value => all.push(Cond::Test {
                    attribute: attribute.to_owned(),
                    cmp: Cmp::Eq,
                    value: value.clone(),
                }),
            },
        }
    }
    if all.is_empty() {
        return Err(invalid("the expression is empty"));
    }
    Ok(if all.len() == 1 {
        all.pop().expect("one")
    } else {
        Cond::And(all)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_decide_the_kind() {
        let id = query(
            "idtype-value",
            &json!({"type": "uin", "value": "9821017042"}),
        )
        .unwrap();
        assert_eq!(
            id,
            Query::Id {
                id_type: "UIN".into(),
                value: "9821017042".into()
            }
        );
        // A predicate list sent as an expression, as the samples do.
        let p = query(
            "expression",
            &json!([{"seq_num": 1, "expression1": {"attribute_name": "age", "operator": "lt", "attribute_value": "25"},
                      "condition": "and", "expression2": {"attribute_name": "sex", "operator": "eq", "attribute_value": "female"}}]),
        )
        .unwrap();
        let Query::Where(Cond::And(parts)) = p else {
            panic!("{p:?}")
        };
        assert_eq!(parts.len(), 2);
        let m = query(
            "expression",
            &json!({"collection": "Group", "query": {"$and": [{"poverty_score": {"$lt": 5}}, {"group_size": 4}]}}),
        )
        .unwrap();
        let Query::Where(c) = m else { panic!() };
        assert_eq!(c.attributes(), vec!["poverty_score", "group_size"]);
    }

    #[test]
    fn not_is_pushed_down() {
        let p = query(
            "predicate",
            &json!([{"expression1": {"attribute_name": "a", "operator": "gt", "attribute_value": 1},
                      "condition": "not", "expression2": {"attribute_name": "b", "operator": "lt", "attribute_value": 3}}]),
        )
        .unwrap();
        let Query::Where(c) = p else { panic!() };
        let rec = |a: i64, b: i64| json!({"a": a, "b": b}).as_object().cloned().unwrap();
        assert!(c.holds(&rec(2, 3)));
        assert!(!c.holds(&rec(2, 2)));
        assert!(!c.holds(&rec(1, 5)));
    }

    #[test]
    fn bad_criteria_are_named() {
        for (q, want) in [
            (json!([]), "empty"),
            (
                json!([{"expression1": {"attribute_name": "a", "operator": "like", "attribute_value": 1}}]),
                "operator",
            ),
            (
                json!([{"expression1": {"attribute_name": "a", "operator": "in", "attribute_value": 1}}]),
                "list",
            ),
            (json!({"$where": "x"}), "not a supported"),
            (json!({"type": "UIN", "value": ""}), "non-empty"),
            (json!(7), "needs a query"),
        ] {
            let e = query("predicate", &q).unwrap_err();
            assert_eq!(e.code, "rjct.search_criteria.invalid");
            assert!(e.message.contains(want), "{q}: {}", e.message);
        }
        let e = search_criteria(
            &json!({"query_type": "idtype-value", "query": {"type": "UIN", "value": "1"},
            "pagination": {"page_size": 0}}),
        )
        .unwrap_err();
        assert_eq!(e.code, "rjct.pagination.invalid");
        let e = search_criteria(
            &json!({"query_type": "idtype-value", "query": {"type": "UIN", "value": "1"},
            "sort": [{"attribute_name": "x", "sort_order": "up"}]}),
        )
        .unwrap_err();
        assert_eq!(e.code, "rjct.sort.invalid");
    }
}
