//! CEL expressions (form conditions, cross-answer rules, household facts): compiled once
//! when a definition is loaded, so a rule that does not compile is refused with its
//! position, then evaluated per household in a child scope of one root context (building a
//! root context registers the standard functions and costs far more than an evaluation).

use cel::common::traits::{Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{CelList, CelMap, CelMapKey, CelString, Type, MAP_TYPE};
use cel::common::value::{Builtin, BuiltinRef, Val};
use cel::objects::{Key, Map};
use cel::{Context, Program, Value};

/// An evaluation context (the root of a thread, or one household's scope).
pub type Scope<'p, 'v> = Context<'p, 'v>;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::Arc;

/// One compiled expression and its source, for messages.
pub struct Expr {
    source: String,
    program: Program,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

/// An expression that does not compile: where it is declared, its text and the parser's
/// message (with line and column).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{at}: the expression `{text}` does not compile: {message}")]
pub struct ExprError {
    pub at: String,
    pub text: String,
    pub message: String,
}

impl Expr {
    pub fn compile(at: &str, source: &str) -> Result<Expr, ExprError> {
        Program::compile(source)
            .map(|program| Expr {
                source: source.to_owned(),
                program,
            })
            .map_err(|e| ExprError {
                at: at.to_owned(),
                text: source.to_owned(),
                message: e.to_string().replace("<input>", "expression"),
            })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn eval(&self, ctx: &Context<'_, '_>) -> Result<Value, String> {
        self.program.execute(ctx).map_err(|e| e.to_string())
    }

    /// The expression's truth; `None` when it fails (an answer it reads is missing) or is
    /// not a boolean.
    pub fn holds(&self, ctx: &Context<'_, '_>) -> Option<bool> {
        match self.eval(ctx) {
            Ok(Value::Bool(b)) => Some(b),
            _ => None,
        }
    }
}

/// The root every evaluation scope hangs from.
pub fn root() -> Context<'static, 'static> {
    Context::default()
}

/// A map value from named entries.
pub fn map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let m: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v))
        .collect();
    Value::Map(Map { map: Arc::new(m) })
}

/// A map that CEL copies by reference. A comprehension (`members.filter(m, …)`) binds each
/// element anew for every step, and cel copies a plain map whole when it does: with tens of
/// facts iterating over the members, those copies were most of a household's cost. This one
/// shares its entries and answers every question as the plain map it wraps.
#[derive(Debug, Clone)]
struct SharedMap(Arc<CelMap<'static>>);

impl Val for SharedMap {
    fn get_type(&self) -> &Type {
        &MAP_TYPE
    }
    fn cel_type() -> &'static Type {
        &MAP_TYPE
    }
    fn as_container(&self) -> Option<&dyn Container> {
        Some(&*self.0)
    }
    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(&*self.0)
    }
    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Some(Box::new((*self.0).clone()))
    }
    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(&*self.0)
    }
    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(&*self.0)
    }
    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        Some(&*self.0)
    }
    fn equals(&self, other: &dyn Val) -> bool {
        self.0.equals(other)
    }
    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(self.clone())
    }
    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        BuiltinRef::Map(&self.0)
    }
    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        Some(Builtin::Map((*self.0).clone()))
    }
}

/// A value bound into a scope as is (see [`shared_map`]).
pub type Bound = Box<dyn Val + 'static>;

/// A map from named entries that comprehensions copy by reference.
pub fn shared_map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Bound {
    let m: HashMap<CelMapKey<'static>, Bound> = entries
        .into_iter()
        .map(|(k, v)| {
            let v: Bound = v.try_into().expect("plain values convert");
            (CelMapKey::String(CelString::from(k.to_owned())), v)
        })
        .collect();
    Box::new(SharedMap(Arc::new(CelMap::from(m))))
}

/// A list of bound values.
pub fn bound_list(items: Vec<Bound>) -> Bound {
    Box::new(CelList::from(items))
}

pub fn list(items: Vec<Value>) -> Value {
    Value::List(Arc::new(items))
}

pub fn text(s: &str) -> Value {
    Value::String(Arc::new(s.to_owned()))
}

/// A JSON value as CEL sees it (integers stay integers; CEL compares them with doubles by
/// value).
pub fn from_json(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => text(s),
        Json::Array(a) => list(a.iter().map(from_json).collect()),
        Json::Object(o) => map(o.iter().map(|(k, v)| (k.as_str(), from_json(v)))),
    }
}

/// A CEL result as JSON (what a fact stores).
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.to_string()),
        Value::List(l) => Json::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => Json::Object(
            m.map
                .iter()
                .map(|(k, v)| {
                    let k = match k {
                        Key::String(s) => s.to_string(),
                        Key::Int(i) => i.to_string(),
                        Key::Uint(u) => u.to_string(),
                        Key::Bool(b) => b.to_string(),
                    };
                    (k, to_json(v))
                })
                .collect(),
        ),
        _ => Json::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_read_answers_and_members() {
        let root = root();
        let mut ctx = root.new_inner_scope();
        ctx.add_variable_from_value(
            "household",
            from_json(&json!({"members": [{"relation": "head", "age": 40}, {"relation": "son", "age": 3}]})),
        );
        ctx.add_variable_from_value("dwelling", from_json(&json!({"tenure": "rented"})));
        let e = |s: &str| Expr::compile("test", s).unwrap();
        assert_eq!(
            e("household.members.filter(m, m.relation == 'head').size() == 1").holds(&ctx),
            Some(true)
        );
        assert_eq!(
            e("household.members.exists(m, m.age < 5)").holds(&ctx),
            Some(true)
        );
        assert_eq!(e("dwelling.tenure == 'rented'").holds(&ctx), Some(true));
        assert_eq!(e("has(dwelling.rent_jod)").holds(&ctx), Some(false));
        assert_eq!(
            e("dwelling.rent_jod > 0").holds(&ctx),
            None,
            "a missing answer fails"
        );
        assert_eq!(
            e("size(household.members) * 2")
                .eval(&ctx)
                .map(|v| to_json(&v)),
            Ok(json!(4))
        );
        assert_eq!(e("1 == 1.0").holds(&ctx), Some(true));
    }

    #[test]
    fn a_broken_expression_names_its_place_and_position() {
        let err = Expr::compile("rules[2].when", "members.size( > 1").unwrap_err();
        assert_eq!(err.at, "rules[2].when");
        assert!(err.message.contains("1:"), "{}", err.message);
        assert!(err.to_string().contains("members.size( > 1"));
    }

    #[test]
    fn programs_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Expr>();
    }
}
