//! The portal's text in Fluent catalogs (`locales/en.ftl`, `locales/ar.ftl`), embedded in the
//! binary. The subset of Fluent used: `key = text` messages (continued on indented lines),
//! `# comments`, and `{ $name }` placeables. A test keeps both catalogs' keys identical.

use std::collections::HashMap;
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

    /// The message `key`, with `{ $name }` placeables filled from `args`.
    pub fn t(self, key: &str) -> String {
        self.tf(key, &[])
    }

    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let c = catalogs();
        let map = match self {
            Lang::En => &c.0,
            Lang::Ar => &c.1,
        };
        let Some(text) = map.get(key) else {
            return key.to_owned();
        };
        let mut out = text.clone();
        for (name, value) in args {
            for form in [format!("{{ ${name} }}"), format!("{{${name}}}")] {
                out = out.replace(&form, value);
            }
        }
        out
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

    /// A Unix-ms time as a date and time (UTC): 2026-11-23 14:05 in English,
    /// ٢٣/١١/٢٠٢٦ ١٤:٠٥ in Arabic.
    pub fn datetime(self, ms: i64) -> String {
        let days = ms.div_euclid(86_400_000);
        let secs = ms.rem_euclid(86_400_000) / 1000;
        let d = nur_core::Date::from_days(days);
        let (h, m) = (secs / 3600, secs % 3600 / 60);
        match self {
            Lang::En => format!("{d} {h:02}:{m:02}"),
            Lang::Ar => self.digits(&format!(
                "{:02}/{:02}/{} {h:02}:{m:02}",
                d.day(),
                d.month(),
                d.year()
            )),
        }
    }

    fn digits(self, s: &str) -> String {
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

type Catalog = HashMap<String, String>;

fn catalogs() -> &'static (Catalog, Catalog) {
    static C: OnceLock<(Catalog, Catalog)> = OnceLock::new();
    C.get_or_init(|| {
        (
            parse(include_str!("../../locales/en.ftl")),
            parse(include_str!("../../locales/ar.ftl")),
        )
    })
}

/// Parses the Fluent subset; malformed lines are ignored (the tests keep the files clean).
pub fn parse(text: &str) -> Catalog {
    let mut out = Catalog::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            last = None;
            continue;
        }
        if line.starts_with(' ') {
            if let Some(k) = &last {
                let v = out.get_mut(k).expect("continued message exists");
                if !v.is_empty() {
                    v.push(' ');
                }
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let k = k.trim().to_owned();
            out.insert(k.clone(), v.trim().to_owned());
            last = Some(k);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_have_the_same_keys_and_placeables() {
        let (en, ar) = catalogs();
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
        missing.sort();
        assert!(missing.is_empty(), "{missing:#?}");
        let vars = |s: &str| -> Vec<String> {
            let mut v: Vec<String> = s
                .split("{ $")
                .skip(1)
                .map(|p| p.split(' ').next().unwrap_or("").to_owned())
                .collect();
            v.sort();
            v
        };
        for (k, v) in en {
            assert_eq!(vars(v), vars(&ar[k]), "placeables of {k}");
            assert!(!v.is_empty() && !ar[k].is_empty(), "{k} is empty");
        }
        assert!(en.len() > 50);
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
        assert_eq!(Lang::En.datetime(0), "1970-01-01 00:00");
        assert_eq!(
            Lang::Ar.datetime(86_400_000 + 3_600_000),
            "٠٢/٠١/١٩٧٠ ٠١:٠٠"
        );
        assert!(Lang::Ar.tf("home-greeting", &[("name", "X")]).contains('X'));
    }
}
