/**
 * API resources (RFC 8707), their permissions and the clients allowed to use them: SQL and the mapping between
 * rows and typed values. A grant is per subject type: "user" (tokens acting for a person) or "client"
 * (client_credentials). Access to an API is recorded apart from its permissions (access without a scope is
 * possible); a permission grant always comes with the access row of its subject type.
 * Pocket ID's opt-in for clients registered from a Client ID Metadata Document (client_type 'cimd'): an API with
 * allow_cimd_clients is reachable by every such client for people's tokens, with the permissions marked
 * allowed_for_cimd_clients, besides whatever was granted to the client itself.
 */
import type { Database } from "./database.ts";
import { ownValue } from "../lib/own.ts";

export type SubjectType = "user" | "client";

export interface Api {
  id: string;
  name: string;
  audience: string;
  allowCimdClients: boolean;
  createdAt: number;
  updatedAt: number | null;
}

export interface ApiPermission {
  id: string;
  apiId: string;
  key: string;
  name: string;
  description: string | null;
  allowedForCimdClients: boolean;
  createdAt: number;
}

/** What one client may do with one API, per subject type. */
export interface ClientApiGrant {
  userDelegatedAccess: boolean;
  clientAccess: boolean;
  userDelegatedPermissionIds: string[];
  clientPermissionIds: string[];
}

type ApiRow = { id: string; name: string; audience: string; allow_cimd_clients: number; created_at: number; updated_at: number | null };
type PermissionRow = {
  id: string;
  api_id: string;
  key: string;
  name: string;
  description: string | null;
  allowed_for_cimd_clients: number;
  created_at: number;
};

function toApi(r: ApiRow): Api {
  return { id: r.id, name: r.name, audience: r.audience, allowCimdClients: Number(r.allow_cimd_clients) === 1, createdAt: Number(r.created_at), updatedAt: r.updated_at === null ? null : Number(r.updated_at) };
}

function toPermission(r: PermissionRow): ApiPermission {
  return {
    id: r.id,
    apiId: r.api_id,
    key: r.key,
    name: r.name,
    description: r.description,
    allowedForCimdClients: Number(r.allowed_for_cimd_clients) === 1,
    createdAt: Number(r.created_at),
  };
}

// --- APIs ----------------------------------------------------------------------------------------

export function insertApi(db: Database, api: Api): void {
  db.query("INSERT INTO apis (id, name, audience, allow_cimd_clients, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)").run(
    api.id,
    api.name,
    api.audience,
    api.allowCimdClients ? 1 : 0,
    api.createdAt,
    api.updatedAt,
  );
}

export function findApi(db: Database, id: string): Api | null {
  const row = db.query<ApiRow, [string]>("SELECT * FROM apis WHERE id = ?").get(id);
  return row ? toApi(row) : null;
}

export function findApiByAudience(db: Database, audience: string): Api | null {
  const row = db.query<ApiRow, [string]>("SELECT * FROM apis WHERE audience = ?").get(audience);
  return row ? toApi(row) : null;
}

export function renameApi(db: Database, id: string, name: string, now: number): void {
  db.query("UPDATE apis SET name = ?, updated_at = ? WHERE id = ?").run(name, now, id);
}

export function touchApi(db: Database, id: string, now: number): void {
  db.query("UPDATE apis SET updated_at = ? WHERE id = ?").run(now, id);
}

/** Deletes the API; its permissions and every client grant on it go by cascade. */
export function removeApi(db: Database, id: string): boolean {
  return db.query("DELETE FROM apis WHERE id = ?").run(id).changes > 0;
}

const API_SORT: Record<string, string> = { name: "name", resource: "audience", audience: "audience", createdAt: "created_at" };
export const API_SORT_COLUMNS: readonly string[] = Object.keys(API_SORT);

function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of APIs whose name or audience contains `search`; `excludeClientId` leaves out the APIs that client
 * can already reach (the "assignable APIs" of a client).
 */
