-- API resources and permissions (RFC 8707), as Pocket ID v2.10+ has them (its apis, api_permissions,
-- oidc_clients_allowed_apis and oidc_clients_allowed_api_permissions tables).
-- - apis.audience is the `resource` a client names and the `aud` its access token carries: an absolute URI
--   without fragment, stored without a trailing slash, unique. It is fixed once created (tokens name it).
-- - api_permissions.key is the scope string; unique per API.
-- - A client's grants are per subject type: 'user' (tokens acting for a person: authorization code, device
--   and refresh grants) or 'client' (client_credentials). Access to an API is recorded apart from its
--   permissions, because a client may reach an API without any scope.
-- - allow_cimd_clients / allowed_for_cimd_clients are Pocket ID's Client ID Metadata Document opt-in, kept
--   so an import and export carry them.
-- - resource on codes, device codes, grants and client tokens: the API audience a token was issued for.
CREATE TABLE apis (
  id                 TEXT PRIMARY KEY,
  name               TEXT NOT NULL,
  audience           TEXT NOT NULL UNIQUE,
  allow_cimd_clients INTEGER NOT NULL DEFAULT 0 CHECK (allow_cimd_clients IN (0, 1)),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER
) STRICT;

CREATE TABLE api_permissions (
  id                       TEXT PRIMARY KEY,
  api_id                   TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
  key                      TEXT NOT NULL,
  name                     TEXT NOT NULL,
  description              TEXT,
  allowed_for_cimd_clients INTEGER NOT NULL DEFAULT 0 CHECK (allowed_for_cimd_clients IN (0, 1)),
  created_at               INTEGER NOT NULL,
  UNIQUE (api_id, key)
) STRICT;

CREATE TABLE oidc_clients_allowed_apis (
  oidc_client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  api_id         TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
  subject_type   TEXT NOT NULL CHECK (subject_type IN ('user', 'client')),
  PRIMARY KEY (oidc_client_id, api_id, subject_type)
) STRICT;
CREATE INDEX oidc_clients_allowed_apis_api ON oidc_clients_allowed_apis(api_id);

CREATE TABLE oidc_clients_allowed_api_permissions (
  oidc_client_id    TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  api_permission_id TEXT NOT NULL REFERENCES api_permissions(id) ON DELETE CASCADE,
  subject_type      TEXT NOT NULL CHECK (subject_type IN ('user', 'client')),
  PRIMARY KEY (oidc_client_id, api_permission_id, subject_type)
) STRICT;
CREATE INDEX oidc_clients_allowed_api_permissions_permission ON oidc_clients_allowed_api_permissions(api_permission_id);

ALTER TABLE oidc_authorization_codes ADD COLUMN resource TEXT;
ALTER TABLE oidc_device_codes ADD COLUMN resource TEXT;
ALTER TABLE oidc_grants ADD COLUMN resource TEXT;
ALTER TABLE oidc_client_access_tokens ADD COLUMN resource TEXT;
