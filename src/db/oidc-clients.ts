/** SQL for OIDC clients, their secrets and allowed groups. Rows are mapped to domain objects in src/oidc/clients.ts. */
import type { Database } from "./database.ts";

export type OidcClientRow = {
  id: string;
  name: string;
  description: string;
  callback_urls: string;
  logout_callback_urls: string;
  launch_url: string | null;
  is_public: number;
  pkce_enabled: number;
  requires_reauthentication: number;
  skip_consent: number;
  is_group_restricted: number;
  access_token_duration_minutes: number;
  refresh_token_duration_minutes: number;
  require_par: number;
  backchannel_logout_uri: string | null;
  token_endpoint_auth_method: string;
  /** 1: only token_endpoint_auth_method; 0: either secret method (basic or post). Migration 0014. */
  token_endpoint_auth_method_fixed: number;
  jwks: string | null;
  jwks_uri: string | null;
  credentials_scopes: string;
  logo_light_type: string | null;
  logo_dark_type: string | null;
  created_by_id: string | null;
  created_at: number;
  updated_at: number;
};

export type OidcClientSecretRow = {
  id: string;
  client_id: string;
  hash: string;
  prefix: string;
  created_at: number;
  expires_at: number | null;
};

const CLIENT_COLUMNS = `id, name, description, callback_urls, logout_callback_urls, launch_url, is_public, pkce_enabled,
  requires_reauthentication, skip_consent, is_group_restricted, access_token_duration_minutes, refresh_token_duration_minutes,
  require_par, backchannel_logout_uri, token_endpoint_auth_method, token_endpoint_auth_method_fixed, jwks, jwks_uri, credentials_scopes,
  logo_light_type, logo_dark_type, created_by_id, created_at, updated_at`;

export function insertClient(db: Database, row: Omit<OidcClientRow, "logo_light_type" | "logo_dark_type">): void {
  db.query(
    `INSERT INTO oidc_clients (id, name, description, callback_urls, logout_callback_urls, launch_url, is_public, pkce_enabled,
       requires_reauthentication, skip_consent, is_group_restricted, access_token_duration_minutes, refresh_token_duration_minutes,
       require_par, backchannel_logout_uri, token_endpoint_auth_method, token_endpoint_auth_method_fixed, jwks, jwks_uri, credentials_scopes,
       created_by_id, created_at, updated_at)
     VALUES ($id, $name, $description, $callback_urls, $logout_callback_urls, $launch_url, $is_public, $pkce_enabled,
       $requires_reauthentication, $skip_consent, $is_group_restricted, $access_token_duration_minutes, $refresh_token_duration_minutes,
       $require_par, $backchannel_logout_uri, $token_endpoint_auth_method, $token_endpoint_auth_method_fixed, $jwks, $jwks_uri, $credentials_scopes,
       $created_by_id, $created_at, $updated_at)`,
  ).run(row);
}

export function updateClientRow(
  db: Database,
  row: Omit<OidcClientRow, "logo_light_type" | "logo_dark_type" | "created_by_id" | "created_at">,
): boolean {
  return (
    db
      .query(
        `UPDATE oidc_clients SET name = $name, description = $description, callback_urls = $callback_urls,
           logout_callback_urls = $logout_callback_urls, launch_url = $launch_url, is_public = $is_public, pkce_enabled = $pkce_enabled,
           requires_reauthentication = $requires_reauthentication, skip_consent = $skip_consent, is_group_restricted = $is_group_restricted,
           access_token_duration_minutes = $access_token_duration_minutes, refresh_token_duration_minutes = $refresh_token_duration_minutes,
           require_par = $require_par, backchannel_logout_uri = $backchannel_logout_uri,
           token_endpoint_auth_method = $token_endpoint_auth_method, token_endpoint_auth_method_fixed = $token_endpoint_auth_method_fixed,
           jwks = $jwks, jwks_uri = $jwks_uri,
           credentials_scopes = $credentials_scopes, updated_at = $updated_at
         WHERE id = $id`,
      )
      .run(row).changes > 0
  );
}

export function findClientRow(db: Database, id: string): OidcClientRow | null {
  return db.query<OidcClientRow, [string]>(`SELECT ${CLIENT_COLUMNS} FROM oidc_clients WHERE id = ?`).get(id) ?? null;
}

export function listClientRows(db: Database): OidcClientRow[] {
  return db.query<OidcClientRow, []>(`SELECT ${CLIENT_COLUMNS} FROM oidc_clients ORDER BY name COLLATE NOCASE, id`).all();
}

export function deleteClientRow(db: Database, id: string): boolean {
  return db.query("DELETE FROM oidc_clients WHERE id = ?").run(id).changes > 0;
}

