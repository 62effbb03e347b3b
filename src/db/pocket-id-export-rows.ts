/**
 * What `latchkey export --format pocket-id` reads of Latchkey's own tables (src/pocket-id/export-writer.ts maps it
 * to Pocket ID's): plain SELECTs returning typed rows, in one read transaction taken by the caller. Times are Unix
 * seconds, booleans 0/1, JSON columns their text, as Latchkey stores them on both engines.
 */
import type { AuditLogRow } from "./audit-logs.ts";
import type { Database } from "./database.ts";
import type { OidcClientRow } from "./oidc-clients.ts";
import type { UserRow } from "./users.ts";

export type ExportUserRow = UserRow;

export type ExportCredentialRow = {
  id: string;
  user_id: string;
  name: string;
  credential_id: string;
  public_key: Uint8Array;
  transports: string;
  backup_eligible: number;
  backup_state: number;
  created_at: number;
};

export type ExportGroupRow = { id: string; name: string; friendly_name: string; ldap_id: string | null; created_at: number; updated_at: number };
export type ExportClaimRow = { id: string; key: string; value: string; user_id: string | null; user_group_id: string | null };

/** The client's columns Pocket ID has a place for, with the logos' bytes. */
export type ExportClientRow = Pick<
  OidcClientRow,
  | "id" | "name" | "description" | "callback_urls" | "logout_callback_urls" | "launch_url" | "is_public" | "pkce_enabled"
  | "requires_reauthentication" | "skip_consent" | "is_group_restricted" | "access_token_duration_minutes"
  | "refresh_token_duration_minutes" | "logo_light_type" | "logo_dark_type" | "created_by_id" | "created_at" | "require_par"
  | "backchannel_logout_uri" | "token_endpoint_auth_method" | "jwks" | "jwks_uri" | "client_type" | "metadata_expires_at" | "metadata_grant_types"
> & { logo_light: Uint8Array | null; logo_dark: Uint8Array | null };

export type ExportClientSecretRow = { id: string; client_id: string; hash: string; prefix: string; created_at: number; expires_at: number | null };
export type ExportConsentRow = { user_id: string; client_id: string; scope: string; last_used_at: number };
export type ExportApiKeyRow = {
  id: string;
  name: string;
  description: string;
  key_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  notice_sent_at: number | null;
};
export type ExportAuditRow = AuditLogRow;
export type ExportPictureRow = { user_id: string; data: Uint8Array; content_type: string };

export function listUsersForExport(db: Database): ExportUserRow[] {
  return db
    .query<ExportUserRow, []>(
      `SELECT id, username, email, email_verified, first_name, last_name, display_name, is_admin, disabled, locale, ldap_id, created_at, updated_at
       FROM users ORDER BY created_at, id`,
    )
    .all();
}

export function listCredentialsForExport(db: Database): ExportCredentialRow[] {
  return db
    .query<ExportCredentialRow, []>(
      "SELECT id, user_id, name, credential_id, public_key, transports, backup_eligible, backup_state, created_at FROM webauthn_credentials ORDER BY created_at, id",
    )
    .all();
}

export function listGroupsForExport(db: Database): ExportGroupRow[] {
  return db.query<ExportGroupRow, []>("SELECT id, name, friendly_name, ldap_id, created_at, updated_at FROM user_groups ORDER BY created_at, id").all();
}

export function listMembershipsForExport(db: Database): { user_id: string; user_group_id: string }[] {
  return db.query<{ user_id: string; user_group_id: string }, []>("SELECT user_id, user_group_id FROM user_groups_users ORDER BY user_group_id, user_id").all();
}

export function listClaimsForExport(db: Database): ExportClaimRow[] {
  return db.query<ExportClaimRow, []>("SELECT id, key, value, user_id, user_group_id FROM custom_claims ORDER BY id").all();
}

export function listClientsForExport(db: Database): ExportClientRow[] {
  return db
    .query<ExportClientRow, []>(
      `SELECT id, name, description, callback_urls, logout_callback_urls, launch_url, is_public, pkce_enabled, requires_reauthentication,
              skip_consent, is_group_restricted, access_token_duration_minutes, refresh_token_duration_minutes, logo_light, logo_light_type,
              logo_dark, logo_dark_type, created_by_id, created_at, require_par, backchannel_logout_uri, token_endpoint_auth_method, jwks, jwks_uri,
              client_type, metadata_expires_at, metadata_grant_types
       FROM oidc_clients ORDER BY created_at, id`,
    )
    .all();
}

