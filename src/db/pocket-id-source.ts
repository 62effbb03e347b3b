/**
 * SQL that reads a Pocket ID database (a read-only copy; src/pocket-id/source.ts makes it). Reference:
 * pocket-id-storage.md §1–§2.
 * - Columns differ by version: each reader probes the columns it needs (`hasColumn`) instead of trusting the
 *   version number, so every v1.x and v2.x layout reads.
 * - JSON stored in BLOBs is read with CAST(… AS TEXT); credential ids and public keys as raw bytes
 *   (CAST(… AS BLOB): v0.x rows hold the bytes with the TEXT storage class).
 * - DATETIME columns hold Unix seconds; NULL stays null.
 */
import { engineOf, tableExists, type Database } from "./database.ts";

export { tableExists };

/** True when `table` exists and has `column` (SQLite's table_info, or PostgreSQL's information_schema). */
export function hasColumn(db: Database, table: string, column: string): boolean {
  if (engineOf(db) === "postgres") {
    return db.query("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?").get(table, column) !== null;
  }
  if (!tableExists(db, table)) return false;
  return db.query<{ name: string }, [string]>("SELECT name FROM pragma_table_info(?)").all(table).some((c) => c.name === column);
}

/** golang-migrate's bookkeeping: every row (there should be exactly one). */
export function readSchemaMigrations(db: Database): { version: number; dirty: number }[] {
  if (!tableExists(db, "schema_migrations")) return [];
  return db.query<{ version: number; dirty: number }, []>("SELECT CAST(version AS INTEGER) AS version, CAST(dirty AS INTEGER) AS dirty FROM schema_migrations").all();
}

export function readKv(db: Database, key: string): string | null {
  if (!tableExists(db, "kv")) return null;
  return db.query<{ value: string | null }, [string]>("SELECT CAST(value AS TEXT) AS value FROM kv WHERE key = ?").get(key)?.value ?? null;
}

export function readLegacyConfig(db: Database): Record<string, string> | null {
  if (!tableExists(db, "app_config_variables")) return null;
  const rows = db.query<{ key: string; value: string | null }, []>("SELECT key, CAST(value AS TEXT) AS value FROM app_config_variables").all();
  return Object.fromEntries(rows.filter((r) => r.value !== null).map((r) => [r.key, r.value!]));
}

/** The AppConfig actor's state (v2.12+): MessagePack bytes, or null (no row, or expired at `nowMs`). */
export function readActorAppConfigState(db: Database, nowMs: number): Uint8Array | null {
  if (!tableExists(db, "francis_actor_state")) return null;
  return (
    db
      .query<{ data: Uint8Array }, [number]>(
        `SELECT actor_state_data AS data FROM francis_actor_state WHERE actor_type = 'AppConfig' AND actor_id = 'singleton'
           AND (actor_state_expiration_time IS NULL OR actor_state_expiration_time > ?)`,
      )
      .get(nowMs)?.data ?? null
  );
}

/** SignupToken actors (v2.12+): the actor id is the plaintext token; the state is MessagePack. Unexpired at `nowMs`. */
export function readActorSignupTokens(db: Database, nowMs: number): { token: string; data: Uint8Array }[] {
  if (!tableExists(db, "francis_actor_state")) return [];
  return db
    .query<{ token: string; data: Uint8Array }, [number]>(
      `SELECT actor_id AS token, actor_state_data AS data FROM francis_actor_state WHERE actor_type = 'SignupToken'
         AND (actor_state_expiration_time IS NULL OR actor_state_expiration_time > ?)`,
    )
    .all(nowMs);
}

export type PidUserRow = {
  id: string;
  created_at: number | null;
  updated_at: number | null;
  username: string;
  email: string | null;
  email_verified: number | null;
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  is_admin: number;
  ldap_id: string | null;
  locale: string | null;
  disabled: number;
};

