import type { Database } from "./database.ts";

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

export function findUserById(db: Database, id: string): UserRow | null {
  return db.query<UserRow, [string]>("SELECT * FROM users WHERE id = ?").get(id) ?? null;
}

export function findUserByUsernameOrEmail(db: Database, value: string): UserRow | null {
  return db.query<UserRow, [string, string]>("SELECT * FROM users WHERE username = ? OR email = ? ORDER BY username = ?1 DESC LIMIT 1").get(value, value) ?? null;
}

export function countUsers(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users").get()!.n;
}

export function insertUser(db: Database, row: UserRow): void {
  db.query(
    `INSERT INTO users (id, username, email, email_verified, first_name, last_name, display_name, is_admin, disabled, locale, ldap_id, created_at, updated_at)
     VALUES ($id, $username, $email, $email_verified, $first_name, $last_name, $display_name, $is_admin, $disabled, $locale, $ldap_id, $created_at, $updated_at)`,
  ).run(row);
}
