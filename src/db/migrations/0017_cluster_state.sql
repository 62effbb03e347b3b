-- Issue 21: state several instances share through the database.
--
-- Rate-limit budgets (src/http/plugins/rate-limit.ts): one row per named limit and key (a client IP, a user id,
-- a registered client, a passkey), as a GCRA cell: `tat` is the theoretical arrival time in milliseconds, which is
-- a token bucket of `burst` tokens refilled one per interval written as one number. Taken with one
-- INSERT … ON CONFLICT DO UPDATE … RETURNING, so two instances charging the same key at once are serialised by
-- the row. `allowed` is that statement's decision (1 or 0), returned with the new tat. A row whose tat has passed
-- is a full bucket: the cleanup job deletes it and nothing is lost.
CREATE TABLE rate_limit_buckets (
  name     TEXT NOT NULL,
  key      TEXT NOT NULL,
  tat      INTEGER NOT NULL,
  allowed  INTEGER NOT NULL CHECK (allowed IN (0, 1)),
  PRIMARY KEY (name, key)
) STRICT;
CREATE INDEX rate_limit_buckets_tat ON rate_limit_buckets(tat);

-- Version counters of data every instance caches in memory, bumped in the same transaction as every change (by
-- the triggers below, so no writer can forget): an instance reads them at most once a second and reloads what
-- changed. Replaces SQLite's PRAGMA data_version, which only sees other connections to the same file.
CREATE TABLE change_versions (
  name     TEXT PRIMARY KEY,
  version  INTEGER NOT NULL
) STRICT;
INSERT INTO change_versions (name, version) VALUES ('signing_keys', 0);

CREATE TRIGGER oidc_signing_keys_version_insert AFTER INSERT ON oidc_signing_keys
BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'signing_keys';
END;
CREATE TRIGGER oidc_signing_keys_version_update AFTER UPDATE ON oidc_signing_keys
BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'signing_keys';
END;
CREATE TRIGGER oidc_signing_keys_version_delete AFTER DELETE ON oidc_signing_keys
BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'signing_keys';
END;
