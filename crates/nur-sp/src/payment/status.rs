//! What the banks and wallet providers report back about a payment file, whatever form the
//! report came in (pain.002 or a CSV), and the rule that turns ISO 20022 status codes into
//! the three outcomes a cycle records.
//!
//! The rule: `ACCC`, `ACCP`, `ACSC`, `ACSP`, `ACTC`, `ACWC` and `ACWP` are accepted; `RJCT`
//! and `CANC` are rejected (the money never left); `RTND` is returned (credited, then sent
//! back by the beneficiary's bank — not an ISO code, but pain.002.001.10's status is an
//! external code of four characters, and providers here send returns as their own code);
//! `PDNG`, `RCVD`, `PRES` and `PATC` say nothing has changed yet and are counted, not listed.
//! Anything else is refused, so a provider's new code is looked at, not guessed.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::amount::AmountError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The provider took the payment (and, for the settled codes, credited it).
    Accepted,
    /// The provider refused it; nothing was paid.
    Rejected,
    /// Paid, then sent back (account closed, beneficiary unknown at the bank).
    Returned,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
            Outcome::Returned => "returned",
        }
    }

    /// `accepted`, `rejected` or `returned`, in any case.
    pub fn parse(s: &str) -> Option<Outcome> {
        let s = s.trim();
        [Outcome::Accepted, Outcome::Rejected, Outcome::Returned]
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(s))
    }

    /// The transaction status code written in a pain.002 for this outcome.
    pub fn iso_code(self) -> &'static str {
        match self {
            Outcome::Accepted => "ACSC",
            Outcome::Rejected => "RJCT",
            Outcome::Returned => "RTND",
        }
    }
}

/// What an ISO 20022 status code means here: an outcome, or nothing new yet.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Code {
    Final(Outcome),
    Pending,
}

/// The rule in the module's header. `None` for a code it does not know.
pub(crate) fn status_code(code: &str) -> Option<Code> {
    Some(match code {
        "ACCC" | "ACCP" | "ACSC" | "ACSP" | "ACTC" | "ACWC" | "ACWP" => {
            Code::Final(Outcome::Accepted)
        }
        "RJCT" | "CANC" => Code::Final(Outcome::Rejected),
        "RTND" => Code::Final(Outcome::Returned),
        "PDNG" | "RCVD" | "PRES" | "PATC" => Code::Pending,
        _ => return None,
    })
}

/// One payment's outcome, found again by its end-to-end id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub end_to_end_id: String,
    pub outcome: Outcome,
    /// An ISO reason code (`AC01` wrong account number, `AC04` closed account, `AM04`
    /// insufficient funds, `MD07` deceased, …), the code then `: ` and the provider's text,
    /// or the text alone; several reasons are joined by `; `.
    pub reason: Option<String>,
    /// The amount the provider reports for it, when it does.
    pub amount_fils: Option<i64>,
}

/// A status report as read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusReport {
    pub message_id: String,
    pub original_message_id: Option<String>,
    pub original_payment_info_id: Option<String>,
    pub number_of_transactions: Option<u64>,
    pub control_sum_fils: Option<i64>,
    /// The outcome of the whole file or of its payment block (a file refused before any of
    /// its payments was looked at has this and no `statuses`); it holds for every payment of
    /// the file that has no status of its own.
    pub group_outcome: Option<Outcome>,
    pub group_reason: Option<String>,
    pub statuses: Vec<Status>,
    /// Statuses that said nothing has changed yet (pending, received).
    pub pending: u64,
}

/// Where in a report something is, for a person to find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// From 1.
    pub line: u64,
    /// From 0.
    pub byte: u64,
}

impl Position {
    /// The line of a byte offset in `text` (counted only when an error is reported).
    pub(crate) fn of(text: &[u8], byte: u64) -> Position {
        let end = (byte as usize).min(text.len());
        let line = 1 + text[..end].iter().filter(|&&b| b == b'\n').count() as u64;
        Position { line, byte }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} (byte {})", self.line, self.byte)
    }
}

