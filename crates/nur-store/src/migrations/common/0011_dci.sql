-- DCI: the senders registered per API client (with the partner's signature scheme and key on
-- file), every message received (a repeated message_id is refused from it, txn/status answers
-- from it, an async request not yet answered is answered after a restart), subscriptions to
-- vital and registry events, the events ingestion fans out to them in the change's own
-- transaction, and the outbox of everything NUR sends (callbacks, notifications) with its
-- retries.
CREATE TABLE dci_sender (
    sender_id   TEXT   PRIMARY KEY,
    client_id   TEXT   NOT NULL UNIQUE,
    scheme      TEXT   NOT NULL,
    public_key  TEXT,
    created_by  TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE dci_message (
    sender_id      TEXT   NOT NULL,
    message_id     TEXT   NOT NULL,
    registry       TEXT   NOT NULL,
    action         TEXT   NOT NULL,
    client_id      TEXT   NOT NULL,
    transaction_id TEXT   NOT NULL,
    correlation_id TEXT   NOT NULL UNIQUE,
    status         TEXT   NOT NULL,
    request        TEXT   NOT NULL,
    response       TEXT,
    reply_to       TEXT,
    created_at     BIGINT NOT NULL,
    completed_at   BIGINT,
    PRIMARY KEY (sender_id, message_id)
);
CREATE INDEX dci_message_txn ON dci_message (sender_id, transaction_id);
CREATE INDEX dci_message_open ON dci_message (created_at) WHERE status = 'rcvd';

CREATE TABLE dci_subscription (
    code        TEXT   PRIMARY KEY,
    registry    TEXT   NOT NULL,
    sender_id   TEXT   NOT NULL,
    client_id   TEXT   NOT NULL,
    event_type  TEXT   NOT NULL,
    table_name  TEXT   NOT NULL,
    criteria    TEXT   NOT NULL,
    notify_uri  TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    ended_at    BIGINT
);
CREATE INDEX dci_subscription_table ON dci_subscription (table_name) WHERE ended_at IS NULL;

CREATE TABLE dci_event (
    id            TEXT   PRIMARY KEY,
    subscription  TEXT   NOT NULL,
    table_name    TEXT   NOT NULL,
    op            TEXT   NOT NULL,
    row_key       TEXT   NOT NULL,
    person        TEXT,
    source        TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX dci_event_at ON dci_event (created_at, id);

CREATE TABLE dci_outbox (
    id           TEXT   PRIMARY KEY,
    kind         TEXT   NOT NULL,
    url          TEXT   NOT NULL,
    body         TEXT   NOT NULL,
    attempts     BIGINT NOT NULL,
    next_at      BIGINT NOT NULL,
    last_error   TEXT,
    delivered_at BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX dci_outbox_due ON dci_outbox (next_at) WHERE delivered_at IS NULL;
