//! Versioned system migrations, embedded in the binary, and the run that applies them and
//! then creates or extends the catalog's warehouse tables. Each migration runs in its own
//! transaction with the version bump; a migration is never edited after it has shipped, and a
//! database at a newer version than this build is refused rather than downgraded.

use crate::ddl::{self, Dialect};
use crate::sql::Tx;
use crate::{now_ms, Result, Store, StoreError};
use nur_core::Catalog;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "system",
        sqlite: include_str!("migrations/sqlite/0001_system.sql"),
        postgres: include_str!("migrations/postgres/0001_system.sql"),
    },
    Migration {
        version: 2,
        name: "access",
        sqlite: include_str!("migrations/sqlite/0002_access.sql"),
        postgres: include_str!("migrations/postgres/0002_access.sql"),
    },
    Migration {
        version: 3,
        name: "ingest",
        sqlite: include_str!("migrations/common/0003_ingest.sql"),
        postgres: include_str!("migrations/common/0003_ingest.sql"),
    },
    Migration {
        version: 4,
        name: "portal",
        sqlite: include_str!("migrations/common/0004_portal.sql"),
        postgres: include_str!("migrations/common/0004_portal.sql"),
    },
    Migration {
        version: 5,
        name: "signing keys",
        sqlite: include_str!("migrations/common/0005_signing_keys.sql"),
        postgres: include_str!("migrations/common/0005_signing_keys.sql"),
    },
    Migration {
        version: 6,
        name: "dead letter digest",
        sqlite: include_str!("migrations/common/0006_dead_letter_digest.sql"),
        postgres: include_str!("migrations/common/0006_dead_letter_digest.sql"),
    },
    Migration {
        version: 7,
        name: "social registry",
        sqlite: include_str!("migrations/common/0007_social_registry.sql"),
        postgres: include_str!("migrations/common/0007_social_registry.sql"),
    },
    Migration {
        version: 8,
        name: "citizen sign-in",
        sqlite: include_str!("migrations/common/0008_citizen_signin.sql"),
        postgres: include_str!("migrations/common/0008_citizen_signin.sql"),
    },
    Migration {
        version: 9,
        name: "targeting",
        sqlite: include_str!("migrations/common/0009_targeting.sql"),
        postgres: include_str!("migrations/common/0009_targeting.sql"),
    },
    Migration {
        version: 10,
        name: "payments",
        sqlite: include_str!("migrations/common/0010_payments.sql"),
        postgres: include_str!("migrations/common/0010_payments.sql"),
    },
    Migration {
        version: 11,
        name: "dci",
        sqlite: include_str!("migrations/common/0011_dci.sql"),
        postgres: include_str!("migrations/common/0011_dci.sql"),
    },
    Migration {
        version: 12,
        name: "dci partners",
        sqlite: include_str!("migrations/common/0012_dci_partners.sql"),
        postgres: include_str!("migrations/common/0012_dci_partners.sql"),
    },
];

pub const LATEST: i64 = 12;

/// The table recording applied versions; created before anything else.
pub const VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS nur_schema_version (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

impl Migration {
    fn script(&self, d: Dialect) -> &'static str {
        match d {
            Dialect::Sqlite => self.sqlite,
            Dialect::Postgres => self.postgres,
        }
    }
}

/// Applies the pending migrations, one transaction each, then creates or extends the
/// catalog's warehouse tables, their indexes and the dimension views in one more.
pub(crate) fn run(store: &Store, catalog: &Catalog) -> Result<()> {
    store.bulk(|tx| tx.batch(VERSION_TABLE))?;
    while store.bulk(apply_next)? {}
    store.bulk(|tx| {
        lock(tx)?;
        warehouse_tables(tx, catalog)
    })
}

/// Applies the first pending migration with its version bump; `false` when none is left.
/// The version is read inside the transaction, after the lock, so concurrent runs never
/// apply a migration twice.
fn apply_next(tx: &mut dyn Tx) -> Result<bool> {
    lock(tx)?;
    let current = current_version(tx)?;
    if current > LATEST {
        return Err(StoreError::Downgrade {
            found: current,
            known: LATEST,
        });
    }
    let Some(m) = MIGRATIONS.iter().find(|m| m.version > current) else {
        return Ok(false);
    };
    tx.batch(m.script(tx.dialect()))?;
    tx.exec(
        "INSERT INTO nur_schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
        &[m.version.into(), m.name.into(), now_ms().into()],
    )?;
    Ok(true)
}

/// Serialises concurrent migrations (several `nur` processes starting together) on
/// PostgreSQL, until the transaction ends. SQLite has no such lock; it admits one writer at
/// a time.
fn lock(tx: &mut dyn Tx) -> Result<()> {
    if tx.dialect() == Dialect::Postgres {
        tx.batch("SELECT pg_advisory_xact_lock(7120001)")?;
    }
    Ok(())
}

/// Creates the catalog's tables, adds the columns a newer catalog has (the columns each table
/// has are kept in `nur_warehouse_table`), and (re)creates indexes and dimension views.
fn warehouse_tables(tx: &mut dyn Tx, catalog: &Catalog) -> Result<()> {
    let d = tx.dialect();
    for t in &catalog.tables {
        tx.batch(&ddl::create_table(d, t))?;
        let known: Vec<String> = tx
            .row(
                "SELECT columns FROM nur_warehouse_table WHERE name = $1",
                &[t.name.as_str().into()],
            )?
            .map(|r| serde_json::from_str(&r[0].text()).unwrap_or_default())
            .unwrap_or_default();
        if !known.is_empty() {
            for col in t
                .columns
                .iter()
                .filter(|c| !known.iter().any(|k| k == c.name.as_str()))
            {
                tx.batch(&ddl::add_column(d, t, col.name.as_str()))?;
            }
        }
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        let names = serde_json::to_string(&names).expect("strings");
        tx.exec(
            "INSERT INTO nur_warehouse_table (name, columns) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET columns = excluded.columns",
            &[t.name.as_str().into(), (&names).into()],
        )?;
        for ix in ddl::create_indexes(d, t) {
            tx.batch(&ix)?;
        }
    }
    for v in ddl::dimension_views(d, catalog) {
        tx.batch(&v)?;
    }
    Ok(())
}

/// The version the database is at (0 before the first migration), creating the version table
/// if need be.
pub(crate) fn schema_version(tx: &mut dyn Tx) -> Result<i64> {
    tx.batch(VERSION_TABLE)?;
    current_version(tx)
}

pub(crate) fn current_version(tx: &mut dyn Tx) -> Result<i64> {
    Ok(tx
        .row(
            "SELECT CAST(coalesce(max(version), 0) AS BIGINT) FROM nur_schema_version",
            &[],
        )?
        .map(|r| r[0].int())
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
        }
        assert_eq!(MIGRATIONS.last().unwrap().version, LATEST);
    }
}
