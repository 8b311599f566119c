//! What a signed-in citizen sees of the programs: the payments their household received,
//! the account they go to (whole to the beneficiary, masked to the others of the
//! household), the household's place in each cycle with its reason, and its appeals. The
//! decisions, the access report and the applications are the use cases of their own.

use crate::caller::Caller;
use crate::error::{AppError, Result};
use crate::fin_accounts::mask;
use crate::App;
use nur_core::grant::Actor;
use nur_store::{AppealFilter, AppealRow, MemberRow, PayAccountRow, PaymentRow};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct CitizenBenefits {
    pub household: String,
    /// The beneficiary payments go to (the family booklet's head).
    pub payee: Option<String>,
    pub is_payee: bool,
    pub account: Option<PayAccountRow>,
    pub payments: Vec<PaymentRow>,
    /// (cycle, membership), the newest first.
    pub memberships: Vec<(String, MemberRow)>,
    pub appeals: Vec<AppealRow>,
}

impl App {
    /// The household's payments, account, cycles and appeals, for its citizen.
    pub fn citizen_benefits(&self, caller: &Caller) -> Result<CitizenBenefits> {
        let Actor::Citizen { national_number } = &caller.actor else {
            return Err(AppError::forbidden(
                "not_a_citizen",
                "not a citizen's sign-in",
            ));
        };
        let household = self.citizen_household(national_number)?.ok_or_else(|| {
            AppError::not_found(
                "no_household",
                "the civil registry puts you in no household",
            )
        })?;
        let memberships = self.store.sp_memberships(&household)?;
        let mut payments = self.store.sp_household_payments(&household)?;
        let payee = memberships
            .iter()
            .find_map(|(_, m)| m.payee.clone())
            .or_else(|| payments.first().map(|p| p.payee.clone()));
        let is_payee = payee.as_deref() == Some(national_number.as_str());
        let account = match &payee {
            Some(p) => self
                .store
                .sp_active_accounts(&[p.as_str()])?
                .remove(p.as_str()),
            None => self
                .store
                .sp_active_accounts(&[national_number.as_str()])?
                .remove(national_number.as_str()),
        };
        let account = account.map(|mut a| {
            if !is_payee && a.national_number != *national_number {
                a.iban = a.iban.as_deref().map(mask);
                a.mobile = a.mobile.as_deref().map(mask);
                a.address = mask(&a.address);
            }
            a
        });
        if !is_payee {
            for p in &mut payments {
                p.iban = p.iban.as_deref().map(mask);
                p.mobile = p.mobile.as_deref().map(mask);
            }
        }
        let appeals = self
            .store
            .sp_appeals(AppealFilter::Household(&household), 100)?;
        let mut ev = self.program_event(caller, "sp.citizen.benefits", &household);
        ev.persons = vec![national_number.clone()];
        self.store.audit(ev)?;
        Ok(CitizenBenefits {
            household,
            payee,
            is_payee,
            account,
            payments,
            memberships,
            appeals,
        })
    }
}
