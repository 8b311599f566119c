//! Identity keys: the national number, the non-citizen personal ID and the civil record
//! (family booklet) ID. Their formats are country configuration ([`IdentityRules`]); Jordan's
//! are the default. Parsing is the only way to obtain one of these types, so a value that
//! exists is valid ("parse, don't validate").

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// Which identity number a message is about, for error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    NationalNumber,
    PersonalId,
    CivilRecordId,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::NationalNumber => "national number",
            IdKind::PersonalId => "personal id",
            IdKind::CivilRecordId => "civil record id",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} {value}: expected {expected} digits, got {got}")]
    Length {
        kind: IdKind,
        value: String,
        expected: usize,
        got: usize,
    },
    #[error("{kind} {value}: expected {min} to {max} characters, got {got}")]
    LengthRange {
        kind: IdKind,
        value: String,
        min: usize,
        max: usize,
        got: usize,
    },
    #[error("{kind} {value}: character {position} ({found:?}) is not {expected}")]
    Character {
        kind: IdKind,
        value: String,
        position: usize,
        found: char,
        expected: &'static str,
    },
    #[error("national number {value}: first digit {found} is not a known century digit ({known})")]
    Century {
        value: String,
        found: char,
        known: String,
    },
    #[error("national number {value}: gender digit {found} is not {known}")]
    Gender {
        value: String,
        found: char,
        known: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

/// The national number's structure: `C YY G SSSSSS` for Jordan — a century digit, two digits
/// of the birth year, a gender digit and a serial. The length and the digit meanings are
/// configured; the positions are fixed (century first, then two year digits, then gender).
#[derive(Debug, Clone, Deserialize)]
pub struct NationalNumberRules {
    pub length: usize,
    /// First digit → the century the birth year belongs to (Jordan: 9 → 1900, 2 → 2000).
    pub century_digits: BTreeMap<char, i32>,
    /// Fourth digit → gender (Jordan: 1 male, 2 female).
    pub gender_digits: BTreeMap<char, Gender>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Charset {
    Digits,
    UpperAlnum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstChar {
    Any,
    Letter,
    NonzeroDigit,
}

/// A simple shape for IDs that carry no inner meaning: a length range and a character set.
#[derive(Debug, Clone, Deserialize)]
pub struct CodeFormat {
    pub min_length: usize,
    pub max_length: usize,
    pub charset: Charset,
    #[serde(default = "any_first")]
    pub first: FirstChar,
}

fn any_first() -> FirstChar {
    FirstChar::Any
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdentityRules {
    pub national_number: NationalNumberRules,
    pub personal_id: CodeFormat,
    pub civil_record_id: CodeFormat,
}

impl IdentityRules {
    /// Jordan's rules, as in the default catalog (kept in code too so that identity parsing
    /// can be used and tested without loading a catalog).
    pub fn jordan() -> IdentityRules {
        IdentityRules {
            national_number: NationalNumberRules {
                length: 10,
                century_digits: [('9', 1900), ('2', 2000)].into(),
                gender_digits: [('1', Gender::Male), ('2', Gender::Female)].into(),
            },
            personal_id: CodeFormat {
                min_length: 8,
                max_length: 12,
                charset: Charset::UpperAlnum,
                first: FirstChar::Letter,
            },
            civil_record_id: CodeFormat {
                min_length: 6,
                max_length: 10,
                charset: Charset::Digits,
                first: FirstChar::NonzeroDigit,
            },
        }
    }
}

/// A citizen's national number, valid under the rules it was parsed with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NationalNumber {
    digits: String,
    birth_year: i32,
    gender: Gender,
}

impl NationalNumber {
    pub fn parse(rules: &IdentityRules, s: &str) -> Result<NationalNumber, IdError> {
        let r = &rules.national_number;
        let got = s.chars().count();
        if got != r.length {
            return Err(IdError::Length {
                kind: IdKind::NationalNumber,
                value: s.to_owned(),
                expected: r.length,
                got,
            });
        }
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(IdError::Character {
                kind: IdKind::NationalNumber,
                value: s.to_owned(),
                position: i + 1,
                found: c,
                expected: "a digit",
            });
        }
        let b = s.as_bytes();
        let first = char::from(b[0]);
        let Some(century) = r.century_digits.get(&first) else {
            return Err(IdError::Century {
                value: s.to_owned(),
                found: first,
                known: join_keys(r.century_digits.keys()),
            });
        };
        let gender_digit = char::from(b[3]);
        let Some(gender) = r.gender_digits.get(&gender_digit) else {
            return Err(IdError::Gender {
                value: s.to_owned(),
                found: gender_digit,
                known: join_keys(r.gender_digits.keys()),
            });
        };
        let yy = i32::from(b[1] - b'0') * 10 + i32::from(b[2] - b'0');
        Ok(NationalNumber {
            digits: s.to_owned(),
            birth_year: century + yy,
            gender: *gender,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }
    /// The birth year the number encodes (century digit + two year digits).
    pub fn birth_year(&self) -> i32 {
        self.birth_year
    }
    pub fn gender(&self) -> Gender {
        self.gender
    }
}

impl fmt::Display for NationalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

fn join_keys<'a>(keys: impl Iterator<Item = &'a char>) -> String {
    keys.map(|c| c.to_string()).collect::<Vec<_>>().join(" or ")
}

fn parse_code(kind: IdKind, f: &CodeFormat, s: &str) -> Result<String, IdError> {
    let got = s.chars().count();
    if got < f.min_length || got > f.max_length {
        return Err(IdError::LengthRange {
            kind,
            value: s.to_owned(),
            min: f.min_length,
            max: f.max_length,
            got,
        });
    }
    for (i, c) in s.chars().enumerate() {
        let (ok, expected) = match f.charset {
            Charset::Digits => (c.is_ascii_digit(), "a digit"),
            Charset::UpperAlnum => (
                c.is_ascii_digit() || c.is_ascii_uppercase(),
                "an uppercase letter or digit",
            ),
        };
        if !ok {
            return Err(IdError::Character {
                kind,
                value: s.to_owned(),
                position: i + 1,
                found: c,
                expected,
            });
        }
        if i == 0 {
            let (ok, expected) = match f.first {
                FirstChar::Any => (true, ""),
                FirstChar::Letter => (c.is_ascii_alphabetic(), "a letter"),
                FirstChar::NonzeroDigit => (c.is_ascii_digit() && c != '0', "a digit 1-9"),
            };
            if !ok {
                return Err(IdError::Character {
                    kind,
                    value: s.to_owned(),
                    position: 1,
                    found: c,
                    expected,
                });
            }
        }
    }
    Ok(s.to_owned())
}

/// A non-citizen's personal ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonalId(String);

impl PersonalId {
    pub fn parse(rules: &IdentityRules, s: &str) -> Result<PersonalId, IdError> {
        parse_code(IdKind::PersonalId, &rules.personal_id, s).map(PersonalId)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A civil record (family booklet) ID: one per household.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CivilRecordId(String);

impl CivilRecordId {
    pub fn parse(rules: &IdentityRules, s: &str) -> Result<CivilRecordId, IdError> {
        parse_code(IdKind::CivilRecordId, &rules.civil_record_id, s).map(CivilRecordId)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nn(s: &str) -> Result<NationalNumber, String> {
        NationalNumber::parse(&IdentityRules::jordan(), s).map_err(|e| e.to_string())
    }

    #[test]
    fn the_seed_id_card_parses() {
        let n = nn("9821017042").unwrap();
        assert_eq!(n.birth_year(), 1982);
        assert_eq!(n.gender(), Gender::Male);
        let wife = nn("9832053320").unwrap();
        assert_eq!(wife.birth_year(), 1983);
        assert_eq!(wife.gender(), Gender::Female);
        assert_eq!(nn("2051000001").unwrap().birth_year(), 2005);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let cases = [
            (
                "98210170",
                "national number 98210170: expected 10 digits, got 8",
            ),
            (
                "98210170421",
                "national number 98210170421: expected 10 digits, got 11",
            ),
            (
                "98210x7042",
                "national number 98210x7042: character 6 ('x') is not a digit",
            ),
            (
                "1821017042",
                "national number 1821017042: first digit 1 is not a known century digit (2 or 9)",
            ),
            (
                "9823017042",
                "national number 9823017042: gender digit 3 is not 1 or 2",
            ),
            (
                "٩٨٢١٠١٧٠٤٢",
                "national number ٩٨٢١٠١٧٠٤٢: character 1 ('٩') is not a digit",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(nn(input).unwrap_err(), want, "input {input}");
        }
    }

    #[test]
    fn codes() {
        let r = IdentityRules::jordan();
        assert!(PersonalId::parse(&r, "A1234567").is_ok());
        assert_eq!(
            PersonalId::parse(&r, "11234567").unwrap_err().to_string(),
            "personal id 11234567: character 1 ('1') is not a letter"
        );
        assert!(CivilRecordId::parse(&r, "1234567").is_ok());
        assert_eq!(
            CivilRecordId::parse(&r, "123").unwrap_err().to_string(),
            "civil record id 123: expected 6 to 10 characters, got 3"
        );
        assert!(CivilRecordId::parse(&r, "0123456").is_err());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,14}") {
            let _ = nn(&s);
        }

        #[test]
        fn valid_numbers_round_trip(c in proptest::sample::select(vec!['9', '2']), yy in 0u32..100, g in 1u32..3, serial in 0u32..1_000_000) {
            let s = format!("{c}{yy:02}{g}{serial:06}");
            let n = nn(&s).unwrap();
            proptest::prop_assert_eq!(n.as_str(), s.as_str());
        }
    }
}
