//! A beneficiary's financial address: a bank account (an IBAN at a configured bank) or an
//! e-wallet (a Jordanian mobile at a configured provider). Made only through the checks here, so
//! a payment file never names an account a bank would bounce for its form alone.

use serde::{Deserialize, Serialize};

use super::Providers;
use crate::iban::{self, IbanError};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Account {
    /// `iban` is normalised (no spaces, capitals); `bank` is its bank code.
    #[serde(rename = "bank")]
    Bank { iban: String, bank: String },
    /// `mobile` is `+9627…`; `provider` is the intake form's wallet code.
    #[serde(rename = "ewallet")]
    Wallet { mobile: String, provider: String },
}

/// Why an account is refused, each with a stable machine code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("the IBAN is malformed: it is letters and digits, a country code and two check digits first")]
    Malformed,
    #[error("the IBAN has {found} characters where IBANs of its country have {expected}")]
    Length { expected: usize, found: usize },
    #[error("the IBAN's check digits do not match: a character is wrong")]
    Check,
    #[error("the IBAN is of country {country}; only accounts in {expected} can be paid")]
    Country { country: String, expected: String },
    #[error("no bank with the code {code} is configured")]
    UnknownBank { code: String },
    #[error("the account's bank {bank} is not the bank of its IBAN")]
    BankMismatch { bank: String },
    #[error("the wallet's mobile must be a Jordanian mobile number, +9627 then 7, 8 or 9 and seven digits (07XXXXXXXX is accepted)")]
    Mobile,
    #[error("no e-wallet provider {provider:?} is configured")]
    UnknownWallet { provider: String },
}

impl AccountError {
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::Malformed => "iban.malformed",
            AccountError::Length { .. } => "iban.length",
            AccountError::Check => "iban.check",
            AccountError::Country { .. } => "iban.country",
            AccountError::UnknownBank { .. } => "iban.bank",
            AccountError::BankMismatch { .. } => "iban.bank_mismatch",
            AccountError::Mobile => "wallet.mobile",
            AccountError::UnknownWallet { .. } => "wallet.provider",
        }
    }
}

impl Account {
    /// A bank account from an IBAN as typed (spaces and lower case allowed): checked by length
    /// and check digits, then its bank looked up among the configured ones.
    pub fn bank(providers: &Providers, raw_iban: &str) -> Result<Account, AccountError> {
        let iban = iban::check(raw_iban).map_err(|e| match e {
            IbanError::Malformed => AccountError::Malformed,
            IbanError::Check => AccountError::Check,
            IbanError::Length { expected } => AccountError::Length {
                expected,
                found: raw_iban.chars().filter(|c| !c.is_whitespace()).count(),
            },
        })?;
        if iban[..2] != providers.country {
            return Err(AccountError::Country {
                country: iban[..2].to_string(),
                expected: providers.country.clone(),
            });
        }
        let bank = providers
            .bank_of_iban(&iban)
            .ok_or_else(|| AccountError::UnknownBank {
                code: iban[4..8].to_string(),
            })?
            .code
            .clone();
        Ok(Account::Bank { iban, bank })
    }

    /// An e-wallet from a mobile number written `+9627XXXXXXXX`, `9627XXXXXXXX`,
    /// `009627XXXXXXXX` or `07XXXXXXXX` (spaces and dashes ignored), at a configured provider.
    pub fn wallet(
        providers: &Providers,
        mobile: &str,
        provider: &str,
    ) -> Result<Account, AccountError> {
        let mobile = international_mobile(mobile).ok_or(AccountError::Mobile)?;
        let provider = providers
            .wallet(provider)
            .ok_or_else(|| AccountError::UnknownWallet {
                provider: provider.to_string(),
            })?
            .code
            .clone();
        Ok(Account::Wallet { mobile, provider })
    }

    /// Checks a stored account again against the providers in force (a bank removed from the
    /// configuration, a hand-edited record): the same account, or why it is refused.
    /// It runs once per payment of a file, so it allocates nothing for a sound account.
    pub fn recheck(&self, providers: &Providers) -> Result<(), AccountError> {
        match self {
            Account::Bank { iban, bank } => {
                let Account::Bank { iban: normal, .. } = Account::bank(providers, iban)? else {
                    unreachable!("a bank account")
                };
                let known = providers.bank_of_iban(iban).map(|b| b.code.as_str());
                if normal != *iban || known != Some(bank.as_str()) {
                    return Err(AccountError::BankMismatch { bank: bank.clone() });
                }
                Ok(())
            }
            Account::Wallet { mobile, provider } => {
                if !is_international_mobile(mobile) {
                    return Err(AccountError::Mobile);
                }
                if providers.wallet(provider).is_none() {
                    return Err(AccountError::UnknownWallet {
                        provider: provider.clone(),
                    });
                }
                Ok(())
            }
        }
    }

