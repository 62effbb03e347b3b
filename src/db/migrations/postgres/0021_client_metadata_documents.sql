-- Client ID Metadata Documents (issue 22 item 3, as Pocket ID v2.13): see the SQLite migration of the same number.
ALTER TABLE oidc_clients ADD COLUMN client_type TEXT NOT NULL DEFAULT 'standard' CHECK (client_type IN ('standard', 'cimd'));
ALTER TABLE oidc_clients ADD COLUMN metadata_expires_at BIGINT;
ALTER TABLE oidc_clients ADD COLUMN metadata_grant_types TEXT NOT NULL DEFAULT '[]';
