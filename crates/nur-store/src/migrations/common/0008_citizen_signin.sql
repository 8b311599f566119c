-- Citizens sign in to the social registry with their national number, their ID card number
-- and a one-time code sent to the mobile number the civil registry holds for them. They have
-- no portal account: what locks a citizen after repeated wrong codes lives here.
CREATE TABLE sp_citizen_signin (
    national_number TEXT   PRIMARY KEY,
    failed_codes    BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT,
    signed_in_at    BIGINT
);
