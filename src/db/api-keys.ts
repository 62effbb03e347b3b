import type { Database } from "./database.ts";

export type ApiKeyRow = {
  id: string;
  name: string;
  description: string;
  key_hash: string;
  prefix: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
};

/** An API key joined with its user's state, for request authentication. */
export type ApiKeyWithUserRow = ApiKeyRow & { is_admin: number; disabled: number; username: string };

export function insertApiKey(db: Database, row: ApiKeyRow): void {
  db.query(
    `INSERT INTO api_keys (id, name, description, key_hash, prefix, user_id, created_at, expires_at, last_used_at)
     VALUES ($id, $name, $description, $key_hash, $prefix, $user_id, $created_at, $expires_at, $last_used_at)`,
  ).run(row);
}

export function findApiKeyByHash(db: Database, keyHash: string): ApiKeyWithUserRow | null {
  return (
    db
      .query<ApiKeyWithUserRow, [string]>(
        "SELECT k.*, u.is_admin, u.disabled, u.username FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?",
      )
      .get(keyHash) ?? null
  );
}

export function touchApiKey(db: Database, id: string, now: number): void {
  db.query("UPDATE api_keys SET last_used_at = ? WHERE id = ?").run(now, id);
}

export function listApiKeysOfUser(db: Database, userId: string): ApiKeyRow[] {
  return db.query<ApiKeyRow, [string]>("SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, name").all(userId);
}

export function findApiKeyOfUser(db: Database, id: string, userId: string): ApiKeyRow | null {
  return db.query<ApiKeyRow, [string, string]>("SELECT * FROM api_keys WHERE id = ? AND user_id = ?").get(id, userId) ?? null;
}

export function deleteApiKeyOfUser(db: Database, id: string, userId: string): ApiKeyRow | null {
  return db.query<ApiKeyRow, [string, string]>("DELETE FROM api_keys WHERE id = ? AND user_id = ? RETURNING *").get(id, userId) ?? null;
}

export function replaceApiKeySecret(db: Database, id: string, userId: string, v: { key_hash: string; prefix: string; expires_at: number }): ApiKeyRow | null {
  return (
    db
      .query<ApiKeyRow, [string, string, number, string, string]>(
        "UPDATE api_keys SET key_hash = ?, prefix = ?, expires_at = ?, last_used_at = NULL WHERE id = ? AND user_id = ? RETURNING *",
      )
      .get(v.key_hash, v.prefix, v.expires_at, id, userId) ?? null
  );
}

export function deleteApiKeysOfUser(db: Database, userId: string): ApiKeyRow[] {
  return db.query<ApiKeyRow, [string]>("DELETE FROM api_keys WHERE user_id = ? RETURNING *").all(userId);
}
