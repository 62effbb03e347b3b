-- Sign-in with another device: the PostgreSQL form of ../0019_device_login_requests.sql (see that file).
CREATE TABLE device_login_requests (
  id                 TEXT PRIMARY KEY,
  user_code          TEXT NOT NULL UNIQUE,
  device_token_hash  TEXT NOT NULL,
  status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  user_id            TEXT REFERENCES users(id) ON DELETE CASCADE,
  ip_address         TEXT,
  user_agent         TEXT,
  created_at         BIGINT NOT NULL,
  expires_at         BIGINT NOT NULL
);
CREATE INDEX device_login_requests_expires ON device_login_requests(expires_at);
