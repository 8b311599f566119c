//! Paying beneficiaries, pure: the providers as configuration ([`Providers`],
//! `config/jordan-banks.json`), a beneficiary's financial address ([`Account`]: an IBAN at a
//! configured bank or a mobile at an e-wallet provider), a batch of payments written as an
//! ISO 20022 pain.001.001.09 credit transfer file ([`pain001`]) or as CSV
//! ([`payments_csv`]), and the providers' answers read from a pain.002 status report
//! ([`read_pain002`]) or a status CSV ([`read_status_csv`]) into one [`StatusReport`].
//!
//! Amounts are integers of fils from end to end; a file is a pure function of its batch (the
//! creation time is an argument), so exporting a batch twice gives the same bytes. `nur-app`
//! groups payments by [`Account::provider`], stores what was sent and applies the reports.

mod account;
mod amount;
mod batch;
mod csv;
mod pain001;
mod pain002;
mod pain002_write;
mod providers;
mod status;
mod xml;

pub use account::{Account, AccountError};
pub use amount::{format_amount, minor_digits, parse_amount, AmountError};
pub use batch::{Batch, Debtor, Payment, PaymentError};
pub use csv::{payments_csv, read_status_csv, PAYMENTS_CSV_HEADER};
pub use pain001::{pain001, PAIN001_NAMESPACE};
pub use pain002::read_pain002;
pub use pain002_write::{pain002, PAIN002_NAMESPACE};
pub use providers::{is_bic, Bank, Providers, Wallet};
pub use status::{Outcome, Position, Status, StatusError, StatusReport};

#[cfg(test)]
mod tests;
