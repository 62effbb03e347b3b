/**
 * Protected apps (forward-auth) and the groups allowed to use them: SQL and the mapping between rows and typed
 * values (issue 21 step 1: nothing above src/db/ sees a row). Hosts and headers arrive as lists, the
 * re-authentication age in whole minutes (stored in seconds), times as numbers (seconds, as stored).
 */
import type { Database } from "./database.ts";

export const IDENTITY_HEADERS = ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"] as const;
export type IdentityHeader = (typeof IDENTITY_HEADERS)[number];

export interface ProtectedApp {
  id: string;
  name: string;
  hosts: string[];
  pathPrefix: string;
  isGroupRestricted: boolean;
  /** Minutes since the last passkey assertion after which re-authentication is required; null = never. */
  reauthMaxAgeMinutes: number | null;
  passHeaders: IdentityHeader[];
  createdAt: number;
  updatedAt: number;
}

type ProtectedAppRow = {
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

function toProtectedApp(row: ProtectedAppRow): ProtectedApp {
  return {
    id: row.id,
    name: row.name,
    hosts: JSON.parse(row.hosts) as string[],
    pathPrefix: row.path_prefix,
    isGroupRestricted: row.is_group_restricted === 1,
    reauthMaxAgeMinutes: row.reauth_max_age === null ? null : Math.round(row.reauth_max_age / 60),
    passHeaders: (JSON.parse(row.pass_headers) as string[]).filter((h): h is IdentityHeader => (IDENTITY_HEADERS as readonly string[]).includes(h)),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function columnsOf(app: ProtectedApp) {
  return {
    id: app.id,
    name: app.name,
    hosts: JSON.stringify(app.hosts),
    path_prefix: app.pathPrefix,
    is_group_restricted: app.isGroupRestricted ? 1 : 0,
    reauth_max_age: app.reauthMaxAgeMinutes === null ? null : app.reauthMaxAgeMinutes * 60,
    pass_headers: JSON.stringify(app.passHeaders),
    updated_at: app.updatedAt,
  };
}

export function insertProtectedApp(db: Database, app: ProtectedApp): void {
  db.query(
    `INSERT INTO protected_apps (id, name, hosts, path_prefix, is_group_restricted, reauth_max_age, pass_headers, created_at, updated_at)
     VALUES ($id, $name, $hosts, $path_prefix, $is_group_restricted, $reauth_max_age, $pass_headers, $created_at, $updated_at)`,
  ).run({ ...columnsOf(app), created_at: app.createdAt });
}

/** Replaces an app's settings (its createdAt stays). */
export function updateProtectedAppSettings(db: Database, app: ProtectedApp): void {
  db.query(
    `UPDATE protected_apps SET name = $name, hosts = $hosts, path_prefix = $path_prefix, is_group_restricted = $is_group_restricted,
       reauth_max_age = $reauth_max_age, pass_headers = $pass_headers, updated_at = $updated_at WHERE id = $id`,
  ).run(columnsOf(app));
}

export function findProtectedAppById(db: Database, id: string): ProtectedApp | null {
  const row = db.query<ProtectedAppRow, [string]>("SELECT * FROM protected_apps WHERE id = ?").get(id);
  return row ? toProtectedApp(row) : null;
}

export function listAllProtectedApps(db: Database): ProtectedApp[] {
  return db.query<ProtectedAppRow, []>("SELECT * FROM protected_apps ORDER BY name COLLATE NOCASE, id").all().map(toProtectedApp);
}

/** Deletes an app; returns it as it was, or null when there was none. */
export function deleteProtectedAppById(db: Database, id: string): ProtectedApp | null {
  const row = db.query<ProtectedAppRow, [string]>("DELETE FROM protected_apps WHERE id = ? RETURNING *").get(id);
  return row ? toProtectedApp(row) : null;
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

export function listGroupBriefs(db: Database): { id: string; name: string; friendlyName: string }[] {
  return db
    .query<{ id: string; name: string; friendly_name: string }, []>("SELECT id, name, friendly_name FROM user_groups ORDER BY friendly_name COLLATE NOCASE")
    .all()
    .map((g) => ({ id: g.id, name: g.name, friendlyName: g.friendly_name }));
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
