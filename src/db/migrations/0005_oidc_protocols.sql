-- Protocol completeness: device grant, client credentials, PAR, back-channel logout, private_key_jwt.
-- Times are Unix seconds. Bearer secrets (device codes, request URIs) are stored as SHA-256.

-- Per-client settings.
ALTER TABLE oidc_clients ADD COLUMN require_par INTEGER NOT NULL DEFAULT 0;
ALTER TABLE oidc_clients ADD COLUMN backchannel_logout_uri TEXT;
-- client_secret_basic / client_secret_post (either secret method is accepted) or private_key_jwt (secrets refused).
ALTER TABLE oidc_clients ADD COLUMN token_endpoint_auth_method TEXT NOT NULL DEFAULT 'client_secret_basic'
  CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt'));
ALTER TABLE oidc_clients ADD COLUMN jwks TEXT;      -- JSON JWK Set with the client's public keys
ALTER TABLE oidc_clients ADD COLUMN jwks_uri TEXT;  -- or where to fetch it
-- Scopes the client may obtain for itself with client_credentials (JSON array of names).
ALTER TABLE oidc_clients ADD COLUMN credentials_scopes TEXT NOT NULL DEFAULT '[]';

-- Device authorization grant (RFC 8628): 15 minutes; the device code is consumed with DELETE … RETURNING.
CREATE TABLE oidc_device_codes (
  device_code_hash TEXT PRIMARY KEY,
  user_code        TEXT NOT NULL UNIQUE,   -- 8 characters, stored without the hyphen
  client_id        TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  scope            TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied')),
  user_id          TEXT REFERENCES users(id) ON DELETE CASCADE,
  auth_time        INTEGER,
  amr              TEXT,
  interval_seconds INTEGER NOT NULL,
  last_polled_at   INTEGER,
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX oidc_device_codes_expiry ON oidc_device_codes(expires_at);

-- Pushed authorization requests (RFC 9126): 90 seconds, single use, bound to the client that pushed them.
CREATE TABLE oidc_pushed_requests (
  request_uri_hash TEXT PRIMARY KEY,
  client_id        TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  params           TEXT NOT NULL,          -- JSON of the authorization parameters
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL
) STRICT;

-- private_key_jwt (RFC 7523): assertion ids seen, kept until the assertion expires (replay protection).
CREATE TABLE oidc_client_assertion_jtis (
  client_id  TEXT NOT NULL,
  jti        TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, jti)
) STRICT, WITHOUT ROWID;

-- DPoP (RFC 9449): a refresh token issued with a proof is bound to that key's thumbprint.
ALTER TABLE oidc_refresh_tokens ADD COLUMN dpop_jkt TEXT;

-- Access tokens issued to clients themselves (client_credentials), for introspection and revocation.
CREATE TABLE oidc_client_access_tokens (
  jti        TEXT PRIMARY KEY,
  client_id  TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  scope      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;

-- Back-channel logout (OIDC Back-Channel Logout 1.0).
-- Which clients each browser sign-in (ID token "sid") has signed in to.
CREATE TABLE oidc_session_clients (
  session_id TEXT NOT NULL,
  client_id  TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, client_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX oidc_session_clients_client ON oidc_session_clients(client_id);

-- Logout tokens waiting to be delivered (retried with backoff, bounded).
CREATE TABLE oidc_backchannel_logouts (
  id              INTEGER PRIMARY KEY,
  client_id       TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL,
  sid             TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,  -- 0 = due now
  last_error      TEXT
) STRICT;
CREATE INDEX oidc_backchannel_logouts_due ON oidc_backchannel_logouts(next_attempt_at);

-- Delivery status per client, for the admin's client page.
CREATE TABLE oidc_backchannel_status (
  client_id       TEXT PRIMARY KEY REFERENCES oidc_clients(id) ON DELETE CASCADE,
  last_success_at INTEGER,
  last_failure_at INTEGER,
  last_error      TEXT,
  delivered_count INTEGER NOT NULL DEFAULT 0,
  failed_count    INTEGER NOT NULL DEFAULT 0   -- deliveries given up after the last retry
) STRICT;

-- Every way a browser session ends (sign-out, revocation by the person or an admin, end-session, a newer
-- sign-in, disabling or deleting the user, expiry housekeeping) deletes its row: the logout notices are
-- queued here, in the same transaction, whichever code path did it.
CREATE TRIGGER sessions_queue_backchannel_logout AFTER DELETE ON sessions
BEGIN
  INSERT INTO oidc_backchannel_logouts (client_id, user_id, sid)
    SELECT sc.client_id, OLD.user_id, sc.session_id FROM oidc_session_clients sc
    JOIN oidc_clients c ON c.id = sc.client_id
    WHERE sc.session_id = OLD.id AND c.backchannel_logout_uri IS NOT NULL;
  DELETE FROM oidc_session_clients WHERE session_id = OLD.id;
END;
