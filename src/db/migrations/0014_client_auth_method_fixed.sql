-- token_endpoint_auth_method becomes binding once an administrator chooses it (issue 17, finding 9).
-- 0 (every existing client, and new ones created without a choice): a confidential client authenticates
--   with its secret by client_secret_basic or client_secret_post, as Pocket ID allows.
-- 1: only the stored method (client_secret_basic, client_secret_post or private_key_jwt).
-- private_key_jwt was binding before this column and stays so whatever it holds.
ALTER TABLE oidc_clients ADD COLUMN token_endpoint_auth_method_fixed INTEGER NOT NULL DEFAULT 0
  CHECK (token_endpoint_auth_method_fixed IN (0, 1));
