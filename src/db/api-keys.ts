/** API keys (the api_keys table). Callers get and give `StoredApiKey` values; times are Unix seconds. */
import type { Database } from "./database.ts";

export type StoredApiKey = {
  id: string;
  name: string;
  description: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  keyHash: string;
  /** The secret's first characters, shown so a person can tell keys apart. */
  prefix: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
};

/** An API key with what request authentication needs of its user, read in the same query. */
export type ApiKeyWithUser = StoredApiKey & { isAdmin: boolean; disabled: boolean; username: string };

type ApiKeyRow = {
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

function toStoredApiKey(r: ApiKeyRow): StoredApiKey {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    keyHash: r.key_hash,
    prefix: r.prefix,
    userId: r.user_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
  };
}

const keyOrNull = (r: ApiKeyRow | null): StoredApiKey | null => (r ? toStoredApiKey(r) : null);

export function insertApiKey(db: Database, k: StoredApiKey): void {
  db.query(
    `INSERT INTO api_keys (id, name, description, key_hash, prefix, user_id, created_at, expires_at, last_used_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(k.id, k.name, k.description, k.keyHash, k.prefix, k.userId, k.createdAt, k.expiresAt, k.lastUsedAt);
}

/** Every API request: one indexed query (key_hash is unique) joined with the user's flags. */
export function findApiKeyByHash(db: Database, keyHash: string): ApiKeyWithUser | null {
  const r = db
    .query<ApiKeyRow & { is_admin: number; disabled: number; username: string }, [string]>(
      "SELECT k.*, u.is_admin, u.disabled, u.username FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?",
    )
    .get(keyHash);
  return r ? { ...toStoredApiKey(r), isAdmin: r.is_admin === 1, disabled: r.disabled === 1, username: r.username } : null;
}

export function touchApiKey(db: Database, id: string, now: number): void {
  db.query("UPDATE api_keys SET last_used_at = ? WHERE id = ?").run(now, id);
}

export function listApiKeysOfUser(db: Database, userId: string): StoredApiKey[] {
  return db.query<ApiKeyRow, [string]>("SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, name").all(userId).map(toStoredApiKey);
}

export function findApiKeyOfUser(db: Database, id: string, userId: string): StoredApiKey | null {
  return keyOrNull(db.query<ApiKeyRow, [string, string]>("SELECT * FROM api_keys WHERE id = ? AND user_id = ?").get(id, userId));
}

export function deleteApiKeyOfUser(db: Database, id: string, userId: string): StoredApiKey | null {
  return keyOrNull(db.query<ApiKeyRow, [string, string]>("DELETE FROM api_keys WHERE id = ? AND user_id = ? RETURNING *").get(id, userId));
}

export function replaceApiKeySecret(db: Database, id: string, userId: string, v: { keyHash: string; prefix: string; expiresAt: number }): StoredApiKey | null {
  return keyOrNull(
    db
      .query<ApiKeyRow, [string, string, number, string, string]>(
        "UPDATE api_keys SET key_hash = ?, prefix = ?, expires_at = ?, last_used_at = NULL WHERE id = ? AND user_id = ? RETURNING *",
      )
      .get(v.keyHash, v.prefix, v.expiresAt, id, userId),
  );
}

export function deleteApiKeysOfUser(db: Database, userId: string): StoredApiKey[] {
  return db.query<ApiKeyRow, [string]>("DELETE FROM api_keys WHERE user_id = ? RETURNING *").all(userId).map(toStoredApiKey);
}
