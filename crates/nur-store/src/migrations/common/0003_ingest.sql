-- Change-data sources (CDC streams, scheduled pulls, file drops), their cursors and the
-- dead-letter table. Plain TEXT/BIGINT so one file serves both backends; ids are assigned by
-- the applying transaction (nur_source.errors_total), not by the database.
CREATE TABLE nur_source (
    name             TEXT   PRIMARY KEY,
    kind             TEXT   NOT NULL,
    entity           TEXT   NOT NULL,
    config           TEXT   NOT NULL,
    created_at       BIGINT NOT NULL,
    snapshot_done    BIGINT NOT NULL DEFAULT 0,
    last_event_ms    BIGINT,
    last_applied_ms  BIGINT,
    lag_ms           BIGINT,
    events_total     BIGINT NOT NULL DEFAULT 0,
    applied_total    BIGINT NOT NULL DEFAULT 0,
    duplicates_total BIGINT NOT NULL DEFAULT 0,
    errors_total     BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT
);

-- The last applied position per stream of a source (one stream for a CDC source, one per
-- table for a watermark pull). Positions are fixed-width text, so text order is stream order.
CREATE TABLE nur_source_cursor (
    source   TEXT NOT NULL,
    stream   TEXT NOT NULL,
    position TEXT NOT NULL,
    PRIMARY KEY (source, stream)
);

CREATE TABLE nur_dead_letter (
    source   TEXT   NOT NULL,
    seq      BIGINT NOT NULL,
    position TEXT,
    reason   TEXT   NOT NULL,
    payload  TEXT   NOT NULL,
    at_ms    BIGINT NOT NULL,
    PRIMARY KEY (source, seq)
);
