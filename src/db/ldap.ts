/** SQL for LDAP sync: directory-managed rows (ldap_id set) and the identities a sync must not collide with. */
import type { Database } from "./database.ts";
import { toUserGroup, type UserGroup, type UserGroupRow } from "./user-groups.ts";
import { toUser, type User, type UserRow } from "./users.ts";

export function listLdapUsers(db: Database): User[] {
  return db.query<UserRow, []>("SELECT * FROM users WHERE ldap_id IS NOT NULL").all().map(toUser);
}

export function listLdapGroups(db: Database): UserGroup[] {
  return db.query<UserGroupRow, []>("SELECT * FROM user_groups WHERE ldap_id IS NOT NULL").all().map(toUserGroup);
}

/** Every user's id, username and email (for collision checks, compared ignoring case). */
export function listUserIdentities(db: Database): Pick<User, "id" | "username" | "email" | "ldapId">[] {
  return db.query<Pick<User, "id" | "username" | "email" | "ldapId">, []>(`SELECT id, username, email, ldap_id AS "ldapId" FROM users`).all();
}

export function listGroupNames(db: Database): Pick<UserGroup, "id" | "name" | "ldapId">[] {
  return db.query<Pick<UserGroup, "id" | "name" | "ldapId">, []>(`SELECT id, name, ldap_id AS "ldapId" FROM user_groups`).all();
}

/** Active administrators that are not directory-managed. */
export function countLocalAdmins(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users WHERE is_admin = 1 AND disabled = 0 AND ldap_id IS NULL").get()!.n;
}

export type LdapUserValues = Pick<User, "username" | "email" | "firstName" | "lastName" | "displayName" | "isAdmin" | "disabled">;

export function updateLdapUser(db: Database, id: string, v: LdapUserValues, now: number): void {
  db.query(
    `UPDATE users SET username = ?, email = ?, first_name = ?, last_name = ?, display_name = ?,
       is_admin = ?, disabled = ?, updated_at = ? WHERE id = ? AND ldap_id IS NOT NULL`,
  ).run(v.username, v.email, v.firstName, v.lastName, v.displayName, v.isAdmin ? 1 : 0, v.disabled ? 1 : 0, now, id);
}

/** A user gone from the directory (soft delete): disabled, no longer admin, out of every directory group. */
export function disableLdapUser(db: Database, id: string, now: number): void {
  db.query("UPDATE users SET disabled = 1, is_admin = 0, updated_at = ? WHERE id = ?").run(now, id);
  db.query("DELETE FROM user_groups_users WHERE user_id = ? AND user_group_id IN (SELECT id FROM user_groups WHERE ldap_id IS NOT NULL)").run(id);
}

export function setLdapGroupMembers(db: Database, groupId: string, userIds: string[]): void {
  db.query("DELETE FROM user_groups_users WHERE user_group_id = ?").run(groupId);
  const ins = db.query("INSERT OR IGNORE INTO user_groups_users (user_id, user_group_id) VALUES (?, ?)");
  for (const u of userIds) ins.run(u, groupId);
}
