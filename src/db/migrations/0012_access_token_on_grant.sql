-- A grant has one live access token at a time: the exchange that creates the grant issues it, and each refresh
-- replaces it (the previous one stops working at once, as when it was deleted from oidc_access_tokens). Keeping
-- it on the grant row saves a row, a table and two indexes per code exchange, and a delete per refresh.
-- Revoking the grant revokes its access token with it: it is the same row.
ALTER TABLE oidc_grants ADD COLUMN access_jti TEXT;
ALTER TABLE oidc_grants ADD COLUMN access_scope TEXT;
ALTER TABLE oidc_grants ADD COLUMN access_created_at INTEGER;
ALTER TABLE oidc_grants ADD COLUMN access_expires_at INTEGER;

-- The newest access token of each grant carries over (there was never more than one live).
UPDATE oidc_grants SET (access_jti, access_scope, access_created_at, access_expires_at) = (
  SELECT a.jti, a.scope, a.created_at, a.expires_at FROM oidc_access_tokens a
  WHERE a.grant_id = oidc_grants.id ORDER BY a.created_at DESC, a.rowid DESC LIMIT 1
);

CREATE UNIQUE INDEX oidc_grants_access_jti ON oidc_grants(access_jti) WHERE access_jti IS NOT NULL;
DROP TABLE oidc_access_tokens;