export function setClientGroupRestricted(db: Database, id: string, restricted: boolean, now: number): boolean {
  return db.query("UPDATE oidc_clients SET is_group_restricted = ?, updated_at = ? WHERE id = ?").run(restricted ? 1 : 0, now, id).changes > 0;
}

export function touchClient(db: Database, id: string, now: number): void {
  db.query("UPDATE oidc_clients SET updated_at = ? WHERE id = ?").run(now, id);
}

// --- secrets -------------------------------------------------------------------------------------

export function insertClientSecret(db: Database, row: OidcClientSecretRow): void {
  db.query(
    `INSERT INTO oidc_client_secrets (id, client_id, hash, prefix, created_at, expires_at)
     VALUES ($id, $client_id, $hash, $prefix, $created_at, $expires_at)`,
  ).run(row);
}

export function listClientSecretRows(db: Database, clientId: string): OidcClientSecretRow[] {
  return db
    .query<OidcClientSecretRow, [string]>("SELECT * FROM oidc_client_secrets WHERE client_id = ? ORDER BY created_at, rowid")
    .all(clientId);
}

export function countClientSecrets(db: Database, clientId: string): number {
  return db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM oidc_client_secrets WHERE client_id = ?").get(clientId)!.n;
}

/** Deletes every secret of a client (it switched to private_key_jwt); returns how many there were. */
export function deleteAllClientSecretRows(db: Database, clientId: string): number {
  return db.query("DELETE FROM oidc_client_secrets WHERE client_id = ?").run(clientId).changes;
}

export function deleteClientSecretRow(db: Database, clientId: string, secretId: string): boolean {
  return db.query("DELETE FROM oidc_client_secrets WHERE client_id = ? AND id = ?").run(clientId, secretId).changes > 0;
}

/** Live secrets imported as bcrypt hashes (migration 0015): the hashes without their "bcrypt:" tag. */
export function listLiveBcryptSecretHashes(db: Database, clientId: string, now: number): string[] {
  return db
    .query<{ hash: string }, [string, number]>(
      "SELECT substr(hash, 8) AS hash FROM oidc_client_secrets WHERE client_id = ? AND hash LIKE 'bcrypt:%' AND (expires_at IS NULL OR expires_at > ?)",
    )
    .all(clientId, now)
    .map((r) => r.hash);
}

export function findLiveClientSecretByHash(db: Database, clientId: string, hash: string, now: number): OidcClientSecretRow | null {
  return (
    db
      .query<OidcClientSecretRow, [string, string, number]>(
        "SELECT * FROM oidc_client_secrets WHERE client_id = ? AND hash = ? AND (expires_at IS NULL OR expires_at > ?)",
      )
      .get(clientId, hash, now) ?? null
  );
}

/** The secret row with this hash, of any client and live or not (hashes are unique across clients). */
export function findClientSecretByHash(db: Database, hash: string): OidcClientSecretRow | null {
  return db.query<OidcClientSecretRow, [string]>("SELECT * FROM oidc_client_secrets WHERE hash = ?").get(hash) ?? null;
}

// --- allowed groups ------------------------------------------------------------------------------

export function listAllowedGroupIds(db: Database, clientId: string): string[] {
  return db
    .query<{ user_group_id: string }, [string]>("SELECT user_group_id FROM oidc_clients_allowed_user_groups WHERE client_id = ? ORDER BY user_group_id")
    .all(clientId)
    .map((r) => r.user_group_id);
}

export function replaceAllowedGroups(db: Database, clientId: string, groupIds: string[]): void {
  db.query("DELETE FROM oidc_clients_allowed_user_groups WHERE client_id = ?").run(clientId);
  const insert = db.query("INSERT OR IGNORE INTO oidc_clients_allowed_user_groups (client_id, user_group_id) VALUES (?, ?)");
  for (const g of groupIds) insert.run(clientId, g);
}

export function existingGroupIds(db: Database, ids: string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = db
    .query<{ id: string }, string[]>(`SELECT id FROM user_groups WHERE id IN (${ids.map(() => "?").join(",")})`)
    .all(...ids);
  return new Set(rows.map((r) => r.id));
}

export function findGroupIdsByNames(db: Database, names: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const q = db.query<{ id: string }, [string]>("SELECT id FROM user_groups WHERE name = ?");
  for (const n of names) {
    const row = q.get(n);
    if (row) out.set(n, row.id);
  }
  return out;
}

/** True when the user is in at least one of the client's allowed groups. */
export function isUserInAllowedGroup(db: Database, clientId: string, userId: string): boolean {
  return (
    db
      .query<{ ok: number }, [string, string]>(
        `SELECT 1 AS ok FROM oidc_clients_allowed_user_groups a
         JOIN user_groups_users m ON m.user_group_id = a.user_group_id
         WHERE a.client_id = ? AND m.user_id = ? LIMIT 1`,
      )
      .get(clientId, userId) !== null
  );
}
