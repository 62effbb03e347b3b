-- Forward-auth (issue 11): apps without OIDC, protected through a reverse proxy's auth subrequest.

CREATE TABLE protected_apps (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL,
  -- JSON array of host patterns: "app.example.com", "app.example.com:8443" or "*.apps.example.com"
  hosts               TEXT NOT NULL,
  path_prefix         TEXT NOT NULL DEFAULT '/',
  -- Restricted by default, like OIDC clients: nobody gets in until groups are chosen or it is unrestricted.
  is_group_restricted INTEGER NOT NULL DEFAULT 1 CHECK (is_group_restricted IN (0, 1)),
  -- Seconds since the last passkey assertion after which the person must re-authenticate; NULL = never.
  reauth_max_age      INTEGER,
  -- JSON array of identity headers answered to the proxy (subset of Remote-User/Groups/Email/Name).
  pass_headers        TEXT NOT NULL DEFAULT '["Remote-User","Remote-Groups","Remote-Email","Remote-Name"]',
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
) STRICT;

CREATE TABLE protected_apps_allowed_user_groups (
  app_id        TEXT NOT NULL REFERENCES protected_apps(id) ON DELETE CASCADE,
  user_group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
  PRIMARY KEY (app_id, user_group_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX protected_apps_allowed_user_groups_group ON protected_apps_allowed_user_groups(user_group_id);

-- The cookie the proxy forwards: bound to a Latchkey session, so signing out (deleting it) ends these too.
CREATE TABLE forward_auth_sessions (
  id          TEXT PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  -- Host-only cookie: the app host it was issued for. NULL: the shared parent-domain cookie.
  host        TEXT,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX forward_auth_sessions_session ON forward_auth_sessions(session_id);

-- One-time handshake codes (unrelated domains): consumed with DELETE … RETURNING.
CREATE TABLE forward_auth_codes (
  code_hash   TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  app_id      TEXT NOT NULL REFERENCES protected_apps(id) ON DELETE CASCADE,
  host        TEXT NOT NULL,
  return_url  TEXT NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
