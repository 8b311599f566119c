//! Answers against a form: every field's type, range, pattern and condition, the members'
//! identities, and the form's rules across answers. Every error names its field path
//! (`household.members[2].national_number`) and carries its message in both languages, so
//! a door answers in the caller's. A draft is checked for what it holds; a submission for
//! everything the form requires.

use crate::expr::{self, Expr};
use crate::form::{Field, FieldType, Form, Label};
use nur_core::{CivilRecordId, Date, Gender, IdentityRules, NationalNumber, PersonalId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// The longest text answer accepted.
pub const MAX_TEXT: usize = 500;

/// One refused answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub path: String,
    pub code: String,
    pub message: Label,
}

/// A member as the answers name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredMember {
    pub index: usize,
    pub national_number: Option<String>,
    pub personal_id: Option<String>,
    pub relation: String,
    pub birth_date: Option<Date>,
    pub gender: Option<String>,
}

impl DeclaredMember {
    /// The identity the member is known by (national number, else personal ID).
    pub fn key(&self) -> Option<&str> {
        self.national_number
            .as_deref()
            .or(self.personal_id.as_deref())
    }
}

/// What checking answers gives: the answers as stored (trimmed text, upper-case IBANs), the
/// members and every error.
#[derive(Debug, Clone)]
pub struct Checked {
    pub answers: Json,
    pub members: Vec<DeclaredMember>,
    pub errors: Vec<FieldError>,
}

/// How much of the form must be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A draft: what is there must be right; what is missing may come later.
    Draft,
    /// A submission: everything the form requires, and its rules.
    Submit,
}

fn lbl(en: String, ar: String) -> Label {
    Label { ar, en }
}

struct Ctx<'a> {
    rules: &'a IdentityRules,
    today: Date,
    stage: Stage,
    errors: Vec<FieldError>,
}

impl Ctx<'_> {
    fn err(&mut self, path: &str, code: &'static str, message: Label) {
        self.errors.push(FieldError {
            path: path.to_owned(),
            code: code.to_owned(),
            message,
        });
    }
}

impl Form {
    /// Checks `answers` (a JSON object of sections) at `stage`, on `today`.
    pub fn check(
        &self,
        rules: &IdentityRules,
        answers: &Json,
        today: Date,
        stage: Stage,
    ) -> Checked {
        let mut cx = Ctx {
            rules,
            today,
            stage,
            errors: Vec::new(),
        };
        let Some(obj) = answers.as_object() else {
            cx.err(
                "",
                "not_an_object",
                lbl(
                    "The answers must be an object of sections".into(),
                    "يجب أن تكون الإجابات كائناً من الأقسام".into(),
                ),
            );
            return Checked {
                answers: Json::Object(Map::new()),
                members: Vec::new(),
                errors: cx.errors,
            };
        };
        for k in obj.keys() {
            if self.section(k).is_none() {
                cx.err(
                    k,
                    "unknown_section",
                    lbl(
                        format!("The form has no section `{k}`"),
                        format!("لا يوجد في النموذج قسم «{k}»"),
                    ),
                );
            }
        }
        // Conditions read the answers as given: a condition on a wrong answer is judged on
        // it, and the wrong answer has its own error.
        let root = expr::root();
        let mut scope = root.new_inner_scope();
        for s in &self.sections {
            scope.add_variable_from_value(
                s.id.clone(),
                obj.get(&s.id)
                    .map(expr::from_json)
                    .unwrap_or_else(|| expr::map([])),
            );
        }
        let mut out = Map::new();
        for s in &self.sections {
            let section = match obj.get(&s.id) {
                None | Some(Json::Null) => {
                    if stage == Stage::Submit {
                        cx.err(
                            &s.id,
                            "required",
                            lbl(
                                format!("{}: this section is required", s.label.en),
                                format!("{}: هذا القسم مطلوب", s.label.ar),
                            ),
                        );
                    }
                    continue;
                }
                Some(Json::Object(m)) => m,
                Some(_) => {
                    cx.err(&s.id, "not_an_object", not_object(&s.label));
                    continue;
                }
            };
            let kept = check_fields(&mut cx, &s.fields, section, &s.id, &scope, None);
            out.insert(s.id.clone(), Json::Object(kept));
        }
        let answers = Json::Object(out);
        let members = members(&answers);
        if stage == Stage::Submit {
            identities(&mut cx, &members);
            if cx.errors.is_empty() {
                for r in &self.rules {
                    if let Some(e) = &r.compiled {
                        if e.holds(&scope) == Some(true) {
                            cx.err(&r.path, "rule", r.message.clone());
                        }
                    }
                }
            }
        }
        Checked {
            answers,
            members,
            errors: cx.errors,
        }
    }
}

