//! The portal's text in Fluent catalogs (`locales/en.ftl`, `locales/ar.ftl`), embedded in the
//! binary and read by `fluent-bundle` (the whole Fluent syntax), and the portal's number and
//! date formats. Numbers are shown in the language's digits and grouping (Arabic-Indic digits
//! and `٬` in Arabic). Times are stored as UTC milliseconds and shown to people in the
//! portal's time zone (`PortalConfig::time_zone`), from the time zone database built into
//! the binary. Tests keep both catalogs' keys, placeables and plural forms in step.
//!
//! A count chooses its form through `{ PLURAL($n) -> … }`, a function of these bundles that
//! gives the number's CLDR plural category from ICU4X (`icu_plurals`): Arabic's six (zero,
//! one, two, few, many, other), English's two. Fluent's own `{ $n -> [few] … }` is not used:
//! fluent-bundle takes its rules from `intl_pluralrules` 7.0.2, whose Arabic rule drops the
//! `n % 100` of CLDR's few and many and so puts 103 (few) and 111 (many) under other.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use icu_plurals::{PluralCategory, PluralOperands, PluralRules};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::Timestamp;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ar,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }
    pub fn dir(self) -> &'static str {
        match self {
            Lang::En => "ltr",
            Lang::Ar => "rtl",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "ar" => Some(Lang::Ar),
            _ => None,
        }
    }
    /// The first of Arabic or English in an Accept-Language header, by quality; English when
    /// neither is asked for.
    pub fn from_accept_language(h: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in h.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ar") => Lang::Ar,
                Some("en") => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// Whether the catalog has the message `key`.
    pub fn has(self, key: &str) -> bool {
        bundle(self).has_message(key)
    }

    /// The message `key`.
    pub fn t(self, key: &str) -> String {
        self.ta(key, &[])
    }

    /// The message `key` as markup with each of `data` (names, codes, anything a person
    /// typed) isolated in its own `<bdi>`, so a Latin name keeps its order inside an Arabic
    /// sentence and is told apart from the page's words.
    pub fn tb(self, key: &str, data: &[(&str, &str)]) -> maud::Markup {
        // Each argument enters the message as a private-use mark with its index, found again
        // after formatting (a translation may move it anywhere).
        let marks: Vec<String> = (0..data.len())
            .map(|i| format!("\u{E000}{i}\u{E001}"))
            .collect();
        let args: Vec<(&str, &str)> = data
            .iter()
            .zip(&marks)
            .map(|(&(n, _), m)| (n, m.as_str()))
            .collect();
        let text = self.tf(key, &args);
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find('\u{E000}') {
            out.push_str(&maud::html! { (rest[..start]) }.into_string());
            let after = &rest[start + '\u{E000}'.len_utf8()..];
            let Some(end) = after.find('\u{E001}') else {
                break;
            };
            if let Some((_, value)) = after[..end].parse::<usize>().ok().and_then(|i| data.get(i)) {
                out.push_str(&maud::html! { bdi { (value) } }.into_string());
            }
            rest = &after[end + '\u{E001}'.len_utf8()..];
        }
        out.push_str(&maud::html! { (rest) }.into_string());
        maud::PreEscaped(out)
    }

    /// The message `key` with its placeables filled with text.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let args: Vec<(&str, Arg<'_>)> = args.iter().map(|&(n, v)| (n, Arg::Text(v))).collect();
        self.ta(key, &args)
    }

    /// The message `key` with its placeables filled with text or numbers. A number chooses
    /// the plural form of the message and is shown as [`Lang::number`] shows it; pass counts
    /// this way, never formatted beforehand, or every count falls to the `other` form.
    ///
    /// A message that is missing shows its key; one that resolves only in part (an argument
    /// left out) shows what Fluent made of it. Both are logged, since the catalogs' tests
    /// should have caught them.
    pub fn ta(self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        let bundle = bundle(self);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::error!(lang = self.code(), key, "portal message missing");
            return key.to_owned();
        };
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for &(name, value) in args {
            match value {
                Arg::Text(t) => fluent_args.set(name, t),
                Arg::Number(n) => fluent_args.set(name, n),
            }
        }
        let mut errors = Vec::new();
        let text = bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned();
        for e in errors {
            tracing::error!(lang = self.code(), key, error = %e, "portal message did not resolve");
        }
        text
    }

    /// An integer in this language's digits and grouping.
    pub fn number(self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(match self {
                    Lang::En => ',',
                    Lang::Ar => '\u{066C}',
                });
            }
            grouped.push(ch);
        }
        let sign = if n < 0 { "-" } else { "" };
        self.digits(&format!("{sign}{grouped}"))
    }

    /// A stored time (Unix milliseconds, UTC) as the date and time it was in `zone`:
    /// 2026-11-23T12:05Z in Asia/Amman is 2026-11-23 15:05 in English, ٢٣/١١/٢٠٢٦ ١٥:٠٥ in
    /// Arabic.
    pub fn datetime(self, ms: i64, zone: &TimeZone) -> String {
        let Ok(t) = Timestamp::from_millisecond(ms) else {
            // Beyond the years -9999..=9999: no stored time is, but show the number rather
            // than nothing.
            return self.number(ms);
        };
        let local = zone.to_datetime(t);
        match self {
            Lang::En => local.strftime("%Y-%m-%d %H:%M").to_string(),
            Lang::Ar => self.digits(&local.strftime("%d/%m/%Y %H:%M").to_string()),
        }
    }

    pub fn digits(self, s: &str) -> String {
        match self {
            Lang::En => s.to_owned(),
            Lang::Ar => s
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
                    None => c,
                })
                .collect(),
        }
    }
}

