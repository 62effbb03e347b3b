-- Federated client credentials: the PostgreSQL form of ../0023_federated_identities.sql (see that file).
CREATE TABLE oidc_client_federated_identities (
  client_id         TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  position          BIGINT NOT NULL,
  issuer            TEXT NOT NULL,
  subject           TEXT NOT NULL DEFAULT '',
  audience          TEXT NOT NULL DEFAULT '',
  jwks_url          TEXT NOT NULL DEFAULT '',
  replay_protection BIGINT NOT NULL DEFAULT 0 CHECK (replay_protection IN (0, 1)),
  PRIMARY KEY (client_id, position)
);
CREATE INDEX oidc_client_federated_identities_issuer ON oidc_client_federated_identities(client_id, issuer);
