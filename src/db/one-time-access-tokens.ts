/** One-time login codes (recovery links and typed codes); only SHA-256 hashes are stored. */
import type { Database } from "./database.ts";

export type OneTimeAccessTokenRow = {
  id: string;
  token_hash: string;
  user_id: string;
  device_token_hash: string | null;
  created_at: number;
  expires_at: number;
};

export function insertOneTimeAccessToken(db: Database, row: OneTimeAccessTokenRow): void {
  db.query(
    `INSERT INTO one_time_access_tokens (id, token_hash, user_id, device_token_hash, created_at, expires_at)
     VALUES ($id, $token_hash, $user_id, $device_token_hash, $created_at, $expires_at)`,
  ).run(row);
}

/**
 * Single use: deleted in the statement that reads it. Expired tokens are deleted too but not returned.
 * A token bound to a device (emailed on request) is only consumed by that device's token hash.
 */
export function consumeOneTimeAccessToken(db: Database, tokenHash: string, now: number, deviceTokenHash: string | null = null): OneTimeAccessTokenRow | null {
  const row =
    db
      .query<OneTimeAccessTokenRow, [string, string]>(
        "DELETE FROM one_time_access_tokens WHERE token_hash = ? AND (device_token_hash IS NULL OR device_token_hash = ?) RETURNING *",
      )
      .get(tokenHash, deviceTokenHash ?? "") ?? null;
  return row && row.expires_at > now ? row : null;
}

export function deleteExpiredOneTimeAccessTokens(db: Database, now: number): number {
  return db.query("DELETE FROM one_time_access_tokens WHERE expires_at <= ?").run(now).changes;
}
