//! Financial addresses: where a person's benefits are paid. One active account per national
//! number — a bank account (an IBAN checked by ISO 13616 mod-97, its bank known from the
//! bank code) or an e-wallet (a mobile number at a provider) — taken from intake, changed
//! by the beneficiary or a caseworker; every earlier account is kept, every change audited,
//! and an account already active for another person is refused.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::App;
use nur_core::grant::Actor;
use nur_sp::payment::Account;
use nur_store::{NewPayAccount, PayAccountRow, PayAccountSet};
use serde::Deserialize;
use serde_json::Value as Json;

/// An account as a person or a caseworker gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountInput {
    Bank { iban: String },
    Ewallet { mobile: String, provider: String },
}

impl App {
    /// Checks an account: the IBAN's check digits and bank, or the wallet's mobile and
    /// provider.
    pub fn check_account(&self, input: &AccountInput) -> Result<Account> {
        let providers = &self.sp.providers;
        match input {
            AccountInput::Bank { iban } => Account::bank(providers, iban),
            AccountInput::Ewallet { mobile, provider } => {
                Account::wallet(providers, mobile, provider)
            }
        }
        .map_err(|e| AppError::invalid(e.code(), e.to_string()))
    }

    /// Sets a person's active account (the previous one ends and stays in the history).
    /// A caseworker of the program's entity may set anyone's; a citizen their own only.
    pub fn set_account(
        &self,
        caller: &Caller,
        national_number: &str,
        input: &AccountInput,
    ) -> Result<PayAccountRow> {
        let nn = self.national_number(national_number)?.to_string();
        let source = match &caller.actor {
            Actor::Citizen { national_number } if *national_number == nn => "beneficiary",
            Actor::Citizen { .. } => {
                return Err(AppError::forbidden(
                    "not_own_account",
                    "a citizen changes their own account only",
                ))
            }
            _ => {
                self.may_run_registry(caller)?;
                "caseworker"
            }
        };
        let account = match self.check_account(input) {
            Ok(a) => a,
            Err(e) => {
                self.audit_refusal(caller, "sp.account.set", &nn, &e);
                return Err(e);
            }
        };
        let new = new_account(&nn, &account, source, caller.actor.name());
        let mut ev = self.program_event(caller, "sp.account.set", &nn);
        ev.persons = vec![nn.clone()];
        ev.outcome = format!("{} {} ({source})", account.kind(), masked(&account));
        let set = self
            .store
            .sp_set_accounts(std::slice::from_ref(&new), vec![ev])?
            .remove(0);
        match set {
            PayAccountSet::Set(row) | PayAccountSet::Unchanged(row) => Ok(row),
            PayAccountSet::HeldBy(_) => {
                let e = AppError::invalid(
                    "account_held",
                    "this account is already active for another person",
                );
                self.audit_refusal(caller, "sp.account.set", &nn, &e);
                Err(e)
            }
        }
    }

    /// A person's accounts, the active one first, then the history (a citizen their own).
    pub fn accounts_of(
        &self,
        caller: &Caller,
        national_number: &str,
    ) -> Result<Vec<PayAccountRow>> {
        let nn = self.national_number(national_number)?.to_string();
        match &caller.actor {
            Actor::Citizen { national_number } if *national_number == nn => {}
            Actor::Citizen { .. } => {
                return Err(AppError::forbidden(
                    "not_own_account",
                    "a citizen sees their own account only",
                ))
            }
            _ => self.may_run_registry(caller)?,
        }
        let mut rows = self.store.sp_accounts_of(&nn)?;
        rows.sort_by_key(|r| (!r.active, -r.seq));
        Ok(rows)
    }
}

/// The payment account an application declared (`payment.method` with its IBAN or wallet),
/// checked; none when it declared none or one that does not check.
pub(crate) fn account_from_answers(
    providers: &nur_sp::payment::Providers,
    answers: &Json,
) -> Option<Account> {
    let p = answers.get("payment")?;
    let text = |k: &str| p.get(k).and_then(Json::as_str);
    match text("method")? {
        "bank" => Account::bank(providers, text("iban")?).ok(),
        "ewallet" => {
            Account::wallet(providers, text("wallet_mobile")?, text("wallet_provider")?).ok()
        }
        _ => None,
    }
}

pub(crate) fn new_account(nn: &str, a: &Account, source: &str, by: &str) -> NewPayAccount {
    let (iban, mobile) = match a {
        Account::Bank { iban, .. } => (Some(iban.clone()), None),
        Account::Wallet { mobile, .. } => (None, Some(mobile.clone())),
    };
    NewPayAccount {
        national_number: nn.to_owned(),
        kind: a.kind().to_owned(),
        provider: a.provider().to_owned(),
        iban,
        mobile,
        address: a.key(),
        source: source.to_owned(),
        changed_by: by.to_owned(),
    }
}

