/**
 * OIDC clients, their secrets and allowed groups: SQL and the mapping between rows and typed values.
 * Nothing above src/db/ sees a row: booleans are booleans, the JSON list columns (callback URLs, logout
 * callback URLs, credentials scopes) arrive parsed, times are numbers (seconds, as stored), null is "not found".
 */
import type { Database } from "./database.ts";

export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt";
export const TOKEN_ENDPOINT_AUTH_METHODS: TokenEndpointAuthMethod[] = ["client_secret_basic", "client_secret_post", "private_key_jwt"];

export interface OidcClient {
  id: string;
  name: string;
  description: string;
  callbackUrls: string[];
  logoutCallbackUrls: string[];
  launchUrl: string | null;
  isPublic: boolean;
  pkceEnabled: boolean;
  requiresReauthentication: boolean;
  skipConsent: boolean;
  /** True when anyone with an account may use the client (no group restriction). */
  unrestricted: boolean;
  accessTokenDurationMinutes: number;
  refreshTokenDurationMinutes: number;
  /** RFC 9126: /authorize accepts only pushed requests (request_uri) from this client. */
  requirePar: boolean;
  backchannelLogoutUri: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Whether tokenEndpointAuthMethod was chosen (binding); when false a secret method is not pinned. */
  tokenEndpointAuthMethodFixed: boolean;
  /** The client's public keys for private_key_jwt, as a JWK Set (JSON text), or null. */
  jwks: string | null;
  jwksUri: string | null;
  /** Scopes the client may obtain for itself with the client_credentials grant. */
  credentialsScopes: string[];
  hasLogo: boolean;
  hasDarkLogo: boolean;
  allowedGroupIds: string[];
  createdById: string | null;
  createdAt: number;
  updatedAt: number;
  /** Where the registration comes from: an administrator ("standard") or the client's metadata document ("cimd", migration 0021). */
  clientType: ClientType;
  /** CIMD: when the stored document goes stale (seconds); null for standard clients. */
  metadataExpiresAt: number | null;
  /** CIMD: the grant types the document declared (those Latchkey implements); empty for standard clients. */
  metadataGrantTypes: string[];
}

export type ClientType = "standard" | "cimd";

/** The settings an administrator edits (everything but the id, logos, groups, registration source and bookkeeping). */
export type OidcClientSettings = Omit<
  OidcClient,
  "id" | "hasLogo" | "hasDarkLogo" | "allowedGroupIds" | "createdById" | "createdAt" | "updatedAt" | "clientType" | "metadataExpiresAt" | "metadataGrantTypes"
>;

export interface OidcClientSecret {
  id: string;
  clientId: string;
  /** "sha256:<hex>", or "bcrypt:<hash>" when imported from Pocket ID (migration 0015). */
  hash: string;
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
}

/** The stored shapes, known only to src/db/. */
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
  client_type: string;
  metadata_expires_at: number | null;
  metadata_grant_types: string;
};

