//! The payment providers as configuration (`config/jordan-banks.json`): banks keyed by the
//! bank code inside their IBANs, with the BIC a payment file names as the creditor agent, and
//! e-wallet providers keyed by the intake form's codes, with the identifier that stands in for
//! a BIC. A deployment corrects the file; nothing here is a register of record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::PaymentError;
use crate::form::Label;

/// A bank that holds beneficiaries' accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bank {
    /// The four letters after an IBAN's check digits (`ARAB`); the key in the file.
    #[serde(skip)]
    pub code: String,
    pub bic: String,
    pub name: Label,
}

/// An e-wallet provider, reached through the mobile number its wallet is opened on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wallet {
    /// The intake form's code (`zain_cash`); the key in the file.
    #[serde(skip)]
    pub code: String,
    /// Written as the creditor agent's `FinInstnId/Othr/Id`, since wallet providers have no
    /// BIC of their own.
    pub id: String,
    pub name: Label,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Providers {
    pub version: u32,
    /// The country whose IBANs the banks' codes are read from.
    pub country: String,
    #[serde(default)]
    pub note: String,
    banks: BTreeMap<String, Bank>,
    wallets: BTreeMap<String, Wallet>,
}

impl Providers {
    /// Jordan's banks and wallet providers, embedded in the binary.
    pub fn jordan() -> Providers {
        Providers::from_json(include_str!("../../config/jordan-banks.json"))
            .expect("the embedded providers are valid")
    }

    /// Reads and checks a providers file: every BIC well formed and of the country, every
    /// wallet identifier short enough for ISO 20022, every name in both languages.
    pub fn from_json(text: &str) -> Result<Providers, PaymentError> {
        let bad = |m: String| PaymentError::Providers(m);
        let mut p: Providers = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if p.version != 1 {
            return Err(bad(format!(
                "version {}: only version 1 is read",
                p.version
            )));
        }
        if p.country.len() != 2 || !p.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad(format!("country {:?}: two capital letters", p.country)));
        }
        for (code, bank) in &mut p.banks {
            if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(bad(format!(
                    "bank {code:?}: a bank code is four capital letters"
                )));
            }
            if !is_bic(&bank.bic) || bank.bic[4..6] != p.country {
                return Err(bad(format!(
                    "bank {code}: BIC {:?} is not a BIC of {}",
                    bank.bic, p.country
                )));
            }
            named(&bank.name).map_err(|m| bad(format!("bank {code}: {m}")))?;
            bank.code = code.clone();
        }
        for (code, wallet) in &mut p.wallets {
            if code.is_empty()
                || !code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(bad(format!(
                    "wallet {code:?}: a wallet code is lower-case letters, digits and _"
                )));
            }
            if wallet.id.trim().is_empty() || wallet.id.chars().count() > 35 {
                return Err(bad(format!(
                    "wallet {code}: id {:?} must have 1 to 35 characters",
                    wallet.id
                )));
            }
            named(&wallet.name).map_err(|m| bad(format!("wallet {code}: {m}")))?;
            wallet.code = code.clone();
        }
        Ok(p)
    }

    /// The bank of a checked IBAN: its country must be this one, and the bank code is the four
    /// characters after the check digits.
    pub fn bank_of_iban(&self, iban: &str) -> Option<&Bank> {
        if iban.get(..2)? != self.country {
            return None;
        }
        self.banks.get(iban.get(4..8)?)
    }

    pub fn bank(&self, code: &str) -> Option<&Bank> {
        self.banks.get(code)
    }

    pub fn wallet(&self, code: &str) -> Option<&Wallet> {
        self.wallets.get(code)
    }

    pub fn banks(&self) -> impl Iterator<Item = &Bank> {
        self.banks.values()
    }

    pub fn wallets(&self) -> impl Iterator<Item = &Wallet> {
        self.wallets.values()
    }
}

/// ISO 9362: institution (4), country (2 letters), location (2), optional branch (3), as the
/// pain.001 schema's `BICFIDec2014Identifier` pattern has it.
pub fn is_bic(bic: &str) -> bool {
    let b = bic.as_bytes();
    let alnum = |s: &[u8]| {
        s.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    (b.len() == 8 || b.len() == 11)
        && alnum(&b[..4])
        && b[4..6].iter().all(|c| c.is_ascii_uppercase())
        && alnum(&b[6..])
}

fn named(name: &Label) -> Result<(), String> {
    if name.ar.trim().is_empty() || name.en.trim().is_empty() {
        return Err("a name in Arabic and in English".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jordan_has_every_bank_and_wallet_the_intake_and_the_synthetic_accounts_use() {
        let p = Providers::jordan();
        for code in [
            "ARAB", "JONB", "CAAB", "HBHO", "ETIH", "BJOR", "JIBA", "CBOJ", "IIBA", "SGBJ", "CBJO",
        ] {
            assert_eq!(p.bank(code).map(|b| b.code.as_str()), Some(code));
        }
        for code in [
            "zain_cash",
            "orange_money",
            "umniah_wallet",
            "dinarak",
            "aya",
            "mahfazati",
            "gadha",
        ] {
            assert_eq!(p.wallet(code).map(|w| w.code.as_str()), Some(code));
        }
        assert_eq!(p.banks().count(), 11);
        assert_eq!(
            p.bank_of_iban("JO94CBJO0010000000000131000302")
                .map(|b| b.bic.as_str()),
            Some("CBJOJOAX")
        );
        assert!(p.bank_of_iban("GB82WEST12345698765432").is_none());
        assert!(p.bank_of_iban("JO94XXXX0010000000000131000302").is_none());
    }

    #[test]
    fn a_bad_providers_file_is_refused_with_the_entry_named() {
        let ok_wallets = r#""wallets": {}"#;
        for (text, needle) in [
            (
                format!(r#"{{"version": 2, "country": "JO", "banks": {{}}, {ok_wallets}}}"#),
                "version 2",
            ),
            (
                format!(
                    r#"{{"version": 1, "country": "JO", "banks": {{"ARAB": {{"bic": "ARABGBAX", "name": {{"ar": "a", "en": "b"}}}}}}, {ok_wallets}}}"#
                ),
                "bank ARAB",
            ),
            (
                format!(
                    r#"{{"version": 1, "country": "JO", "banks": {{"arab": {{"bic": "ARABJOAX", "name": {{"ar": "a", "en": "b"}}}}}}, {ok_wallets}}}"#
                ),
                "four capital letters",
            ),
            (
                r#"{"version": 1, "country": "JO", "banks": {}, "wallets": {"w": {"id": "", "name": {"ar": "a", "en": "b"}}}}"#.to_string(),
                "wallet w",
            ),
            (
                r#"{"version": 1, "country": "JO", "banks": {}, "wallets": {"w": {"id": "W", "name": {"ar": "", "en": "b"}}}}"#.to_string(),
                "Arabic",
            ),
            (
                r#"{"version": 1, "country": "JO", "banks": {}, "wallets": {}, "extra": 1}"#.to_string(),
                "extra",
            ),
        ] {
            let err = Providers::from_json(&text).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
        assert!(is_bic("ARABJOAX") && is_bic("ARABJOAX123") && !is_bic("ARABJ0AX"));
        assert!(!is_bic("ARABJOA") && !is_bic("arabjoax"));
    }
}
