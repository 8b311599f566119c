-- A dead letter is recorded once: a batch offered again (a sender retrying, a redelivery)
-- finds its bad events already recorded by their digest (SHA-256 of position, reason and
-- whole payload) and counts them as duplicates. Rows recorded before keep a NULL digest.
ALTER TABLE nur_dead_letter ADD COLUMN digest TEXT;
CREATE UNIQUE INDEX nur_dead_letter_digest ON nur_dead_letter (source, digest);