type OidcClientSecretRow = {
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
  logo_light_type, logo_dark_type, created_by_id, created_at, updated_at, client_type, metadata_expires_at, metadata_grant_types`;

function parseJsonList(text: string): string[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

function toClient(row: OidcClientRow, allowedGroupIds: string[] | (() => string[])): OidcClient {
  let groups = typeof allowedGroupIds === "function" ? null : allowedGroupIds;
  const loadGroups = allowedGroupIds as () => string[];
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    callbackUrls: parseJsonList(row.callback_urls),
    logoutCallbackUrls: parseJsonList(row.logout_callback_urls),
    launchUrl: row.launch_url,
    isPublic: row.is_public === 1,
    pkceEnabled: row.pkce_enabled === 1,
    requiresReauthentication: row.requires_reauthentication === 1,
    skipConsent: row.skip_consent === 1,
    unrestricted: row.is_group_restricted === 0,
    accessTokenDurationMinutes: row.access_token_duration_minutes,
    refreshTokenDurationMinutes: row.refresh_token_duration_minutes,
    requirePar: row.require_par === 1,
    backchannelLogoutUri: row.backchannel_logout_uri,
    tokenEndpointAuthMethod: (TOKEN_ENDPOINT_AUTH_METHODS as string[]).includes(row.token_endpoint_auth_method)
      ? (row.token_endpoint_auth_method as TokenEndpointAuthMethod)
      : "client_secret_basic",
    tokenEndpointAuthMethodFixed: row.token_endpoint_auth_method_fixed === 1,
    jwks: row.jwks,
    jwksUri: row.jwks_uri,
    credentialsScopes: parseJsonList(row.credentials_scopes),
    hasLogo: row.logo_light_type !== null,
    hasDarkLogo: row.logo_dark_type !== null,
    // Loaded on first read: the token endpoint's client authentication never needs them.
    get allowedGroupIds(): string[] {
      return (groups ??= loadGroups());
    },
    createdById: row.created_by_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    clientType: row.client_type === "cimd" ? "cimd" : "standard",
    metadataExpiresAt: row.metadata_expires_at,
    metadataGrantTypes: parseJsonList(row.metadata_grant_types),
  };
}

/** The settings columns of a client row (shared by insert and update). */
/** The settings every client has, a Pocket ID import's included. */
export type CommonClientSettings = Pick<
  OidcClientSettings,
  | "name"
  | "description"
  | "callbackUrls"
  | "logoutCallbackUrls"
  | "launchUrl"
  | "isPublic"
  | "pkceEnabled"
  | "requiresReauthentication"
  | "skipConsent"
  | "unrestricted"
  | "accessTokenDurationMinutes"
  | "refreshTokenDurationMinutes"
  | "requirePar"
>;

/** The columns of the settings every client has, a Pocket ID import's included (settingsColumns adds the rest). */
export function commonClientColumns(s: CommonClientSettings) {
  return {
    ...localClientColumns(s),
    name: s.name,
    callback_urls: JSON.stringify(s.callbackUrls),
    logout_callback_urls: JSON.stringify(s.logoutCallbackUrls),
    is_public: s.isPublic ? 1 : 0,
    pkce_enabled: s.pkceEnabled ? 1 : 0,
  };
}

/** The columns of the settings that stay the administrator's even for a metadata document's client. */
function localClientColumns(s: ClientLocalSettings) {
  return {
    description: s.description,
    launch_url: s.launchUrl,
    requires_reauthentication: s.requiresReauthentication ? 1 : 0,
    skip_consent: s.skipConsent ? 1 : 0,
    is_group_restricted: s.unrestricted ? 0 : 1,
    access_token_duration_minutes: s.accessTokenDurationMinutes,
    refresh_token_duration_minutes: s.refreshTokenDurationMinutes,
    require_par: s.requirePar ? 1 : 0,
  };
}

function settingsColumns(s: OidcClientSettings) {
  return {
    ...commonClientColumns(s),
    backchannel_logout_uri: s.backchannelLogoutUri,
    token_endpoint_auth_method: s.tokenEndpointAuthMethod,
    token_endpoint_auth_method_fixed: s.tokenEndpointAuthMethodFixed ? 1 : 0,
    jwks: s.jwks,
    jwks_uri: s.jwksUri,
    credentials_scopes: JSON.stringify(s.credentialsScopes),
  };
}

export function insertClient(
  db: Database,
  client: OidcClientSettings & { id: string; createdById: string | null; createdAt: number; updatedAt: number },
): void {
  db.query(
    `INSERT INTO oidc_clients (id, name, description, callback_urls, logout_callback_urls, launch_url, is_public, pkce_enabled,
       requires_reauthentication, skip_consent, is_group_restricted, access_token_duration_minutes, refresh_token_duration_minutes,
       require_par, backchannel_logout_uri, token_endpoint_auth_method, token_endpoint_auth_method_fixed, jwks, jwks_uri, credentials_scopes,
       created_by_id, created_at, updated_at)
     VALUES ($id, $name, $description, $callback_urls, $logout_callback_urls, $launch_url, $is_public, $pkce_enabled,
       $requires_reauthentication, $skip_consent, $is_group_restricted, $access_token_duration_minutes, $refresh_token_duration_minutes,
       $require_par, $backchannel_logout_uri, $token_endpoint_auth_method, $token_endpoint_auth_method_fixed, $jwks, $jwks_uri, $credentials_scopes,
       $created_by_id, $created_at, $updated_at)`,
  ).run({ id: client.id, ...settingsColumns(client), created_by_id: client.createdById, created_at: client.createdAt, updated_at: client.updatedAt });
}

/** Replaces a client's settings; false when there is no such client. */
export function updateClientSettings(db: Database, id: string, settings: OidcClientSettings, updatedAt: number): boolean {
  return (
    db
      .query(
        // A metadata document owns its client's registration (saveClientMetadata): never written from here.
        `UPDATE oidc_clients SET name = $name, description = $description, callback_urls = $callback_urls,
           logout_callback_urls = $logout_callback_urls, launch_url = $launch_url, is_public = $is_public, pkce_enabled = $pkce_enabled,
           requires_reauthentication = $requires_reauthentication, skip_consent = $skip_consent, is_group_restricted = $is_group_restricted,
           access_token_duration_minutes = $access_token_duration_minutes, refresh_token_duration_minutes = $refresh_token_duration_minutes,
           require_par = $require_par, backchannel_logout_uri = $backchannel_logout_uri,
           token_endpoint_auth_method = $token_endpoint_auth_method, token_endpoint_auth_method_fixed = $token_endpoint_auth_method_fixed,
           jwks = $jwks, jwks_uri = $jwks_uri,
           credentials_scopes = $credentials_scopes, updated_at = $updated_at
         WHERE id = $id AND client_type = 'standard'`,
      )
      .run({ id, ...settingsColumns(settings), updated_at: updatedAt }).changes > 0
  );
}

/** What a client's metadata document decides (the rest of a CIMD client stays the administrator's). */
export interface ClientMetadata {
  name: string;
  callbackUrls: string[];
  logoutCallbackUrls: string[];
  isPublic: boolean;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** The document's keys (inline, or fetched from its jwks_uri), as a JWK Set; null for public clients. */
  jwks: string | null;
  grantTypes: string[];
  expiresAt: number;
}

/** The local settings an administrator keeps for a CIMD client (Pocket ID's list). */
export type ClientLocalSettings = Pick<
  OidcClientSettings,
  "description" | "launchUrl" | "requiresReauthentication" | "skipConsent" | "unrestricted" | "accessTokenDurationMinutes" | "refreshTokenDurationMinutes" | "requirePar"
>;

/**
 * Stores a client from its metadata document: a new row (unrestricted, as Pocket ID creates them: the allowlist is the
 * administrator's gate, and every person still consents) or the document's fields of an existing CIMD row, leaving the
 * administrator's settings, groups, logos and consents alone. Never touches a
 * standard client with the same id (false then).
 */
export function saveClientMetadata(db: Database, id: string, m: ClientMetadata, now: number): boolean {
  const values = {
    id,
    name: m.name,
    callback_urls: JSON.stringify(m.callbackUrls),
    logout_callback_urls: JSON.stringify(m.logoutCallbackUrls),
    is_public: m.isPublic ? 1 : 0,
    token_endpoint_auth_method: m.tokenEndpointAuthMethod,
    jwks: m.jwks,
    metadata_grant_types: JSON.stringify(m.grantTypes),
    metadata_expires_at: m.expiresAt,
    now,
  };
  const updated = db
    .query(
      `UPDATE oidc_clients SET name = $name, callback_urls = $callback_urls, logout_callback_urls = $logout_callback_urls,
         is_public = $is_public, pkce_enabled = $is_public, token_endpoint_auth_method = $token_endpoint_auth_method,
         token_endpoint_auth_method_fixed = 1, jwks = $jwks, jwks_uri = NULL, metadata_grant_types = $metadata_grant_types,
         metadata_expires_at = $metadata_expires_at, updated_at = $now
       WHERE id = $id AND client_type = 'cimd'`,
    )
    .run(values).changes;
  if (updated > 0) return true;
  return (
    db
      .query(
        `INSERT INTO oidc_clients (id, name, callback_urls, logout_callback_urls, is_public, pkce_enabled, token_endpoint_auth_method,
           token_endpoint_auth_method_fixed, jwks, is_group_restricted, client_type, metadata_grant_types, metadata_expires_at, created_at, updated_at)
         VALUES ($id, $name, $callback_urls, $logout_callback_urls, $is_public, $is_public, $token_endpoint_auth_method,
           1, $jwks, 0, 'cimd', $metadata_grant_types, $metadata_expires_at, $now, $now)
         ON CONFLICT (id) DO NOTHING`,
      )
      .run(values).changes > 0
  );
}

/** Replaces the local settings of a CIMD client; false when there is no such CIMD client. */
export function updateClientLocalSettings(db: Database, id: string, s: ClientLocalSettings, updatedAt: number): boolean {
  return (
    db
      .query(
        `UPDATE oidc_clients SET description = $description, launch_url = $launch_url, requires_reauthentication = $requires_reauthentication,
           skip_consent = $skip_consent, is_group_restricted = $is_group_restricted, access_token_duration_minutes = $access_token_duration_minutes,
           refresh_token_duration_minutes = $refresh_token_duration_minutes, require_par = $require_par, updated_at = $updated_at
         WHERE id = $id AND client_type = 'cimd'`,
      )
      .run({ id, ...localClientColumns(s), updated_at: updatedAt }).changes > 0
  );
}

/** One client; its allowed groups are read only if asked for (the token endpoint never needs them). */
export function findClient(db: Database, id: string): OidcClient | null {
  const row = db.query<OidcClientRow, [string]>(`SELECT ${CLIENT_COLUMNS} FROM oidc_clients WHERE id = ?`).get(id);
  return row ? toClient(row, () => listAllowedGroupIds(db, id)) : null;
}

/** Every client by name, with its allowed groups. */
export function listAllClients(db: Database): OidcClient[] {
  return db
    .query<OidcClientRow, []>(`SELECT ${CLIENT_COLUMNS} FROM oidc_clients ORDER BY name COLLATE NOCASE, id`)
    .all()
    .map((row) => toClient(row, listAllowedGroupIds(db, row.id)));
}

export function clientExists(db: Database, id: string): boolean {
  return db.query<{ ok: number }, [string]>("SELECT 1 AS ok FROM oidc_clients WHERE id = ?").get(id) !== null;
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

function toSecret(row: OidcClientSecretRow): OidcClientSecret {
  return { id: row.id, clientId: row.client_id, hash: row.hash, prefix: row.prefix, createdAt: row.created_at, expiresAt: row.expires_at };
}

export function insertClientSecret(db: Database, secret: OidcClientSecret): void {
  db.query(
    `INSERT INTO oidc_client_secrets (id, client_id, hash, prefix, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(secret.id, secret.clientId, secret.hash, secret.prefix, secret.createdAt, secret.expiresAt);
}

export function listClientSecretsOf(db: Database, clientId: string): OidcClientSecret[] {
  return db
    .query<OidcClientSecretRow, [string]>("SELECT * FROM oidc_client_secrets WHERE client_id = ? ORDER BY created_at, rowid")
    .all(clientId)
    .map(toSecret);
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

/** True when the client has a live secret with this hash (the token endpoint's check: no row to map). */
export function hasLiveClientSecretHash(db: Database, clientId: string, hash: string, now: number): boolean {
  return (
    db
      .query<{ ok: number }, [string, string, number]>(
        "SELECT 1 AS ok FROM oidc_client_secrets WHERE client_id = ? AND hash = ? AND (expires_at IS NULL OR expires_at > ?)",
      )
      .get(clientId, hash, now) !== null
  );
}

/** The secret row with this hash, of any client and live or not (hashes are unique across clients). */
export function findClientSecretByHash(db: Database, hash: string): OidcClientSecret | null {
  const row = db.query<OidcClientSecretRow, [string]>("SELECT * FROM oidc_client_secrets WHERE hash = ?").get(hash);
  return row ? toSecret(row) : null;
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
