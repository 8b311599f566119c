//! The intake form as configuration: a versioned definition (sections, fields with a type,
//! validation and Arabic and English labels, cross-answer rules) shipped as a data file like
//! the catalog. Jordan's is embedded; another country ships its own. Conditions and rules are
//! CEL, compiled when the form is loaded.

use crate::expr::{Expr, ExprError};
use nur_core::catalog::Geography;
use serde::{Deserialize, Serialize};

/// A text in both languages of the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub ar: String,
    pub en: String,
}

impl Label {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ar => &self.ar,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ar,
    En,
}

impl Lang {
    /// From an `Accept-Language` value or a `?lang=`: English only when asked for; Arabic
    /// is the default.
    pub fn pick(s: &str) -> Lang {
        if s.trim_start().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Ar
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Integer,
    /// An amount in the currency's major unit, at most three decimals (stored in fils).
    Money,
    Boolean,
    Date,
    Choice,
    NationalNumber,
    /// A foreign resident's personal ID, under the catalog's identity rules.
    PersonalId,
    /// A family booklet's civil record number, under the catalog's identity rules.
    CivilRecordId,
    Iban,
    /// A repeated group of sub-fields (the household's members).
    Group,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: Label,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Field {
    pub id: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    #[serde(default)]
    pub required: bool,
    /// Required when this CEL condition over the other answers holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_if: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Options taken from the catalog (`governorates`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
    pub label: Label,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    #[serde(skip)]
    pub(crate) compiled: Compiled,
}

#[derive(Debug, Default)]
pub(crate) struct Compiled {
    pub pattern: Option<regex::Regex>,
    pub required_if: Option<Expr>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub label: Label,
    pub fields: Vec<Field>,
}

/// A rule across answers: when `when` holds, the answers are refused at `path`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub when: String,
    pub path: String,
    pub message: Label,
    #[serde(skip)]
    pub(crate) compiled: Option<Expr>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Form {
    pub form: String,
    pub version: u32,
    pub country: String,
    pub sections: Vec<Section>,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("the form definition is not valid JSON for a form: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Expr(#[from] ExprError),
    #[error("{at}: {message}")]
    Invalid { at: String, message: String },
}

fn invalid(at: &str, message: impl Into<String>) -> FormError {
    FormError::Invalid {
        at: at.to_owned(),
        message: message.into(),
    }
}

impl Form {
    /// Jordan's intake form, version 1, with the catalog's governorates.
    pub fn jordan(geography: &Geography) -> Form {
        Form::from_json(include_str!("../config/jordan-intake.json"), geography)
            .expect("the embedded form is valid")
    }

    /// Reads a form definition and compiles its patterns, conditions and rules; options
    /// named by `options_from` are filled from the catalog.
    pub fn from_json(text: &str, geography: &Geography) -> Result<Form, FormError> {
        let mut form: Form = serde_json::from_str(text)?;
        if form.sections.is_empty() {
            return Err(invalid("sections", "a form needs at least one section"));
        }
        let mut seen = std::collections::HashSet::new();
        for s in &mut form.sections {
            if !seen.insert(s.id.clone()) {
                return Err(invalid(&s.id, "two sections have this id"));
            }
            for f in &mut s.fields {
                prepare(f, &s.id, geography)?;
            }
        }
        for (i, r) in form.rules.iter_mut().enumerate() {
            r.compiled = Some(Expr::compile(&format!("rules[{i}].when"), &r.when)?);
        }
        Ok(form)
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// The field at a dotted path (`dwelling.rooms`, `household.members.relation`).
    pub fn field(&self, path: &str) -> Option<&Field> {
        let mut parts = path.split('.');
        let section = self.section(parts.next()?)?;
        let mut fields = &section.fields;
        let mut found = None;
        for p in parts {
            let f = fields.iter().find(|f| f.id == p)?;
            fields = &f.fields;
            found = Some(f);
        }
        found
    }
}

fn prepare(f: &mut Field, at: &str, geography: &Geography) -> Result<(), FormError> {
    let at = format!("{at}.{}", f.id);
    if let Some(p) = &f.pattern {
        f.compiled.pattern =
            Some(regex::Regex::new(p).map_err(|e| invalid(&at, format!("bad pattern: {e}")))?);
    }
    if let Some(c) = &f.required_if {
        f.compiled.required_if = Some(Expr::compile(&format!("{at}.required_if"), c)?);
    }
    match f.options_from.as_deref() {
        None => {}
        Some("governorates") => {
            f.options = geography
                .governorates
                .iter()
                .map(|g| Choice {
                    value: g.code.clone(),
                    label: Label {
                        ar: g.name_ar.clone(),
                        en: g.name_en.clone(),
                    },
                })
                .collect();
        }
        Some(other) => return Err(invalid(&at, format!("unknown options_from `{other}`"))),
    }
    if f.ty == FieldType::Choice && f.options.is_empty() {
        return Err(invalid(&at, "a choice needs options"));
    }
    if (f.ty == FieldType::Group) == f.fields.is_empty() {
        return Err(invalid(&at, "a group, and only a group, has sub-fields"));
    }
    for sub in &mut f.fields {
        prepare(sub, &at, geography)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nur_core::Catalog;

    #[test]
    fn jordans_form_loads_with_the_governorates() {
        let cat = Catalog::jordan();
        let form = Form::jordan(&cat.geography);
        assert_eq!((form.form.as_str(), form.version), ("jordan-intake", 1));
        let gov = form.field("household.governorate").unwrap();
        assert_eq!(gov.options.len(), 12);
        assert!(form.field("household.members.national_number").is_some());
        assert!(form.field("payment.iban").is_some());
        for s in &form.sections {
            assert!(!s.label.ar.is_empty() && !s.label.en.is_empty());
        }
    }

    #[test]
    fn a_bad_definition_is_refused_with_its_place() {
        let cat = Catalog::jordan();
        let bad = include_str!("../config/jordan-intake.json")
            .replace("dwelling.tenure == 'rented'", "dwelling.tenure == ");
        let err = Form::from_json(&bad, &cat.geography)
            .unwrap_err()
            .to_string();
        assert!(err.contains("dwelling.rent_jod.required_if"), "{err}");
        let err = Form::from_json("{\"form\": 1}", &cat.geography).unwrap_err();
        assert!(matches!(err, FormError::Json(_)));
    }
}
