-- Administration: API keys, sign-up tokens, profile pictures.

-- API keys act as their user (admin-ness of that user applies). Only the SHA-256 of the key is kept.
CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  key_hash     TEXT NOT NULL UNIQUE,
  prefix       TEXT NOT NULL,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_used_at INTEGER
) STRICT;
CREATE INDEX api_keys_user ON api_keys(user_id);

-- Sign-up links (/st/<token>): expiring, with a usage limit; the token is stored hashed.
CREATE TABLE signup_tokens (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,
  prefix        TEXT NOT NULL,
  usage_limit   INTEGER NOT NULL CHECK (usage_limit BETWEEN 1 AND 100),
  usage_count   INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  created_by_id TEXT REFERENCES users(id) ON DELETE SET NULL
) STRICT;

CREATE TABLE signup_tokens_user_groups (
  signup_token_id TEXT NOT NULL REFERENCES signup_tokens(id) ON DELETE CASCADE,
  user_group_id   TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
  PRIMARY KEY (signup_token_id, user_group_id)
) STRICT, WITHOUT ROWID;

-- Uploaded profile pictures (content type checked by magic bytes before insert).
CREATE TABLE profile_pictures (
  user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  data         BLOB NOT NULL,
  content_type TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;