    /// One key per account, however it was typed: the IBAN, or `provider:+9627…` (the same
    /// mobile at two providers is two wallets). One account active for two persons is refused
    /// on this key.
    pub fn key(&self) -> String {
        match self {
            Account::Bank { iban, .. } => iban.clone(),
            Account::Wallet { mobile, provider } => format!("{provider}:{mobile}"),
        }
    }

    /// The bank code or the wallet code: payment files are made one per provider.
    pub fn provider(&self) -> &str {
        match self {
            Account::Bank { bank, .. } => bank,
            Account::Wallet { provider, .. } => provider,
        }
    }

    /// `bank` or `ewallet`, the intake form's payment methods.
    pub fn kind(&self) -> &'static str {
        match self {
            Account::Bank { .. } => "bank",
            Account::Wallet { .. } => "ewallet",
        }
    }
}

/// `+9627[789]` and seven digits, from the ways people write a Jordanian mobile.
fn international_mobile(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let national = s
        .strip_prefix("+962")
        .or_else(|| s.strip_prefix("00962"))
        .or_else(|| s.strip_prefix("962"))
        .or_else(|| s.strip_prefix('0'))?;
    let international = format!("+962{national}");
    is_international_mobile(&international).then_some(international)
}

/// `+9627`, then 7, 8 or 9, then seven digits: the form every wallet is stored in.
fn is_international_mobile(mobile: &str) -> bool {
    let b = mobile.as_bytes();
    b.len() == 13
        && b.starts_with(b"+9627")
        && matches!(b[5], b'7'..=b'9')
        && b[6..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_accounts_are_checked_with_a_distinct_error_each() {
        let p = Providers::jordan();
        let good = iban::with_check_digits("JO", "ARAB1230000000000123456789");
        let spaced = format!("{} {}", &good[..4], good[4..].to_lowercase());
        assert_eq!(
            Account::bank(&p, &spaced),
            Ok(Account::Bank {
                iban: good.clone(),
                bank: "ARAB".into()
            })
        );
        let wrong_digit = format!(
            "{}{}",
            &good[..29],
            if good.ends_with('9') { '8' } else { '9' }
        );
        let unknown = iban::with_check_digits("JO", "XXXX1230000000000123456789");
        for (raw, code) in [
            (wrong_digit.as_str(), "iban.check"),
            (&good[..29], "iban.length"),
            ("JO94-CBJO", "iban.malformed"),
            ("", "iban.malformed"),
            ("GB82WEST12345698765432", "iban.country"),
            (unknown.as_str(), "iban.bank"),
        ] {
            let err = Account::bank(&p, raw).unwrap_err();
            assert_eq!(err.code(), code, "{raw}: {err}");
        }
        assert_eq!(
            Account::bank(&p, &good[..29]).unwrap_err().to_string(),
            "the IBAN has 29 characters where IBANs of its country have 30"
        );
    }

    #[test]
    fn wallets_take_a_jordanian_mobile_in_any_usual_form() {
        let p = Providers::jordan();
        for raw in [
            "+962791234567",
            "962791234567",
            "00962791234567",
            "0791234567",
            "079 123-4567",
        ] {
            let a = Account::wallet(&p, raw, "zain_cash").unwrap();
            assert_eq!(a.key(), "zain_cash:+962791234567", "{raw}");
            assert_eq!((a.kind(), a.provider()), ("ewallet", "zain_cash"));
        }
        for raw in [
            "+96279123456",
            "0761234567",
            "+962691234567",
            "07912345678",
            "abc",
        ] {
            assert_eq!(
                Account::wallet(&p, raw, "zain_cash").unwrap_err().code(),
                "wallet.mobile",
                "{raw}"
            );
        }
        assert_eq!(
            Account::wallet(&p, "0791234567", "paypal")
                .unwrap_err()
                .code(),
            "wallet.provider"
        );
    }

    #[test]
    fn accounts_serialize_tagged_by_kind_and_recheck() {
        let p = Providers::jordan();
        let bank = Account::bank(&p, "JO94CBJO0010000000000131000302").unwrap();
        let json = serde_json::to_string(&bank).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"bank","iban":"JO94CBJO0010000000000131000302","bank":"CBJO"}"#
        );
        assert_eq!(serde_json::from_str::<Account>(&json).unwrap(), bank);
        assert_eq!(bank.key(), "JO94CBJO0010000000000131000302");
        assert_eq!((bank.kind(), bank.provider()), ("bank", "CBJO"));
        assert_eq!(bank.recheck(&p), Ok(()));
        let wallet = Account::wallet(&p, "0781234567", "orange_money").unwrap();
        let json = serde_json::to_string(&wallet).unwrap();
        assert!(json.starts_with(r#"{"kind":"ewallet""#), "{json}");
        assert_eq!(serde_json::from_str::<Account>(&json).unwrap(), wallet);
        assert_eq!(wallet.recheck(&p), Ok(()));
        let tampered = Account::Bank {
            iban: "JO94CBJO0010000000000131000302".into(),
            bank: "ARAB".into(),
        };
        assert_eq!(
            tampered.recheck(&p).unwrap_err().code(),
            "iban.bank_mismatch"
        );
    }
}
