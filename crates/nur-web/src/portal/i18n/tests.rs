//! The catalogs' tidy checks (keys, placeables and plural forms the same in both languages,
//! every message resolving) and the formats of numbers, counts and times.

use super::*;
use fluent_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};

const EN: &str = include_str!("../../../locales/en.ftl");
const AR: &str = include_str!("../../../locales/ar.ftl");
const CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// What a message needs from its caller and how it chooses among forms.
#[derive(Default, Debug)]
struct Shape {
    /// Every variable it names, in a selector or in any form.
    vars: BTreeSet<String>,
    /// For each variable it selects on, the keys of its forms and whether the selector
    /// is `PLURAL($var)` rather than the bare variable.
    selects: Vec<(String, BTreeSet<String>, bool)>,
    /// Text and placeables only (no message without words).
    has_text: bool,
}

fn walk_pattern(p: &ast::Pattern<&str>, shape: &mut Shape) {
    for e in &p.elements {
        match e {
            ast::PatternElement::TextElement { value } => {
                shape.has_text |= !value.trim().is_empty();
            }
            ast::PatternElement::Placeable { expression } => walk_expr(expression, shape),
        }
    }
}

fn walk_inline(e: &ast::InlineExpression<&str>, shape: &mut Shape) {
    match e {
        ast::InlineExpression::VariableReference { id } => {
            shape.vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => walk_expr(expression, shape),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                walk_inline(a, shape);
            }
            for a in &arguments.named {
                walk_inline(&a.value, shape);
            }
        }
        _ => {}
    }
}

