-- NUR-SP enrollment and payments: each person's financial addresses (one active at a
-- time, the history kept), cycles per program and month with each household's membership
-- and entitlement, the payments of an approved cycle with their status as the providers
-- report it, each export of a payment file, and appeals with every step. Money is an
-- integer number of fils.
CREATE TABLE sp_account (
    national_number TEXT   NOT NULL,
    seq             BIGINT NOT NULL,
    kind            TEXT   NOT NULL,
    provider        TEXT   NOT NULL,
    iban            TEXT,
    mobile          TEXT,
    address         TEXT   NOT NULL,
    active          BIGINT NOT NULL,
    source          TEXT   NOT NULL,
    changed_by      TEXT   NOT NULL,
    changed_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    PRIMARY KEY (national_number, seq)
);
-- One active account per person, and an account active for one person only.
CREATE UNIQUE INDEX sp_account_active_person ON sp_account (national_number) WHERE active = 1;
CREATE UNIQUE INDEX sp_account_active_address ON sp_account (address) WHERE active = 1;

CREATE TABLE sp_cycle (
    id              TEXT   PRIMARY KEY,
    program         TEXT   NOT NULL,
    program_version BIGINT NOT NULL,
    period          TEXT   NOT NULL,
    run             TEXT   NOT NULL,
    previous        TEXT,
    state           TEXT   NOT NULL,
    households      BIGINT NOT NULL,
    persons         BIGINT NOT NULL,
    total_fils      BIGINT NOT NULL,
    budget_fils     BIGINT,
    counts          TEXT   NOT NULL,
    prepared_by     TEXT   NOT NULL,
    prepared_at     BIGINT NOT NULL,
    approved_by     TEXT,
    approved_at     BIGINT,
    paid_at         BIGINT,
    closed_by       TEXT,
    closed_at       BIGINT,
    UNIQUE (program, period)
);

CREATE TABLE sp_cycle_member (
    cycle            TEXT   NOT NULL,
    household        TEXT   NOT NULL,
    state            TEXT   NOT NULL,
    reason           TEXT   NOT NULL,
    payee            TEXT,
    payee_name       TEXT,
    members          BIGINT NOT NULL,
    governorate      TEXT   NOT NULL,
    head_female      BIGINT NOT NULL,
    entitlement_fils BIGINT NOT NULL,
    source           TEXT   NOT NULL,
    PRIMARY KEY (cycle, household)
);
CREATE INDEX sp_cycle_member_household ON sp_cycle_member (household, cycle);

CREATE TABLE sp_payment (
    end_to_end   TEXT   PRIMARY KEY,
    cycle        TEXT   NOT NULL,
    household    TEXT   NOT NULL,
    payee        TEXT   NOT NULL,
    payee_name   TEXT   NOT NULL,
    account_seq  BIGINT NOT NULL,
    kind         TEXT   NOT NULL,
    provider     TEXT   NOT NULL,
    iban         TEXT,
    mobile       TEXT,
    amount_fils  BIGINT NOT NULL,
    carried_from TEXT,
    status       TEXT   NOT NULL,
    reason       TEXT,
    status_at    BIGINT,
    report       TEXT,
    carried_to   TEXT
);
CREATE INDEX sp_payment_cycle ON sp_payment (cycle, provider, end_to_end);
CREATE INDEX sp_payment_household ON sp_payment (household, cycle);
CREATE INDEX sp_payment_open ON sp_payment (status, carried_to);

CREATE TABLE sp_status_report (
    message_id  TEXT   PRIMARY KEY,
    cycle       TEXT   NOT NULL,
    format      TEXT   NOT NULL,
    statuses    BIGINT NOT NULL,
    changed     BIGINT NOT NULL,
    imported_by TEXT   NOT NULL,
    imported_at BIGINT NOT NULL
);

CREATE TABLE sp_appeal (
    id              TEXT   PRIMARY KEY,
    household       TEXT   NOT NULL,
    program         TEXT   NOT NULL,
    decision        TEXT   NOT NULL,
    run             TEXT,
    state           TEXT   NOT NULL,
    reason          TEXT   NOT NULL,
    submitted_by    TEXT   NOT NULL,
    submitter_kind  TEXT   NOT NULL,
    submitted_at    BIGINT NOT NULL,
    due_at          BIGINT NOT NULL,
    decided_at      BIGINT,
    applied_cycle   TEXT
);
CREATE INDEX sp_appeal_household ON sp_appeal (household, submitted_at);
CREATE INDEX sp_appeal_open ON sp_appeal (state, due_at);

CREATE TABLE sp_appeal_step (
    appeal  TEXT   NOT NULL,
    seq     BIGINT NOT NULL,
    state   TEXT   NOT NULL,
    officer TEXT   NOT NULL,
    note    TEXT   NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (appeal, seq)
);

CREATE TABLE sp_appeal_document (
    appeal       TEXT   NOT NULL,
    seq          BIGINT NOT NULL,
    name         TEXT   NOT NULL,
    content_type TEXT   NOT NULL,
    sha256       TEXT   NOT NULL,
    bytes        BIGINT NOT NULL,
    content      TEXT   NOT NULL,
    PRIMARY KEY (appeal, seq)
);
