-- Sign-in with another device (Pocket ID's QR-code sign-in, v2.12): a signed-out browser asks, a signed-in
-- person approves or denies on their own device, and the asking browser exchanges the approval for a session.
-- user_code is "P" + 7 characters (stored without the dash); only the SHA-256 of the asking browser's device
-- token is kept. status moves pending → approved | denied (one conditional UPDATE), approved → consumed (one
-- conditional UPDATE by the exchange, so exactly one session results); rows go once expired (5 minutes).
CREATE TABLE device_login_requests (
  id                 TEXT PRIMARY KEY,
  user_code          TEXT NOT NULL UNIQUE,
  device_token_hash  TEXT NOT NULL,
  status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  user_id            TEXT REFERENCES users(id) ON DELETE CASCADE,
  ip_address         TEXT,
  user_agent         TEXT,
  created_at         INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX device_login_requests_expires ON device_login_requests(expires_at);
