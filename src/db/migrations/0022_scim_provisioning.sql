-- Outbound SCIM 2.0 provisioning per OIDC client (Pocket ID's scim_service_providers; src/scim/).
-- scim_service_providers: one SCIM server per client. `token` is the bearer token sealed with ENCRYPTION_KEY
-- (purpose "scim-token:<id>", src/db/sealed-values.ts), NULL when the server takes none. Times: created_at,
-- updated_at, last_attempt_at and last_synced_at (the last successful sync, Pocket ID's name) in seconds;
-- sync_due_at and claim_expires_at in milliseconds (the scheduler's clock).
-- Scheduling: the triggers below count every change that can alter what a provider pushes (users, groups,
-- memberships, a client's allowed groups and group restriction) in change_count; the minute job sees
-- change_count <> seen_change_count, sets sync_due_at five minutes ahead (a later change moves it again) and
-- runs the sync once due. One instance at a time syncs a provider: claimed_by/claim_expires_at is taken by one
-- conditional UPDATE and left to expire if that instance dies.
CREATE TABLE scim_service_providers (
  id                 TEXT PRIMARY KEY,
  oidc_client_id     TEXT NOT NULL UNIQUE REFERENCES oidc_clients(id) ON DELETE CASCADE,
  endpoint           TEXT NOT NULL,
  token              TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  last_attempt_at    INTEGER,
  last_synced_at     INTEGER,
  last_error         TEXT,
  last_counts        TEXT,                -- JSON: what the last attempt created, updated, deleted, left alone, failed
  change_count       INTEGER NOT NULL DEFAULT 0,
  seen_change_count  INTEGER NOT NULL DEFAULT 0,
  sync_due_at        INTEGER,
  claimed_by         TEXT,
  claim_expires_at   INTEGER
) STRICT;

-- What this provider's SCIM server holds for each local user and group: its id there, and a digest of the
-- resource last pushed (an unchanged resource is not sent again by scheduled syncs). No foreign key to users or
-- user_groups: a row outlives its local user or group until the remote resource is deleted.
CREATE TABLE scim_provisioned_resources (
  provider_id    TEXT NOT NULL REFERENCES scim_service_providers(id) ON DELETE CASCADE,
  resource_type  TEXT NOT NULL CHECK (resource_type IN ('User', 'Group')),
  local_id       TEXT NOT NULL,
  remote_id      TEXT NOT NULL,
  payload_hash   TEXT NOT NULL,
  synced_at      INTEGER NOT NULL,
  PRIMARY KEY (provider_id, resource_type, local_id)
) STRICT;

CREATE TRIGGER scim_users_insert AFTER INSERT ON users
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_users_update AFTER UPDATE OF username, email, first_name, last_name, display_name, disabled ON users
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_users_delete AFTER DELETE ON users
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_groups_insert AFTER INSERT ON user_groups
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_groups_update AFTER UPDATE OF name, friendly_name ON user_groups
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_groups_delete AFTER DELETE ON user_groups
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_members_insert AFTER INSERT ON user_groups_users
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_members_delete AFTER DELETE ON user_groups_users
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_allowed_groups_insert AFTER INSERT ON oidc_clients_allowed_user_groups
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_allowed_groups_delete AFTER DELETE ON oidc_clients_allowed_user_groups
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
CREATE TRIGGER scim_clients_restriction AFTER UPDATE OF is_group_restricted ON oidc_clients
BEGIN
  UPDATE scim_service_providers SET change_count = change_count + 1;
END;