export function searchApis(
  db: Database,
  opts: { search: string; limit: number; offset: number; sort?: string; direction?: "asc" | "desc"; excludeClientId?: string },
): { apis: Api[]; total: number } {
  const column = ownValue(API_SORT, opts.sort) ?? "name";
  const dir = opts.direction === "desc" ? "DESC" : "ASC";
  // ?2 is "" when nothing is excluded (no client has an empty id).
  const where = `WHERE (name LIKE ?1 ESCAPE '\\' OR audience LIKE ?1 ESCAPE '\\')
    AND (?2 = '' OR id NOT IN (SELECT api_id FROM oidc_clients_allowed_apis WHERE oidc_client_id = ?2))
    AND (?2 = '' OR allow_cimd_clients = 0 OR NOT EXISTS (SELECT 1 FROM oidc_clients WHERE id = ?2 AND client_type = 'cimd'))`;
  const like = likePattern(opts.search);
  const exclude = opts.excludeClientId ?? "";
  const rows = db
    .query<ApiRow, [string, string, number, number]>(`SELECT * FROM apis ${where} ORDER BY ${column} ${dir}, id LIMIT ?3 OFFSET ?4`)
    .all(like, exclude, opts.limit, opts.offset);
  const total = Number(db.query<{ n: number }, [string, string]>(`SELECT COUNT(*) AS n FROM apis ${where}`).get(like, exclude)!.n);
  return { apis: rows.map(toApi), total };
}

export function listAllApis(db: Database): Api[] {
  return db.query<ApiRow, []>("SELECT * FROM apis ORDER BY name, id").all().map(toApi);
}

// --- permissions ---------------------------------------------------------------------------------

export function listPermissionsOfApi(db: Database, apiId: string): ApiPermission[] {
  return db.query<PermissionRow, [string]>("SELECT * FROM api_permissions WHERE api_id = ? ORDER BY created_at, key").all(apiId).map(toPermission);
}

export function insertPermission(db: Database, p: ApiPermission): void {
  db.query("INSERT INTO api_permissions (id, api_id, key, name, description, allowed_for_cimd_clients, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
    p.id,
    p.apiId,
    p.key,
    p.name,
    p.description,
    p.allowedForCimdClients ? 1 : 0,
    p.createdAt,
  );
}

export function updatePermissionText(db: Database, id: string, name: string, description: string | null): void {
  db.query("UPDATE api_permissions SET name = ?, description = ? WHERE id = ?").run(name, description, id);
}

/**
 * Deletes permissions (their client grants go by cascade) and, as Pocket ID does, the access a deleted permission
 * implied: a client that held one of them loses its access row for that API and subject type unless it still
 * holds another permission there. Access granted without any permission is untouched.
 */
export function removePermissions(db: Database, apiId: string, ids: string[]): void {
  if (ids.length === 0) return;
  const marks = ids.map(() => "?").join(",");
  const affected = db
    .query<{ oidc_client_id: string; subject_type: SubjectType }, string[]>(
      `SELECT DISTINCT oidc_client_id, subject_type FROM oidc_clients_allowed_api_permissions WHERE api_permission_id IN (${marks})`,
    )
    .all(...ids);
  db.query<unknown, string[]>(`DELETE FROM api_permissions WHERE id IN (${marks})`).run(...ids);
  for (const a of affected) {
    const left = db
      .query<{ n: number }, [string, string, string]>(
        `SELECT COUNT(*) AS n FROM oidc_clients_allowed_api_permissions g JOIN api_permissions p ON p.id = g.api_permission_id
         WHERE g.oidc_client_id = ? AND g.subject_type = ? AND p.api_id = ?`,
      )
      .get(a.oidc_client_id, a.subject_type, apiId)!;
    if (Number(left.n) > 0) continue;
    db.query("DELETE FROM oidc_clients_allowed_apis WHERE oidc_client_id = ? AND api_id = ? AND subject_type = ?").run(a.oidc_client_id, apiId, a.subject_type);
  }
}

/** Pocket ID's metadata-document-client opt-in: the flag on the API and on exactly the selected permissions. */
export function setCimdAccess(db: Database, apiId: string, enabled: boolean, permissionIds: string[], now: number): void {
  db.query("UPDATE api_permissions SET allowed_for_cimd_clients = 0 WHERE api_id = ?").run(apiId);
  const mark = db.query("UPDATE api_permissions SET allowed_for_cimd_clients = 1 WHERE api_id = ? AND id = ?");
  for (const id of permissionIds) mark.run(apiId, id);
  db.query("UPDATE apis SET allow_cimd_clients = ?, updated_at = ? WHERE id = ?").run(enabled ? 1 : 0, now, apiId);
}

// --- client grants -------------------------------------------------------------------------------

function emptyGrant(): ClientApiGrant {
  return { userDelegatedAccess: false, clientAccess: false, userDelegatedPermissionIds: [], clientPermissionIds: [] };
}

/**
 * Grants keyed by the other side: every client's on one API (`by` "api": keys are client ids), or one client's on
 * every API (`by` "client": keys are API ids). The columns are fixed names chosen here, never input.
 */
