-- Keys that sign API clients' access tokens (EdDSA). The newest key not retired signs; a
-- retired key still verifies the tokens it signed until verify_until, then is dropped from
-- the published key set. Private keys never leave the database and are never printed.
CREATE TABLE nur_signing_key (
    kid          TEXT   PRIMARY KEY,
    alg          TEXT   NOT NULL,
    private_key  TEXT   NOT NULL,
    public_key   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    retired_at   BIGINT,
    verify_until BIGINT
);
