-- Single-use proofs of a fresh passkey assertion (Pocket ID's reauthentication token): issued by
-- /api/webauthn/reauthenticate/finish for one browser session, valid 3 minutes, consumed by the
-- sensitive action that asked for it (creating or renewing an API key).
CREATE TABLE reauthentication_tokens (
  token_hash  TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX reauthentication_tokens_session ON reauthentication_tokens(session_id);
CREATE INDEX reauthentication_tokens_expires ON reauthentication_tokens(expires_at);
