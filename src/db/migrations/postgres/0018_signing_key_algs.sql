-- key-rotate takes Pocket ID's other signing algorithms (issue 22): RS384 and RS512 (RSA-3072 and RSA-4096 keys),
-- ES384 (P-384) and ES512 (P-521). The column's CHECK has PostgreSQL's default name.
ALTER TABLE oidc_signing_keys DROP CONSTRAINT oidc_signing_keys_alg_check;
ALTER TABLE oidc_signing_keys ADD CONSTRAINT oidc_signing_keys_alg_check
  CHECK (alg IN ('RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'));
