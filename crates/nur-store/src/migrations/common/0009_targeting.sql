-- NUR-SP targeting: published proxy-means-test models, each household's current score
-- (with the terms it was computed from and their contributions), programs as versioned
-- definitions, the truth where it is known (a survey, synthetic data), immutable
-- targeting runs with their ranked eligible households, and each household's decisions
-- as re-evaluation changes them, with the cause. Scores are stored in millionths (an
-- integer orders the same on both backends).
CREATE TABLE sp_pmt_model (
    version      BIGINT PRIMARY KEY,
    name         TEXT   NOT NULL,
    definition   TEXT   NOT NULL,
    published_by TEXT   NOT NULL,
    published_at BIGINT NOT NULL
);

CREATE TABLE sp_score (
    household     TEXT   PRIMARY KEY,
    model_version BIGINT NOT NULL,
    variant       TEXT   NOT NULL,
    score_micro   BIGINT,
    terms         TEXT   NOT NULL,
    error         TEXT,
    scored_at     BIGINT NOT NULL
);

CREATE TABLE sp_program (
    code         TEXT   NOT NULL,
    version      BIGINT NOT NULL,
    status       TEXT   NOT NULL,
    owner        TEXT   NOT NULL,
    definition   TEXT   NOT NULL,
    created_by   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    published_by TEXT,
    published_at BIGINT,
    PRIMARY KEY (code, version)
);

CREATE TABLE sp_truth (
    household           TEXT   PRIMARY KEY,
    consumption_pc_fils BIGINT NOT NULL,
    poor                BIGINT NOT NULL,
    source              TEXT   NOT NULL
);

CREATE TABLE sp_target_run (
    id              TEXT   PRIMARY KEY,
    program         TEXT   NOT NULL,
    program_version BIGINT NOT NULL,
    model_version   BIGINT NOT NULL,
    facts_as_of     BIGINT NOT NULL,
    params          TEXT   NOT NULL,
    population      TEXT   NOT NULL,
    summary         TEXT   NOT NULL,
    errors          TEXT   NOT NULL,
    created_by      TEXT   NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX sp_target_run_program ON sp_target_run (program, created_at);

CREATE TABLE sp_target_entry (
    run          TEXT   NOT NULL,
    rank         BIGINT NOT NULL,
    household    TEXT   NOT NULL,
    score_micro  BIGINT NOT NULL,
    members      BIGINT NOT NULL,
    governorate  TEXT   NOT NULL,
    head_female  BIGINT NOT NULL,
    decile       BIGINT NOT NULL,
    benefit_fils BIGINT NOT NULL,
    poor         BIGINT,
    selected     BIGINT NOT NULL,
    PRIMARY KEY (run, rank)
);
CREATE INDEX sp_target_entry_household ON sp_target_entry (household, run);
CREATE INDEX sp_target_entry_score ON sp_target_entry (run, score_micro);

CREATE TABLE sp_decision (
    household   TEXT   NOT NULL,
    program     TEXT   NOT NULL,
    seq         BIGINT NOT NULL,
    run         TEXT   NOT NULL,
    state       TEXT   NOT NULL,
    previous    TEXT   NOT NULL,
    score_micro BIGINT,
    position    BIGINT,
    cause       TEXT   NOT NULL,
    decided_at  BIGINT NOT NULL,
    PRIMARY KEY (household, program, seq)
);
CREATE INDEX sp_decision_program ON sp_decision (program, decided_at);
