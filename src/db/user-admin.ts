/** Queries behind the admin user list and edits (users.ts keeps the lookups every area needs). */
import { engineOf, type Database } from "./database.ts";
import { ownValue } from "../lib/own.ts";
import { sameText, toUser, type User, type UserRow } from "./users.ts";

/** Sortable columns → ORDER BY expression; each has an index in that order (0001, 0009). */
const USER_SORT: Readonly<Record<string, string>> = {
  username: "username COLLATE NOCASE",
  email: "email COLLATE NOCASE",
  firstName: "first_name COLLATE NOCASE",
  lastName: "last_name COLLATE NOCASE",
  displayName: "display_name COLLATE NOCASE",
  isAdmin: "is_admin",
  createdAt: "created_at",
};
/** The `sort[column]` values searchUsers accepts (the admin layer refuses others with a 400). */
export const USER_SORT_COLUMNS: readonly string[] = Object.keys(USER_SORT);

/** Above this many matches a search reports a lower bound (counting further costs a scan of them all). */
export const USER_COUNT_BOUND = 10_000;

/**
 * A page of the admin user list, fast at a million users:
 * - ordered by an indexed expression with the rowid as tie-break, which is the index's own order;
 * - the page's rowids are found on the covering index first (a deep OFFSET skips index entries, not rows);
 * - search is a case-insensitive prefix of username, email, first, last or display name (index ranges;
 *   `LIKE 'x%'` on NOCASE columns), not a substring scan;
 * - the total is exact without a search; with one it is counted up to max(USER_COUNT_BOUND, the end of
 *   this page) + 1: a total of bound + 1 with `more` set means "at least", and the next page exists.
 */
export function searchUsers(
  db: Database,
  opts: { search: string; limit: number; offset: number; sort?: string; direction?: "asc" | "desc" },
): { users: User[]; total: number; more: boolean } {
  const search = opts.search.trim();
  const prefix = `${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  // `+column` keeps the planner off that column's index: for a search matching many rows, walking the
  // sort index and filtering stops after one page, while gathering every match from the prefix indexes
  // and sorting them would not. PostgreSQL has no unary + on text and plans on its own; there the
  // columns stay bare, and the id (it has no rowid) breaks ties.
  const postgres = engineOf(db) === "postgres";
  const rowKey = postgres ? "id" : "rowid";
  const matching = (viaPrefixIndexes: boolean) => {
    const c = viaPrefixIndexes || postgres ? "" : "+";
    return `WHERE ${c}username LIKE ?1 ESCAPE '\\' OR ${c}email LIKE ?1 ESCAPE '\\' OR ${c}first_name LIKE ?1 ESCAPE '\\'
      OR ${c}last_name LIKE ?1 ESCAPE '\\' OR ${c}display_name LIKE ?1 ESCAPE '\\'`;
  };
  let total: number;
  let more = false;
  let where = "WHERE CAST(?1 AS TEXT) IS NOT NULL";
  if (!search) {
    total = db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users").get()!.n;
  } else {
    const bound = Math.max(USER_COUNT_BOUND, opts.offset + opts.limit);
    total = db.query<{ n: number }, [string, number]>(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM users ${matching(true)} LIMIT ?2) m`).get(prefix, bound + 1)!.n;
    more = total > bound;
    where = matching(!more);
  }
  const dir = opts.direction === "desc" ? "DESC" : "ASC";
  const order = `${ownValue(USER_SORT, opts.sort) ?? USER_SORT.username} ${dir}, ${rowKey} ${dir}`;
  const rows = db
    .query<UserRow, [string, number, number]>(
      `SELECT * FROM users WHERE ${rowKey} IN (SELECT ${rowKey} FROM users ${where} ORDER BY ${order} LIMIT ?2 OFFSET ?3) ORDER BY ${order}`,
    )
    .all(prefix, opts.limit, opts.offset);
  return { users: rows.map(toUser), total, more };
}

export type UserBrief = Pick<User, "id" | "username" | "firstName" | "lastName" | "displayName" | "email">;

export function listAllUsersBrief(db: Database): UserBrief[] {
  return db
    .query<UserBrief, []>(
      `SELECT id, username, first_name AS "firstName", last_name AS "lastName", display_name AS "displayName", email FROM users ORDER BY username COLLATE NOCASE`,
    )
    .all();
}

export type UserEdit = Pick<User, "username" | "email" | "emailVerified" | "firstName" | "lastName" | "displayName" | "isAdmin" | "disabled" | "locale">;

export function updateUser(db: Database, id: string, v: UserEdit, now: number): void {
  db.query(
    `UPDATE users SET username = ?, email = ?, email_verified = ?, first_name = ?, last_name = ?,
       display_name = ?, is_admin = ?, disabled = ?, locale = ?, updated_at = ? WHERE id = ?`,
  ).run(v.username, v.email, v.emailVerified ? 1 : 0, v.firstName, v.lastName, v.displayName, v.isAdmin ? 1 : 0, v.disabled ? 1 : 0, v.locale, now, id);
}

export function findUserByUsername(db: Database, username: string): User | null {
  const row = db.query<UserRow, [string]>(`SELECT * FROM users WHERE ${sameText(db, "username")}`).get(username);
  return row ? toUser(row) : null;
}

export function findUserByEmail(db: Database, email: string): User | null {
  const row = db.query<UserRow, [string]>(`SELECT * FROM users WHERE ${sameText(db, "email")}`).get(email);
  return row ? toUser(row) : null;
}

/** The deleted user, or null if there was none. */
export function deleteUser(db: Database, id: string): User | null {
  const row = db.query<UserRow, [string]>("DELETE FROM users WHERE id = ? RETURNING *").get(id);
  return row ? toUser(row) : null;
}

export function countAdmins(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users WHERE is_admin = 1 AND disabled = 0").get()!.n;
}
