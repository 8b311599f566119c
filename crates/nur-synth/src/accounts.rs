//! The payment account directory: where each household would be paid. Most households have a
//! bank account (an IBAN carrying the head's national ID at the bank), most of the rest an
//! e-wallet linked to the head's mobile, a few nothing yet. Applications declare the same
//! account, so a payment run can match them.

use crate::rng::Rng;

/// Jordanian banks' IBAN codes (the four letters after the check digits).
pub const BANKS: &[&str] = &[
    "ARAB", "JONB", "CAAB", "HBHO", "ETIH", "BJOR", "JIBA", "CBOJ", "IIBA", "SGBJ",
];
/// The intake form's wallet providers.
pub const WALLETS: &[&str] = &[
    "zain_cash",
    "orange_money",
    "umniah_wallet",
    "dinarak",
    "aya",
    "mahfazati",
    "gadha",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    Bank { iban: String },
    Wallet { provider: &'static str },
    None,
}

impl Account {
    pub fn method(&self) -> &'static str {
        match self {
            Account::Bank { .. } => "bank",
            Account::Wallet { .. } => "ewallet",
            Account::None => "",
        }
    }
}

/// A household's account. `household` (its booklet number) goes into the account number so
/// no two households share an IBAN. Without a mobile there is no wallet.
pub fn draw(rng: &mut Rng, household: u64, has_mobile: bool) -> Account {
    let x = rng.f64();
    if x < 0.70 {
        let bank = rng.pick(BANKS);
        let branch = rng.range(1, 9999);
        let prefix = rng.range(0, 99_999_999);
        Account::Bank {
            iban: iban(bank, &format!("{branch:04}{prefix:08}{household:010}")),
        }
    } else if x < 0.96 && has_mobile {
        // Zain Cash and Orange Money hold most wallets.
        let provider = WALLETS[rng.weighted(&[0.35, 0.65, 0.78, 0.86, 0.92, 0.97, 1.0])];
        Account::Wallet { provider }
    } else {
        Account::None
    }
}

/// A Jordanian IBAN for a bank code and 22 account digits, with ISO 13616 check digits:
/// the number `BBAN + "JO00"`, letters as 10..35, taken mod 97; the check is 98 minus it.
pub fn iban(bank: &str, digits: &str) -> String {
    debug_assert_eq!(digits.len(), 22);
    let bban = format!("{bank}{digits}");
    let check = 98 - mod97(&format!("{bban}JO00"));
    format!("JO{check:02}{bban}")
}

/// The ISO 7064 mod-97 of an alphanumeric string, letters counting as two digits.
pub fn mod97(s: &str) -> u32 {
    s.chars().fold(0u32, |acc, c| match c.to_digit(36) {
        Some(d) if d >= 10 => (acc * 100 + d) % 97,
        Some(d) => (acc * 10 + d) % 97,
        None => acc,
    })
}

/// A `07XXXXXXXX` mobile in international form, `+9627XXXXXXXX`.
pub fn international(mobile: &str) -> String {
    format!("+962{}", mobile.strip_prefix('0').unwrap_or(mobile))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_valid() {
        // The example IBAN of the Central Bank of Jordan's published format.
        assert_eq!(
            iban("CBJO", "0010000000000131000302"),
            "JO94CBJO0010000000000131000302"
        );
        let i = iban("ARAB", "1234567890123456789012");
        assert_eq!(i.len(), 30);
        let moved = format!("{}{}", &i[4..], &i[..4]);
        assert_eq!(mod97(&moved), 1);
        assert_eq!(international("0791234567"), "+962791234567");
    }
}
