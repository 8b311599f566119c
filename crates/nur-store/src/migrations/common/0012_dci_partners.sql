-- NUR as a DCI client: the partner registries the Super Admin configured (where they answer,
-- how NUR gets a token there and signs to them, the key their notifications are verified
-- with, which identifier type NUR's national number is to them, how long an answer is kept,
-- whether intake verification asks them), the answers kept for their time to live, and
-- NUR's subscriptions to their events with the change source that applies them.
CREATE TABLE dci_partner (
    name          TEXT   PRIMARY KEY,
    registry      TEXT   NOT NULL,
    base_url      TEXT   NOT NULL,
    token_url     TEXT   NOT NULL,
    client_id     TEXT   NOT NULL,
    client_secret TEXT   NOT NULL,
    sender_id     TEXT   NOT NULL,
    scheme        TEXT   NOT NULL,
    public_key    TEXT,
    id_type       TEXT   NOT NULL,
    reg_type      TEXT   NOT NULL,
    ttl_secs      BIGINT NOT NULL,
    timeout_ms    BIGINT NOT NULL,
    verify        BIGINT NOT NULL,
    created_by    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE dci_partner_answer (
    partner    TEXT   NOT NULL,
    id_type    TEXT   NOT NULL,
    id_value   TEXT   NOT NULL,
    records    TEXT   NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (partner, id_type, id_value)
);

CREATE TABLE dci_partner_subscription (
    partner    TEXT   NOT NULL,
    event      TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    code       TEXT,
    status     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (partner, event)
);
