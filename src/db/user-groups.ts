import type { Database } from "./database.ts";
import { ownValue } from "../lib/own.ts";

/** A group of users (the user_groups table, mapped). Times are Unix seconds. */
export type UserGroup = {
  id: string;
  name: string;
  friendlyName: string;
  /** Set when the directory (LDAP sync) owns this group. */
  ldapId: string | null;
  createdAt: number;
  updatedAt: number;
};

export type UserGroupWithCount = UserGroup & { userCount: number };

/** The stored form; only src/db/ sees it. */
export type UserGroupRow = {
  id: string;
  name: string;
  friendly_name: string;
  ldap_id: string | null;
  created_at: number;
  updated_at: number;
};

export function toUserGroup(r: UserGroupRow): UserGroup {
  return { id: r.id, name: r.name, friendlyName: r.friendly_name, ldapId: r.ldap_id, createdAt: r.created_at, updatedAt: r.updated_at };
}

const groupOrNull = (r: UserGroupRow | null): UserGroup | null => (r ? toUserGroup(r) : null);

export function insertUserGroup(db: Database, g: UserGroup): void {
  db.query("INSERT INTO user_groups (id, name, friendly_name, ldap_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)").run(
    g.id,
    g.name,
    g.friendlyName,
    g.ldapId,
    g.createdAt,
    g.updatedAt,
  );
}

export function renameUserGroup(db: Database, id: string, values: { name: string; friendlyName: string }, now: number): void {
  db.query("UPDATE user_groups SET name = ?, friendly_name = ?, updated_at = ? WHERE id = ?").run(values.name, values.friendlyName, now, id);
}

export function findUserGroupById(db: Database, id: string): UserGroup | null {
  return groupOrNull(db.query<UserGroupRow, [string]>("SELECT * FROM user_groups WHERE id = ?").get(id));
}

export function findUserGroupByName(db: Database, name: string): UserGroup | null {
  return groupOrNull(db.query<UserGroupRow, [string]>("SELECT * FROM user_groups WHERE name = ?").get(name));
}

/** The deleted group, or null if there was none. */
export function removeUserGroup(db: Database, id: string): UserGroup | null {
  return groupOrNull(db.query<UserGroupRow, [string]>("DELETE FROM user_groups WHERE id = ? RETURNING *").get(id));
}

const GROUP_SORT: Readonly<Record<string, string>> = { name: "g.name", friendlyName: "g.friendly_name", createdAt: "g.created_at", userCount: "user_count" };
/** The `sort[column]` values searchUserGroups accepts (the admin layer refuses others with a 400). */
export const GROUP_SORT_COLUMNS: readonly string[] = Object.keys(GROUP_SORT);

export function searchUserGroups(
  db: Database,
  opts: { search: string; limit: number; offset: number; sort?: string; direction?: "asc" | "desc" },
): { groups: UserGroupWithCount[]; total: number } {
  const like = `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const where = "WHERE g.name LIKE ?1 ESCAPE '\\' OR g.friendly_name LIKE ?1 ESCAPE '\\'";
  const column = ownValue(GROUP_SORT, opts.sort) ?? "g.friendly_name";
  const dir = opts.direction === "desc" ? "DESC" : "ASC";
  const rows = db
    .query<UserGroupRow & { user_count: number }, [string, number, number]>(
      `SELECT g.*, (SELECT COUNT(*) FROM user_groups_users m WHERE m.user_group_id = g.id) AS user_count
       FROM user_groups g ${where} ORDER BY ${column} ${dir}, g.id LIMIT ?2 OFFSET ?3`,
    )
    .all(like, opts.limit, opts.offset);
  const total = db.query<{ n: number }, [string]>(`SELECT COUNT(*) AS n FROM user_groups g ${where}`).get(like)!.n;
  return { groups: rows.map((r) => ({ ...toUserGroup(r), userCount: r.user_count })), total };
}

export function listAllUserGroups(db: Database): UserGroup[] {
  return db.query<UserGroupRow, []>("SELECT * FROM user_groups ORDER BY friendly_name COLLATE NOCASE, name").all().map(toUserGroup);
}

export function listGroupsOfUser(db: Database, userId: string): UserGroup[] {
  return db
    .query<UserGroupRow, [string]>(
      "SELECT g.* FROM user_groups g JOIN user_groups_users m ON m.user_group_id = g.id WHERE m.user_id = ? ORDER BY g.friendly_name COLLATE NOCASE",
    )
    .all(userId)
    .map(toUserGroup);
}

export function listMemberIdsOfGroup(db: Database, groupId: string): string[] {
  return db.query<{ user_id: string }, [string]>("SELECT user_id FROM user_groups_users WHERE user_group_id = ?").all(groupId).map((r) => r.user_id);
}

/** Replaces the members of a group in one transaction. */
export function replaceGroupMembers(db: Database, groupId: string, userIds: string[]): void {
  db.transaction(() => {
    db.query("DELETE FROM user_groups_users WHERE user_group_id = ?").run(groupId);
    const ins = db.query("INSERT INTO user_groups_users (user_id, user_group_id) VALUES (?, ?)");
    for (const u of userIds) ins.run(u, groupId);
  }).immediate();
}

/** Replaces the groups of a user in one transaction. */
export function replaceUserGroupsOfUser(db: Database, userId: string, groupIds: string[]): void {
  db.transaction(() => {
    db.query("DELETE FROM user_groups_users WHERE user_id = ?").run(userId);
    const ins = db.query("INSERT INTO user_groups_users (user_id, user_group_id) VALUES (?, ?)");
    for (const g of groupIds) ins.run(userId, g);
  }).immediate();
}

export function addUserToGroups(db: Database, userId: string, groupIds: string[]): void {
  const ins = db.query("INSERT OR IGNORE INTO user_groups_users (user_id, user_group_id) VALUES (?, ?)");
  for (const g of groupIds) ins.run(userId, g);
}

export function listAllowedClientIdsOfGroup(db: Database, groupId: string): string[] {
  return db
    .query<{ client_id: string }, [string]>("SELECT client_id FROM oidc_clients_allowed_user_groups WHERE user_group_id = ?")
    .all(groupId)
    .map((r) => r.client_id);
}

/** Replaces which clients a group may use (the group side of oidc_clients_allowed_user_groups). */
export function replaceAllowedClientsOfGroup(db: Database, groupId: string, clientIds: string[]): void {
  db.transaction(() => {
    db.query("DELETE FROM oidc_clients_allowed_user_groups WHERE user_group_id = ?").run(groupId);
    const ins = db.query("INSERT INTO oidc_clients_allowed_user_groups (client_id, user_group_id) VALUES (?, ?)");
    for (const c of clientIds) ins.run(c, groupId);
  }).immediate();
}

/** Ids among `ids` that name existing rows of `table` (users, user_groups, oidc_clients). */
export function existingIds(db: Database, table: "users" | "user_groups" | "oidc_clients", ids: string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const marks = ids.map(() => "?").join(",");
  return new Set(db.query<{ id: string }, string[]>(`SELECT id FROM ${table} WHERE id IN (${marks})`).all(...ids).map((r) => r.id));
}

export function listClientIdAndNames(db: Database): { id: string; name: string }[] {
  return db.query<{ id: string; name: string }, []>("SELECT id, name FROM oidc_clients ORDER BY name COLLATE NOCASE").all();
}
