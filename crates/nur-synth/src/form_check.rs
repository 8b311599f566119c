//! Test support: an independent check of an application against the intake form definition
//! (required fields, `required_if`, types, choices, ranges, patterns and the form's rules),
//! so the tests can tell a well-formed application from a malformed one without trusting the
//! code that wrote it.

use nur_core::{CivilRecordId, Date, IdentityRules, NationalNumber, PersonalId};
use serde_json::{Map, Value};

pub const FORM_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../nur-sp/config/jordan-intake.json"
);

/// The form nur-sp ships (`NUR_INTAKE_FORM` names another copy, for a checkout without it).
pub fn load_form() -> Value {
    let path = std::env::var("NUR_INTAKE_FORM").unwrap_or_else(|_| FORM_PATH.to_owned());
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("the intake form {path}: {e}"));
    serde_json::from_str(&text).expect("the intake form is JSON")
}

/// The errors of one application's answers, empty when it passes the form.
pub fn check(form: &Value, governorates: &[String], answers: &Value) -> Vec<String> {
    let rules = IdentityRules::jordan();
    let mut errors = Vec::new();
    let empty = Map::new();
    for section in form["sections"].as_array().expect("sections") {
        let id = section["id"].as_str().expect("section id");
        let obj = answers.get(id).and_then(Value::as_object).unwrap_or(&empty);
        check_fields(
            &section["fields"],
            obj,
            None,
            answers,
            id,
            governorates,
            &rules,
            &mut errors,
        );
    }
    for rule in form["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("rule id");
        let members = answers["household"]["members"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let broken = match id {
            "one_head" => members.iter().filter(|m| m["relation"] == "head").count() != 1,
            "rooms_reasonable" => {
                answers["dwelling"]["rooms"].as_i64().unwrap_or(0) > 3 * members.len() as i64 + 5
            }
            "formal_income_declared" => {
                answers["income"]["formal_jod"].as_f64() == Some(0.0)
                    && members.iter().any(|m| m["work"] == "formal")
            }
            "rent_only_when_rented" => {
                answers["dwelling"].get("rent_jod").is_some()
                    && answers["dwelling"]["tenure"] != "rented"
            }
            other => panic!("the form has a rule {other} these tests do not know"),
        };
        if broken {
            errors.push(format!("rule {id}"));
        }
    }
    errors
}

#[allow(clippy::too_many_arguments)]
fn check_fields(
    fields: &Value,
    obj: &Map<String, Value>,
    member: Option<&Map<String, Value>>,
    answers: &Value,
    path: &str,
    governorates: &[String],
    rules: &IdentityRules,
    errors: &mut Vec<String>,
) {
    for field in fields.as_array().expect("fields") {
        let id = field["id"].as_str().expect("field id");
        let at = format!("{path}.{id}");
        let required = field["required"].as_bool().unwrap_or(false)
            || field["required_if"]
                .as_str()
                .is_some_and(|e| condition(e, answers, member));
        let Some(v) = obj.get(id) else {
            if required {
                errors.push(format!("{at} missing"));
            }
            continue;
        };
        let ty = field["type"].as_str().expect("field type");
        let ok = match ty {
            "text" => v.as_str().is_some_and(|s| {
                field["pattern"]
                    .as_str()
                    .is_none_or(|p| matches_pattern(p, s))
            }),
            "choice" => v.as_str().is_some_and(|s| {
                if field["options_from"] == "governorates" {
                    governorates.iter().any(|g| g == s)
                } else {
                    field["options"]
                        .as_array()
                        .expect("options")
                        .iter()
                        .any(|o| o["value"] == s)
                }
            }),
            "boolean" => v.is_boolean(),
            "date" => v.as_str().is_some_and(|s| Date::parse(s).is_ok()),
            "national_number" => v
                .as_str()
                .is_some_and(|s| NationalNumber::parse(rules, s).is_ok()),
            "civil_record_id" => v
                .as_str()
                .is_some_and(|s| CivilRecordId::parse(rules, s).is_ok()),
            "personal_id" => v
                .as_str()
                .is_some_and(|s| PersonalId::parse(rules, s).is_ok()),
            "iban" => v.as_str().is_some_and(iban_ok),
            "integer" => v.as_i64().is_some_and(|x| in_range(field, x as f64)),
            "money" => v.as_f64().is_some_and(|x| {
                in_range(field, x) && ((x * 1000.0).round() - x * 1000.0).abs() < 1e-6
            }),
            "group" => match v.as_array() {
                Some(items) => {
                    let n = items.len() as u64;
                    let lo = field["min_items"].as_u64().unwrap_or(0);
                    let hi = field["max_items"].as_u64().unwrap_or(u64::MAX);
                    for (i, item) in items.iter().enumerate() {
                        match item.as_object() {
                            Some(m) => check_fields(
                                &field["fields"],
                                m,
                                Some(m),
                                answers,
                                &format!("{at}[{i}]"),
                                governorates,
                                rules,
                                errors,
                            ),
                            None => errors.push(format!("{at}[{i}] not an object")),
                        }
                    }
                    (lo..=hi).contains(&n)
                }
                None => false,
            },
            other => panic!("the form has a field type {other} these tests do not know"),
        };
        if !ok {
            errors.push(format!("{at} invalid: {v}"));
        }
    }
}

fn in_range(field: &Value, x: f64) -> bool {
    field["min"].as_f64().is_none_or(|m| x >= m) && field["max"].as_f64().is_none_or(|m| x <= m)
}

/// The form's `required_if` conditions: `a || b`, each `!has(p)`, `p == 'v'` or `p != 'v'`,
/// where `p` is `member.field` or `section.field`.
fn condition(expr: &str, answers: &Value, member: Option<&Map<String, Value>>) -> bool {
    let lookup = |p: &str| -> Option<Value> {
        let (head, field) = p.trim().split_once('.')?;
        if head == "member" {
            member?.get(field).cloned()
        } else {
            answers.get(head)?.get(field).cloned()
        }
    };
    expr.split("||").any(|term| {
        let t = term.trim();
        if let Some(p) = t.strip_prefix("!has(").and_then(|r| r.strip_suffix(')')) {
            return lookup(p).is_none();
        }
        let (p, want, eq) = if let Some((p, v)) = t.split_once("==") {
            (p, v, true)
        } else if let Some((p, v)) = t.split_once("!=") {
            (p, v, false)
        } else {
            panic!("a condition these tests do not know: {expr}");
        };
        let want = want.trim().trim_matches('\'');
        let got = lookup(p);
        let same = got.as_ref().and_then(Value::as_str) == Some(want);
        if eq {
            same
        } else {
            got.is_some() && !same
        }
    })
}

/// ISO 13616: 30 characters for Jordan, the first four moved to the end, letters as two
/// digits, the whole number mod 97 is 1.
pub fn iban_ok(s: &str) -> bool {
    if s.len() != 30 || !s.starts_with("JO") || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let moved = format!("{}{}", &s[4..], &s[..4]);
    let digits: String = moved
        .chars()
        .map(|c| c.to_digit(36).expect("alphanumeric").to_string())
        .collect();
    // Nine digits at a time keep the remainder within u64.
    let mut rem = 0u64;
    for chunk in digits.as_bytes().chunks(9) {
        let part = std::str::from_utf8(chunk).unwrap();
        rem = format!("{rem}{part}").parse::<u64>().unwrap() % 97;
    }
    rem == 1
}

/// A character class and how often it repeats (at least, at most).
type Atom = (Vec<(char, char)>, usize, usize);

/// The anchored patterns the form uses: literals, `\` escapes, `[...]` classes with ranges,
/// and `{n}` / `{m,n}` counts.
pub fn matches_pattern(pattern: &str, s: &str) -> bool {
    let p = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .expect("anchored pattern");
    let chars: Vec<char> = p.chars().collect();
    let mut atoms: Vec<Atom> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let set = match chars[i] {
            '[' => {
                let mut set = Vec::new();
                i += 1;
                while chars[i] != ']' {
                    if chars.get(i + 1) == Some(&'-') && chars[i + 2] != ']' {
                        set.push((chars[i], chars[i + 2]));
                        i += 3;
                    } else {
                        set.push((chars[i], chars[i]));
                        i += 1;
                    }
                }
                i += 1;
                set
            }
            '\\' => {
                i += 2;
                vec![(chars[i - 1], chars[i - 1])]
            }
            c => {
                i += 1;
                vec![(c, c)]
            }
        };
        let (mut lo, mut hi) = (1, 1);
        if chars.get(i) == Some(&'{') {
            let end = i + chars[i..].iter().position(|&c| c == '}').expect("count");
            let inner: String = chars[i + 1..end].iter().collect();
            (lo, hi) = match inner.split_once(',') {
                Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
                None => (inner.parse().unwrap(), inner.parse().unwrap()),
            };
            i = end + 1;
        }
        atoms.push((set, lo, hi));
    }
    fn go(atoms: &[Atom], s: &[char]) -> bool {
        let Some(((set, lo, hi), rest)) = atoms.split_first() else {
            return s.is_empty();
        };
        let fits = |c: char| set.iter().any(|&(a, b)| (a..=b).contains(&c));
        let run = s.iter().take_while(|&&c| fits(c)).count().min(*hi);
        (*lo..=run).rev().any(|k| go(rest, &s[k..]))
    }
    let s: Vec<char> = s.chars().collect();
    go(&atoms, &s)
}

#[test]
fn the_checker_itself() {
    assert!(matches_pattern(r"^\+9627[789][0-9]{7}$", "+962791234567"));
    assert!(!matches_pattern(r"^\+9627[789][0-9]{7}$", "+96279123456"));
    assert!(!matches_pattern(r"^\+9627[789][0-9]{7}$", "+962761234567"));
    assert!(matches_pattern("^[0-9]{5,12}$", "1000123"));
    assert!(!matches_pattern("^[0-9]{5,12}$", "1000a23"));
    assert!(iban_ok("JO94CBJO0010000000000131000302"));
    assert!(!iban_ok("JO95CBJO0010000000000131000302"));
}
