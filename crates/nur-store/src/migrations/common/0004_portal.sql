-- Portal sign-in: second factor and lockout state of accounts, and server-side sessions.
-- Session ids are stored only as their SHA-256 (a copy of the table opens no session).
ALTER TABLE nur_account ADD COLUMN totp_secret TEXT;
ALTER TABLE nur_account ADD COLUMN contact TEXT;
ALTER TABLE nur_account ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nur_account ADD COLUMN locked_until BIGINT;

CREATE TABLE nur_session (
    id_hash       TEXT   PRIMARY KEY,
    username      TEXT,
    stage         TEXT   NOT NULL,
    csrf          TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    seen_at       BIGINT NOT NULL,
    code_hash     TEXT,
    code_expires  BIGINT,
    code_attempts BIGINT NOT NULL DEFAULT 0,
    code_sent_at  BIGINT,
    resends       BIGINT NOT NULL DEFAULT 0,
    totp_step     BIGINT
);
CREATE INDEX nur_session_user ON nur_session (username);
CREATE INDEX nur_session_seen ON nur_session (seen_at);

-- Single-use password-reset codes (hashed), short-lived.
CREATE TABLE nur_password_reset (
    username   TEXT   PRIMARY KEY,
    code_hash  TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    sent_at    BIGINT NOT NULL
);
