//! Typed cell values: what a registry row holds once its text has been validated against the
//! catalog column it belongs to.

use crate::catalog::{Column, ColumnType};
use crate::date::Date;
use crate::identity::{CivilRecordId, IdentityRules, NationalNumber, PersonalId};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Text, including identity numbers once validated.
    Text(String),
    Int(i64),
    Decimal(f64),
    Date(Date),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("column {column}: a value is required")]
    Required { column: String },
    #[error("column {column}: {reason}")]
    Invalid { column: String, reason: String },
}

impl Value {
    /// Validates one raw cell (CSV text) for `column`. Empty text is NULL.
    pub fn parse(rules: &IdentityRules, column: &Column, raw: &str) -> Result<Value, ValueError> {
        let name = column.name.as_str();
        let s = raw.trim();
        if s.is_empty() {
            return if column.required {
                Err(ValueError::Required {
                    column: name.to_owned(),
                })
            } else {
                Ok(Value::Null)
            };
        }
        let invalid = |reason: String| ValueError::Invalid {
            column: name.to_owned(),
            reason,
        };
        let v = Value::parse_typed(rules, column.ty, s, column.max_length).map_err(&invalid)?;
        if !column.values.is_empty() {
            let code = v.to_string();
            if !column.values.iter().any(|cv| cv.code == code) {
                return Err(invalid(format!(
                    "{code:?} is not one of the column's codes"
                )));
            }
        }
        Ok(v)
    }

    /// Parses non-empty text as a value of type `ty` (no column context: query parameters
    /// use this too). The error is the reason alone.
    pub fn parse_typed(
        rules: &IdentityRules,
        ty: ColumnType,
        s: &str,
        max_length: Option<usize>,
    ) -> Result<Value, String> {
        Ok(match ty {
            ColumnType::NationalNumber => NationalNumber::parse(rules, s)
                .map(|n| Value::Text(n.as_str().to_owned()))
                .map_err(|e| e.to_string())?,
            ColumnType::PersonalId => PersonalId::parse(rules, s)
                .map(|n| Value::Text(n.as_str().to_owned()))
                .map_err(|e| e.to_string())?,
            ColumnType::CivilRecordId => CivilRecordId::parse(rules, s)
                .map(|n| Value::Text(n.as_str().to_owned()))
                .map_err(|e| e.to_string())?,
            ColumnType::Text => {
                if let Some(max) = max_length {
                    let n = s.chars().count();
                    if n > max {
                        return Err(format!("text of {n} characters is longer than {max}"));
                    }
                }
                if s.chars().any(|c| c.is_control()) {
                    return Err("text contains control characters".into());
                }
                Value::Text(s.to_owned())
            }
            ColumnType::Integer => s
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| format!("{s:?} is not an integer"))?,
            ColumnType::Decimal => match s.parse::<f64>() {
                Ok(x) if x.is_finite() && looks_decimal(s) => Value::Decimal(x),
                _ => return Err(format!("{s:?} is not a decimal number")),
            },
            ColumnType::Date => Date::parse(s).map(Value::Date).map_err(|e| e.to_string())?,
            ColumnType::Boolean => match s {
                "1" | "true" | "TRUE" | "True" | "Y" | "y" => Value::Bool(true),
                "0" | "false" | "FALSE" | "False" | "N" | "n" => Value::Bool(false),
                _ => return Err(format!("{s:?} is not a boolean (1/0, true/false)")),
            },
        })
    }

    /// A JSON value (an API parameter) as a value of type `ty`: strings are parsed as by
    /// [`Value::parse_typed`]; numbers and booleans are accepted where the type takes them.
    pub fn from_json(
        rules: &IdentityRules,
        ty: ColumnType,
        json: &serde_json::Value,
    ) -> Result<Value, String> {
        use serde_json::Value as J;
        match (json, ty) {
            (J::Null, _) => Err("a value is required".into()),
            (J::String(s), _) => Value::parse_typed(rules, ty, s.trim(), Some(4096)),
            (J::Number(n), ColumnType::Integer) => n
                .as_i64()
                .map(Value::Int)
                .ok_or_else(|| format!("{n} is not an integer")),
            (J::Number(n), ColumnType::Decimal) => n
                .as_f64()
                .filter(|x| x.is_finite())
                .map(Value::Decimal)
                .ok_or_else(|| format!("{n} is not a decimal number")),
            (J::Number(n), _) => Value::parse_typed(rules, ty, &n.to_string(), None),
            (J::Bool(b), ColumnType::Boolean) => Ok(Value::Bool(*b)),
            (other, _) => Err(format!("{other} is not a {}", ty.name())),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as JSON, the shape every API returns.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Text(s) => serde_json::Value::String(s.clone()),
            Value::Int(i) => (*i).into(),
            Value::Decimal(x) => serde_json::Number::from_f64(*x)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Date(d) => serde_json::Value::String(d.to_string()),
            Value::Bool(b) => (*b).into(),
        }
    }
}

/// Plain decimal notation only: digits, one optional point and sign. `f64::from_str` also
/// accepts "inf", "NaN" and exponents, which a registry extract should never contain.
fn looks_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let mut dots = 0;
    !s.is_empty()
        && s.chars().all(|c| {
            if c == '.' {
                dots += 1;
                true
            } else {
                c.is_ascii_digit()
            }
        })
        && dots <= 1
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Text(s) => f.write_str(s),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(x) => write!(f, "{x}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CodeValue, Ident};

    fn col(ty: ColumnType, required: bool) -> Column {
        Column {
            name: Ident::parse("C").unwrap(),
            ty,
            label_en: "c".into(),
            label_ar: "ج".into(),
            required,
            max_length: Some(5),
            values: vec![],
            synth: None,
        }
    }

    fn check(ty: ColumnType, raw: &str, want: Result<Value, &str>) {
        let got = Value::parse(&IdentityRules::jordan(), &col(ty, true), raw);
        match (got, want) {
            (Ok(g), Ok(w)) => assert_eq!(g, w, "{raw}"),
            (Err(g), Err(w)) => assert!(g.to_string().contains(w), "{raw}: {g} lacks {w}"),
            (g, w) => panic!("{raw}: got {g:?}, want {w:?}"),
        }
    }

    #[test]
    fn cells() {
        use ColumnType::*;
        check(
            NationalNumber,
            "9821017042",
            Ok(Value::Text("9821017042".into())),
        );
        check(NationalNumber, "98210170", Err("expected 10 digits, got 8"));
        check(Integer, " 42 ", Ok(Value::Int(42)));
        check(Integer, "4.2", Err("is not an integer"));
        check(Decimal, "350.125", Ok(Value::Decimal(350.125)));
        check(Decimal, "NaN", Err("is not a decimal"));
        check(Decimal, "1e9", Err("is not a decimal"));
        check(Date, "2024-02-30", Err("no such day"));
        check(Boolean, "maybe", Err("is not a boolean"));
        check(Text, "abcdef", Err("longer than 5"));
        check(Text, "a\u{7}b", Err("control characters"));
        check(Text, "", Err("a value is required"));
    }

    #[test]
    fn coded_columns_accept_only_their_codes() {
        let mut c = col(ColumnType::Text, false);
        c.values = vec![CodeValue {
            code: "1".into(),
            label_en: "Male".into(),
            label_ar: "ذكر".into(),
        }];
        let r = IdentityRules::jordan();
        assert!(Value::parse(&r, &c, "1").is_ok());
        assert!(Value::parse(&r, &c, "3").is_err());
        assert_eq!(Value::parse(&r, &c, "").unwrap(), Value::Null);
    }
}
