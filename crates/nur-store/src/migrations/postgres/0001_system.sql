-- System tables: load batches, quarantine, accounts. Warehouse tables are created from the
-- catalog (ddl.rs), not here. On Citus these are reference tables.
CREATE TABLE nur_load_batch (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source           TEXT    NOT NULL,
    file             TEXT    NOT NULL,
    digest           TEXT    NOT NULL UNIQUE,
    table_name       TEXT,
    status           TEXT    NOT NULL,
    fresh            BOOLEAN NOT NULL,
    rows_loaded      BIGINT  NOT NULL DEFAULT 0,
    rows_quarantined BIGINT  NOT NULL DEFAULT 0,
    resume_offset    BIGINT  NOT NULL DEFAULT 0,
    resume_line      BIGINT  NOT NULL DEFAULT 0,
    started_at       BIGINT  NOT NULL,
    finished_at      BIGINT
);

CREATE TABLE nur_quarantine (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id   BIGINT NOT NULL REFERENCES nur_load_batch (id),
    file       TEXT   NOT NULL,
    line       BIGINT NOT NULL,
    table_name TEXT,
    reason     TEXT   NOT NULL,
    raw        TEXT   NOT NULL
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
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL
);
