//! A batch of payments from the paying agency's account, and the checks every file written
//! from it passes first: a file the bank refuses as a whole delays every payment in it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::amount::{minor_digits, MAX_MINOR};
use super::providers::is_bic;
use super::{Account, AccountError, Providers};

/// The paying agency's account, debited for the whole batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debtor {
    pub name: String,
    pub iban: String,
    pub bic: String,
}

/// One credit transfer to one beneficiary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Carried back unchanged in the providers' status reports; at most 35 characters.
    pub end_to_end_id: String,
    pub amount_fils: i64,
    /// The beneficiary's name, Arabic or Latin; cut to 140 characters in the file.
    pub name: String,
    /// Written as the creditor's private identification (scheme NIDN), so the bank can match
    /// the account holder.
    pub national_id: String,
    pub account: Account,
    pub remittance: String,
}

/// What one payment file holds. `created_at` is given, not read from a clock, so the same
/// batch always gives the same bytes.
#[derive(Debug, Clone)]
pub struct Batch<'a> {
    pub message_id: String,
    /// ISO date-time, e.g. `2026-12-02T10:00:00`.
    pub created_at: String,
    /// `YYYY-MM-DD`.
    pub execution_date: String,
    pub debtor: &'a Debtor,
    /// ISO 4217 (`JOD`); amounts are in its minor unit.
    pub currency: &'a str,
    pub payments: &'a [Payment],
    pub payment_info_id: String,
}

/// Why a batch or the providers' configuration is refused, each with a stable machine code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("payment providers: {0}")]
    Providers(String),
    #[error("the batch has no payments")]
    Empty,
    #[error("{field} {value:?} must have 1 to 35 characters")]
    Id { field: &'static str, value: String },
    #[error("end-to-end id {end_to_end_id:?} is used by two payments of the batch")]
    Duplicate { end_to_end_id: String },
    #[error(
        "payment {end_to_end_id}: the amount {amount_fils} must be positive and at most 18 digits"
    )]
    Amount {
        end_to_end_id: String,
        amount_fils: i64,
    },
    #[error("the batch's total is beyond the 18 digits of a control sum")]
    Total,
    #[error("payment {end_to_end_id}: the national ID must have 1 to 35 characters")]
    NationalId { end_to_end_id: String },
    #[error("payment {end_to_end_id}: {error}")]
    Account {
        end_to_end_id: String,
        error: AccountError,
    },
    #[error("currency {currency:?} is not one a payment file is written in")]
    Currency { currency: String },
    #[error("{field} {value:?} is not a date{}", if *field == "created_at" { "-time (YYYY-MM-DDThh:mm:ss)" } else { " (YYYY-MM-DD)" })]
    Date { field: &'static str, value: String },
    #[error("the paying agency's account: {0}")]
    Debtor(String),
}

impl PaymentError {
    pub fn code(&self) -> &'static str {
        match self {
            PaymentError::Providers(_) => "payment.providers",
            PaymentError::Empty => "payment.empty",
            PaymentError::Id { .. } => "payment.id",
            PaymentError::Duplicate { .. } => "payment.duplicate",
            PaymentError::Amount { .. } => "payment.amount",
            PaymentError::Total => "payment.total",
            PaymentError::NationalId { .. } => "payment.national_id",
            PaymentError::Account { .. } => "payment.account",
            PaymentError::Currency { .. } => "payment.currency",
            PaymentError::Date { .. } => "payment.date",
            PaymentError::Debtor(_) => "payment.debtor",
        }
    }
}

/// What the checks found that the writers need.
pub(crate) struct Checked {
    pub count: usize,
    pub total_fils: i64,
    pub digits: u32,
}