export function readUsers(db: Database): PidUserRow[] {
  const col = (c: string, fallback: string) => (hasColumn(db, "users", c) ? c : `${fallback} AS ${c}`);
  return db
    .query<PidUserRow, []>(
      `SELECT id, CAST(created_at AS INTEGER) AS created_at, ${hasColumn(db, "users", "updated_at") ? "CAST(updated_at AS INTEGER)" : "NULL"} AS updated_at,
         username, email, ${col("email_verified", "NULL")}, first_name, last_name, ${col("display_name", "NULL")},
         CAST(is_admin AS INTEGER) AS is_admin, ${col("ldap_id", "NULL")}, ${col("locale", "NULL")},
         ${hasColumn(db, "users", "disabled") ? "CAST(disabled AS INTEGER)" : "0"} AS disabled
       FROM users ORDER BY created_at, id`,
    )
    .all();
}

export type PidCredentialRow = {
  id: string;
  created_at: number | null;
  name: string;
  credential_id: Uint8Array;
  public_key: Uint8Array;
  transport: string | null;
  user_id: string | null;
  backup_eligible: number;
  backup_state: number;
};

export function readCredentials(db: Database): PidCredentialRow[] {
  const be = hasColumn(db, "webauthn_credentials", "backup_eligible");
  return db
    .query<PidCredentialRow, []>(
      `SELECT id, CAST(created_at AS INTEGER) AS created_at, name, CAST(credential_id AS BLOB) AS credential_id,
         CAST(public_key AS BLOB) AS public_key, CAST(transport AS TEXT) AS transport, user_id,
         ${be ? "CAST(backup_eligible AS INTEGER)" : "0"} AS backup_eligible, ${be ? "CAST(backup_state AS INTEGER)" : "0"} AS backup_state
       FROM webauthn_credentials ORDER BY created_at, id`,
    )
    .all();
}

export type PidGroupRow = { id: string; created_at: number | null; updated_at: number | null; name: string; friendly_name: string; ldap_id: string | null };

export function readGroups(db: Database): PidGroupRow[] {
  return db
    .query<PidGroupRow, []>(
      `SELECT id, CAST(created_at AS INTEGER) AS created_at, ${hasColumn(db, "user_groups", "updated_at") ? "CAST(updated_at AS INTEGER)" : "NULL"} AS updated_at,
         name, friendly_name, ${hasColumn(db, "user_groups", "ldap_id") ? "ldap_id" : "NULL"} AS ldap_id
       FROM user_groups ORDER BY created_at, id`,
    )
    .all();
}

export function readMemberships(db: Database): { user_id: string; user_group_id: string }[] {
  return db.query<{ user_id: string; user_group_id: string }, []>("SELECT user_id, user_group_id FROM user_groups_users").all();
}

export type PidClaimRow = { id: string; key: string; value: string; user_id: string | null; user_group_id: string | null };

export function readCustomClaims(db: Database): PidClaimRow[] {
  if (!tableExists(db, "custom_claims")) return [];
  return db.query<PidClaimRow, []>("SELECT id, key, value, user_id, user_group_id FROM custom_claims ORDER BY id").all();
}

export type PidClientRow = {
  id: string;
  created_at: number | null;
  name: string | null;
  description: string | null;
  secret: string | null;
  callback_urls: string | null;
  logout_callback_urls: string | null;
  credentials: string | null;
  image_type: string | null;
  dark_image_type: string | null;
  created_by_id: string | null;
  is_public: number | null;
  pkce_enabled: number | null;
  launch_url: string | null;
  requires_reauthentication: number | null;
  is_group_restricted: number | null;
  requires_pushed_authorization_requests: number | null;
  skip_consent: number | null;
  client_type: string | null;
  access_token_duration_minutes: number | null;
  refresh_token_duration_minutes: number | null;
};

