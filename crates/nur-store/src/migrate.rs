//! Versioned system migrations, embedded in the binary. Each runs in its own transaction with
//! the version bump; a migration is never edited after it has shipped, and a database at a
//! newer version than this build is refused rather than downgraded.

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
];

pub const LATEST: i64 = 6;

/// The table recording applied versions; created before anything else.
pub const VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS nur_schema_version (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

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