fn walk_expr(e: &ast::Expression<&str>, shape: &mut Shape) {
    match e {
        ast::Expression::Inline(i) => walk_inline(i, shape),
        ast::Expression::Select { selector, variants } => {
            walk_inline(selector, shape);
            let on = match selector {
                ast::InlineExpression::VariableReference { id } => Some((id, false)),
                ast::InlineExpression::FunctionReference { id: f, arguments }
                    if f.name == "PLURAL" =>
                {
                    match arguments.positional.as_slice() {
                        [ast::InlineExpression::VariableReference { id }] => Some((id, true)),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some((id, via_plural)) = on {
                let keys = variants
                    .iter()
                    .map(|v| match &v.key {
                        ast::VariantKey::Identifier { name } => (*name).to_owned(),
                        ast::VariantKey::NumberLiteral { value } => (*value).to_owned(),
                    })
                    .collect();
                shape.selects.push((id.name.to_owned(), keys, via_plural));
            }
            for v in variants {
                walk_pattern(&v.value, shape);
            }
        }
    }
}

fn shapes(source: &str) -> BTreeMap<String, Shape> {
    let resource = FluentResource::try_new(source.to_owned())
        .unwrap_or_else(|(_, e)| panic!("catalog does not parse: {e:#?}"));
    let mut out = BTreeMap::new();
    for entry in resource.entries() {
        if let ast::Entry::Message(m) = entry {
            let mut shape = Shape::default();
            if let Some(p) = &m.value {
                walk_pattern(p, &mut shape);
            }
            assert!(
                out.insert(m.id.name.to_owned(), shape).is_none(),
                "{} twice",
                m.id.name
            );
        }
    }
    out
}

#[test]
fn both_catalogs_load_cleanly() {
    for (lang, source) in [(Lang::En, EN), (Lang::Ar, AR)] {
        let (_, problems) = load(lang, source);
        assert!(problems.is_empty(), "{}: {problems:#?}", lang.code());
    }
}

#[test]
fn both_catalogs_have_the_same_keys_and_placeables() {
    let (en, ar) = (shapes(EN), shapes(AR));
    let mut missing: Vec<String> = en
        .keys()
        .filter(|k| !ar.contains_key(*k))
        .map(|k| format!("ar lacks {k}"))
        .collect();
    missing.extend(
        ar.keys()
            .filter(|k| !en.contains_key(*k))
            .map(|k| format!("en lacks {k}")),
    );
    assert!(missing.is_empty(), "{missing:#?}");
    for (k, e) in &en {
        let a = &ar[k];
        assert_eq!(e.vars, a.vars, "placeables of {k}");
        assert!(e.has_text && a.has_text, "{k} is empty");
    }
    assert!(en.len() > 50);
}

/// A selector on a count goes through `PLURAL` and lists every plural form its language
/// has: Arabic all six (a missing one would fall back to `other`, which reads wrongly for
/// 1, 2 and 3–10), English one and other. Exact numbers (`[0]`) may come on top.
#[test]
fn plural_selectors_have_every_form() {
    let want = |lang: Lang| -> BTreeSet<String> {
        let c: &[&str] = match lang {
            Lang::En => &["one", "other"],
            Lang::Ar => &CATEGORIES,
        };
        c.iter().map(|s| s.to_string()).collect()
    };
    let mut plurals = 0;
    for (lang, source) in [(Lang::En, EN), (Lang::Ar, AR)] {
        for (k, shape) in shapes(source) {
            for (var, keys, via_plural) in &shape.selects {
                let named: BTreeSet<String> = keys
                    .iter()
                    .filter(|k| !k.starts_with(|c: char| c.is_ascii_digit()))
                    .cloned()
                    .collect();
                if named.iter().any(|n| CATEGORIES.contains(&n.as_str())) {
                    plurals += 1;
                    assert!(via_plural, "{} {k}: select on PLURAL(${var})", lang.code());
                    assert_eq!(named, want(lang), "{} {k} on ${var}", lang.code());
                }
            }
        }
    }
    assert!(plurals >= 8, "the count messages have plural selectors");
}

/// Every message resolves without error in both languages when given its arguments:
/// numbers for what it selects on, text for the rest.
#[test]
fn every_message_resolves_with_its_arguments() {
    for (lang, source) in [(Lang::En, EN), (Lang::Ar, AR)] {
        let bundle = bundle(lang);
        for (k, shape) in shapes(source) {
            let selected: BTreeSet<&str> =
                shape.selects.iter().map(|(v, _, _)| v.as_str()).collect();
            for n in [0, 1, 2, 3, 11, 100] {
                let mut args = FluentArgs::new();
                for v in &shape.vars {
                    if selected.contains(v.as_str()) {
                        args.set(v.as_str(), n);
                    } else {
                        args.set(v.as_str(), "x");
                    }
                }
                let m = bundle.get_message(&k).and_then(|m| m.value()).unwrap();
                let mut errors = Vec::new();
                let text = bundle.format_pattern(m, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{} {k}: {errors:?}", lang.code());
                assert!(!text.contains('{'), "{} {k}: {text}", lang.code());
            }
        }
    }
}

#[test]
fn arabic_counts_take_their_plural_forms() {
    let ar = |n: i64| Lang::Ar.ta("results-count", &[("count", n.into())]);
    let forms: Vec<String> = [0, 1, 2, 3, 11, 100].map(ar).into();
    assert_eq!(
        forms,
        [
            "النتائج: لا صفوف",
            "النتائج: صف واحد",
            "النتائج: صفان",
            "النتائج: ٣ صفوف",
            "النتائج: ١١ صفًا",
            "النتائج: ١٠٠ صف",
        ]
    );
    let distinct: BTreeSet<&String> = forms.iter().collect();
    assert_eq!(distinct.len(), 6);
    // The category follows the last two digits; the number keeps Arabic grouping.
    assert_eq!(ar(103), "النتائج: ١٠٣ صفوف");
    assert_eq!(ar(1234), "النتائج: ١٬٢٣٤ صفًا");
    assert_eq!(ar(1_000_000), "النتائج: ١٬٠٠٠٬٠٠٠ صف");
    let caption = Lang::Ar.ta(
        "columns-caption",
        &[
            ("rows", 11usize.into()),
            ("page", 1usize.into()),
            ("pages", 2usize.into()),
        ],
    );
    assert_eq!(caption, "١١ عمودًا — الصفحة ١ من ٢");
    assert_eq!(
        Lang::Ar.ta("source-applied-ago", &[("seconds", 2i64.into())]),
        "طُبّق قبل ثانيتين"
    );
}

/// CLDR's own samples of each Arabic category, including those past 100 that
/// fluent-bundle's built-in rules get wrong.
#[test]
fn arabic_categories_follow_cldr() {
    let category = |n: i64| -> String {
        let rules = PluralRules::try_new_cardinal(
            (&"ar".parse::<icu_locale_core::LanguageIdentifier>().unwrap()).into(),
        )
        .unwrap();
        match plural(&rules, &[FluentValue::from(n)]) {
            FluentValue::String(s) => s.into_owned(),
            v => panic!("{v:?}"),
        }
    };
    let samples: [(&str, &[i64]); 6] = [
        ("zero", &[0]),
        ("one", &[1]),
        ("two", &[2]),
        ("few", &[3, 10, 103, 110, 1003]),
        ("many", &[11, 26, 99, 111, 1011, 1234]),
        ("other", &[100, 101, 102, 200, 202, 1000, 1_000_000]),
    ];
    for (want, numbers) in samples {
        for &n in numbers {
            assert_eq!(category(n), want, "{n}");
        }
    }
}

/// Why `PLURAL` exists: fluent-bundle's own selection puts Arabic 103 under `other`.
/// Should this start failing, the rule it bundles has been fixed and bare `{ $n -> … }`
/// selectors would do.
#[test]
fn fluent_bundles_own_arabic_rule_is_wrong_past_100() {
    let mut b = Bundle::new_concurrent(vec!["ar".parse().unwrap()]);
    let r = FluentResource::try_new("m = { $n ->\n [few] few\n *[other] other\n}\n".into());
    b.add_resource(r.unwrap()).unwrap();
    let p = b.get_message("m").unwrap().value().unwrap();
    let form = |n: i64| {
        let mut args = FluentArgs::new();
        args.set("n", n);
        b.format_pattern(p, Some(&args), &mut vec![]).into_owned()
    };
    assert_eq!((form(3), form(103)), ("few".into(), "other".into()));
}

#[test]
fn english_counts_take_one_and_other() {
    let en = |n: i64| Lang::En.ta("results-count", &[("count", n.into())]);
    assert_eq!(en(0), "Results: 0 rows");
    assert_eq!(en(1), "Results: 1 row");
    assert_eq!(en(2), "Results: 2 rows");
    assert_eq!(en(1234), "Results: 1,234 rows");
    assert_eq!(
        Lang::En.ta(
            "columns-caption",
            &[
                ("rows", 1usize.into()),
                ("page", 1usize.into()),
                ("pages", 1usize.into())
            ]
        ),
        "1 column — page 1 of 1"
    );
    assert_eq!(
        Lang::En.ta("columns-updated", &[("count", 4i64.into())]),
        "Saved: 4 changes."
    );
}

#[test]
fn unresolved_messages_still_show_something() {
    assert_eq!(Lang::Ar.t("no-such-message"), "no-such-message");
    // A missing argument leaves Fluent's marker in place of the value, not a blank.
    assert_eq!(Lang::En.t("home-greeting"), "Welcome, {$name}.");
    // Text where a number was wanted is still shown (in the default form).
    assert!(Lang::En
        .tf("results-count", &[("count", "7")])
        .contains('7'));
}

#[test]
fn times_are_shown_in_the_portal_time_zone() {
    let amman = time_zone("Asia/Amman").unwrap();
    let at = |s: &str| s.parse::<Timestamp>().unwrap().as_millisecond();
    let noon = at("2026-11-23T12:05:00Z");
    // Jordan keeps UTC+3 all year since October 2022; the bundled database says so.
    let offset = amman.to_offset(Timestamp::from_millisecond(noon).unwrap());
    assert_eq!(offset.seconds(), 3 * 3600);
    assert_eq!(Lang::En.datetime(noon, &amman), "2026-11-23 15:05");
    assert_eq!(Lang::Ar.datetime(noon, &amman), "٢٣/١١/٢٠٢٦ ١٥:٠٥");
    // Before, winters were UTC+2 and summers UTC+3: the database's history, not a
    // fixed offset.
    let before = at("2021-11-23T12:05:00Z");
    assert_eq!(Lang::En.datetime(before, &amman), "2021-11-23 14:05");
    assert_eq!(Lang::Ar.datetime(before, &amman), "٢٣/١١/٢٠٢١ ١٤:٠٥");
    let summer = at("2021-07-01T12:05:00Z");
    assert_eq!(Lang::En.datetime(summer, &amman), "2021-07-01 15:05");
    // Late in the UTC evening it is already the next day in Amman.
    let late = at("2026-11-23T22:30:00Z");
    assert_eq!(Lang::En.datetime(late, &amman), "2026-11-24 01:30");
    assert_eq!(Lang::Ar.datetime(late, &amman), "٢٤/١١/٢٠٢٦ ٠١:٣٠");
    assert_eq!(zone_name(&amman), "Asia/Amman");
}

#[test]
fn time_zone_names_are_checked() {
    assert_eq!(
        time_zone("asia/amman").unwrap().iana_name(),
        Some("Asia/Amman")
    );
    assert!(time_zone("UTC").is_ok());
    let e = time_zone("Amman").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown time zone \"Amman\": expected an IANA time zone name such as Asia/Amman or UTC"
    );
}

#[test]
fn accept_language_numbers_and_dates() {
    assert_eq!(
        Lang::from_accept_language("ar-JO,ar;q=0.9,en;q=0.8"),
        Lang::Ar
    );
    assert_eq!(
        Lang::from_accept_language("en-US,en;q=0.9,ar;q=0.5"),
        Lang::En
    );
    assert_eq!(Lang::from_accept_language("fr-FR"), Lang::En);
    assert_eq!(Lang::En.number(1234567), "1,234,567");
    assert_eq!(Lang::Ar.number(1234), "١٬٢٣٤");
    assert_eq!(Lang::En.datetime(0, &TimeZone::UTC), "1970-01-01 00:00");
    assert_eq!(
        Lang::Ar.datetime(86_400_000 + 3_600_000, &TimeZone::UTC),
        "٠٢/٠١/١٩٧٠ ٠١:٠٠"
    );
    assert!(Lang::Ar.tf("home-greeting", &[("name", "X")]).contains('X'));
}

#[test]
fn data_in_a_message_is_isolated_and_escaped() {
    let m = Lang::Ar
        .tb("audit-time", &[("zone", "Asia/<Amman>")])
        .into_string();
    assert!(m.contains("<bdi>Asia/&lt;Amman&gt;</bdi>"), "{m}");
    assert!(!m.contains('\u{E000}'), "{m}");
    let m = Lang::En.tb("audit-time", &[("zone", "UTC")]).into_string();
    assert_eq!(m, "Time (<bdi>UTC</bdi>)");
}