/// An account with all but its last four characters hidden (for the audit trail and the
/// screens of people who need not read it whole).
pub fn masked(a: &Account) -> String {
    let s = match a {
        Account::Bank { iban, .. } => iban.as_str(),
        Account::Wallet { mobile, .. } => mobile.as_str(),
    };
    mask(s)
}

pub fn mask(s: &str) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n && i >= 2 { '•' } else { c })
        .collect()
}

/// What an import of a provider's account file did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AccountsImport {
    pub lines: u64,
    pub set: u64,
    pub unchanged: u64,
    pub without_account: u64,
    /// (line, reason), at most 100.
    pub refused: Vec<(u64, String)>,
    pub refused_count: u64,
}

impl App {
    /// Imports a provider's file of accounts by national number (CSV with
    /// `head_national_number`, `method` bank|ewallet, `iban`, `wallet_provider`, `mobile`):
    /// each line checked, an account held by another person refused, in batches.
    pub fn import_accounts(
        &self,
        caller: &Caller,
        input: &mut dyn std::io::Read,
    ) -> Result<AccountsImport> {
        self.may_run_registry(caller)?;
        let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(input);
        let headers = rdr
            .headers()
            .map_err(|e| AppError::invalid("bad_csv", format!("line 1: {e}")))?
            .clone();
        let col = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(nn_i), Some(method_i)) = (col("head_national_number"), col("method")) else {
            return Err(AppError::invalid(
                "bad_csv",
                "line 1: the header needs head_national_number and method (and iban, wallet_provider, mobile)",
            ));
        };
        let (iban_i, wallet_i, mobile_i) = (col("iban"), col("wallet_provider"), col("mobile"));
        let mut out = AccountsImport::default();
        let mut batch: Vec<(u64, NewPayAccount)> = Vec::new();
        let by = caller.actor.name().to_owned();
        let mut refuse = |out: &mut AccountsImport, line: u64, why: String| {
            out.refused_count += 1;
            if out.refused.len() < 100 {
                out.refused.push((line, why));
            }
        };
        for (i, rec) in rdr.records().enumerate() {
            let line = i as u64 + 2;
            out.lines += 1;
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    refuse(&mut out, line, e.to_string());
                    continue;
                }
            };
            let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim();
            let nn = match self.national_number(get(Some(nn_i))) {
                Ok(n) => n.to_string(),
                Err(e) => {
                    refuse(&mut out, line, e.message);
                    continue;
                }
            };
            let input = match get(Some(method_i)) {
                "bank" => AccountInput::Bank {
                    iban: get(iban_i).to_owned(),
                },
                "ewallet" => AccountInput::Ewallet {
                    mobile: get(mobile_i).to_owned(),
                    provider: get(wallet_i).to_owned(),
                },
                "" => {
                    out.without_account += 1;
                    continue;
                }
                m => {
                    refuse(&mut out, line, format!("method {m:?}: bank or ewallet"));
                    continue;
                }
            };
            match self.check_account(&input) {
                Ok(a) => batch.push((line, new_account(&nn, &a, "provider file", &by))),
                Err(e) => refuse(&mut out, line, e.message),
            }
            if batch.len() >= 5000 {
                self.put_imported(caller, &mut batch, &mut out, &mut refuse)?;
            }
        }
        self.put_imported(caller, &mut batch, &mut out, &mut refuse)?;
        Ok(out)
    }

    fn put_imported(
        &self,
        caller: &Caller,
        batch: &mut Vec<(u64, NewPayAccount)>,
        out: &mut AccountsImport,
        refuse: &mut dyn FnMut(&mut AccountsImport, u64, String),
    ) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let news: Vec<NewPayAccount> = batch.iter().map(|(_, n)| n.clone()).collect();
        let mut events: Vec<nur_core::audit::NewEvent> = news
            .chunks(nur_core::audit::MAX_LISTED_PERSONS)
            .map(|chunk| {
                let mut ev = self.program_event(
                    caller,
                    "sp.account.set",
                    format!("{} accounts from a provider's file", chunk.len()),
                );
                ev.persons = chunk.iter().map(|n| n.national_number.clone()).collect();
                ev
            })
            .collect();
        if let Some(ev) = events.first_mut() {
            ev.outcome = "accounts imported".into();
        }
        let set = self.store.sp_set_accounts(&news, events)?;
        for ((line, _), s) in batch.iter().zip(set) {
            match s {
                PayAccountSet::Set(_) => out.set += 1,
                PayAccountSet::Unchanged(_) => out.unchanged += 1,
                PayAccountSet::HeldBy(_) => refuse(
                    out,
                    *line,
                    "this account is already active for another person".into(),
                ),
            }
        }
        batch.clear();
        Ok(())
    }
}
