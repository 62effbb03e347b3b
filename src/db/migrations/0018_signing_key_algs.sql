-- key-rotate takes Pocket ID's other signing algorithms (issue 22): RS384 and RS512 (RSA-3072 and RSA-4096 keys),
-- ES384 (P-384) and ES512 (P-521). SQLite cannot change a CHECK in place: the table is rebuilt, then its index and
-- the change-version triggers of 0017 (dropped with the old table) are created again. Nothing references it.
CREATE TABLE oidc_signing_keys_new (
  kid                TEXT PRIMARY KEY,
  alg                TEXT NOT NULL CHECK (alg IN ('RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA')),
  public_jwk         TEXT NOT NULL,
  private_jwk_sealed TEXT NOT NULL,     -- box.seal("signing-key", JWK JSON)
  created_at         INTEGER NOT NULL,
  retired_at         INTEGER,
  retire_after       INTEGER
) STRICT;
INSERT INTO oidc_signing_keys_new (kid, alg, public_jwk, private_jwk_sealed, created_at, retired_at, retire_after)
  SELECT kid, alg, public_jwk, private_jwk_sealed, created_at, retired_at, retire_after FROM oidc_signing_keys;
DROP TABLE oidc_signing_keys;
ALTER TABLE oidc_signing_keys_new RENAME TO oidc_signing_keys;
CREATE UNIQUE INDEX oidc_signing_keys_current ON oidc_signing_keys(retired_at IS NULL) WHERE retired_at IS NULL;

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
