//! Grants, procedures, machine clients, per-entity settings, upstream operations and the audit
//! trail, written once over [`Tx`](crate::sql::Tx) for both backends. Every administrative
//! change appends its audit event in the same transaction as the change, so no change goes
//! unrecorded.
//!
//! One file per concept: `grants`, `procedures`, `clients`, `settings` (per-entity and
//! deployment settings), `upstreams`, `audit` (the chain: appending, reading, verifying, the
//! access report) and `snapshot` (the reads of one access decision in one transaction).

mod audit;
mod clients;
mod grants;
mod procedures;
mod settings;
mod snapshot;
mod upstreams;

pub(crate) use audit::append;
pub use audit::{AccessEntry, AuditFilter, ChainHead, ReportScope};
pub use clients::{ClientChange, ClientRow};
pub use grants::{GrantFilter, GrantHistoryRow, GrantRow};
pub use procedures::{NewProcedure, ProcedureRow, ProcedureVersion};
pub use settings::EntitySettings;
pub use snapshot::Snapshot;
pub use upstreams::Upstream;
