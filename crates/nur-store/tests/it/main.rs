//! The storage conformance suite: every case runs against SQLite and PostgreSQL.

mod conformance;
