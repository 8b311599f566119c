//! NUR's domain core: identity numbers, the country catalog and typed cell values.
//!
//! This crate is pure: it performs no IO beyond parsing the text it is given, and knows nothing
//! of SQL or HTTP. Everything country-specific (ID formats, entities, registries, tables, labels)
//! comes from a [`Catalog`], with Jordan's shipped as the default.

pub mod account;
pub mod audit;
pub mod catalog;
pub mod date;
pub mod grant;
pub mod identity;
pub mod qr;
pub mod query;
pub mod reason;
pub mod totp;
pub mod value;

pub use catalog::{Catalog, CatalogError, Column, ColumnType, Entity, Ident, Registry, Table};
pub use date::Date;
pub use identity::{CivilRecordId, Gender, IdError, IdentityRules, NationalNumber, PersonalId};
pub use reason::Reason;
pub use value::{Value, ValueError};