export function readClients(db: Database): PidClientRow[] {
  const opt = (c: string, expr = c) => (hasColumn(db, "oidc_clients", c) ? `${expr} AS ${c}` : `NULL AS ${c}`);
  return db
    .query<PidClientRow, []>(
      `SELECT id, CAST(created_at AS INTEGER) AS created_at, name, ${opt("description")}, ${opt("secret")},
         CAST(callback_urls AS TEXT) AS callback_urls, ${opt("logout_callback_urls", "CAST(logout_callback_urls AS TEXT)")},
         ${opt("credentials", "CAST(credentials AS TEXT)")}, ${opt("image_type")}, ${opt("dark_image_type")}, ${opt("created_by_id")},
         ${opt("is_public", "CAST(is_public AS INTEGER)")}, ${opt("pkce_enabled", "CAST(pkce_enabled AS INTEGER)")}, ${opt("launch_url")},
         ${opt("requires_reauthentication", "CAST(requires_reauthentication AS INTEGER)")},
         ${opt("is_group_restricted", "CAST(is_group_restricted AS INTEGER)")},
         ${opt("requires_pushed_authorization_requests", "CAST(requires_pushed_authorization_requests AS INTEGER)")},
         ${opt("skip_consent", "CAST(skip_consent AS INTEGER)")}, ${opt("client_type")},
         ${opt("access_token_duration_minutes")}, ${opt("refresh_token_duration_minutes")}
       FROM oidc_clients ORDER BY created_at, id`,
    )
    .all();
}

export function readAllowedGroups(db: Database): { oidc_client_id: string; user_group_id: string }[] {
  if (!tableExists(db, "oidc_clients_allowed_user_groups")) return [];
  return db.query<{ oidc_client_id: string; user_group_id: string }, []>("SELECT oidc_client_id, user_group_id FROM oidc_clients_allowed_user_groups").all();
}

export type PidConsentRow = { user_id: string; client_id: string; scope: string | null; last_used_at: number | null };

export function readConsents(db: Database): PidConsentRow[] {
  if (!tableExists(db, "user_authorized_oidc_clients")) return [];
  const lastUsed = hasColumn(db, "user_authorized_oidc_clients", "last_used_at") ? "CAST(last_used_at AS INTEGER)" : "NULL";
  return db
    .query<PidConsentRow, []>(`SELECT user_id, client_id, CAST(scope AS TEXT) AS scope, ${lastUsed} AS last_used_at FROM user_authorized_oidc_clients`)
    .all();
}

export type PidRefreshSessionRow = { key: string; client_id: string; request_data: string; expires_at: number | null; created_at: number | null };

/** fosite refresh tokens still usable: active and unexpired at `now` (v2.10+). */
export function readLiveRefreshSessions(db: Database, now: number): PidRefreshSessionRow[] {
  if (!tableExists(db, "oauth2_sessions")) return [];
  return db
    .query<PidRefreshSessionRow, [number]>(
      `SELECT key, client_id, CAST(request_data AS TEXT) AS request_data, CAST(expires_at AS INTEGER) AS expires_at,
         CAST(created_at AS INTEGER) AS created_at
       FROM oauth2_sessions WHERE kind = 'refresh_token' AND CAST(active AS INTEGER) = 1 AND expires_at > ?`,
    )
    .all(now);
}

export type PidLegacyRefreshTokenRow = {
  token: string;
  expires_at: number;
  scope: string;
  user_id: string;
  client_id: string;
  created_at: number | null;
  authentication_method: string | null;
};

/** v0.44–v2.9 `oidc_refresh_tokens` (token = SHA-256 hex of the random value), expired ones included. */
export function readLegacyRefreshTokens(db: Database): PidLegacyRefreshTokenRow[] {
  if (!tableExists(db, "oidc_refresh_tokens")) return [];
  const created = hasColumn(db, "oidc_refresh_tokens", "created_at") ? "CAST(created_at AS INTEGER)" : "NULL";
  const method = hasColumn(db, "oidc_refresh_tokens", "authentication_method") ? "authentication_method" : "NULL";
  return db
    .query<PidLegacyRefreshTokenRow, []>(
      `SELECT token, CAST(expires_at AS INTEGER) AS expires_at, scope, user_id, client_id, ${created} AS created_at,
         ${method} AS authentication_method FROM oidc_refresh_tokens`,
    )
    .all();
}

