/** Uploaded (or directory-provided) profile pictures, one per user. `updatedAt` is Unix seconds. */
import type { Database } from "./database.ts";

export type ProfilePicture = { userId: string; data: Uint8Array; contentType: string; updatedAt: number };

export function findProfilePicture(db: Database, userId: string): ProfilePicture | null {
  return (
    db
      .query<ProfilePicture, [string]>(`SELECT user_id AS "userId", data, content_type AS "contentType", updated_at AS "updatedAt" FROM profile_pictures WHERE user_id = ?`)
      .get(userId) ?? null
  );
}

export function upsertProfilePicture(db: Database, p: ProfilePicture): void {
  db.query(
    `INSERT INTO profile_pictures (user_id, data, content_type, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(user_id) DO UPDATE SET data = excluded.data, content_type = excluded.content_type, updated_at = excluded.updated_at`,
  ).run(p.userId, p.data, p.contentType, p.updatedAt);
}

export function deleteProfilePicture(db: Database, userId: string): boolean {
  return db.query("DELETE FROM profile_pictures WHERE user_id = ?").run(userId).changes > 0;
}