impl Batch<'_> {
    /// Every refusal a file of this batch would meet at the bank for its form, before a byte
    /// is written.
    pub(crate) fn check(&self, providers: &Providers) -> Result<Checked, PaymentError> {
        if self.payments.is_empty() {
            return Err(PaymentError::Empty);
        }
        max35("message_id", &self.message_id)?;
        max35("payment_info_id", &self.payment_info_id)?;
        if !is_date_time(&self.created_at) {
            return Err(PaymentError::Date {
                field: "created_at",
                value: self.created_at.clone(),
            });
        }
        if !is_date(&self.execution_date) {
            return Err(PaymentError::Date {
                field: "execution_date",
                value: self.execution_date.clone(),
            });
        }
        let digits = minor_digits(self.currency).ok_or_else(|| PaymentError::Currency {
            currency: self.currency.to_string(),
        })?;
        let d = self.debtor;
        if d.name.trim().is_empty() {
            return Err(PaymentError::Debtor("the name is empty".into()));
        }
        if crate::iban::check(&d.iban).as_deref() != Ok(d.iban.as_str()) {
            return Err(PaymentError::Debtor(format!(
                "IBAN {:?} is not a valid IBAN written without spaces",
                d.iban
            )));
        }
        if !is_bic(&d.bic) {
            return Err(PaymentError::Debtor(format!(
                "BIC {:?} is not a BIC",
                d.bic
            )));
        }
        let mut seen = HashSet::with_capacity(self.payments.len());
        let mut total: i64 = 0;
        for p in self.payments {
            max35("end_to_end_id", &p.end_to_end_id)?;
            if !seen.insert(p.end_to_end_id.as_str()) {
                return Err(PaymentError::Duplicate {
                    end_to_end_id: p.end_to_end_id.clone(),
                });
            }
            if p.amount_fils <= 0 || p.amount_fils > MAX_MINOR {
                return Err(PaymentError::Amount {
                    end_to_end_id: p.end_to_end_id.clone(),
                    amount_fils: p.amount_fils,
                });
            }
            total = total
                .checked_add(p.amount_fils)
                .filter(|t| *t <= MAX_MINOR)
                .ok_or(PaymentError::Total)?;
            let nid = p.national_id.trim();
            if nid.is_empty() || nid.chars().count() > 35 {
                return Err(PaymentError::NationalId {
                    end_to_end_id: p.end_to_end_id.clone(),
                });
            }
            p.account
                .recheck(providers)
                .map_err(|error| PaymentError::Account {
                    end_to_end_id: p.end_to_end_id.clone(),
                    error,
                })?;
        }
        Ok(Checked {
            count: self.payments.len(),
            total_fils: total,
            digits,
        })
    }
}

fn max35(field: &'static str, value: &str) -> Result<(), PaymentError> {
    let n = value.chars().count();
    if n == 0 || n > 35 || value.trim().is_empty() {
        return Err(PaymentError::Id {
            field,
            value: value.to_string(),
        });
    }
    Ok(())
}

/// `YYYY-MM-DD` with a month and a day in range.
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && num(0..4).is_some()
        && num(5..7).is_some_and(|m| (1..=12).contains(&m))
        && num(8..10).is_some_and(|d| (1..=31).contains(&d))
}

/// `YYYY-MM-DDThh:mm:ss`, then optional fractions of a second and an optional `Z` or `±hh:mm`:
/// an `xs:dateTime`.
pub(crate) fn is_date_time(s: &str) -> bool {
    let (Some(date), Some(rest)) = (s.get(..10), s.get(10..)) else {
        return false;
    };
    let Some(time) = rest.strip_prefix('T') else {
        return false;
    };
    let hms = time.as_bytes();
    let two = |i: usize, max: u8| {
        hms.get(i..i + 2).is_some_and(|d| {
            d.iter().all(u8::is_ascii_digit) && (d[0] - b'0') * 10 + (d[1] - b'0') <= max
        })
    };
    if !(is_date(date)
        && two(0, 23)
        && hms.get(2) == Some(&b':')
        && two(3, 59)
        && hms.get(5) == Some(&b':')
        && two(6, 59))
    {
        return false;
    }
    let mut tail = &time[8..];
    if let Some(f) = tail.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        tail = &f[n..];
    }
    match tail.as_bytes() {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') <= 14
                && (m1 - b'0') * 10 + (m2 - b'0') <= 59
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_are_iso() {
        for ok in [
            "2026-12-02T10:00:00",
            "2026-12-02T10:00:00.123",
            "2026-12-02T23:59:59Z",
            "2026-12-02T10:00:00+03:00",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "2026-12-02",
            "2026-12-02 10:00:00",
            "2026-13-02T10:00:00",
            "2026-12-02T24:00:00",
            "2026-12-02T10:00:00.",
            "2026-12-02T10:00:00+3",
            "٢٠٢٦-12-02T10:00:00",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
        assert!(is_date("2026-12-25") && !is_date("2026-12-32") && !is_date("2026-1-25"));
    }
}
