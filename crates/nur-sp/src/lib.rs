//! NUR-SP, the social registry's pure domain: the intake form as configuration and the
//! checking of answers against it ([`form`], [`validate`]), bank account numbers
//! ([`iban`]), household facts derived in CEL from answers and registry records
//! ([`facts`]), the comparison of what a household declared with what the registries
//! hold ([`verify`]), the proxy means test fitted on a survey ([`pmt`]), programs as
//! configuration ([`program`]) and the ranking and cut of their eligible households
//! ([`target`]); enrollment cycles, entitlements and appeals ([`cycle`]); payment accounts,
//! ISO 20022 payment files and the providers' status reports ([`payment`]). No IO, no SQL,
//! no HTTP: `nur-app` reads the registries through the program entity's grants and stores
//! what this crate decides.

pub mod cycle;
pub mod expr;
pub mod facts;
pub mod form;
pub mod iban;
pub mod payment;
pub mod pmt;
pub mod program;
pub mod survey;
pub mod target;
pub mod validate;
pub mod verify;

pub use facts::{FactsDef, HouseholdInput, MemberInput};
pub use form::{Form, FormError, Label, Lang};
pub use validate::{Checked, DeclaredMember, FieldError, Stage};
pub use verify::{Discrepancy, Verification};

#[cfg(test)]
mod targeting_tests;
#[cfg(test)]
mod tests;
