-- Outbound SCIM provisioning: the PostgreSQL form of ../0022_scim_provisioning.sql (see that file).
CREATE TABLE scim_service_providers (
  id                 TEXT PRIMARY KEY,
  oidc_client_id     TEXT NOT NULL UNIQUE REFERENCES oidc_clients(id) ON DELETE CASCADE,
  endpoint           TEXT NOT NULL,
  token              TEXT,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL,
  last_attempt_at    BIGINT,
  last_synced_at     BIGINT,
  last_error         TEXT,
  last_counts        TEXT,
  change_count       BIGINT NOT NULL DEFAULT 0,
  seen_change_count  BIGINT NOT NULL DEFAULT 0,
  sync_due_at        BIGINT,
  claimed_by         TEXT,
  claim_expires_at   BIGINT
);

CREATE TABLE scim_provisioned_resources (
  provider_id    TEXT NOT NULL REFERENCES scim_service_providers(id) ON DELETE CASCADE,
  resource_type  TEXT NOT NULL CHECK (resource_type IN ('User', 'Group')),
  local_id       TEXT NOT NULL,
  remote_id      TEXT NOT NULL,
  payload_hash   TEXT NOT NULL,
  synced_at      BIGINT NOT NULL,
  PRIMARY KEY (provider_id, resource_type, local_id)
);

-- Row-level, as SQLite's: a statement that changes no row bumps nothing.
CREATE FUNCTION bump_scim_change_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
  RETURN NULL;
END;
$$;
CREATE TRIGGER scim_users_insert AFTER INSERT ON users
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_users_update AFTER UPDATE OF username, email, first_name, last_name, display_name, disabled ON users
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_users_delete AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_groups_insert AFTER INSERT ON user_groups
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_groups_update AFTER UPDATE OF name, friendly_name ON user_groups
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_groups_delete AFTER DELETE ON user_groups
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_members_insert AFTER INSERT ON user_groups_users
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_members_delete AFTER DELETE ON user_groups_users
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_allowed_groups_insert AFTER INSERT ON oidc_clients_allowed_user_groups
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_allowed_groups_delete AFTER DELETE ON oidc_clients_allowed_user_groups
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
CREATE TRIGGER scim_clients_restriction AFTER UPDATE OF is_group_restricted ON oidc_clients
  FOR EACH ROW EXECUTE FUNCTION bump_scim_change_count();