export type PidApiKeyRow = {
  id: string;
  name: string;
  key: string;
  description: string | null;
  expires_at: number | null;
  last_used_at: number | null;
  created_at: number | null;
  user_id: string | null;
  expiration_email_sent: number | null;
};

export function readApiKeys(db: Database): PidApiKeyRow[] {
  if (!tableExists(db, "api_keys")) return [];
  const sent = hasColumn(db, "api_keys", "expiration_email_sent") ? "CAST(expiration_email_sent AS INTEGER)" : "0";
  return db
    .query<PidApiKeyRow, []>(
      `SELECT id, name, key, description, CAST(expires_at AS INTEGER) AS expires_at, CAST(last_used_at AS INTEGER) AS last_used_at,
         CAST(created_at AS INTEGER) AS created_at, user_id, ${sent} AS expiration_email_sent FROM api_keys`,
    )
    .all();
}

export type PidSignupTokenRow = { id: string; token: string; created_at: number | null; expires_at: number; usage_limit: number; usage_count: number; group_ids: string[] };

/** v1.5–v2.11 `signup_tokens` (+ `signup_tokens_user_groups` from v2.0). */
export function readLegacySignupTokens(db: Database): PidSignupTokenRow[] {
  if (!tableExists(db, "signup_tokens")) return [];
  const rows = db
    .query<Omit<PidSignupTokenRow, "group_ids">, []>(
      `SELECT id, token, CAST(created_at AS INTEGER) AS created_at, CAST(expires_at AS INTEGER) AS expires_at, usage_limit, usage_count FROM signup_tokens`,
    )
    .all();
  const groups = tableExists(db, "signup_tokens_user_groups")
    ? db.query<{ signup_token_id: string; user_group_id: string }, []>("SELECT signup_token_id, user_group_id FROM signup_tokens_user_groups").all()
    : [];
  return rows.map((r) => ({ ...r, group_ids: groups.filter((g) => g.signup_token_id === r.id).map((g) => g.user_group_id) }));
}

export type PidAuditRow = {
  id: string;
  created_at: number;
  event: string;
  ip_address: string | null;
  user_agent: string | null;
  data: string | null;
  user_id: string | null;
  country: string | null;
  city: string | null;
};

export function readAuditLogsSince(db: Database, since: number): PidAuditRow[] {
  if (!tableExists(db, "audit_logs")) return [];
  const geo = hasColumn(db, "audit_logs", "country");
  return db
    .query<PidAuditRow, [number]>(
      `SELECT id, CAST(created_at AS INTEGER) AS created_at, event, ip_address, user_agent, CAST(data AS TEXT) AS data, user_id,
         ${geo ? "country" : "NULL"} AS country, ${geo ? "city" : "NULL"} AS city
       FROM audit_logs WHERE created_at >= ? ORDER BY created_at, id`,
    )
    .all(since);
}

/** Files kept in the database (FILE_BACKEND=database, v1.16+). */
export function readStoredFile(db: Database, filePath: string): Uint8Array | null {
  if (!tableExists(db, "storage")) return null;
  return db.query<{ data: Uint8Array }, [string]>("SELECT data FROM storage WHERE path = ?").get(filePath)?.data ?? null;
}

export function listStoredFiles(db: Database, prefix: string): string[] {
  if (!tableExists(db, "storage")) return [];
  return db.query<{ path: string }, [string]>("SELECT path FROM storage WHERE substr(path, 1, length(?1)) = ?1").all(prefix).map((r) => r.path);
}

/** Rows of a table that may not exist in every version (0 when absent). */
export type PidScimProviderRow = { id: string; created_at: number | null; endpoint: string; token: string | null; last_synced_at: number | null; oidc_client_id: string };

