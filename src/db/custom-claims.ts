import type { Database } from "./database.ts";

/** One claim of a user or a group, by key. */
export type StoredCustomClaim = { id: string; key: string; value: string };

export function listCustomClaims(db: Database, owner: { userId: string } | { groupId: string }): StoredCustomClaim[] {
  if ("userId" in owner) return db.query<StoredCustomClaim, [string]>("SELECT id, key, value FROM custom_claims WHERE user_id = ? ORDER BY key").all(owner.userId);
  return db.query<StoredCustomClaim, [string]>("SELECT id, key, value FROM custom_claims WHERE user_group_id = ? ORDER BY key").all(owner.groupId);
}

/** Replaces every claim of one owner in a single transaction. */
export function replaceCustomClaims(db: Database, owner: { userId: string } | { groupId: string }, claims: { id: string; key: string; value: string }[]): void {
  const userId = "userId" in owner ? owner.userId : null;
  const groupId = "groupId" in owner ? owner.groupId : null;
  db.transaction(() => {
    if (userId) db.query("DELETE FROM custom_claims WHERE user_id = ?").run(userId);
    else db.query("DELETE FROM custom_claims WHERE user_group_id = ?").run(groupId);
    const ins = db.query("INSERT INTO custom_claims (id, key, value, user_id, user_group_id) VALUES (?, ?, ?, ?, ?)");
    for (const c of claims) ins.run(c.id, c.key, c.value, userId, groupId);
  }).immediate();
}

export function listCustomClaimKeys(db: Database): string[] {
  return db.query<{ key: string }, []>("SELECT DISTINCT key FROM custom_claims ORDER BY key").all().map((r) => r.key);
}
