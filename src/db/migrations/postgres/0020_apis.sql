-- API resources and permissions (RFC 8707): the PostgreSQL form of ../0020_apis.sql (see that file).
CREATE TABLE apis (
  id                 TEXT PRIMARY KEY,
  name               TEXT NOT NULL,
  audience           TEXT NOT NULL UNIQUE,
  allow_cimd_clients BIGINT NOT NULL DEFAULT 0 CHECK (allow_cimd_clients IN (0, 1)),
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT
);

CREATE TABLE api_permissions (
  id                       TEXT PRIMARY KEY,
  api_id                   TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
  key                      TEXT NOT NULL,
  name                     TEXT NOT NULL,
  description              TEXT,
  allowed_for_cimd_clients BIGINT NOT NULL DEFAULT 0 CHECK (allowed_for_cimd_clients IN (0, 1)),
  created_at               BIGINT NOT NULL,
  UNIQUE (api_id, key)
);

CREATE TABLE oidc_clients_allowed_apis (
  oidc_client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  api_id         TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
  subject_type   TEXT NOT NULL CHECK (subject_type IN ('user', 'client')),
  PRIMARY KEY (oidc_client_id, api_id, subject_type)
);
CREATE INDEX oidc_clients_allowed_apis_api ON oidc_clients_allowed_apis(api_id);

CREATE TABLE oidc_clients_allowed_api_permissions (
  oidc_client_id    TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  api_permission_id TEXT NOT NULL REFERENCES api_permissions(id) ON DELETE CASCADE,
  subject_type      TEXT NOT NULL CHECK (subject_type IN ('user', 'client')),
  PRIMARY KEY (oidc_client_id, api_permission_id, subject_type)
);
CREATE INDEX oidc_clients_allowed_api_permissions_permission ON oidc_clients_allowed_api_permissions(api_permission_id);

ALTER TABLE oidc_authorization_codes ADD COLUMN resource TEXT;
ALTER TABLE oidc_device_codes ADD COLUMN resource TEXT;
ALTER TABLE oidc_grants ADD COLUMN resource TEXT;
ALTER TABLE oidc_client_access_tokens ADD COLUMN resource TEXT;
