//! NUR's storage: one interface ([`Warehouse`]) and two implementations, SQLite (the embedded
//! default) and PostgreSQL (production), chosen by the database URL's scheme. This is the only
//! crate that contains SQL. Dynamic SQL (the warehouse DDL and per-table statements) is built
//! with sea-query from catalog identifiers; values are always bound, never spliced.

mod access;
mod bulk;
mod cdc;
mod cdc_write;
mod citizen;
mod dci;
mod dci_partner;
mod ddl;
mod error;
mod group;
mod keys;
mod lookup;
mod migrate;
mod pool;
mod portal;
mod postgres;
mod query;
mod sp;
mod sp_appeal;
mod sp_pay;
mod sp_target;
mod sql;
mod sqlite;
mod sr;
mod stats;
#[cfg(feature = "testing")]
pub mod testing;
mod url;

pub use access::{
    AccessEntry, AuditFilter, ChainHead, ClientChange, ClientRow, EntitySettings, GrantFilter,
    GrantHistoryRow, GrantRow, NewProcedure, ProcedureRow, ProcedureVersion, ReportScope, Snapshot,
    Upstream,
};
pub use bulk::{Batch, BatchStatus, Chunk, NewBatch, Rejected, Row};
pub use cdc::{Applied, Change, ChangeBatch, ChangeOp, DeadLetter, DeadLetterRow, SourceRow};
pub use citizen::{citizen_session_name, CitizenSignin};
pub use dci::{EventRow, MessageRow, OutboxRow, SenderRow, SubscriptionRow};
pub use dci_partner::{PartnerRow, PartnerSubscriptionRow};
pub use error::StoreError;
pub use group::GroupStats;
pub use keys::SigningKeyRow;
pub use lookup::{Household, PersonRecord, RowsByTable};
pub use pool::PoolStats;
pub use portal::{
    AccountChange, AccountRow, AccountWrite, ResetRow, ResetWrite, SessionRow, SessionWrite,
};
pub use query::QueryRows;
pub use sp::{
    ApplicationRow, DiscrepancyRow, FactsRow, FieldFailure, JobRow, NewApplication, SpConflict,
    Submission, VerificationRow,
};
pub use sp_appeal::{AppealFilter, AppealRow, AppealStepRow, DocumentRow};
pub use sp_pay::{
    Approval, CycleRow, MemberRow, NewPayAccount, PayAccountRow, PayAccountSet, Payee, PayeeSource,
    PaymentRow, ReportRow, StatusChange,
};
pub use sp_target::{DecisionRow, EntryRow, ModelRow, ProgramRow, RunRow, ScoreRow, TargetInput};
pub use sr::{GroupRow, REGISTER_EVENTS};
pub use stats::{QuarantineEntry, Stats, TableStats};
pub use url::{DbUrl, OpenMode};

use nur_core::{Catalog, NationalNumber, Table};

/// Where the database records which key keeps its audit chain.
const AUDIT_KEY_FINGERPRINT: &str = "audit.key_fingerprint";

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The newest schema version this build knows; a database at a later version is refused.
pub const SCHEMA_VERSION: i64 = migrate::LATEST;

/// The storage interface. Every backend passes the same conformance suite
/// (`tests/it/conformance.rs`). [`Store`] implements it once over [`sql::Tx`]; only writing a
/// chunk's rows and reading a person's records go to the backend.
pub trait Warehouse {
    /// Applies pending system migrations and creates or extends the warehouse tables of the
    /// catalog. Refuses a database newer than this build.
    fn migrate(&self, catalog: &Catalog) -> Result<()>;
    fn schema_version(&self) -> Result<i64>;

    /// The batch that loaded a file with this content digest, if any.
    fn find_batch(&self, digest: &str) -> Result<Option<Batch>>;
    /// Records a new batch. When its table is empty the batch is loaded on the fresh path:
    /// indexes are dropped and rebuilt by [`Warehouse::finish_batch`].
    fn start_batch(&self, table: Option<&Table>, new: &NewBatch) -> Result<Batch>;
    /// Source keys already written by a batch (used to resume duplicate detection).
    fn batch_keys(&self, table: &Table, batch: i64) -> Result<Vec<String>>;
    /// Writes rows and rejected rows and moves the batch's resume point, in one transaction.
    fn write_chunk(&self, table: &Table, batch: &Batch, chunk: &Chunk) -> Result<()>;
    /// Quarantines rows of a file that maps to no catalog table (one transaction).
    fn quarantine_file(&self, batch: &Batch, rejected: &[Rejected]) -> Result<()>;
    /// Marks a batch done, rebuilding indexes if it ran on the fresh path.
    fn finish_batch(&self, table: Option<&Table>, batch: &Batch) -> Result<()>;

