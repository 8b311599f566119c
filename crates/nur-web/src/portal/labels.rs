//! A stored value as a person reads it: a coded column's code with its label in the page's
//! language (the catalog's code lists), a place code with the place's name (the catalog's
//! geography), anything else as it is.

use super::i18n::Lang;
use maud::{html, Markup};
use nur_core::{Catalog, Column};
use serde_json::Value as Json;

/// The value's text and, when it is a code, its label (`None`: no label to show).
pub fn shown(
    lang: Lang,
    catalog: &Catalog,
    column: Option<&Column>,
    v: &Json,
) -> (String, Option<String>) {
    let raw = match v {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let Some(c) = column else {
        return (raw, None);
    };
    if raw.is_empty() {
        return (raw, None);
    }
    let pick = |en: &str, ar: &str| match lang {
        Lang::Ar => ar.to_owned(),
        Lang::En => en.to_owned(),
    };
    if let Some(code) = c.values.iter().find(|x| x.code == raw) {
        let label = pick(&code.label_en, &code.label_ar);
        return (raw, Some(label));
    }
    let name = c.name.as_str();
    let geo = &catalog.geography.governorates;
    let place = if name.ends_with("Governorate_Code") {
        geo.iter()
            .find(|g| g.code == raw)
            .map(|g| pick(&g.name_en, &g.name_ar))
    } else if name.ends_with("Liwa_Code") {
        geo.iter()
            .flat_map(|g| &g.liwas)
            .find(|l| l.code == raw)
            .map(|l| pick(&l.name_en, &l.name_ar))
    } else if name.ends_with("Kada_Code") {
        geo.iter()
            .flat_map(|g| &g.liwas)
            .flat_map(|l| &l.kadas)
            .find(|k| k.code == raw)
            .map(|k| pick(&k.name_en, &k.name_ar))
    } else {
        None
    };
    (raw, place)
}

/// A column's label in `lang`.
pub fn column_label(lang: Lang, c: &Column) -> &str {
    match lang {
        Lang::Ar => &c.label_ar,
        Lang::En => &c.label_en,
    }
}

pub fn table_label(lang: Lang, t: &nur_core::Table) -> &str {
    match lang {
        Lang::Ar => &t.label_ar,
        Lang::En => &t.label_en,
    }
}

pub fn registry_label(lang: Lang, r: &nur_core::Registry) -> &str {
    match lang {
        Lang::Ar => &r.name_ar,
        Lang::En => &r.name_en,
    }
}

/// A value in a cell: the code's label with the code under it, small, or the value; isolated
/// from the page's direction.
pub fn cell(lang: Lang, catalog: &Catalog, column: Option<&Column>, v: &Json) -> Markup {
    let (raw, label) = shown(lang, catalog, column, v);
    html! {
        @match label {
            Some(l) => { bdi { (l) } " " small.code { bdi { (raw) } } },
            None => bdi { (raw) },
        }
    }
}
