-- Issue 18: client secrets imported from Pocket ID keep authenticating.
-- oidc_client_secrets.hash holds "sha256:<hex>" (Latchkey's own format; Pocket ID's sha256 secrets, v2.14+, are the
-- same hex digest and map onto it unchanged) or "bcrypt:<hash>" (Pocket ID's secrets made before v2.14: bcrypt,
-- cost 10). Latchkey never creates bcrypt secrets; they are checked only when no sha256 secret matched.
-- imported_from says where a secret came from (NULL: created by Latchkey).
ALTER TABLE oidc_client_secrets ADD COLUMN imported_from TEXT CHECK (imported_from IS NULL OR imported_from = 'pocket-id');
