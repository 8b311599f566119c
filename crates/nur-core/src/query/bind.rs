//! Binding: the parameter values of one call, checked against a plan's declared parameters
//! and typed by them.

use super::plan::Plan;
use super::{QueryError, MAX_BOUND, MAX_LIST};
use crate::identity::IdentityRules;
use crate::reason;
use crate::value::Value;
use serde_json::{Map, Value as Json};

/// Parameter values bound to a plan, by parameter index (a list parameter holds many).
#[derive(Debug, Clone, PartialEq)]
pub struct Args(pub Vec<Vec<Value>>);

impl Args {
    /// The national-number values bound to the plan's parameters (who the call asks about).
    pub fn named_persons(&self, plan: &Plan) -> Vec<String> {
        plan.parameters
            .iter()
            .zip(&self.0)
            .filter(|(p, _)| p.ty == crate::catalog::ColumnType::NationalNumber)
            .flat_map(|(_, vs)| vs.iter().map(|v| v.to_string()))
            .collect()
    }
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
                return Err(QueryError::Parameter(reason!(
                    "parameter_unknown",
                    "unknown parameter {param:?}",
                    param = k
                )));
            }
        }
        let mut args = Vec::with_capacity(self.parameters.len());
        for p in &self.parameters {
            let Some(v) = values.get(&p.name) else {
                return Err(QueryError::Parameter(reason!(
                    "parameter_required",
                    "parameter {param}: is required",
                    param = p.name
                )));
            };
            let typed = |v: &Json| {
                Value::from_json(rules, p.ty, v).map_err(|e| {
                    QueryError::Parameter(reason!(
                        "parameter_value_invalid",
                        "parameter {param}: {value} is not a valid {value_type}: {detail}",
                        param = p.name,
                        value = v,
                        value_type = p.ty.name(),
                        detail = e
                    ))
                })
            };
            let vals = match (p.list, v) {
                (true, Json::Array(items)) => {
                    if items.is_empty() || items.len() > MAX_LIST {
                        return Err(QueryError::Parameter(reason!(
                            "parameter_list_size",
                            "parameter {param}: takes 1 to {max} values",
                            param = p.name,
                            max = MAX_LIST
                        )));
                    }
                    items.iter().map(typed).collect::<Result<Vec<_>, _>>()?
                }
                (_, other) => vec![typed(other)?],
            };
            args.push(vals);
        }
        let bound = self.filter.as_ref().map_or(0, |f| f.bound_values(&args));
        if bound > MAX_BOUND {
            return Err(QueryError::Parameter(reason!(
                "too_many_bound",
                "the call binds {count} values; at most {max} in one query (use fewer values or fewer conditions)",
                count = bound,
                max = MAX_BOUND
            )));
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
                return Err(QueryError::Parameter(reason!(
                    "parameter_twice",
                    "parameter {param} is given twice",
                    param = k
                )));
            }
        }
        self.bind(rules, &m)
    }
}