    /// Calls `f` with every national number in the person dimension (orphan checks).
    fn for_each_person(&self, catalog: &Catalog, f: &mut dyn FnMut(&str)) -> Result<()>;
    fn stats(&self, catalog: &Catalog) -> Result<Stats>;
    fn quarantine(&self, limit: u32) -> Result<Vec<QuarantineEntry>>;
    /// One person with their household and every registry record naming them.
    fn lookup_person(&self, catalog: &Catalog, nn: &NationalNumber)
        -> Result<Option<PersonRecord>>;
}

/// A store chosen at start-up from the URL scheme; static dispatch to the backend.
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

impl Store {
    /// Opens the database at `url`. A missing SQLite file is created only with
    /// [`OpenMode::Create`] (used by `nur init` and `nur demo`).
    pub fn open(url: &str, mode: OpenMode) -> Result<Store> {
        match DbUrl::parse(url)? {
            DbUrl::Sqlite(path) => Ok(Store::Sqlite(sqlite::SqliteStore::open(&path, mode)?)),
            DbUrl::Postgres(conn) => Ok(Store::Postgres(postgres::PgStore::open(&conn)?)),
        }
    }

    /// Tunes the store for a server's many short reads between writes (on SQLite: no
    /// memory map; see `SqliteStore::serve_requests`). Batch processes leave it as opened.
    pub fn serve_requests(&self) {
        if let Store::Sqlite(s) = self {
            s.serve_requests();
        }
    }