export function listClientSecretsForExport(db: Database): ExportClientSecretRow[] {
  return db.query<ExportClientSecretRow, []>("SELECT id, client_id, hash, prefix, created_at, expires_at FROM oidc_client_secrets ORDER BY created_at, id").all();
}

export function listAllowedGroupsForExport(db: Database): { client_id: string; user_group_id: string }[] {
  return db.query<{ client_id: string; user_group_id: string }, []>("SELECT client_id, user_group_id FROM oidc_clients_allowed_user_groups ORDER BY client_id, user_group_id").all();
}

export function listConsentsForExport(db: Database): ExportConsentRow[] {
  return db.query<ExportConsentRow, []>("SELECT user_id, client_id, scope, last_used_at FROM user_authorized_oidc_clients ORDER BY user_id, client_id").all();
}

export function listApiKeysForExport(db: Database): ExportApiKeyRow[] {
  return db
    .query<ExportApiKeyRow, []>(
      `SELECT k.id, k.name, k.description, k.key_hash, k.user_id, k.created_at, k.expires_at, k.last_used_at, n.sent_at AS notice_sent_at
       FROM api_keys k LEFT JOIN api_key_expiry_notices n ON n.api_key_id = k.id ORDER BY k.created_at, k.id`,
    )
    .all();
}

export function listAuditLogsForExport(db: Database): ExportAuditRow[] {
  return db.query<ExportAuditRow, []>("SELECT id, created_at, event, user_id, ip_address, user_agent, data, country, city FROM audit_logs ORDER BY created_at, id").all();
}

export function listProfilePicturesForExport(db: Database): ExportPictureRow[] {
  return db.query<ExportPictureRow, []>("SELECT user_id, data, content_type FROM profile_pictures ORDER BY user_id").all();
}

/** Rows of Latchkey state Pocket ID's archive has no place for, counted for the report. */
export type ExportApiRow = { id: string; name: string; audience: string; allow_cimd_clients: number; created_at: number; updated_at: number | null };
export type ExportApiPermissionRow = { id: string; api_id: string; key: string; name: string; description: string | null; allowed_for_cimd_clients: number; created_at: number };
export type ExportApiGrantRow = { oidc_client_id: string; target_id: string; subject_type: string };

/** API resources, their permissions and the clients' grants (Pocket ID v2.14's four tables). */
export function listApisForExport(db: Database): { apis: ExportApiRow[]; permissions: ExportApiPermissionRow[]; apiGrants: ExportApiGrantRow[]; permissionGrants: ExportApiGrantRow[] } {
  return {
    apis: db.query<ExportApiRow, []>("SELECT id, name, audience, allow_cimd_clients, created_at, updated_at FROM apis ORDER BY created_at, id").all(),
    permissions: db
      .query<ExportApiPermissionRow, []>("SELECT id, api_id, key, name, description, allowed_for_cimd_clients, created_at FROM api_permissions ORDER BY created_at, key")
      .all(),
    apiGrants: db.query<ExportApiGrantRow, []>("SELECT oidc_client_id, api_id AS target_id, subject_type FROM oidc_clients_allowed_apis ORDER BY oidc_client_id, api_id, subject_type").all(),
    permissionGrants: db
      .query<ExportApiGrantRow, []>(
        "SELECT oidc_client_id, api_permission_id AS target_id, subject_type FROM oidc_clients_allowed_api_permissions ORDER BY oidc_client_id, api_permission_id, subject_type",
      )
      .all(),
  };
}

export function countUnexportedState(db: Database, now: number): { signupTokens: number; refreshTokens: number; sessions: number; protectedApps: number; retiredKeys: number } {
  const count = (sql: string, ...args: number[]) => db.query<{ n: number }, number[]>(sql).get(...args)?.n ?? 0;
  return {
    signupTokens: Number(count("SELECT COUNT(*) AS n FROM signup_tokens WHERE expires_at > ? AND usage_count < usage_limit", now)),
    refreshTokens: Number(count("SELECT COUNT(*) AS n FROM oidc_refresh_tokens WHERE expires_at > ? AND used_at IS NULL", now)),
    sessions: Number(count("SELECT COUNT(*) AS n FROM sessions WHERE expires_at > ?", now)),
    protectedApps: Number(count("SELECT COUNT(*) AS n FROM protected_apps")),
    retiredKeys: Number(count("SELECT COUNT(*) AS n FROM oidc_signing_keys WHERE retired_at IS NOT NULL")),
  };
}
