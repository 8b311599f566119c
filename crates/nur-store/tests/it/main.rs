//! The storage conformance suite: every case runs against SQLite and PostgreSQL.

/// Declares each case once per backend.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $case() { super::$case(nur_store::testing::Backend::Sqlite) })*
        }
        mod postgres {
            $(#[test] fn $case() { super::$case(nur_store::testing::Backend::Postgres) })*
        }
    };
}

mod access;
mod conformance;
