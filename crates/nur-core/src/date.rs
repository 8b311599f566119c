//! A calendar date without time zone, as registries record births, deaths and contracts.
//!
//! The calendar (month lengths, leap years, day numbers) is `jiff::civil::Date`'s. This type
//! only adds what the warehouse asks of a date: the one stored form `YYYY-MM-DD`, read
//! without a general-purpose parser because bulk loads read millions of them, and years
//! limited to four digits when a date comes from text.

use jiff::civil::Date as Civil;
use jiff::SignedDuration;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(Civil);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("date {value:?}: {reason}")]
pub struct DateError {
    pub value: String,
    pub reason: &'static str,
}

const EPOCH: Civil = Civil::constant(1970, 1, 1);

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        // The range checks come first so that nothing out of range is narrowed to jiff's
        // integer types (a month of 200 must not wrap to a negative i8).
        if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day)
        {
            return None;
        }
        Civil::new(year as i16, month as i8, day as i8)
            .ok()
            .map(Date)
    }

    /// Parses `YYYY-MM-DD` (ISO 8601 calendar date), the only form the warehouse stores.
    ///
    /// The ten bytes are read by hand rather than with jiff's parser: that parser accepts
    /// more forms than the warehouse stores (signed six-digit years, `YYYYMMDD`), and this is
    /// on the path of every date cell of a bulk load. jiff still decides whether the day
    /// exists.
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let err = |reason| DateError {
            value: s.to_owned(),
            reason,
        };
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err("expected YYYY-MM-DD"));
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
            return Err(err("expected YYYY-MM-DD"));
        };
        Date::new(y as i32, m as u8, d as u8).ok_or_else(|| err("no such day in the calendar"))
    }

    pub fn year(self) -> i32 {
        i32::from(self.0.year())
    }
    pub fn month(self) -> u8 {
        // jiff keeps months in 1..=12 and days in 1..=31, so the casts are exact.
        self.0.month() as u8
    }
    pub fn day(self) -> u8 {
        self.0.day() as u8
    }

    /// Days since 1970-01-01 (negative before), for arithmetic in the synthetic generator.
    pub fn to_days(self) -> i64 {
        self.0.duration_since(EPOCH).as_secs() / 86_400
    }

    /// The date `days` after 1970-01-01, or `None` outside the years -9999..=9999 that
    /// jiff represents. Use this for a day number that comes from outside.
    pub fn checked_from_days(days: i64) -> Option<Date> {
        let secs = days.checked_mul(86_400)?;
        EPOCH
            .checked_add(SignedDuration::from_secs(secs))
            .ok()
            .map(Date)
    }

    /// The date `days` after 1970-01-01, clamped to the years -9999..=9999. The synthetic
    /// generator's day numbers are always well inside that range.
    pub fn from_days(days: i64) -> Date {
        Date::checked_from_days(days).unwrap_or(Date(if days < 0 {
            Civil::MIN
        } else {
            Civil::MAX
        }))
    }
}

impl From<Date> for Civil {
    fn from(d: Date) -> Civil {
        d.0
    }
}

impl fmt::Display for Date {
    // Written out rather than through jiff's printer so that the few dates a day number can
    // reach before year 0 keep the form they always had here (`-220-01-01`, not jiff's
    // `-000220-01-01`), and so that writing millions of dates stays a plain `write!`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Date::parse("1982-09-06").unwrap().to_string(), "1982-09-06");
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2023-02-29").is_err());
        assert!(Date::parse("2023-13-01").is_err());
        assert!(Date::parse("06/09/1982").is_err());
        assert!(Date::parse("198a-09-06").is_err());
        assert!(Date::parse("").is_err());
    }

    #[test]
    fn day_numbers_round_trip() {
        for z in [-800_000, -1, 0, 1, 11_000, 20_000, 60_000] {
            assert_eq!(Date::from_days(z).to_days(), z);
        }
        assert_eq!(Date::parse("1970-01-01").unwrap().to_days(), 0);
    }

    #[test]
    fn day_numbers_outside_the_calendar() {
        assert_eq!(Date::from_days(-719_528).to_string(), "0000-01-01");
        assert_eq!(Date::from_days(-800_000).to_string(), "-221-09-04");
        assert_eq!(
            Date::checked_from_days(2_932_896),
            Some(Date::parse("9999-12-31").unwrap())
        );
        assert_eq!(Date::checked_from_days(2_932_897), None);
        assert_eq!(Date::checked_from_days(i64::MIN), None);
        assert_eq!(Date::from_days(i64::MAX).to_string(), "9999-12-31");
    }
}