/** SCIM service providers (v1.x late / v2): the token is Pocket ID's EncryptedString ("" when none). */
export function readScimProviders(db: Database): PidScimProviderRow[] {
  if (!tableExists(db, "scim_service_providers")) return [];
  return db
    .query<PidScimProviderRow, []>(
      `SELECT CAST(id AS TEXT) AS id, CAST(created_at AS INTEGER) AS created_at, endpoint, CAST(token AS TEXT) AS token,
         CAST(last_synced_at AS INTEGER) AS last_synced_at, oidc_client_id FROM scim_service_providers ORDER BY created_at, id`,
    )
    .all();
}

export type PidApiRow = { id: string; created_at: number | null; updated_at: number | null; name: string; audience: string; allow_cimd_clients: number };
export type PidApiPermissionRow = { id: string; created_at: number | null; api_id: string; key: string; name: string; description: string | null; allowed_for_cimd_clients: number };
export type PidApiGrantRow = { oidc_client_id: string; target_id: string; subject_type: string };

/** v2.10+ API resources (allow_cimd_clients since v2.14). */
export function readApis(db: Database): PidApiRow[] {
  if (!tableExists(db, "apis")) return [];
  const cimd = hasColumn(db, "apis", "allow_cimd_clients") ? "CAST(allow_cimd_clients AS INTEGER)" : "0";
  return db
    .query<PidApiRow, []>(
      `SELECT CAST(id AS TEXT) AS id, CAST(created_at AS INTEGER) AS created_at, CAST(updated_at AS INTEGER) AS updated_at, name, audience,
         ${cimd} AS allow_cimd_clients FROM apis ORDER BY created_at, id`,
    )
    .all();
}

export function readApiPermissions(db: Database): PidApiPermissionRow[] {
  if (!tableExists(db, "api_permissions")) return [];
  const cimd = hasColumn(db, "api_permissions", "allowed_for_cimd_clients") ? "CAST(allowed_for_cimd_clients AS INTEGER)" : "0";
  return db
    .query<PidApiPermissionRow, []>(
      `SELECT CAST(id AS TEXT) AS id, CAST(created_at AS INTEGER) AS created_at, CAST(api_id AS TEXT) AS api_id, key, name, description,
         ${cimd} AS allowed_for_cimd_clients FROM api_permissions ORDER BY created_at, key`,
    )
    .all();
}

/**
 * The clients' grants: access to APIs (v2.14's oidc_clients_allowed_apis; before it, every permission grant implied
 * access, as Pocket ID's own migration derives it) and permissions, each with its subject type.
 */
export function readApiGrants(db: Database): { apis: PidApiGrantRow[]; permissions: PidApiGrantRow[] } {
  const permissions = tableExists(db, "oidc_clients_allowed_api_permissions")
    ? db
        .query<PidApiGrantRow, []>("SELECT oidc_client_id, CAST(api_permission_id AS TEXT) AS target_id, subject_type FROM oidc_clients_allowed_api_permissions")
        .all()
    : [];
  const apis = tableExists(db, "oidc_clients_allowed_apis")
    ? db.query<PidApiGrantRow, []>("SELECT oidc_client_id, CAST(api_id AS TEXT) AS target_id, subject_type FROM oidc_clients_allowed_apis").all()
    : tableExists(db, "oidc_clients_allowed_api_permissions")
      ? db
          .query<PidApiGrantRow, []>(
            `SELECT DISTINCT g.oidc_client_id, CAST(p.api_id AS TEXT) AS target_id, g.subject_type
             FROM oidc_clients_allowed_api_permissions g JOIN api_permissions p ON p.id = g.api_permission_id`,
          )
          .all()
      : [];
  return { apis, permissions };
}

export function countRows(db: Database, table: "apis" | "storage"): number {
  if (!tableExists(db, table)) return 0;
  return db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n;
}