fn not_object(l: &Label) -> Label {
    lbl(
        format!("{}: expected a group of answers", l.en),
        format!("{}: المتوقع مجموعة من الإجابات", l.ar),
    )
}

fn check_fields(
    cx: &mut Ctx<'_>,
    fields: &[Field],
    given: &Map<String, Json>,
    at: &str,
    scope: &cel::Context<'_, '_>,
    member: Option<&Json>,
) -> Map<String, Json> {
    for k in given.keys() {
        if !fields.iter().any(|f| &f.id == k) {
            cx.err(
                &format!("{at}.{k}"),
                "unknown_field",
                lbl(
                    format!("The form has no field `{k}` here"),
                    format!("لا يوجد في النموذج حقل «{k}» هنا"),
                ),
            );
        }
    }
    let mut kept = Map::new();
    for f in fields {
        let path = format!("{at}.{}", f.id);
        match given.get(&f.id) {
            None | Some(Json::Null) => {
                if cx.stage == Stage::Submit && required(f, scope, member) {
                    cx.err(
                        &path,
                        "required",
                        lbl(
                            format!("{}: an answer is required", f.label.en),
                            format!("{}: هذه الإجابة مطلوبة", f.label.ar),
                        ),
                    );
                }
            }
            Some(v) => {
                if let Some(v) = check_value(cx, f, v, &path, scope) {
                    kept.insert(f.id.clone(), v);
                }
            }
        }
    }
    kept
}

fn required(f: &Field, scope: &cel::Context<'_, '_>, member: Option<&Json>) -> bool {
    if f.required {
        return true;
    }
    let Some(cond) = &f.compiled.required_if else {
        return false;
    };
    holds_with_member(cond, scope, member)
}

fn holds_with_member(e: &Expr, scope: &cel::Context<'_, '_>, member: Option<&Json>) -> bool {
    match member {
        Some(m) => {
            let mut inner = scope.new_inner_scope();
            inner.add_variable_from_value("member", expr::from_json(m));
            e.holds(&inner) == Some(true)
        }
        None => e.holds(scope) == Some(true),
    }
}

fn number(v: &Json) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

