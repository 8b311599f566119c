//! The CSV forms: a batch as a spreadsheet for the providers that take no ISO 20022 file (and
//! for people checking one), and the status CSV those providers send back.

use std::collections::HashSet;

use super::amount::format_amount;
use super::batch::Checked;
use super::status::Position;
use super::{Account, Batch, Outcome, PaymentError, Providers, Status, StatusError, StatusReport};

pub const PAYMENTS_CSV_HEADER: [&str; 12] = [
    "end_to_end_id",
    "national_id",
    "name",
    "kind",
    "provider",
    "iban",
    "mobile",
    "amount_fils",
    "amount",
    "currency",
    "execution_date",
    "remittance",
];

/// The batch as CSV, one row per payment in the batch's order. Refused for the same reasons
/// as [`super::pain001`], so the two forms of a batch never disagree.
pub fn payments_csv(batch: &Batch, providers: &Providers) -> Result<String, PaymentError> {
    let Checked { digits, .. } = batch.check(providers)?;
    let mut w = csv::Writer::from_writer(Vec::with_capacity(256 + batch.payments.len() * 160));
    let mut row = |fields: &[&str]| w.write_record(fields).expect("writing to memory");
    row(&PAYMENTS_CSV_HEADER);
    for p in batch.payments {
        let (iban, mobile) = match &p.account {
            Account::Bank { iban, .. } => (iban.as_str(), ""),
            Account::Wallet { mobile, .. } => ("", mobile.as_str()),
        };
        row(&[
            &p.end_to_end_id,
            p.national_id.trim(),
            p.name.trim(),
            p.account.kind(),
            p.account.provider(),
            iban,
            mobile,
            &p.amount_fils.to_string(),
            &format_amount(p.amount_fils, digits),
            batch.currency,
            &batch.execution_date,
            p.remittance.trim(),
        ]);
    }
    let bytes = w.into_inner().expect("writing to memory");
    Ok(String::from_utf8(bytes).expect("the fields are strings"))
}

const STATUS_HEADER: &str = "end_to_end_id,status,reason[,amount_fils]";

/// A status CSV: `end_to_end_id,status,reason` and optionally `amount_fils`, the status
/// `accepted`, `rejected` or `returned` in any case, an empty reason or amount for none.
/// A CSV names no message: the report's message id is left empty for the caller to name it
/// (by a digest of the bytes, so the same file sent twice is recognised).
pub fn read_status_csv(bytes: &[u8]) -> Result<StatusReport, StatusError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let header = r.headers().map_err(csv_error)?.clone();
    let names: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    let with_amount = match names.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["end_to_end_id", "status", "reason"] => false,
        ["end_to_end_id", "status", "reason", "amount_fils"] => true,
        _ => {
            return Err(StatusError::Header {
                expected: STATUS_HEADER,
                found: names.join(","),
            })
        }
    };
    let mut report = StatusReport::default();
    let mut seen = HashSet::new();
    for record in r.records() {
        let record = record.map_err(csv_error)?;
        let at = record
            .position()
            .map_or(Position { line: 0, byte: 0 }, |p| Position {
                line: p.line(),
                byte: p.byte(),
            });
        let id = &record[0];
        if id.is_empty() {
            return Err(StatusError::MissingEndToEndId { at });
        }
        let outcome = Outcome::parse(&record[1]).ok_or_else(|| StatusError::UnknownStatus {
            at,
            status: record[1].to_string(),
        })?;
        let amount_fils = match record.get(3).filter(|_| with_amount) {
            None | Some("") => None,
            Some(v) => Some(v.parse::<i64>().ok().filter(|f| *f >= 0).ok_or_else(|| {
                StatusError::BadAmount {
                    at,
                    element: "amount_fils",
                    value: v.to_string(),
                    why: super::AmountError::Malformed,
                }
            })?),
        };
        if !seen.insert(id.to_string()) {
            return Err(StatusError::Duplicate {
                at,
                end_to_end_id: id.to_string(),
            });
        }
        report.statuses.push(Status {
            end_to_end_id: id.to_string(),
            outcome,
            reason: Some(record[2].to_string()).filter(|r| !r.is_empty()),
            amount_fils,
        });
    }
    Ok(report)
}

fn csv_error(e: csv::Error) -> StatusError {
    let at = e
        .position()
        .map_or(Position { line: 0, byte: 0 }, |p| Position {
            line: p.line(),
            byte: p.byte(),
        });
    let detail = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    StatusError::Csv { at, detail }
}
