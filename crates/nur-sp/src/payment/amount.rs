//! Amounts as integers of the currency's minor unit (fils for the Jordanian dinar), written and
//! read as decimals without ever passing through a float: a control sum that is one fils off
//! makes a bank refuse the whole file.

use std::fmt::Write;

/// Digits after the decimal point of the currencies a payment file may be written in
/// (ISO 4217). Unknown currencies are refused rather than guessed.
pub fn minor_digits(currency: &str) -> Option<u32> {
    match currency {
        "JOD" | "KWD" | "BHD" | "OMR" | "IQD" | "LYD" | "TND" => Some(3),
        "USD" | "EUR" | "GBP" | "SAR" | "AED" | "EGP" | "QAR" => Some(2),
        _ => None,
    }
}

/// The largest number of digits ISO 20022 amounts and control sums may have (`totalDigits`).
pub const MAX_DIGITS: u32 = 18;

/// The largest amount of minor units that fits in [`MAX_DIGITS`] digits.
pub const MAX_MINOR: i64 = 999_999_999_999_999_999;

/// `minor` units written with `digits` decimals: 40000 fils → `40.000`.
pub fn format_amount(minor: i64, digits: u32) -> String {
    let mut out = String::with_capacity(24);
    write_amount(&mut out, minor, digits);
    out
}

pub(crate) fn write_amount(out: &mut String, minor: i64, digits: u32) {
    if minor < 0 {
        out.push('-');
    }
    let v = minor.unsigned_abs();
    if digits == 0 {
        let _ = write!(out, "{v}");
        return;
    }
    let scale = 10u64.pow(digits);
    let _ = write!(
        out,
        "{}.{:0width$}",
        v / scale,
        v % scale,
        width = digits as usize
    );
}

/// Why a decimal is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("not a decimal number")]
    Malformed,
    #[error("more than {max} decimals")]
    TooManyDecimals { max: u32 },
    #[error("negative")]
    Negative,
    #[error("more than {MAX_DIGITS} digits")]
    TooLarge,
}

/// An `xs:decimal` (`12`, `12.5`, `+0.125`, `.5`) as minor units, exactly: more decimals than
/// the currency has are refused, not rounded, since a rounded amount is not what was paid.
pub fn parse_amount(text: &str, digits: u32) -> Result<i64, AmountError> {
    let t = text.trim();
    let t = match t.strip_prefix('-') {
        Some(rest) if rest.bytes().any(|b| b != b'0' && b != b'.') => {
            return Err(if is_decimal(rest) {
                AmountError::Negative
            } else {
                AmountError::Malformed
            })
        }
        Some(rest) => rest,
        None => t.strip_prefix('+').unwrap_or(t),
    };
    if !is_decimal(t) {
        return Err(AmountError::Malformed);
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let frac = frac.trim_end_matches('0');
    if frac.len() > digits as usize {
        return Err(AmountError::TooManyDecimals { max: digits });
    }
    let mut v: i64 = 0;
    let padded = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(digits as usize);
    for b in int.bytes().chain(padded) {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(AmountError::TooLarge)?;
    }
    if v > MAX_MINOR {
        return Err(AmountError::TooLarge);
    }
    Ok(v)
}

/// Digits with at most one point, and at least one digit.
fn is_decimal(t: &str) -> bool {
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    (!int.is_empty() || !frac.is_empty())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fils_are_written_as_dinars_exactly() {
        for (fils, text) in [
            (0, "0.000"),
            (1, "0.001"),
            (999, "0.999"),
            (1000, "1.000"),
            (40_000, "40.000"),
            (136_000, "136.000"),
            (-1_500, "-1.500"),
            (MAX_MINOR, "999999999999999.999"),
        ] {
            assert_eq!(format_amount(fils, 3), text);
            if fils >= 0 {
                assert_eq!(parse_amount(text, 3), Ok(fils), "{text}");
            }
        }
        assert_eq!(format_amount(1234, 2), "12.34");
        assert_eq!(format_amount(7, 0), "7");
    }

    #[test]
    fn decimals_are_read_exactly_or_refused() {
        for (text, fils) in [
            ("12", 12_000),
            ("12.3", 12_300),
            ("12.30000", 12_300),
            (" +0.125 ", 125),
            (".5", 500),
            ("5.", 5_000),
            ("-0.000", 0),
        ] {
            assert_eq!(parse_amount(text, 3), Ok(fils), "{text}");
        }
        for (text, err) in [
            ("12.3456", AmountError::TooManyDecimals { max: 3 }),
            ("-1.000", AmountError::Negative),
            ("", AmountError::Malformed),
            (".", AmountError::Malformed),
            ("1e3", AmountError::Malformed),
            ("1.2.3", AmountError::Malformed),
            ("1,5", AmountError::Malformed),
            ("-x", AmountError::Malformed),
            ("1000000000000000", AmountError::TooLarge),
            ("99999999999999999999999", AmountError::TooLarge),
        ] {
            assert_eq!(parse_amount(text, 3), Err(err), "{text}");
        }
    }
}
