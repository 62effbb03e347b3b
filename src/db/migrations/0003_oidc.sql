-- OpenID Connect provider state. Times are Unix seconds. Bearer secrets (codes, refresh tokens) are stored as SHA-256.

-- Signing keys. Exactly one is current (retired_at IS NULL); a retired key's public half stays in the JWKS
-- until retire_after, when every token it signed has expired.
CREATE TABLE oidc_signing_keys (
  kid                TEXT PRIMARY KEY,
  alg                TEXT NOT NULL CHECK (alg IN ('RS256', 'ES256', 'EdDSA')),
  public_jwk         TEXT NOT NULL,
  private_jwk_sealed TEXT NOT NULL,     -- box.seal("signing-key", JWK JSON)
  created_at         INTEGER NOT NULL,
  retired_at         INTEGER,
  retire_after       INTEGER
) STRICT;
CREATE UNIQUE INDEX oidc_signing_keys_current ON oidc_signing_keys(retired_at IS NULL) WHERE retired_at IS NULL;

-- A validated authorization request waiting for the person (sign-in, consent, re-authentication).
CREATE TABLE oidc_interactions (
  id            TEXT PRIMARY KEY,       -- random, in the /authorize?interaction= URL
  client_id     TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  params        TEXT NOT NULL,          -- JSON of the original authorization parameters
  consented_by  TEXT REFERENCES users(id) ON DELETE CASCADE, -- set when the person allowed this very request
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX oidc_interactions_expiry ON oidc_interactions(expires_at);

-- Consent, remembered per user and client with the scopes granted.
CREATE TABLE user_authorized_oidc_clients (
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id    TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  scope        TEXT NOT NULL DEFAULT '[]', -- JSON array of scope names
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, client_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_authorized_oidc_clients_client ON user_authorized_oidc_clients(client_id);

-- Authorization codes: 10 minutes, consumed with DELETE … RETURNING.
CREATE TABLE oidc_authorization_codes (
  code_hash             TEXT PRIMARY KEY,
  client_id             TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  user_id               TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_id            TEXT,
  redirect_uri          TEXT NOT NULL,
  scope                 TEXT NOT NULL,    -- space separated
  nonce                 TEXT,
  code_challenge        TEXT,
  code_challenge_method TEXT,
  auth_time             INTEGER NOT NULL,
  amr                   TEXT NOT NULL,    -- JSON array
  created_at            INTEGER NOT NULL,
  expires_at            INTEGER NOT NULL
) STRICT;

-- A consumed code leaves a tombstone so a replay can find and revoke what was issued from it.
CREATE TABLE oidc_consumed_codes (
  code_hash  TEXT PRIMARY KEY,
  grant_id   TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;

-- A grant: everything issued from one authorization code (the refresh-token family).
CREATE TABLE oidc_grants (
  id         TEXT PRIMARY KEY,
  client_id  TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_id TEXT,                      -- the browser sign-in it came from (ID token "sid")
  scope      TEXT NOT NULL,
  auth_time  INTEGER NOT NULL,
  amr        TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX oidc_grants_session ON oidc_grants(session_id);
CREATE INDEX oidc_grants_user_client ON oidc_grants(user_id, client_id);

-- Refresh tokens rotate on every use: used_at is set atomically; presenting a used token revokes the grant.
CREATE TABLE oidc_refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  grant_id   TEXT NOT NULL REFERENCES oidc_grants(id) ON DELETE CASCADE,
  client_id  TEXT NOT NULL,
  scope      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
) STRICT;
CREATE INDEX oidc_refresh_tokens_grant ON oidc_refresh_tokens(grant_id);

-- Access tokens are JWTs; their jti rows make revocation and introspection possible.
CREATE TABLE oidc_access_tokens (
  jti        TEXT PRIMARY KEY,
  grant_id   TEXT NOT NULL REFERENCES oidc_grants(id) ON DELETE CASCADE,
  client_id  TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  scope      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX oidc_access_tokens_grant ON oidc_access_tokens(grant_id);
