-- System tables: load batches, quarantine, accounts. Warehouse tables are created from the
-- catalog (ddl.rs), not here.
CREATE TABLE nur_load_batch (
    id               INTEGER PRIMARY KEY,
    source           TEXT    NOT NULL,
    file             TEXT    NOT NULL,
    digest           TEXT    NOT NULL UNIQUE,
    table_name       TEXT,
    status           TEXT    NOT NULL,
    fresh            INTEGER NOT NULL,
    rows_loaded      INTEGER NOT NULL DEFAULT 0,
    rows_quarantined INTEGER NOT NULL DEFAULT 0,
    resume_offset    INTEGER NOT NULL DEFAULT 0,
    resume_line      INTEGER NOT NULL DEFAULT 0,
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER
);

CREATE TABLE nur_quarantine (
    id         INTEGER PRIMARY KEY,
    batch_id   INTEGER NOT NULL REFERENCES nur_load_batch (id),
    file       TEXT    NOT NULL,
    line       INTEGER NOT NULL,
    table_name TEXT,
    reason     TEXT    NOT NULL,
    raw        TEXT    NOT NULL
);
CREATE INDEX nur_quarantine_batch ON nur_quarantine (batch_id);

CREATE TABLE nur_warehouse_table (
    name       TEXT PRIMARY KEY,
    columns    TEXT NOT NULL
);

CREATE TABLE nur_account (
    username      TEXT PRIMARY KEY,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    entity        TEXT,
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
