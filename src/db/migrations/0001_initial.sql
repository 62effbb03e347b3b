-- Latchkey schema v1. Ids are UUID text; times are Unix seconds; booleans are 0/1.

CREATE TABLE kv (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE app_config (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
  id             TEXT PRIMARY KEY,
  username       TEXT NOT NULL COLLATE NOCASE UNIQUE,
  email          TEXT COLLATE NOCASE UNIQUE,
  email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
  first_name     TEXT NOT NULL DEFAULT '',
  last_name      TEXT NOT NULL DEFAULT '',
  display_name   TEXT NOT NULL DEFAULT '',
  is_admin       INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  locale         TEXT,
  ldap_id        TEXT UNIQUE,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;

-- Exactly one row may ever claim the first-run setup: two racing /setup requests cannot both win.
CREATE TABLE setup_claim (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE webauthn_credentials (
  id              TEXT PRIMARY KEY,
  user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name            TEXT NOT NULL,
  credential_id   TEXT NOT NULL UNIQUE, -- base64url
  public_key      BLOB NOT NULL,        -- COSE
  counter         INTEGER NOT NULL DEFAULT 0,
  transports      TEXT NOT NULL DEFAULT '[]',
  aaguid          TEXT NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
  device_type     TEXT NOT NULL DEFAULT 'singleDevice',
  backup_eligible INTEGER NOT NULL DEFAULT 0 CHECK (backup_eligible IN (0, 1)),
  backup_state    INTEGER NOT NULL DEFAULT 0 CHECK (backup_state IN (0, 1)),
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER
) STRICT;
CREATE INDEX webauthn_credentials_user ON webauthn_credentials(user_id);

-- WebAuthn ceremony challenges: expiring rows consumed with DELETE … RETURNING.
CREATE TABLE webauthn_challenges (
  id                TEXT PRIMARY KEY,
  challenge         TEXT NOT NULL UNIQUE,
  purpose           TEXT NOT NULL CHECK (purpose IN ('register', 'login', 'reauthenticate')),
  user_id           TEXT REFERENCES users(id) ON DELETE CASCADE,
  user_verification TEXT NOT NULL,
  expires_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  amr           TEXT NOT NULL,          -- JSON array: ["phr"] passkey, ["otp"] one-time code
  csrf_token    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  authenticated_at INTEGER NOT NULL,    -- last passkey assertion (re-authentication refreshes it)
  last_seen_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  ip_address    TEXT,
  user_agent    TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE one_time_access_tokens (
  id                TEXT PRIMARY KEY,
  token_hash        TEXT NOT NULL UNIQUE,
  user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device_token_hash TEXT,               -- set for emailed codes: only the browser that asked may use it
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE user_groups (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  friendly_name TEXT NOT NULL,
  ldap_id       TEXT UNIQUE,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE user_groups_users (
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  user_group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, user_group_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_groups_users_group ON user_groups_users(user_group_id);

CREATE TABLE custom_claims (
  id            TEXT PRIMARY KEY,
  key           TEXT NOT NULL,
  value         TEXT NOT NULL,
  user_id       TEXT REFERENCES users(id) ON DELETE CASCADE,
  user_group_id TEXT REFERENCES user_groups(id) ON DELETE CASCADE,
  CHECK ((user_id IS NULL) <> (user_group_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX custom_claims_user_key ON custom_claims(user_id, key) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX custom_claims_group_key ON custom_claims(user_group_id, key) WHERE user_group_id IS NOT NULL;

CREATE TABLE oidc_clients (
  id                             TEXT PRIMARY KEY,
  name                           TEXT NOT NULL,
  description                    TEXT NOT NULL DEFAULT '',
  callback_urls                  TEXT NOT NULL DEFAULT '[]',
  logout_callback_urls           TEXT NOT NULL DEFAULT '[]',
  launch_url                     TEXT,
  is_public                      INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
  pkce_enabled                   INTEGER NOT NULL DEFAULT 0 CHECK (pkce_enabled IN (0, 1)),
  requires_reauthentication      INTEGER NOT NULL DEFAULT 0 CHECK (requires_reauthentication IN (0, 1)),
  skip_consent                   INTEGER NOT NULL DEFAULT 0 CHECK (skip_consent IN (0, 1)),
  -- Restricted by default: a new client admits nobody until groups are chosen or it is unrestricted.
  is_group_restricted            INTEGER NOT NULL DEFAULT 1 CHECK (is_group_restricted IN (0, 1)),
  access_token_duration_minutes  INTEGER NOT NULL DEFAULT 60,
  refresh_token_duration_minutes INTEGER NOT NULL DEFAULT 43200,
  logo_light                     BLOB,
  logo_light_type                TEXT,
  logo_dark                      BLOB,
  logo_dark_type                 TEXT,
  created_by_id                  TEXT REFERENCES users(id) ON DELETE SET NULL,
  created_at                     INTEGER NOT NULL,
  updated_at                     INTEGER NOT NULL
) STRICT;

CREATE TABLE oidc_client_secrets (
  id         TEXT PRIMARY KEY,
  client_id  TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  hash       TEXT NOT NULL UNIQUE,      -- "sha256:<hex>"
  prefix     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
) STRICT;
CREATE INDEX oidc_client_secrets_client ON oidc_client_secrets(client_id);

CREATE TABLE oidc_clients_allowed_user_groups (
  client_id     TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  user_group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
  PRIMARY KEY (client_id, user_group_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_logs (
  id         TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  event      TEXT NOT NULL,
  user_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
  ip_address TEXT,
  user_agent TEXT,
  data       TEXT NOT NULL DEFAULT '{}',
  country    TEXT,
  city       TEXT
) STRICT;
CREATE INDEX audit_logs_user_time ON audit_logs(user_id, created_at);
CREATE INDEX audit_logs_time ON audit_logs(created_at);
