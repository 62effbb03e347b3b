/**
 * The users table. Callers get and give `User` values; the row (0/1 flags, snake_case) stays in src/db/.
 * Times are Unix seconds, as stored.
 */
import { engineOf, type Database } from "./database.ts";

export type User = {
  id: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  displayName: string;
  isAdmin: boolean;
  disabled: boolean;
  /** A BCP 47 tag, or null to follow the browser. */
  locale: string | null;
  /** Set when the directory (LDAP sync) owns this user. */
  ldapId: string | null;
  createdAt: number;
  updatedAt: number;
};

/** The stored form; only src/db/ sees it. */
export type UserRow = {
  id: string;
  username: string;
  email: string | null;
  email_verified: number;
  first_name: string;
  last_name: string;
  display_name: string;
  is_admin: number;
  disabled: number;
  locale: string | null;
  ldap_id: string | null;
  created_at: number;
  updated_at: number;
};

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    emailVerified: r.email_verified === 1,
    firstName: r.first_name,
    lastName: r.last_name,
    displayName: r.display_name,
    isAdmin: r.is_admin === 1,
    disabled: r.disabled === 1,
    locale: r.locale,
    ldapId: r.ldap_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toUserRow(u: User): UserRow {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    email_verified: u.emailVerified ? 1 : 0,
    first_name: u.firstName,
    last_name: u.lastName,
    display_name: u.displayName,
    is_admin: u.isAdmin ? 1 : 0,
    disabled: u.disabled ? 1 : 0,
    locale: u.locale,
    ldap_id: u.ldapId,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  };
}

/**
 * `column = ?` ignoring case, on its index: SQLite's username and email columns are COLLATE NOCASE;
 * PostgreSQL indexes lower(username) and lower(email) (migrations/postgres/0015).
 */
export function sameText(db: Database, column: "username" | "email", param = "?"): string {
  return engineOf(db) === "postgres" ? `lower(${column}) = lower(${param})` : `${column} = ${param}`;
}

export function findUserById(db: Database, id: string): User | null {
  const row = db.query<UserRow, [string]>("SELECT * FROM users WHERE id = ?").get(id);
  return row ? toUser(row) : null;
}

export function findUserByUsernameOrEmail(db: Database, value: string): User | null {
  const row = db
    .query<UserRow, [string]>(`SELECT * FROM users WHERE ${sameText(db, "username", "?1")} OR ${sameText(db, "email", "?1")} ORDER BY ${sameText(db, "username", "?1")} DESC LIMIT 1`)
    .get(value);
  return row ? toUser(row) : null;
}

export function countUsers(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users").get()!.n;
}

export function insertUser(db: Database, user: User): void {
  db.query(
    `INSERT INTO users (id, username, email, email_verified, first_name, last_name, display_name, is_admin, disabled, locale, ldap_id, created_at, updated_at)
     VALUES ($id, $username, $email, $email_verified, $first_name, $last_name, $display_name, $is_admin, $disabled, $locale, $ldap_id, $created_at, $updated_at)`,
  ).run(toUserRow(user));
}
