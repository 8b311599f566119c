//! Why something was refused, in a form every language can say: a stable code, its arguments
//! by name, and the English sentence the APIs and the command line show. A page says the same
//! from its own catalogs (the code's message with the same arguments), so a person reading
//! Arabic never meets the English sentence.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Stable and machine-readable, e.g. `column_not_granted`.
    pub code: &'static str,
    /// The sentence's variable parts by name (table and column names, counts, values).
    pub args: Vec<(&'static str, String)>,
    text: String,
}

impl Reason {
    pub fn new(code: &'static str, args: Vec<(&'static str, String)>, text: String) -> Reason {
        Reason { code, args, text }
    }
    /// The English sentence.
    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
    /// The same reason said from a place in the request (the condition a value belongs
    /// to): `place` goes before the English sentence, `args` name it for other languages.
    pub fn at(mut self, place: &str, args: Vec<(&'static str, String)>) -> Reason {
        self.text = format!("{place}: {}", self.text);
        self.args.extend(args);
        self
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A [`Reason`] from its code, its English sentence and the named arguments the sentence
/// uses: `reason!("unknown_table", "unknown table {table:?}", table = name)`. Each argument
/// is kept as text under its name, so the sentence and the arguments can never disagree.
#[macro_export]
macro_rules! reason {
    ($code:literal, $text:literal $(, $name:ident = $value:expr)* $(,)?) => {{
        $( let $name = ($value).to_string(); )*
        $crate::reason::Reason::new(
            $code,
            vec![$((stringify!($name), $name.clone())),*],
            format!($text $(, $name = $name)*),
        )
    }};
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reason_keeps_its_arguments_and_says_them() {
        let r = reason!(
            "column_not_granted",
            "column {column} is not granted to {entity}",
            column = "T.C",
            entity = "NAF"
        );
        assert_eq!(r.to_string(), "column T.C is not granted to NAF");
        assert_eq!(r.arg("entity"), Some("NAF"));
        assert_eq!(r.code, "column_not_granted");
        let r = reason!("limit_zero", "limit must be at least 1");
        assert!(r.args.is_empty());
    }
}
