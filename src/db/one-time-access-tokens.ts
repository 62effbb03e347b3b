/** One-time login codes (recovery links and typed codes); only SHA-256 hashes are stored. */
import type { Database } from "./database.ts";

/** A login code's stored form (times are Unix seconds). */
export type OneTimeAccessToken = {
  id: string;
  tokenHash: string;
  userId: string;
  /** Set for a code emailed on request: only the browser holding this device token may use it. */
  deviceTokenHash: string | null;
  createdAt: number;
  expiresAt: number;
};

type OneTimeAccessTokenRow = {
  id: string;
  token_hash: string;
  user_id: string;
  device_token_hash: string | null;
  created_at: number;
  expires_at: number;
};

export function insertOneTimeAccessToken(db: Database, t: OneTimeAccessToken): void {
  db.query("INSERT INTO one_time_access_tokens (id, token_hash, user_id, device_token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)").run(
    t.id,
    t.tokenHash,
    t.userId,
    t.deviceTokenHash,
    t.createdAt,
    t.expiresAt,
  );
}

/**
 * Single use: deleted in the statement that reads it. Expired tokens are deleted too but not returned.
 * A token bound to a device (emailed on request) is only consumed by that device's token hash.
 */
export function consumeOneTimeAccessToken(db: Database, tokenHash: string, now: number, deviceTokenHash: string | null = null): OneTimeAccessToken | null {
  const r = db
    .query<OneTimeAccessTokenRow, [string, string]>(
      "DELETE FROM one_time_access_tokens WHERE token_hash = ? AND (device_token_hash IS NULL OR device_token_hash = ?) RETURNING *",
    )
    .get(tokenHash, deviceTokenHash ?? "");
  if (!r || r.expires_at <= now) return null;
  return { id: r.id, tokenHash: r.token_hash, userId: r.user_id, deviceTokenHash: r.device_token_hash, createdAt: r.created_at, expiresAt: r.expires_at };
}

export function deleteExpiredOneTimeAccessTokens(db: Database, now: number): number {
  return db.query("DELETE FROM one_time_access_tokens WHERE expires_at <= ?").run(now).changes;
}
