import type { Database } from "./database.ts";

export type ProfilePictureRow = { user_id: string; data: Uint8Array; content_type: string; updated_at: number };

export function findProfilePicture(db: Database, userId: string): ProfilePictureRow | null {
  return db.query<ProfilePictureRow, [string]>("SELECT * FROM profile_pictures WHERE user_id = ?").get(userId) ?? null;
}

export function upsertProfilePicture(db: Database, row: ProfilePictureRow): void {
  db.query(
    `INSERT INTO profile_pictures (user_id, data, content_type, updated_at) VALUES ($user_id, $data, $content_type, $updated_at)
     ON CONFLICT(user_id) DO UPDATE SET data = excluded.data, content_type = excluded.content_type, updated_at = excluded.updated_at`,
  ).run(row);
}

export function deleteProfilePicture(db: Database, userId: string): boolean {
  return db.query("DELETE FROM profile_pictures WHERE user_id = ?").run(userId).changes > 0;
}
