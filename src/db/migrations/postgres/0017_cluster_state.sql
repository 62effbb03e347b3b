-- Issue 21: state several instances share through the database (the PostgreSQL form of ../0017_cluster_state.sql;
-- see that file for what each table holds).
CREATE TABLE rate_limit_buckets (
  name     TEXT NOT NULL,
  key      TEXT NOT NULL,
  tat      BIGINT NOT NULL,
  allowed  BIGINT NOT NULL CHECK (allowed IN (0, 1)),
  PRIMARY KEY (name, key)
);
CREATE INDEX rate_limit_buckets_tat ON rate_limit_buckets(tat);

CREATE TABLE change_versions (
  name     TEXT PRIMARY KEY,
  version  BIGINT NOT NULL
);
INSERT INTO change_versions (name, version) VALUES ('signing_keys', 0);

-- Row-level, one per kind of change and named as SQLite's three: a statement that changes no row (the cleanup
-- job's DELETE of expired keys, every minute) bumps nothing.
CREATE FUNCTION bump_signing_keys_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'signing_keys';
  RETURN NULL;
END;
$$;
CREATE TRIGGER oidc_signing_keys_version_insert AFTER INSERT ON oidc_signing_keys
  FOR EACH ROW EXECUTE FUNCTION bump_signing_keys_version();
CREATE TRIGGER oidc_signing_keys_version_update AFTER UPDATE ON oidc_signing_keys
  FOR EACH ROW EXECUTE FUNCTION bump_signing_keys_version();
CREATE TRIGGER oidc_signing_keys_version_delete AFTER DELETE ON oidc_signing_keys
  FOR EACH ROW EXECUTE FUNCTION bump_signing_keys_version();
