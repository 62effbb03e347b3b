/** Queries behind the admin user list and edits (users.ts keeps the lookups every area needs). */
import type { Database } from "bun:sqlite";
import type { UserRow } from "./users.ts";

const USER_SORT: Record<string, string> = {
  username: "username",
  email: "email",
  firstName: "first_name",
  lastName: "last_name",
  displayName: "display_name",
  isAdmin: "is_admin",
  createdAt: "created_at",
};

export function searchUsers(
  db: Database,
  opts: { search: string; limit: number; offset: number; sort?: string; direction?: "asc" | "desc"; excludeIds?: string[] },
): { rows: UserRow[]; total: number } {
  const like = `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const where =
    "WHERE (username LIKE ?1 ESCAPE '\\' OR IFNULL(email, '') LIKE ?1 ESCAPE '\\' OR first_name LIKE ?1 ESCAPE '\\' OR last_name LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\')";
  const column = USER_SORT[opts.sort ?? ""] ?? "username";
  const dir = opts.direction === "desc" ? "DESC" : "ASC";
  const rows = db
    .query<UserRow, [string, number, number]>(`SELECT * FROM users ${where} ORDER BY ${column} COLLATE NOCASE ${dir}, id LIMIT ?2 OFFSET ?3`)
    .all(like, opts.limit, opts.offset);
  const total = db.query<{ n: number }, [string]>(`SELECT COUNT(*) AS n FROM users ${where}`).get(like)!.n;
  return { rows, total };
}

export function listAllUsersBrief(db: Database): Pick<UserRow, "id" | "username" | "first_name" | "last_name" | "display_name" | "email">[] {
  return db.query<UserRow, []>("SELECT id, username, first_name, last_name, display_name, email FROM users ORDER BY username COLLATE NOCASE").all();
}

export function updateUserRow(
  db: Database,
  id: string,
  v: Pick<UserRow, "username" | "email" | "email_verified" | "first_name" | "last_name" | "display_name" | "is_admin" | "disabled" | "locale">,
  now: number,
): void {
  db.query(
    `UPDATE users SET username = $username, email = $email, email_verified = $email_verified, first_name = $first_name, last_name = $last_name,
       display_name = $display_name, is_admin = $is_admin, disabled = $disabled, locale = $locale, updated_at = $now WHERE id = $id`,
  ).run({ ...v, id, now });
}

export function findUserByUsername(db: Database, username: string): UserRow | null {
  return db.query<UserRow, [string]>("SELECT * FROM users WHERE username = ?").get(username) ?? null;
}

export function findUserByEmail(db: Database, email: string): UserRow | null {
  return db.query<UserRow, [string]>("SELECT * FROM users WHERE email = ?").get(email) ?? null;
}

export function deleteUserRow(db: Database, id: string): UserRow | null {
  return db.query<UserRow, [string]>("DELETE FROM users WHERE id = ? RETURNING *").get(id) ?? null;
}

export function countAdmins(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users WHERE is_admin = 1 AND disabled = 0").get()!.n;
}

export type CredentialBriefRow = { id: string; name: string; created_at: number; last_used_at: number | null; backup_eligible: number; device_type: string };

export function listCredentialsOfUser(db: Database, userId: string): CredentialBriefRow[] {
  return db
    .query<CredentialBriefRow, [string]>(
      "SELECT id, name, created_at, last_used_at, backup_eligible, device_type FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at",
    )
    .all(userId);
}

export function deleteCredentialOfUser(db: Database, userId: string, credentialId: string): CredentialBriefRow | null {
  return (
    db
      .query<CredentialBriefRow, [string, string]>(
        "DELETE FROM webauthn_credentials WHERE id = ? AND user_id = ? RETURNING id, name, created_at, last_used_at, backup_eligible, device_type",
      )
      .get(credentialId, userId) ?? null
  );
}

export function deleteSessionOfUser(db: Database, userId: string, sessionId: string): boolean {
  return db.query("DELETE FROM sessions WHERE id = ? AND user_id = ?").run(sessionId, userId).changes > 0;
}
