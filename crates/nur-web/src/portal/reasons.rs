//! A refusal in the page's language. A query's reason comes as a code with arguments
//! (`nur_core::Reason`): the page says it from its catalogs (`why-<code>`), with catalog
//! names turned into the page's labels (a table, a column, an entity, a type) and every
//! argument isolated, so a Latin name inside an Arabic sentence keeps both in order. A use
//! case's refusal without a reason is said from its code; only a code no catalog knows shows
//! the use case's own sentence.

use super::i18n::{Arg, Lang};
use super::labels;
use crate::AppState;
use nur_core::{Catalog, Reason};

/// First strong isolate and pop directional isolate (Unicode bidi, UAX #9).
const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';

/// The message key of a reason's code.
pub fn key(code: &str) -> String {
    format!("why-{}", code.replace(['_', '.'], "-"))
}

/// `r` in `lang`.
pub fn said(catalog: &Catalog, lang: Lang, r: &Reason) -> String {
    let shown: Vec<(&str, String)> = r
        .args
        .iter()
        .map(|(name, value)| (*name, isolated(&label(catalog, lang, name, value))))
        .collect();
    let args: Vec<(&str, Arg<'_>)> = shown
        .iter()
        .map(|(n, v)| (*n, Arg::Text(v.as_str())))
        .collect();
    lang.ta(&key(r.code), &args)
}

/// A use case's refusal in `lang`: its reason when it has one, the sentence of its code
/// when the portal has one, else the use case's own words.
pub fn refusal(s: &AppState, lang: Lang, e: &nur_app::AppError) -> String {
    said_or(s, lang, e.code, e.reason.as_deref(), &e.message)
}

/// What a refusal with `code`, perhaps a `reason`, and the English `message` says in `lang`.
pub fn said_or(
    s: &AppState,
    lang: Lang,
    code: &str,
    reason: Option<&Reason>,
    message: &str,
) -> String {
    if let Some(r) = reason {
        return said(&s.catalog, lang, r);
    }
    if let Some(sentence) = super::words::sentence(s, lang, code) {
        return sentence;
    }
    // The use case's own words are English and say the particulars (which account, which
    // line of a file); another language says what the code means.
    let k = key(code);
    if lang == Lang::En || !lang.has(&k) {
        return message.to_owned();
    }
    lang.t(&k)
}

/// `text` isolated as data inside a sentence (the plain-text form of `<bdi>`).
pub(super) fn isolated(text: &str) -> String {
    format!("{FSI}{text}{PDI}")
}

/// An argument as the page's reader knows it: a table or column by its label, an entity by
/// its name, a type by its word; anything else as given.
fn label(catalog: &Catalog, lang: Lang, name: &str, value: &str) -> String {
    match name {
        "table" => catalog
            .table(value)
            .map(|t| labels::table_label(lang, t).to_owned()),
        "column" | "condition" => value.split_once('.').and_then(|(t, c)| {
            let table = catalog.table(t)?;
            let column = table.column(c)?;
            Some(format!(
                "{} ({})",
                labels::column_label(lang, column),
                labels::table_label(lang, table)
            ))
        }),
        "columns" => Some(
            value
                .split(", ")
                .map(|q| label(catalog, lang, "column", q))
                .collect::<Vec<_>>()
                .join(match lang {
                    Lang::Ar => "، ",
                    Lang::En => ", ",
                }),
        ),
        "entity" => catalog.entity(value).map(|e| match lang {
            Lang::Ar => e.name_ar.clone(),
            Lang::En => e.name_en.clone(),
        }),
        "value_type" | "param_type" | "column_type" => Some(type_word(lang, value)),
        "operator" => Some(lang.t(&format!("op-{value}"))),
        "count" | "max" | "version" | "supported" => value.parse().ok().map(|n| lang.number(n)),
        _ => None,
    }
    .unwrap_or_else(|| value.to_owned())
}

/// A column type's word in `lang` (`type-date`, …).
pub fn type_word(lang: Lang, name: &str) -> String {
    lang.t(&format!("type-{}", name.replace('_', "-")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nur_core::ColumnType;

    const TYPES: [ColumnType; 8] = [
        ColumnType::NationalNumber,
        ColumnType::PersonalId,
        ColumnType::CivilRecordId,
        ColumnType::Text,
        ColumnType::Integer,
        ColumnType::Decimal,
        ColumnType::Date,
        ColumnType::Boolean,
    ];

    #[test]
    fn every_reason_and_type_is_in_both_catalogs() {
        for lang in [Lang::En, Lang::Ar] {
            for code in nur_core::query::REASONS {
                let k = key(code);
                assert_ne!(lang.t(&k), k, "{k} missing in {}", lang.code());
            }
            for ty in TYPES {
                let k = format!("type-{}", ty.name().replace('_', "-"));
                assert_ne!(lang.t(&k), k, "{k} missing in {}", lang.code());
            }
        }
    }

    /// Every code a use case refuses with has its sentence, so no page in another language
    /// falls back to the use case's English words.
    #[test]
    fn every_refusal_code_of_the_use_cases_has_a_sentence() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../nur-app/src");
        let mut codes = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            for kind in [
                "invalid",
                "not_found",
                "forbidden",
                "conflict",
                "too_many",
                "upstream",
                "unprocessable",
            ] {
                for part in text.split(&format!("AppError::{kind}(")).skip(1) {
                    let part = part.trim_start();
                    if let Some(rest) = part.strip_prefix('"') {
                        codes.insert(rest[..rest.find('"').unwrap()].to_owned());
                    }
                }
            }
        }
        assert!(codes.len() > 100, "{codes:?}");
        let special = ["not_program_entity", "no_application"];
        let missing: Vec<&String> = codes
            .iter()
            .filter(|c| {
                !Lang::Ar.has(&key(c))
                    && !super::super::words::REFUSALS.contains(&c.as_str())
                    && !special.contains(&c.as_str())
            })
            .collect();
        assert!(missing.is_empty(), "no sentence for {missing:?}");
    }

    #[test]
    fn a_reason_reads_in_arabic_with_labels() {
        let catalog = Catalog::jordan();
        let r = nur_core::reason!(
            "column_not_granted",
            "column {column} is not granted to {entity}",
            column = "DVLD_Car_Info.Model_Year",
            entity = "NAF"
        );
        let ar = said(&catalog, Lang::Ar, &r);
        assert!(!ar.contains("Model_Year"), "{ar}");
        assert!(!ar.contains("granted"), "{ar}");
        assert!(ar.contains(FSI) && ar.contains(PDI), "{ar}");
        let en = said(&catalog, Lang::En, &r);
        assert!(en.contains("Model"), "{en}");
        let r = nur_core::reason!(
            "parameter_value_invalid",
            "parameter {param}: {value} is not a valid {value_type}: {detail}",
            param = "national_number",
            value = "\"12\"",
            value_type = "national_number",
            detail = "expected 10 digits, got 2"
        );
        let ar = said(&catalog, Lang::Ar, &r);
        assert!(!ar.contains("expected"), "{ar}");
        assert!(
            ar.contains("national_number"),
            "the parameter's name is data: {ar}"
        );
    }
}