function listGrants(db: Database, by: "api" | "client", id: string): Map<string, ClientApiGrant> {
  const [accessKey, accessWhere, permissionKey, permissionWhere] =
    by === "api" ? ["oidc_client_id", "api_id", "g.oidc_client_id", "p.api_id"] : ["api_id", "oidc_client_id", "p.api_id", "g.oidc_client_id"];
  const out = new Map<string, ClientApiGrant>();
  const of = (k: string) => out.get(k) ?? out.set(k, emptyGrant()).get(k)!;
  for (const r of db
    .query<{ key: string; subject_type: SubjectType }, [string]>(`SELECT ${accessKey} AS key, subject_type FROM oidc_clients_allowed_apis WHERE ${accessWhere} = ?`)
    .all(id)) {
    if (r.subject_type === "client") of(r.key).clientAccess = true;
    else of(r.key).userDelegatedAccess = true;
  }
  for (const r of db
    .query<{ key: string; permission_id: string; subject_type: SubjectType }, [string]>(
      `SELECT ${permissionKey} AS key, g.api_permission_id AS permission_id, g.subject_type
       FROM oidc_clients_allowed_api_permissions g JOIN api_permissions p ON p.id = g.api_permission_id
       WHERE ${permissionWhere} = ? ORDER BY p.created_at, p.key`,
    )
    .all(id)) {
    const g = of(r.key);
    (r.subject_type === "client" ? g.clientPermissionIds : g.userDelegatedPermissionIds).push(r.permission_id);
  }
  return out;
}

/** Every client's grant on one API, by client id. */
export function listGrantsOnApi(db: Database, apiId: string): Map<string, ClientApiGrant> {
  return listGrants(db, "api", apiId);
}

/** One client's grants, by API id. */
export function listGrantsOfClient(db: Database, clientId: string): Map<string, ClientApiGrant> {
  return listGrants(db, "client", clientId);
}

/** Replaces one client's grants on one API (its grants on other APIs stay). */
export function replaceClientGrant(db: Database, apiId: string, clientId: string, grant: ClientApiGrant): void {
  deleteClientGrant(db, apiId, clientId);
  const access = db.query("INSERT INTO oidc_clients_allowed_apis (oidc_client_id, api_id, subject_type) VALUES (?, ?, ?)");
  if (grant.userDelegatedAccess) access.run(clientId, apiId, "user");
  if (grant.clientAccess) access.run(clientId, apiId, "client");
  const permission = db.query("INSERT INTO oidc_clients_allowed_api_permissions (oidc_client_id, api_permission_id, subject_type) VALUES (?, ?, ?)");
  for (const id of grant.userDelegatedPermissionIds) permission.run(clientId, id, "user");
  for (const id of grant.clientPermissionIds) permission.run(clientId, id, "client");
}

/** Removes every grant a client holds on one API; true when it had any. */
export function deleteClientGrant(db: Database, apiId: string, clientId: string): boolean {
  const a = db.query("DELETE FROM oidc_clients_allowed_apis WHERE oidc_client_id = ? AND api_id = ?").run(clientId, apiId).changes;
  const p = db
    .query("DELETE FROM oidc_clients_allowed_api_permissions WHERE oidc_client_id = ? AND api_permission_id IN (SELECT id FROM api_permissions WHERE api_id = ?)")
    .run(clientId, apiId).changes;
  return a + p > 0;
}

/** Clients with no grant on the API, as id and name (the "assignable clients"), one page. */
export function searchClientsWithoutGrant(
  db: Database,
  apiId: string,
  opts: { search: string; limit: number; offset: number; direction?: "asc" | "desc" },
): { ids: string[]; total: number } {
  // Metadata-document clients already reach an API open to them: they are not offered again.
  const where = `WHERE name LIKE ?1 ESCAPE '\\' AND id NOT IN (SELECT oidc_client_id FROM oidc_clients_allowed_apis WHERE api_id = ?2)
    AND NOT (client_type = 'cimd' AND EXISTS (SELECT 1 FROM apis WHERE id = ?2 AND allow_cimd_clients = 1))`;
  const dir = opts.direction === "desc" ? "DESC" : "ASC";
  const like = likePattern(opts.search);
  const ids = db
    .query<{ id: string }, [string, string, number, number]>(`SELECT id FROM oidc_clients ${where} ORDER BY name ${dir}, id LIMIT ?3 OFFSET ?4`)
    .all(like, apiId, opts.limit, opts.offset)
    .map((r) => r.id);
  const total = Number(db.query<{ n: number }, [string, string]>(`SELECT COUNT(*) AS n FROM oidc_clients ${where}`).get(like, apiId)!.n);
  return { ids, total };
}