/// The zone named `name` (an IANA name such as `Asia/Amman`; case does not matter) in the
/// time zone database built into the binary. The bundled database is used even where the
/// server has one of its own, so that a deployment shows the same times on every server.
pub fn time_zone(name: &str) -> Result<TimeZone, UnknownTimeZone> {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
        .get(name)
        .map_err(|source| UnknownTimeZone {
            name: name.to_owned(),
            source,
        })
}

/// The name of `zone` for a heading: "Time (Asia/Amman)".
pub fn zone_name(zone: &TimeZone) -> String {
    match zone.iana_name() {
        Some(name) => name.to_owned(),
        None => format!("UTC{}", zone.to_offset(Timestamp::now())),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown time zone {name:?}: expected an IANA time zone name such as Asia/Amman or UTC")]
pub struct UnknownTimeZone {
    pub name: String,
    #[source]
    source: jiff::Error,
}

/// A value for a placeable of [`Lang::ta`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg<'a> {
    /// Shown as it is: a name, an identifier, a secret.
    Text(&'a str),
    /// A count or another integer: it chooses the plural form and is shown in the language's
    /// digits.
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(t: &'a str) -> Arg<'a> {
        Arg::Text(t)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(t: &'a String) -> Arg<'a> {
        Arg::Text(t)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> &'static Bundle {
    static EN: OnceLock<Bundle> = OnceLock::new();
    static AR: OnceLock<Bundle> = OnceLock::new();
    let (cell, source) = match lang {
        Lang::En => (&EN, include_str!("../../locales/en.ftl")),
        Lang::Ar => (&AR, include_str!("../../locales/ar.ftl")),
    };
    cell.get_or_init(|| {
        let (bundle, problems) = load(lang, source);
        for p in problems {
            tracing::error!(lang = lang.code(), problem = %p, "portal catalog");
        }
        bundle
    })
}

/// The bundle of one catalog, and what was wrong with the catalog (nothing, as the tests
/// keep it). A malformed entry is left out and the rest still load: a page then shows that
/// message's key rather than failing.
fn load(lang: Lang, source: &str) -> (Bundle, Vec<String>) {
    let mut problems = Vec::new();
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            problems.extend(errors.iter().map(|e| format!("{e:?}")));
            partial
        });
    let id = lang
        .code()
        .parse()
        .expect("en and ar are language identifiers");
    let mut bundle = Bundle::new_concurrent(vec![id]);
    let locale: icu_locale_core::LanguageIdentifier = lang
        .code()
        .parse()
        .expect("en and ar are language identifiers");
    let rules = PluralRules::try_new_cardinal((&locale).into())
        .expect("ICU4X's compiled data has the plural rules of en and ar");
    if let Err(e) = bundle.add_function("PLURAL", move |args, _| plural(&rules, args)) {
        problems.push(e.to_string());
    }
    // Fluent would wrap every placeable in the invisible isolation marks U+2068 and U+2069.
    // They are left out: a first password or a client secret shown inside a message would
    // carry them into the clipboard of whoever copies it, and into a pasted password. The
    // pages isolate names and identifiers in markup instead (`<bdi>`), which copies clean.
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(match lang {
        Lang::En => format_en,
        Lang::Ar => format_ar,
    }));
    if let Err(errors) = bundle.add_resource(resource) {
        problems.extend(errors.iter().map(|e| e.to_string()));
    }
    (bundle, problems)
}

/// `PLURAL($n)`: the CLDR plural category of a number, as the name a variant is keyed by.
/// Given text (a count formatted beforehand), it answers `other` and says so in the log.
fn plural<'a>(rules: &PluralRules, args: &[FluentValue<'a>]) -> FluentValue<'a> {
    let category = match args.first() {
        Some(v @ FluentValue::Number(_)) => match integer(v) {
            Some(n) => rules.category_for(PluralOperands::from(n)),
            // A fraction is `other` in both English and Arabic (their CLDR rules name whole
            // numbers only), and no message counts in fractions.
            None => PluralCategory::Other,
        },
        other => {
            tracing::warn!(value = ?other, "PLURAL wants a number");
            PluralCategory::Other
        }
    };
    FluentValue::from(match category {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    })
}

// Fluent's own number formatting writes Western digits without grouping. Integers are shown
// as the rest of the portal shows them; anything else (no message uses fractions) is left to
// Fluent. The plural form is chosen from the number itself, not from this text.
fn format_en<M>(v: &FluentValue, _: &M) -> Option<String> {
    format_integer(Lang::En, v)
}

fn format_ar<M>(v: &FluentValue, _: &M) -> Option<String> {
    format_integer(Lang::Ar, v)
}

fn format_integer(lang: Lang, v: &FluentValue) -> Option<String> {
    integer(v).map(|n| lang.number(n))
}

/// The integer a Fluent number holds. Fluent keeps numbers as f64, exact up to 2^53: far
/// above any count, and every `Arg::Number` the portal passes.
fn integer(v: &FluentValue) -> Option<i64> {
    match v {
        FluentValue::Number(n) if n.value.fract() == 0.0 && n.value.abs() < 9.0e15 => {
            Some(n.value as i64)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
