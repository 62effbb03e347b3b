-- Federated client credentials (Pocket ID's oidc_clients.credentials.federatedIdentities): a confidential client
-- may authenticate with a JWT that its workload's own issuer signed (a Kubernetes service-account token, a GitHub
-- Actions OIDC token) instead of a secret. Empty subject/audience/jwks_url mean Pocket ID's defaults: the client
-- id, APP_URL, and the issuer + /.well-known/jwks.json. position keeps the administrator's order.
CREATE TABLE oidc_client_federated_identities (
  client_id         TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  position          INTEGER NOT NULL,
  issuer            TEXT NOT NULL,
  subject           TEXT NOT NULL DEFAULT '',
  audience          TEXT NOT NULL DEFAULT '',
  jwks_url          TEXT NOT NULL DEFAULT '',
  replay_protection INTEGER NOT NULL DEFAULT 0 CHECK (replay_protection IN (0, 1)),
  PRIMARY KEY (client_id, position)
) STRICT;
CREATE INDEX oidc_client_federated_identities_issuer ON oidc_client_federated_identities(client_id, issuer);
