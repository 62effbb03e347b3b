-- Email (issue 7): the outbox, verification links and the once-per-key API key expiry notice.

-- Messages waiting for the SMTP server. The body is sealed with ENCRYPTION_KEY (it can hold a login
-- code); a row is deleted once delivered or after its last attempt.
CREATE TABLE email_outbox (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,
  recipient       TEXT NOT NULL,
  sealed_message  TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX email_outbox_due ON email_outbox(next_attempt_at);

-- /verify-email?token=…: single use, 24 h, stored hashed, for the address it was sent to.
CREATE TABLE email_verification_tokens (
  id         TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email      TEXT NOT NULL COLLATE NOCASE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX email_verification_tokens_user ON email_verification_tokens(user_id);

-- "Your API key expires soon" is sent once per key.
CREATE TABLE api_key_expiry_notices (
  api_key_id TEXT PRIMARY KEY REFERENCES api_keys(id) ON DELETE CASCADE,
  sent_at    INTEGER NOT NULL
) STRICT;
