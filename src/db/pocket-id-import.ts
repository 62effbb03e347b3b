/**
 * Writes of the Pocket ID import (src/pocket-id/importer.ts), all inside its one transaction.
 * - Every insert is INSERT OR IGNORE and returns whether a row was written: with --merge, a row whose id (or
 *   another unique value) already exists is kept as it is and reported by the caller, never overwritten.
 * - Foreign keys are not ignored by OR IGNORE: the caller only writes a row whose parents exist.
 */
import type { Database } from "./database.ts";
import { toUserRow, type User } from "./users.ts";
import type { UserGroup } from "./user-groups.ts";
import type { Passkey } from "./webauthn.ts";
import type { AuditLog } from "./audit-logs.ts";
import { commonClientColumns, type CommonClientSettings, type OidcClient, type OidcClientSecret } from "./oidc-clients.ts";
import type { ClientConsent, Grant } from "./oidc-grants.ts";

const inserted = (r: { changes: number }) => r.changes > 0;

export function insertImportedUser(db: Database, user: User): boolean {
  return inserted(
    db
      .query(
        `INSERT OR IGNORE INTO users (id, username, email, email_verified, first_name, last_name, display_name, is_admin, disabled, locale, ldap_id, created_at, updated_at)
         VALUES ($id, $username, $email, $email_verified, $first_name, $last_name, $display_name, $is_admin, $disabled, $locale, $ldap_id, $created_at, $updated_at)`,
      )
      .run(toUserRow(user)),
  );
}

/** Which of these values are taken in Latchkey (a user id, username or email). */
export function findUserConflict(db: Database, u: { id: string; username: string; email: string | null; ldap_id: string | null }): "id" | "username" | "email" | "ldap_id" | null {
  const row = db
    .query<{ id: string; username: string; email: string | null; ldap_id: string | null }, [string, string, string | null, string | null]>(
      "SELECT id, username, email, ldap_id FROM users WHERE id = ?1 OR username = ?2 OR (?3 IS NOT NULL AND email = ?3) OR (?4 IS NOT NULL AND ldap_id = ?4) LIMIT 1",
    )
    .get(u.id, u.username, u.email, u.ldap_id);
  if (!row) return null;
  if (row.id === u.id) return "id";
  if (row.username.toLowerCase() === u.username.toLowerCase()) return "username";
  if (u.email !== null && row.email?.toLowerCase() === u.email.toLowerCase()) return "email";
  return "ldap_id";
}

export function userExists(db: Database, id: string): boolean {
  return db.query("SELECT 1 FROM users WHERE id = ?").get(id) !== null;
}

export function groupExists(db: Database, id: string): boolean {
  return db.query("SELECT 1 FROM user_groups WHERE id = ?").get(id) !== null;
}

export function clientExists(db: Database, id: string): boolean {
  return db.query("SELECT 1 FROM oidc_clients WHERE id = ?").get(id) !== null;
}

/** A passkey from Pocket ID: no counter (it starts at 0), no AAGUID, never used here yet. */
export type ImportedPasskey = Omit<Passkey, "counter" | "aaguid" | "lastUsedAt">;