    /// Runs `f` in a read transaction.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut dyn sql::Tx) -> Result<T>) -> Result<T> {
        match self {
            Store::Sqlite(s) => s.with_tx(sql::Begin::Deferred, f),
            Store::Postgres(s) => s.with_tx(sql::Begin::Deferred, f),
        }
    }

    /// Runs `f` in a write transaction of the bulk loader or of a migration. On SQLite it
    /// begins deferred and outside the process's writer lock, like the transactions
    /// `write_chunk` opens itself: that lock orders the short writes of concurrent requests
    /// ([`Store::write`]), not the loader's.
    pub(crate) fn bulk<T>(&self, f: impl FnOnce(&mut dyn sql::Tx) -> Result<T>) -> Result<T> {
        match self {
            Store::Sqlite(s) => s.with_tx(sql::Begin::Bulk, f),
            Store::Postgres(s) => s.with_tx(sql::Begin::Bulk, f),
        }
    }

    /// The connection pool's state now.
    pub fn pool_stats(&self) -> pool::PoolStats {
        match self {
            Store::Sqlite(s) => s.pool.stats(),
            Store::Postgres(s) => s.pool.stats(),
        }
    }

    /// Runs `f` in a write transaction.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut dyn sql::Tx) -> Result<T>) -> Result<T> {
        let flag = match self {
            Store::Sqlite(s) => &s.fail_next_write,
            Store::Postgres(s) => &s.fail_next_write,
        };
        let fail = flag.swap(false, std::sync::atomic::Ordering::SeqCst);
        let key = self.audit_key();
        let f = move |tx: &mut dyn sql::Tx| {
            let out = f(&mut sql::Keyed { tx, key })?;
            if fail {
                // Everything the transaction wrote is rolled back with it.
                return Err(StoreError::Failed(
                    "injected failure after the writes, before the commit".into(),
                ));
            }
            Ok(out)
        };
        match self {
            Store::Sqlite(s) => s.with_tx(sql::Begin::Immediate, f),
            Store::Postgres(s) => s.with_tx(sql::Begin::Immediate, f),
        }
    }

    /// Sets, unchecked, the key the audit chain is written and verified with (from the deployment's key
    /// file; see `nur audit`). Without one, events chain with plain SHA-256.
    pub fn set_audit_key(&self, key: Option<nur_core::audit::ChainKey>) {
        let slot = match self {
            Store::Sqlite(s) => &s.audit_key,
            Store::Postgres(s) => &s.audit_key,
        };
        *slot.write().unwrap_or_else(|e| e.into_inner()) = key;
    }

    /// Sets the deployment's key after checking it is the one the chain is kept with: the
    /// database records the fingerprint of the first key it was given and refuses any other.
    pub fn adopt_audit_key(&self, key: nur_core::audit::ChainKey) -> Result<()> {
        let fp = key.fingerprint();
        let known = self.setting_or_init(AUDIT_KEY_FINGERPRINT, || fp.clone())?;
        if known != fp {
            return Err(StoreError::Invalid(format!(
                "this is not the key the database's audit chain is kept with (fingerprint {fp}, \
                 the database's {known})"
            )));
        }
        self.set_audit_key(Some(key));
        Ok(())
    }

    /// The fingerprint of the key the chain is kept with, once it has one.
    pub fn audit_key_fingerprint(&self) -> Result<Option<String>> {
        self.setting(AUDIT_KEY_FINGERPRINT)
    }

    pub(crate) fn audit_key(&self) -> Option<nur_core::audit::ChainKey> {
        let slot = match self {
            Store::Sqlite(s) => &s.audit_key,
            Store::Postgres(s) => &s.audit_key,
        };
        slot.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Test support: makes the next write transaction fail after its statements ran and
    /// before it commits, to show that a change and its audit event stand or fall together.
    #[cfg(feature = "testing")]
    pub fn fail_next_write(&self) {
        let flag = match self {
            Store::Sqlite(s) => &s.fail_next_write,
            Store::Postgres(s) => &s.fail_next_write,
        };
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The rows of `tables` naming each of `keys` in a national-number column, by key and
    /// table, with lineage. No grant is applied here: the use case filters what it reads.
    pub fn registry_rows(
        &self,
        tables: &[&Table],
        keys: &[&str],
    ) -> Result<std::collections::BTreeMap<String, RowsByTable>> {
        match self {
            Store::Sqlite(s) => s.registry_rows(tables, keys),
            Store::Postgres(s) => s.registry_rows(tables, keys),
        }
    }

    /// Runs `f` over one read snapshot: what it reads is consistent with itself (an access
    /// decision reads the client, the entity's settings, its grants and the procedure at
    /// one moment).
    pub fn snapshot<T>(&self, f: impl FnOnce(&mut Snapshot<'_>) -> Result<T>) -> Result<T> {
        self.read(|tx| f(&mut Snapshot { tx }))
    }

    /// What the audit group commit has done since the store was opened.
    pub fn audit_group_stats(&self) -> GroupStats {
        match self {
            Store::Sqlite(s) => s.audit_group.stats(),
            Store::Postgres(s) => s.audit_group.stats(),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
        }
    };
}

impl Warehouse for Store {
    fn migrate(&self, catalog: &Catalog) -> Result<()> {
        // Lookup statements name the columns; a migration can add some.
        dispatch!(self, s => s.lookup_sql.clear());
        migrate::run(self, catalog)
    }
    fn schema_version(&self) -> Result<i64> {
        self.bulk(migrate::schema_version)
    }
    fn find_batch(&self, digest: &str) -> Result<Option<Batch>> {
        self.read(|tx| bulk::find_batch(tx, digest))
    }
    fn start_batch(&self, table: Option<&Table>, new: &NewBatch) -> Result<Batch> {
        self.bulk(|tx| bulk::start_batch(tx, table, new))
    }
    fn batch_keys(&self, table: &Table, batch: i64) -> Result<Vec<String>> {
        self.read(|tx| bulk::batch_keys(tx, table, batch))
    }
    fn write_chunk(&self, table: &Table, batch: &Batch, chunk: &Chunk) -> Result<()> {
        dispatch!(self, s => s.write_chunk(table, batch, chunk))
    }
    fn quarantine_file(&self, batch: &Batch, rejected: &[Rejected]) -> Result<()> {
        self.bulk(|tx| bulk::quarantine_file(tx, batch, rejected))
    }
    fn finish_batch(&self, table: Option<&Table>, batch: &Batch) -> Result<()> {
        bulk::finish_batch(self, table, batch)
    }
    fn for_each_person(&self, catalog: &Catalog, f: &mut dyn FnMut(&str)) -> Result<()> {
        self.read(|tx| bulk::for_each_person(tx, catalog, f))
    }
    fn stats(&self, catalog: &Catalog) -> Result<Stats> {
        self.read(|tx| stats::stats(tx, self.backend(), catalog))
    }
    fn quarantine(&self, limit: u32) -> Result<Vec<QuarantineEntry>> {
        self.read(|tx| stats::quarantine(tx, limit))
    }
    fn lookup_person(
        &self,
        catalog: &Catalog,
        nn: &NationalNumber,
    ) -> Result<Option<PersonRecord>> {
        dispatch!(self, s => s.lookup_person(catalog, nn))
    }
}

/// Milliseconds since the Unix epoch, the warehouse's timestamp unit.
/// Unix time in milliseconds (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
