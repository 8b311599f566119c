-- Grants, procedures (generated APIs), machine clients, settings, upstream operations and the
-- hash-chained audit trail. Integers are BIGINT and flags 0/1 BIGINT on both backends, so the
-- access code (access.rs) is shared. On Citus these are reference tables.
CREATE TABLE nur_grant (
    consumer   TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    object     TEXT   NOT NULL,
    item       TEXT   NOT NULL,
    custodian  TEXT   NOT NULL,
    granted_by TEXT   NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (consumer, kind, object, item)
);
CREATE INDEX nur_grant_custodian ON nur_grant (custodian);

CREATE TABLE nur_grant_history (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    action    TEXT   NOT NULL,
    consumer  TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    object    TEXT   NOT NULL,
    item      TEXT   NOT NULL,
    custodian TEXT   NOT NULL,
    actor     TEXT   NOT NULL,
    at_ms     BIGINT NOT NULL
);

CREATE TABLE nur_procedure (
    entity      TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    version     BIGINT NOT NULL,
    description TEXT   NOT NULL,
    spec        TEXT   NOT NULL,
    on_revoke   TEXT   NOT NULL,
    saved_by    TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (entity, name)
);

CREATE TABLE nur_procedure_version (
    entity      TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    version     BIGINT NOT NULL,
    description TEXT   NOT NULL,
    spec        TEXT   NOT NULL,
    on_revoke   TEXT   NOT NULL,
    saved_by    TEXT   NOT NULL,
    saved_at    BIGINT NOT NULL,
    deleted     BIGINT NOT NULL,
    PRIMARY KEY (entity, name, version)
);

CREATE TABLE nur_client (
    client_id    TEXT   PRIMARY KEY,
    entity       TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    secret_hash  TEXT   NOT NULL,
    generation   BIGINT NOT NULL,
    ip_allowlist TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    rotated_at   BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX nur_client_entity ON nur_client (entity);

CREATE TABLE nur_entity_setting (
    entity           TEXT   PRIMARY KEY,
    purpose_required BIGINT NOT NULL,
    access_withheld  BIGINT NOT NULL
);

CREATE TABLE nur_setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE nur_upstream (
    service    TEXT   PRIMARY KEY,
    base_url   TEXT   NOT NULL,
    timeout_ms BIGINT NOT NULL
);

CREATE TABLE nur_audit (
    seq            BIGINT PRIMARY KEY,
    at_ms          BIGINT NOT NULL,
    actor_kind     TEXT   NOT NULL,
    actor          TEXT   NOT NULL,
    on_behalf_of   TEXT,
    entity         TEXT,
    purpose        TEXT,
    action         TEXT   NOT NULL,
    target         TEXT   NOT NULL,
    columns        TEXT   NOT NULL,
    persons        TEXT   NOT NULL,
    persons_count  BIGINT NOT NULL,
    persons_digest TEXT   NOT NULL,
    client_ip      TEXT,
    outcome        TEXT   NOT NULL,
    prev_hash      TEXT   NOT NULL,
    hash           TEXT   NOT NULL
);
CREATE INDEX nur_audit_entity ON nur_audit (entity, seq);
CREATE INDEX nur_audit_actor ON nur_audit (actor, seq);
CREATE INDEX nur_audit_at ON nur_audit (at_ms);

-- The national numbers an event returned, for the citizen access report.
CREATE TABLE nur_audit_person (
    national_number TEXT   NOT NULL,
    seq             BIGINT NOT NULL,
    PRIMARY KEY (national_number, seq)
);

-- The chain's head, updated with every append: truncation of nur_audit shows against it.
CREATE TABLE nur_audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL
);
INSERT INTO nur_audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