export function insertImportedCredential(db: Database, p: ImportedPasskey): boolean {
  return inserted(
    db
      .query(
        `INSERT OR IGNORE INTO webauthn_credentials (id, user_id, name, credential_id, public_key, counter, transports, device_type, backup_eligible, backup_state, created_at)
         VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
      )
      .run(p.id, p.userId, p.name, p.credentialId, p.publicKey, JSON.stringify(p.transports), p.deviceType, p.backupEligible ? 1 : 0, p.backupState ? 1 : 0, p.createdAt),
  );
}

export function insertImportedGroup(db: Database, g: UserGroup): boolean {
  return inserted(
    db
      .query("INSERT OR IGNORE INTO user_groups (id, name, friendly_name, ldap_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(g.id, g.name, g.friendlyName, g.ldapId, g.createdAt, g.updatedAt),
  );
}

export function insertImportedMembership(db: Database, userId: string, groupId: string): boolean {
  return inserted(db.query("INSERT OR IGNORE INTO user_groups_users (user_id, user_group_id) VALUES (?, ?)").run(userId, groupId));
}

export function insertImportedClaim(db: Database, c: { id: string; key: string; value: string; userId: string | null; groupId: string | null }): boolean {
  return inserted(db.query("INSERT OR IGNORE INTO custom_claims (id, key, value, user_id, user_group_id) VALUES (?, ?, ?, ?, ?)").run(c.id, c.key, c.value, c.userId, c.groupId));
}

/** An imported client: the settings Pocket ID has (the others keep their defaults), with the logos' bytes and types. */
export type ImportedClient = CommonClientSettings &
  Pick<OidcClient, "id" | "createdById" | "createdAt" | "updatedAt"> & { logoLight: { data: Uint8Array; type: string } | null; logoDark: { data: Uint8Array; type: string } | null };

export function insertImportedClient(db: Database, c: ImportedClient): boolean {
  return inserted(
    db
      .query(
        `INSERT OR IGNORE INTO oidc_clients (id, name, description, callback_urls, logout_callback_urls, launch_url, is_public, pkce_enabled,
           requires_reauthentication, skip_consent, is_group_restricted, access_token_duration_minutes, refresh_token_duration_minutes,
           require_par, logo_light, logo_light_type, logo_dark, logo_dark_type, created_by_id, created_at, updated_at)
         VALUES ($id, $name, $description, $callback_urls, $logout_callback_urls, $launch_url, $is_public, $pkce_enabled,
           $requires_reauthentication, $skip_consent, $is_group_restricted, $access_token_duration_minutes, $refresh_token_duration_minutes,
           $require_par, $logo_light, $logo_light_type, $logo_dark, $logo_dark_type, $created_by_id, $created_at, $updated_at)`,
      )
      .run({
        id: c.id,
        ...commonClientColumns(c),
        logo_light: c.logoLight?.data ?? null,
        logo_light_type: c.logoLight?.type ?? null,
        logo_dark: c.logoDark?.data ?? null,
        logo_dark_type: c.logoDark?.type ?? null,
        created_by_id: c.createdById,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      }),
  );
}

/** An imported secret hash ("sha256:<hex>" or "bcrypt:<hash>", migration 0015). */
export function insertImportedClientSecret(db: Database, s: OidcClientSecret): boolean {
  return inserted(
    db
      .query(
        `INSERT OR IGNORE INTO oidc_client_secrets (id, client_id, hash, prefix, created_at, expires_at, imported_from)
         VALUES (?, ?, ?, ?, ?, ?, 'pocket-id')`,
      )
      .run(s.id, s.clientId, s.hash, s.prefix, s.createdAt, s.expiresAt),
  );
}

export function insertImportedAllowedGroup(db: Database, clientId: string, groupId: string): boolean {
  return inserted(db.query("INSERT OR IGNORE INTO oidc_clients_allowed_user_groups (client_id, user_group_id) VALUES (?, ?)").run(clientId, groupId));
}

export function insertImportedConsent(db: Database, consent: ClientConsent): boolean {
  return inserted(
    db
      .query(
        `INSERT OR IGNORE INTO user_authorized_oidc_clients (user_id, client_id, scope, created_at, last_used_at)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(consent.userId, consent.clientId, JSON.stringify(consent.scopes), consent.createdAt, consent.lastUsedAt),
  );
}

/** A live Pocket ID refresh token becomes a grant with one refresh token keyed "pocket-id:<signature>". */
/** A grant (no browser session) with its one refresh token, unless a token with that hash is already stored. */
export function insertImportedRefreshGrant(db: Database, grant: Omit<Grant, "sessionId">, token: { tokenHash: string; expiresAt: number }): boolean {
  if (db.query("SELECT 1 FROM oidc_refresh_tokens WHERE token_hash = ?").get(token.tokenHash) !== null) return false;
  db.query(
    `INSERT INTO oidc_grants (id, client_id, user_id, session_id, scope, auth_time, amr, created_at, resource)
     VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)`,
  ).run(grant.id, grant.clientId, grant.userId, grant.scope, grant.authTime, JSON.stringify(grant.amr), grant.createdAt, grant.resource);
  db.query(
    `INSERT INTO oidc_refresh_tokens (token_hash, grant_id, client_id, scope, created_at, expires_at, used_at)
     VALUES (?, ?, ?, ?, ?, ?, NULL)`,
  ).run(token.tokenHash, grant.id, grant.clientId, grant.scope, grant.createdAt, token.expiresAt);
  return true;
}

/** A SCIM provider (token already sealed); false when its id is taken or its client already has one. */
export function insertImportedScimProvider(
  db: Database,
  row: { id: string; oidc_client_id: string; endpoint: string; token: string | null; created_at: number; last_synced_at: number | null },
): boolean {
  return inserted(
    db
      .query(
        `INSERT OR IGNORE INTO scim_service_providers (id, oidc_client_id, endpoint, token, created_at, updated_at, last_synced_at)
         VALUES ($id, $oidc_client_id, $endpoint, $token, $created_at, $created_at, $last_synced_at)`,
      )
      .run(row),
  );
}

/** An API of the import; false when its id or audience is already taken (kept as it is). */
export function insertImportedApi(db: Database, row: { id: string; name: string; audience: string; allow_cimd_clients: number; created_at: number; updated_at: number | null }): boolean {
  if (db.query("SELECT 1 FROM apis WHERE id = ? OR audience = ?").get(row.id, row.audience) !== null) return false;
  return inserted(
    db
      .query("INSERT INTO apis (id, name, audience, allow_cimd_clients, created_at, updated_at) VALUES ($id, $name, $audience, $allow_cimd_clients, $created_at, $updated_at)")
      .run(row),
  );
}

/** A permission of an imported API; false when its id, or its key in that API, is taken. */
export function insertImportedApiPermission(
  db: Database,
  row: { id: string; api_id: string; key: string; name: string; description: string | null; allowed_for_cimd_clients: number; created_at: number },
): boolean {
  if (db.query("SELECT 1 FROM api_permissions WHERE id = ? OR (api_id = ? AND key = ?)").get(row.id, row.api_id, row.key) !== null) return false;
  return inserted(
    db
      .query(
        `INSERT INTO api_permissions (id, api_id, key, name, description, allowed_for_cimd_clients, created_at)
         VALUES ($id, $api_id, $key, $name, $description, $allowed_for_cimd_clients, $created_at)`,
      )
      .run(row),
  );
}

/** A client's access to an API, or one of its permissions, for a subject type (an existing one is kept). */
export function insertImportedApiGrant(db: Database, kind: "api" | "permission", row: { client_id: string; target_id: string; subject_type: "user" | "client" }): boolean {
  const sql =
    kind === "api"
      ? "INSERT OR IGNORE INTO oidc_clients_allowed_apis (oidc_client_id, api_id, subject_type) VALUES ($client_id, $target_id, $subject_type)"
      : "INSERT OR IGNORE INTO oidc_clients_allowed_api_permissions (oidc_client_id, api_permission_id, subject_type) VALUES ($client_id, $target_id, $subject_type)";
  return inserted(db.query(sql).run(row));
}

export function insertImportedApiKey(
  db: Database,
  row: { id: string; name: string; description: string; key_hash: string; prefix: string; user_id: string; created_at: number; expires_at: number; last_used_at: number | null },
  expiryNoticeSentAt: number | null,
): boolean {
  const ok = inserted(
    db
      .query(
        `INSERT OR IGNORE INTO api_keys (id, name, description, key_hash, prefix, user_id, created_at, expires_at, last_used_at)
         VALUES ($id, $name, $description, $key_hash, $prefix, $user_id, $created_at, $expires_at, $last_used_at)`,
      )
      .run(row),
  );
  if (ok && expiryNoticeSentAt !== null) db.query("INSERT OR IGNORE INTO api_key_expiry_notices (api_key_id, sent_at) VALUES (?, ?)").run(row.id, expiryNoticeSentAt);
  return ok;
}

export function insertImportedSignupToken(
  db: Database,
  row: { id: string; token_hash: string; prefix: string; usage_limit: number; usage_count: number; created_at: number; expires_at: number },
  groupIds: string[],
): boolean {
  const ok = inserted(
    db
      .query(
        `INSERT OR IGNORE INTO signup_tokens (id, token_hash, prefix, usage_limit, usage_count, created_at, expires_at, created_by_id)
         VALUES ($id, $token_hash, $prefix, $usage_limit, $usage_count, $created_at, $expires_at, NULL)`,
      )
      .run(row),
  );
  if (ok) for (const g of groupIds) db.query("INSERT OR IGNORE INTO signup_tokens_user_groups (signup_token_id, user_group_id) VALUES (?, ?)").run(row.id, g);
  return ok;
}

export function insertImportedAuditLog(db: Database, log: AuditLog): boolean {
  return inserted(
    db
      .query(
        `INSERT OR IGNORE INTO audit_logs (id, created_at, event, user_id, ip_address, user_agent, data, country, city)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(log.id, log.createdAt, log.event, log.userId, log.ipAddress, log.userAgent, JSON.stringify(log.data), log.country, log.city),
  );
}
