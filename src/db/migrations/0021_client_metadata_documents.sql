-- Client ID Metadata Documents (issue 22 item 3, as Pocket ID v2.13): a client whose id is an https URL, admitted by
-- the cimdUrlAllowlist, is stored from the JSON document at that URL. client_type says where its registration comes
-- from ('standard': an administrator; 'cimd': the document); metadata_expires_at (seconds) is when the stored
-- document goes stale and is fetched again; metadata_grant_types (JSON list) the grant types it declared.
ALTER TABLE oidc_clients ADD COLUMN client_type TEXT NOT NULL DEFAULT 'standard' CHECK (client_type IN ('standard', 'cimd'));
ALTER TABLE oidc_clients ADD COLUMN metadata_expires_at INTEGER;
ALTER TABLE oidc_clients ADD COLUMN metadata_grant_types TEXT NOT NULL DEFAULT '[]';
