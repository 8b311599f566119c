-- NUR-SP, the social registry: intake applications (drafts and submissions, one open
-- application per person), their verification against the registries with every
-- discrepancy, each household's facts, the re-verification outbox that ingestion fills in
-- the transaction of the change, and the cursors of resumable national jobs.
CREATE TABLE sp_application (
    id           TEXT   PRIMARY KEY,
    external_ref TEXT   UNIQUE,
    entity       TEXT   NOT NULL,
    household    TEXT   NOT NULL,
    status       TEXT   NOT NULL,
    channel      TEXT   NOT NULL,
    form         TEXT   NOT NULL,
    form_version BIGINT NOT NULL,
    answers      TEXT   NOT NULL,
    created_by   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    submitted_at BIGINT,
    revision     BIGINT NOT NULL
);
CREATE INDEX sp_application_household ON sp_application (household, status, submitted_at);
CREATE INDEX sp_application_status ON sp_application (status, updated_at);

-- A person (national number or personal ID) is in at most one open application.
CREATE TABLE sp_application_member (
    member      TEXT PRIMARY KEY,
    application TEXT NOT NULL
);
CREATE INDEX sp_application_member_application ON sp_application_member (application);

CREATE TABLE sp_verification (
    application        TEXT   PRIMARY KEY,
    household          TEXT   NOT NULL,
    verified_at        BIGINT NOT NULL,
    formal_income_fils BIGINT NOT NULL,
    members_verified   BIGINT NOT NULL,
    discrepancies      BIGINT NOT NULL,
    snapshot           TEXT   NOT NULL
);
CREATE INDEX sp_verification_household ON sp_verification (household);

CREATE TABLE sp_discrepancy (
    application     TEXT   NOT NULL,
    seq             BIGINT NOT NULL,
    household       TEXT   NOT NULL,
    kind            TEXT   NOT NULL,
    path            TEXT   NOT NULL,
    national_number TEXT,
    source_table    TEXT   NOT NULL,
    record_keys     TEXT   NOT NULL,
    declared        TEXT   NOT NULL,
    registry        TEXT   NOT NULL,
    as_of           BIGINT,
    message_ar      TEXT   NOT NULL,
    message_en      TEXT   NOT NULL,
    PRIMARY KEY (application, seq)
);
CREATE INDEX sp_discrepancy_household ON sp_discrepancy (household);
CREATE INDEX sp_discrepancy_kind ON sp_discrepancy (kind);

CREATE TABLE sp_household (
    household     TEXT   PRIMARY KEY,
    application   TEXT,
    facts_name    TEXT   NOT NULL,
    facts_version BIGINT NOT NULL,
    facts         TEXT   NOT NULL,
    computed_at   BIGINT NOT NULL
);

CREATE TABLE sp_reverify (
    household TEXT   PRIMARY KEY,
    reason    TEXT   NOT NULL,
    marked_at BIGINT NOT NULL
);

CREATE TABLE sp_job (
    name       TEXT   PRIMARY KEY,
    cursor     TEXT   NOT NULL,
    done       BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
