/** Protected apps (forward-auth) and the groups allowed to use them. */
import type { Database } from "./database.ts";

export type ProtectedAppRow = {
  id: string;
  name: string;
  hosts: string;
  path_prefix: string;
  is_group_restricted: number;
  reauth_max_age: number | null;
  pass_headers: string;
  created_at: number;
  updated_at: number;
};

export function insertProtectedApp(db: Database, row: ProtectedAppRow): void {
  db.query(
    `INSERT INTO protected_apps (id, name, hosts, path_prefix, is_group_restricted, reauth_max_age, pass_headers, created_at, updated_at)
     VALUES ($id, $name, $hosts, $path_prefix, $is_group_restricted, $reauth_max_age, $pass_headers, $created_at, $updated_at)`,
  ).run(row);
}

export function updateProtectedAppRow(db: Database, row: ProtectedAppRow): void {
  db.query(
    `UPDATE protected_apps SET name = $name, hosts = $hosts, path_prefix = $path_prefix, is_group_restricted = $is_group_restricted,
       reauth_max_age = $reauth_max_age, pass_headers = $pass_headers, updated_at = $updated_at WHERE id = $id`,
  ).run({ id: row.id, name: row.name, hosts: row.hosts, path_prefix: row.path_prefix, is_group_restricted: row.is_group_restricted, reauth_max_age: row.reauth_max_age, pass_headers: row.pass_headers, updated_at: row.updated_at });
}

export function findProtectedAppById(db: Database, id: string): ProtectedAppRow | null {
  return db.query<ProtectedAppRow, [string]>("SELECT * FROM protected_apps WHERE id = ?").get(id) ?? null;
}

export function listProtectedAppRows(db: Database): ProtectedAppRow[] {
  return db.query<ProtectedAppRow, []>("SELECT * FROM protected_apps ORDER BY name COLLATE NOCASE, id").all();
}

export function deleteProtectedAppRow(db: Database, id: string): ProtectedAppRow | null {
  return db.query<ProtectedAppRow, [string]>("DELETE FROM protected_apps WHERE id = ? RETURNING *").get(id) ?? null;
}

export function listAllowedGroupIdsOfApp(db: Database, appId: string): string[] {
  return db
    .query<{ user_group_id: string }, [string]>("SELECT user_group_id FROM protected_apps_allowed_user_groups WHERE app_id = ? ORDER BY user_group_id")
    .all(appId)
    .map((r) => r.user_group_id);
}

export function replaceAllowedGroupsOfApp(db: Database, appId: string, groupIds: string[]): void {
  db.transaction(() => {
    db.query("DELETE FROM protected_apps_allowed_user_groups WHERE app_id = ?").run(appId);
    const ins = db.query("INSERT OR IGNORE INTO protected_apps_allowed_user_groups (app_id, user_group_id) VALUES (?, ?)");
    for (const g of groupIds) ins.run(appId, g);
  }).immediate();
}

export function existingGroupIds(db: Database, ids: string[]): string[] {
  if (ids.length === 0) return [];
  return db
    .query<{ id: string }, string[]>(`SELECT id FROM user_groups WHERE id IN (${ids.map(() => "?").join(",")})`)
    .all(...ids)
    .map((r) => r.id);
}

export function listGroupBriefs(db: Database): { id: string; name: string; friendly_name: string }[] {
  return db.query<{ id: string; name: string; friendly_name: string }, []>("SELECT id, name, friendly_name FROM user_groups ORDER BY friendly_name COLLATE NOCASE").all();
}

/** True when the user is in at least one of the app's allowed groups. */
export function isUserInAllowedGroupOfApp(db: Database, appId: string, userId: string): boolean {
  return (
    db
      .query<{ ok: number }, [string, string]>(
        `SELECT 1 AS ok FROM protected_apps_allowed_user_groups a
         JOIN user_groups_users m ON m.user_group_id = a.user_group_id
         WHERE a.app_id = ? AND m.user_id = ? LIMIT 1`,
      )
      .get(appId, userId) !== null
  );
}

/** The protected apps that list the group among their allowed groups. */
export function listAllowedAppIdsOfGroup(db: Database, groupId: string): string[] {
  return db
    .query<{ app_id: string }, [string]>("SELECT app_id FROM protected_apps_allowed_user_groups WHERE user_group_id = ? ORDER BY app_id")
    .all(groupId)
    .map((r) => r.app_id);
}

/** Makes the group allowed on exactly `appIds` (the other apps' allowed groups are left alone). */
export function replaceAllowedAppsOfGroup(db: Database, groupId: string, appIds: string[]): void {
  db.transaction(() => {
    db.query("DELETE FROM protected_apps_allowed_user_groups WHERE user_group_id = ?").run(groupId);
    const ins = db.query("INSERT OR IGNORE INTO protected_apps_allowed_user_groups (app_id, user_group_id) VALUES (?, ?)");
    for (const a of appIds) ins.run(a, groupId);
  }).immediate();
}

export function existingAppIds(db: Database, ids: string[]): string[] {
  if (ids.length === 0) return [];
  return db
    .query<{ id: string }, string[]>(`SELECT id FROM protected_apps WHERE id IN (${ids.map(() => "?").join(",")})`)
    .all(...ids)
    .map((r) => r.id);
}