// --- the protocol's view -------------------------------------------------------------------------

/** Whether the client was registered from a Client ID Metadata Document. */
export function isMetadataDocumentClient(db: Database, clientId: string): boolean {
  return db.query<{ one: number }, [string]>("SELECT 1 AS one FROM oidc_clients WHERE id = ? AND client_type = 'cimd'").get(clientId) !== null;
}

/** The permissions of an API open to metadata-document clients. */
export function listCimdPermissionsOfApi(db: Database, apiId: string): ApiPermission[] {
  return db
    .query<PermissionRow, [string]>("SELECT * FROM api_permissions WHERE api_id = ? AND allowed_for_cimd_clients = 1 ORDER BY created_at, key")
    .all(apiId)
    .map(toPermission);
}

/** What a client may obtain for the API named by `audience`, for one subject type; null when no API has it. */
export function findClientAccessToAudience(
  db: Database,
  clientId: string,
  audience: string,
  subject: SubjectType,
): { api: Api; hasAccess: boolean; permissions: ApiPermission[] } | null {
  const api = findApiByAudience(db, audience);
  if (!api) return null;
  let hasAccess =
    db.query<{ one: number }, [string, string, string]>("SELECT 1 AS one FROM oidc_clients_allowed_apis WHERE oidc_client_id = ? AND api_id = ? AND subject_type = ?").get(
      clientId,
      api.id,
      subject,
    ) !== null;
  const permissions = db
    .query<PermissionRow, [string, string, string]>(
      `SELECT p.* FROM api_permissions p JOIN oidc_clients_allowed_api_permissions g ON g.api_permission_id = p.id
       WHERE p.api_id = ? AND g.oidc_client_id = ? AND g.subject_type = ? ORDER BY p.created_at, p.key`,
    )
    .all(api.id, clientId, subject)
    .map(toPermission);
  // The opt-in covers people's tokens only: metadata-document clients are public (no client_credentials).
  if (subject === "user" && api.allowCimdClients && isMetadataDocumentClient(db, clientId)) {
    hasAccess = true;
    const have = new Set(permissions.map((p) => p.id));
    for (const p of listCimdPermissionsOfApi(db, api.id)) if (!have.has(p.id)) permissions.push(p);
  }
  return { api, hasAccess, permissions };
}

/** The permission keys the client may hold on any API (any subject type, the metadata-document opt-in included). */
export function listPermissionKeysOfClient(db: Database, clientId: string): Set<string> {
  const keys = db
    .query<{ key: string }, [string]>(
      "SELECT DISTINCT p.key FROM api_permissions p JOIN oidc_clients_allowed_api_permissions g ON g.api_permission_id = p.id WHERE g.oidc_client_id = ?",
    )
    .all(clientId)
    .map((r) => r.key);
  if (isMetadataDocumentClient(db, clientId)) {
    keys.push(
      ...db
        .query<{ key: string }, []>("SELECT p.key FROM api_permissions p JOIN apis a ON a.id = p.api_id WHERE a.allow_cimd_clients = 1 AND p.allowed_for_cimd_clients = 1")
        .all()
        .map((r) => r.key),
    );
  }
  return new Set(keys);
}

/** The APIs open to metadata-document clients. */
export function listCimdOpenApis(db: Database): Api[] {
  return db.query<ApiRow, []>("SELECT * FROM apis WHERE allow_cimd_clients = 1 ORDER BY name, id").all().map(toApi);
}

/** The ids of every metadata-document client. */
export function listMetadataDocumentClientIds(db: Database): string[] {
  return db.query<{ id: string }, []>("SELECT id FROM oidc_clients WHERE client_type = 'cimd' ORDER BY name, id").all().map((r) => r.id);
}

/** The permissions of the API named by `audience` whose keys are in `keys` (consent and device pages). */
export function findPermissionsByKeys(db: Database, audience: string, keys: readonly string[]): ApiPermission[] {
  if (keys.length === 0) return [];
  const marks = keys.map(() => "?").join(",");
  return db
    .query<PermissionRow, string[]>(
      `SELECT p.* FROM api_permissions p JOIN apis a ON a.id = p.api_id WHERE a.audience = ? AND p.key IN (${marks}) ORDER BY p.created_at, p.key`,
    )
    .all(audience, ...keys)
    .map(toPermission);
}