fn check_value(
    cx: &mut Ctx<'_>,
    f: &Field,
    v: &Json,
    path: &str,
    scope: &cel::Context<'_, '_>,
) -> Option<Json> {
    let l = &f.label;
    let wrong = |cx: &mut Ctx<'_>, en: &str, ar: &str| {
        cx.err(
            path,
            "wrong_type",
            lbl(
                format!("{}: expected {en}", l.en),
                format!("{}: المتوقع {ar}", l.ar),
            ),
        );
        None
    };
    match f.ty {
        FieldType::Group => {
            let Some(items) = v.as_array() else {
                return wrong(cx, "a list", "قائمة");
            };
            if let Some(min) = f.min_items.filter(|m| items.len() < *m) {
                cx.err(
                    path,
                    "too_few_items",
                    lbl(
                        format!("{}: at least {min} needed", l.en),
                        format!("{}: المطلوب {min} على الأقل", l.ar),
                    ),
                );
            }
            if let Some(max) = f.max_items.filter(|m| items.len() > *m) {
                cx.err(
                    path,
                    "too_many_items",
                    lbl(
                        format!("{}: at most {max}", l.en),
                        format!("{}: الحد الأعلى {max}", l.ar),
                    ),
                );
                return None;
            }
            let mut kept = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let at = format!("{path}[{i}]");
                match item.as_object() {
                    Some(m) => {
                        let k = check_fields(cx, &f.fields, m, &at, scope, Some(item));
                        kept.push(Json::Object(k));
                    }
                    None => {
                        cx.err(&at, "not_an_object", not_object(l));
                        kept.push(Json::Object(Map::new()));
                    }
                }
            }
            Some(Json::Array(kept))
        }
        FieldType::Boolean => match v {
            Json::Bool(_) => Some(v.clone()),
            _ => wrong(cx, "yes or no", "نعم أو لا"),
        },
        FieldType::Integer | FieldType::Money => {
            let Some(x) = number(v) else {
                return wrong(cx, "a number", "رقماً");
            };
            if f.ty == FieldType::Integer && x.fract() != 0.0 {
                return wrong(cx, "a whole number", "عدداً صحيحاً");
            }
            if f.ty == FieldType::Money && ((x * 1000.0).round() - x * 1000.0).abs() > 1e-6 {
                cx.err(
                    path,
                    "too_many_decimals",
                    lbl(
                        format!("{}: at most three decimals (fils)", l.en),
                        format!("{}: ثلاث منازل عشرية على الأكثر (فلس)", l.ar),
                    ),
                );
                return None;
            }
            if let Some(min) = f.min.filter(|m| x < *m) {
                cx.err(
                    path,
                    "below_min",
                    lbl(
                        format!("{}: at least {min}", l.en),
                        format!("{}: الحد الأدنى {min}", l.ar),
                    ),
                );
                return None;
            }
            if let Some(max) = f.max.filter(|m| x > *m) {
                cx.err(
                    path,
                    "above_max",
                    lbl(
                        format!("{}: at most {max}", l.en),
                        format!("{}: الحد الأعلى {max}", l.ar),
                    ),
                );
                return None;
            }
            Some(v.clone())
        }
        _ => {
            let Some(s) = v.as_str().map(str::trim) else {
                return wrong(cx, "text", "نصاً");
            };
            if s.chars().count() > MAX_TEXT {
                cx.err(
                    path,
                    "too_long",
                    lbl(
                        format!("{}: at most {MAX_TEXT} characters", l.en),
                        format!("{}: {MAX_TEXT} حرف على الأكثر", l.ar),
                    ),
                );
                return None;
            }
            text_value(cx, f, s, path)
        }
    }
}

fn text_value(cx: &mut Ctx<'_>, f: &Field, s: &str, path: &str) -> Option<Json> {
    let l = &f.label;
    if let Some(re) = &f.compiled.pattern {
        if !re.is_match(s) {
            cx.err(
                path,
                "pattern",
                lbl(
                    format!("{}: `{s}` is not in the expected form", l.en),
                    format!("{}: «{s}» ليس بالصيغة المطلوبة", l.ar),
                ),
            );
            return None;
        }
    }
    let bad = |cx: &mut Ctx<'_>, code: &'static str, en: String, ar: String| {
        cx.err(
            path,
            code,
            lbl(format!("{}: {en}", l.en), format!("{}: {ar}", l.ar)),
        );
        None
    };
    match f.ty {
        FieldType::Choice => {
            if f.options.iter().any(|o| o.value == s) {
                Some(Json::from(s))
            } else {
                bad(
                    cx,
                    "not_an_option",
                    format!("`{s}` is not one of the options"),
                    format!("«{s}» ليست من الخيارات"),
                )
            }
        }
        FieldType::Date => match Date::parse(s) {
            Ok(d) if d > cx.today => bad(
                cx,
                "future_date",
                format!("{s} is in the future"),
                format!("{s} تاريخ في المستقبل"),
            ),
            Ok(d) => Some(Json::from(d.to_string())),
            Err(_) => bad(
                cx,
                "invalid_date",
                format!("`{s}` is not a date (YYYY-MM-DD)"),
                format!("«{s}» ليس تاريخاً (سنة-شهر-يوم)"),
            ),
        },
        FieldType::NationalNumber => match NationalNumber::parse(cx.rules, s) {
            Ok(n) => Some(Json::from(n.as_str())),
            Err(e) => bad(
                cx,
                "invalid_national_number",
                e.to_string(),
                format!("«{s}» ليس رقماً وطنياً صحيحاً"),
            ),
        },
        FieldType::PersonalId => match PersonalId::parse(cx.rules, s) {
            Ok(n) => Some(Json::from(n.as_str())),
            Err(e) => bad(
                cx,
                "invalid_personal_id",
                e.to_string(),
                format!("«{s}» ليس رقماً شخصياً صحيحاً"),
            ),
        },
        FieldType::CivilRecordId => match CivilRecordId::parse(cx.rules, s) {
            Ok(n) => Some(Json::from(n.as_str())),
            Err(e) => bad(
                cx,
                "invalid_civil_record_id",
                e.to_string(),
                format!("«{s}» ليس رقم قيد مدني صحيحاً"),
            ),
        },
        FieldType::Iban => match crate::iban::check(s) {
            Ok(iban) => Some(Json::from(iban)),
            Err(crate::iban::IbanError::Length { expected }) => bad(
                cx,
                "invalid_iban",
                format!("an IBAN of this country has {expected} characters"),
                format!("رقم الحساب الدولي لهذه الدولة من {expected} حرفاً"),
            ),
            Err(crate::iban::IbanError::Check) => bad(
                cx,
                "invalid_iban",
                "the check digits do not match: a character is wrong".into(),
                "خانتا التحقق لا تطابقان: أحد الأحرف خطأ".into(),
            ),
            Err(crate::iban::IbanError::Malformed) => bad(
                cx,
                "invalid_iban",
                format!("`{s}` is not an IBAN"),
                format!("«{s}» ليس رقم حساب دولي"),
            ),
        },
        _ => Some(Json::from(s)),
    }
}

