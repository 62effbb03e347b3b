-- A consumed authorization code is marked in its own row (consumed_at, and the grant issued from it) instead of
-- being deleted and copied to oidc_consumed_codes: an exchange rewrites one row instead of touching two tables
-- and their indexes. The row is kept until an hour after the code's expiry, as the tombstone was, so a replay
-- still finds the grant to revoke.
ALTER TABLE oidc_authorization_codes ADD COLUMN consumed_at INTEGER;
ALTER TABLE oidc_authorization_codes ADD COLUMN grant_id TEXT;

-- Tombstones whose grant still exists become consumed code rows (a replay needs nothing else: the grant to revoke).
INSERT OR IGNORE INTO oidc_authorization_codes
  (code_hash, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge, code_challenge_method,
   auth_time, amr, created_at, expires_at, consumed_at, grant_id)
SELECT t.code_hash, g.client_id, g.user_id, g.session_id, '', g.scope, NULL, NULL, NULL,
       g.auth_time, g.amr, g.created_at, t.expires_at - 3600, g.created_at, t.grant_id
FROM oidc_consumed_codes t JOIN oidc_grants g ON g.id = t.grant_id;

DROP TABLE oidc_consumed_codes;