/// Why a status report is refused, each with a stable machine code. Nothing of a refused
/// report is applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("not XML: {detail} at {at}")]
    NotXml { at: Position, detail: String },
    #[error("not a pain.002 payment status report: {detail}")]
    NotPain002 { detail: String },
    #[error("the report stops at {at} inside <{element}>: it is truncated")]
    Truncated { at: Position, element: String },
    #[error("{at}: a payment's status without its end-to-end id")]
    MissingEndToEndId { at: Position },
    #[error("{at}: payment {end_to_end_id} has no status")]
    MissingStatus { at: Position, end_to_end_id: String },
    #[error("{at}: unknown status {status:?}")]
    UnknownStatus { at: Position, status: String },
    #[error("{at}: {element} {value:?} is not an amount of fils: {why}")]
    BadAmount {
        at: Position,
        element: &'static str,
        value: String,
        why: AmountError,
    },
    #[error("{at}: {element} {value:?} is not a number of payments")]
    BadCount {
        at: Position,
        element: &'static str,
        value: String,
    },
    #[error("{at}: an amount in {currency:?}; payments are in JOD")]
    Currency { at: Position, currency: String },
    #[error("{at}: payment {end_to_end_id} has a second status in the same report")]
    Duplicate { at: Position, end_to_end_id: String },
    #[error("line 1: the header must be {expected}, not {found:?}")]
    Header {
        expected: &'static str,
        found: String,
    },
    #[error("{at}: {detail}")]
    Csv { at: Position, detail: String },
}

impl StatusError {
    pub fn code(&self) -> &'static str {
        match self {
            StatusError::NotXml { .. } => "status.not_xml",
            StatusError::NotPain002 { .. } => "status.not_pain002",
            StatusError::Truncated { .. } => "status.truncated",
            StatusError::MissingEndToEndId { .. } => "status.end_to_end_id",
            StatusError::MissingStatus { .. } => "status.missing",
            StatusError::UnknownStatus { .. } => "status.unknown",
            StatusError::BadAmount { .. } => "status.amount",
            StatusError::BadCount { .. } => "status.count",
            StatusError::Currency { .. } => "status.currency",
            StatusError::Duplicate { .. } => "status.duplicate",
            StatusError::Header { .. } => "status.header",
            StatusError::Csv { .. } => "status.csv",
        }
    }
}

/// A reason as one string: the code, the code and the text, or the text.
pub(crate) fn reason_text(code: Option<&str>, info: &str) -> Option<String> {
    match (code.filter(|c| !c.is_empty()), info.is_empty()) {
        (Some(c), true) => Some(c.to_string()),
        (Some(c), false) => Some(format!("{c}: {info}")),
        (None, false) => Some(info.to_string()),
        (None, true) => None,
    }
}

/// The reverse of [`reason_text`] for a writer: an ISO-shaped code (one to four capitals or
/// digits) and the text after it.
pub(crate) fn split_reason(reason: &str) -> (Option<&str>, &str) {
    let is_code = |c: &str| {
        (1..=4).contains(&c.len())
            && c.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    match reason.split_once(": ") {
        Some((c, info)) if is_code(c) => (Some(c), info),
        _ if is_code(reason) => (Some(reason), ""),
        _ => (None, reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_split_and_join_the_same_way() {
        for r in [
            "AC04",
            "AC04: account closed",
            "the account holder moved",
            "MD07; AM04",
        ] {
            let (code, info) = split_reason(r);
            assert_eq!(reason_text(code, info).as_deref(), Some(r));
        }
        assert_eq!(split_reason("AC04: closed"), (Some("AC04"), "closed"));
        assert_eq!(split_reason("closed"), (None, "closed"));
        assert_eq!(Outcome::parse(" Returned "), Some(Outcome::Returned));
        assert_eq!(Outcome::parse("paid"), None);
        assert_eq!(Position::of(b"a\nb\nc", 4).line, 3);
    }
}