/// The members the answers list (`household.members`), as far as they are readable.
pub fn members(answers: &Json) -> Vec<DeclaredMember> {
    let Some(items) = answers
        .pointer("/household/members")
        .and_then(|m| m.as_array())
    else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .map(|(index, m)| {
            let s = |k: &str| {
                m.get(k)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            DeclaredMember {
                index,
                national_number: s("national_number"),
                personal_id: s("personal_id"),
                relation: s("relation").unwrap_or_default(),
                birth_date: s("birth_date").and_then(|d| Date::parse(&d).ok()),
                gender: s("gender"),
            }
        })
        .collect()
}

/// A member listed twice, and a national number that contradicts the declared birth year
/// or gender.
fn identities(cx: &mut Ctx<'_>, members: &[DeclaredMember]) {
    let mut seen = std::collections::HashMap::new();
    for m in members {
        let at = format!("household.members[{}]", m.index);
        if let Some(k) = m.key() {
            if let Some(first) = seen.insert(k.to_owned(), m.index) {
                cx.err(
                    &format!("{at}.national_number"),
                    "duplicate_member",
                    lbl(
                        format!("{k} is listed twice (also member {})", first + 1),
                        format!("{k} مذكور مرتين (وأيضاً الفرد رقم {})", first + 1),
                    ),
                );
            }
        }
        let Some(nn) = m
            .national_number
            .as_deref()
            .and_then(|n| NationalNumber::parse(cx.rules, n).ok())
        else {
            continue;
        };
        if let Some(d) = m.birth_date.filter(|d| d.year() != nn.birth_year()) {
            cx.err(
                &format!("{at}.birth_date"),
                "contradicts_national_number",
                lbl(
                    format!(
                        "born {d}, but national number {} was issued for a birth in {}",
                        nn.as_str(),
                        nn.birth_year()
                    ),
                    format!(
                        "تاريخ الميلاد {d} لا يطابق سنة الميلاد في الرقم الوطني {} ({})",
                        nn.as_str(),
                        nn.birth_year()
                    ),
                ),
            );
        }
        let declared = m.gender.as_deref();
        let male = nn.gender() == Gender::Male;
        if declared.is_some_and(|g| (g == "male") != male) {
            cx.err(
                &format!("{at}.gender"),
                "contradicts_national_number",
                lbl(
                    format!("the gender contradicts national number {}", nn.as_str()),
                    format!("الجنس لا يطابق الرقم الوطني {}", nn.as_str()),
                ),
            );
        }
    }
}
