/** Uniqueness checks and profile updates used by user creation and the account page. */
import type { Database } from "./database.ts";
import { sameText } from "./users.ts";

/** Case-insensitive (the columns are COLLATE NOCASE). `exceptUserId` ignores the user being edited. */
export function isUsernameTaken(db: Database, username: string, exceptUserId: string | null = null): boolean {
  return db.query<{ n: number }, [string, string]>(`SELECT COUNT(*) AS n FROM users WHERE ${sameText(db, "username")} AND id <> ?`).get(username, exceptUserId ?? "")!.n > 0;
}

export function isEmailTaken(db: Database, email: string, exceptUserId: string | null = null): boolean {
  return db.query<{ n: number }, [string, string]>(`SELECT COUNT(*) AS n FROM users WHERE ${sameText(db, "email")} AND id <> ?`).get(email, exceptUserId ?? "")!.n > 0;
}

export function updateUserProfile(
  db: Database,
  id: string,
  v: { username: string; email: string | null; emailVerified: boolean; firstName: string; lastName: string; displayName: string },
  now: number,
): void {
  db.query(
    `UPDATE users SET username = $username, email = $email, email_verified = $email_verified, first_name = $first_name, last_name = $last_name,
       display_name = $display_name, updated_at = $now WHERE id = $id`,
  ).run({
    id,
    username: v.username,
    email: v.email,
    email_verified: v.emailVerified ? 1 : 0,
    first_name: v.firstName,
    last_name: v.lastName,
    display_name: v.displayName,
    now,
  });
}

/** A person's language (a BCP 47 tag such as "de" or "pt-BR"), or null to follow the browser. */
export function setUserLocale(db: Database, userId: string, locale: string | null, now: number): void {
  db.query("UPDATE users SET locale = ?, updated_at = ? WHERE id = ?").run(locale, now, userId);
}
