/** SQL for the authorization flow's state: interactions, consents, codes, grants, refresh and access tokens. */
import type { Database } from "./database.ts";

// --- interactions --------------------------------------------------------------------------------

export type InteractionRow = {
  id: string;
  client_id: string;
  params: string;
  consented_by: string | null;
  created_at: number;
  expires_at: number;
};

export function insertInteraction(db: Database, row: InteractionRow): void {
  db.query(
    `INSERT INTO oidc_interactions (id, client_id, params, consented_by, created_at, expires_at)
     VALUES ($id, $client_id, $params, $consented_by, $created_at, $expires_at)`,
  ).run(row);
}

export function findLiveInteraction(db: Database, id: string, now: number): InteractionRow | null {
  return db.query<InteractionRow, [string, number]>("SELECT * FROM oidc_interactions WHERE id = ? AND expires_at > ?").get(id, now) ?? null;
}

export function markInteractionConsented(db: Database, id: string, userId: string): void {
  db.query("UPDATE oidc_interactions SET consented_by = ? WHERE id = ?").run(userId, id);
}

export function deleteInteraction(db: Database, id: string): void {
  db.query("DELETE FROM oidc_interactions WHERE id = ?").run(id);
}

// --- consents ------------------------------------------------------------------------------------

export type AuthorizedClientRow = { user_id: string; client_id: string; scope: string; created_at: number; last_used_at: number };

export function findAuthorizedClient(db: Database, userId: string, clientId: string): AuthorizedClientRow | null {
  return (
    db.query<AuthorizedClientRow, [string, string]>("SELECT * FROM user_authorized_oidc_clients WHERE user_id = ? AND client_id = ?").get(userId, clientId) ??
    null
  );
}

export function upsertAuthorizedClient(db: Database, row: AuthorizedClientRow): void {
  db.query(
    `INSERT INTO user_authorized_oidc_clients (user_id, client_id, scope, created_at, last_used_at)
     VALUES ($user_id, $client_id, $scope, $created_at, $last_used_at)
     ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, last_used_at = excluded.last_used_at`,
  ).run(row);
}

export function listAuthorizedClientsOfUser(db: Database, userId: string): AuthorizedClientRow[] {
  return db.query<AuthorizedClientRow, [string]>("SELECT * FROM user_authorized_oidc_clients WHERE user_id = ? ORDER BY last_used_at DESC").all(userId);
}

export function deleteAuthorizedClient(db: Database, userId: string, clientId: string): boolean {
  return db.query("DELETE FROM user_authorized_oidc_clients WHERE user_id = ? AND client_id = ?").run(userId, clientId).changes > 0;
}

// --- authorization codes -------------------------------------------------------------------------

export type AuthorizationCodeRow = {
  code_hash: string;
  client_id: string;
  user_id: string;
  session_id: string | null;
  redirect_uri: string;
  scope: string;
  nonce: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  auth_time: number;
  amr: string;
  created_at: number;
  expires_at: number;
};

export function insertAuthorizationCode(db: Database, row: AuthorizationCodeRow): void {
  db.query(
    `INSERT INTO oidc_authorization_codes (code_hash, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge,
       code_challenge_method, auth_time, amr, created_at, expires_at)
     VALUES ($code_hash, $client_id, $user_id, $session_id, $redirect_uri, $scope, $nonce, $code_challenge,
       $code_challenge_method, $auth_time, $amr, $created_at, $expires_at)`,
  ).run(row);
}

/** A code the client may still exchange (not consumed). Only the owning client finds it. */
export function findUsableAuthorizationCode(db: Database, codeHash: string, clientId: string): AuthorizationCodeRow | null {
  return (
    db
      .query<AuthorizationCodeRow, [string, string]>(
        "SELECT * FROM oidc_authorization_codes WHERE code_hash = ? AND client_id = ? AND consumed_at IS NULL",
      )
      .get(codeHash, clientId) ?? null
  );
}

/**
 * Single use, enforced by the database: marks the code consumed (with the grant issued from it, or null when a
 * failed check burns it) only if no one consumed it first. False when another request did.
 */
export function consumeAuthorizationCode(db: Database, codeHash: string, clientId: string, grantId: string | null, now: number): boolean {
  return (
    db
      .query("UPDATE oidc_authorization_codes SET consumed_at = ?, grant_id = ? WHERE code_hash = ? AND client_id = ? AND consumed_at IS NULL")
      .run(now, grantId, codeHash, clientId).changes === 1
  );
}

/** A consumed code (any client): the grant issued from it, null when it was burnt by a failed check. */
export function findConsumedCode(db: Database, codeHash: string): { grant_id: string | null } | null {
  return (
    db.query<{ grant_id: string | null }, [string]>("SELECT grant_id FROM oidc_authorization_codes WHERE code_hash = ? AND consumed_at IS NOT NULL").get(codeHash) ??
    null
  );
}

// --- grants --------------------------------------------------------------------------------------

export type GrantRow = {
  id: string;
  client_id: string;
  user_id: string;
  session_id: string | null;
  scope: string;
  auth_time: number;
  amr: string;
  created_at: number;
};

export function insertGrant(db: Database, row: GrantRow): void {
  db.query(
    `INSERT INTO oidc_grants (id, client_id, user_id, session_id, scope, auth_time, amr, created_at)
     VALUES ($id, $client_id, $user_id, $session_id, $scope, $auth_time, $amr, $created_at)`,
  ).run(row);
}

export function findGrant(db: Database, id: string): GrantRow | null {
  return db.query<GrantRow, [string]>("SELECT id, client_id, user_id, session_id, scope, auth_time, amr, created_at FROM oidc_grants WHERE id = ?").get(id) ?? null;
}

/** Revokes a grant with every refresh and access token issued from it (ON DELETE CASCADE). */
export function deleteGrant(db: Database, id: string): boolean {
  return db.query("DELETE FROM oidc_grants WHERE id = ?").run(id).changes > 0;
}

export function deleteGrantsOfSession(db: Database, sessionId: string, clientId: string | null): number {
  if (clientId === null) return db.query("DELETE FROM oidc_grants WHERE session_id = ?").run(sessionId).changes;
  return db.query("DELETE FROM oidc_grants WHERE session_id = ? AND client_id = ?").run(sessionId, clientId).changes;
}

export function deleteGrantsOfUserAndClient(db: Database, userId: string, clientId: string): number {
  return db.query("DELETE FROM oidc_grants WHERE user_id = ? AND client_id = ?").run(userId, clientId).changes;
}

// --- refresh tokens ------------------------------------------------------------------------------

export type RefreshTokenRow = {
  token_hash: string;
  grant_id: string;
  client_id: string;
  scope: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** DPoP key thumbprint the token is bound to (migration 0005), or null. */
  dpop_jkt?: string | null;
};

export function insertRefreshToken(db: Database, row: RefreshTokenRow): void {
  db.query(
    `INSERT INTO oidc_refresh_tokens (token_hash, grant_id, client_id, scope, created_at, expires_at, used_at, dpop_jkt)
     VALUES ($token_hash, $grant_id, $client_id, $scope, $created_at, $expires_at, NULL, $dpop_jkt)`,
  ).run({ ...row, dpop_jkt: row.dpop_jkt ?? null });
}

/** Rotation: marks the token used in the same statement that reads it; null when unknown or already used. */
export function useRefreshTokenRow(db: Database, tokenHash: string, now: number): RefreshTokenRow | null {
  return (
    db
      .query<RefreshTokenRow, [number, string]>("UPDATE oidc_refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL RETURNING *")
      .get(now, tokenHash) ?? null
  );
}

export function findRefreshTokenRow(db: Database, tokenHash: string): RefreshTokenRow | null {
  return db.query<RefreshTokenRow, [string]>("SELECT * FROM oidc_refresh_tokens WHERE token_hash = ?").get(tokenHash) ?? null;
}

// --- access tokens: each grant's current one, on the grant row (migration 0012) ----------------------------

export type AccessTokenRow = {
  jti: string;
  grant_id: string;
  client_id: string;
  user_id: string;
  scope: string;
  created_at: number;
  expires_at: number;
};

/** A new grant with its first access token: one row. */
export function insertGrantWithAccessToken(db: Database, grant: GrantRow, access: AccessTokenRow): void {
  db.query(
    `INSERT INTO oidc_grants (id, client_id, user_id, session_id, scope, auth_time, amr, created_at, access_jti, access_scope, access_created_at, access_expires_at)
     VALUES ($id, $client_id, $user_id, $session_id, $scope, $auth_time, $amr, $created_at, $access_jti, $access_scope, $access_created_at, $access_expires_at)`,
  ).run({ ...grant, access_jti: access.jti, access_scope: access.scope, access_created_at: access.created_at, access_expires_at: access.expires_at });
}

/** Gives the grant a new access token; the previous one stops working at once. False when the grant is gone. */
export function replaceAccessToken(db: Database, access: AccessTokenRow): boolean {
  return (
    db
      .query("UPDATE oidc_grants SET access_jti = ?, access_scope = ?, access_created_at = ?, access_expires_at = ? WHERE id = ?")
      .run(access.jti, access.scope, access.created_at, access.expires_at, access.grant_id).changes === 1
  );
}

export function findAccessTokenRow(db: Database, jti: string): AccessTokenRow | null {
  return (
    db
      .query<AccessTokenRow, [string]>(
        `SELECT access_jti AS jti, id AS grant_id, client_id, user_id, access_scope AS scope, access_created_at AS created_at, access_expires_at AS expires_at
         FROM oidc_grants WHERE access_jti = ?`,
      )
      .get(jti) ?? null
  );
}

/** Revokes one access token; its grant (and refresh token) stay. */
export function deleteAccessTokenRow(db: Database, jti: string): boolean {
  return (
    db.query("UPDATE oidc_grants SET access_jti = NULL, access_scope = NULL, access_created_at = NULL, access_expires_at = NULL WHERE access_jti = ?").run(jti)
      .changes > 0
  );
}

// --- housekeeping --------------------------------------------------------------------------------

/** Removes expired interactions, codes, refresh tokens, and grants with nothing live left. */
export function deleteExpiredOidcState(db: Database, now: number): void {
  db.query("DELETE FROM oidc_interactions WHERE expires_at <= ?").run(now);
  // A consumed code stays an hour past its expiry: a replay in that window still revokes what it issued.
  db.query("DELETE FROM oidc_authorization_codes WHERE expires_at <= ?1 AND (consumed_at IS NULL OR expires_at <= ?1 - 3600)").run(now);
  db.query("DELETE FROM oidc_refresh_tokens WHERE expires_at <= ?").run(now);
  // A grant goes once it has no refresh token left and its access token (if any) has expired.
  db.query(
    `DELETE FROM oidc_grants WHERE created_at <= ?1 - 600
       AND (access_expires_at IS NULL OR access_expires_at <= ?1)
       AND NOT EXISTS (SELECT 1 FROM oidc_refresh_tokens r WHERE r.grant_id = oidc_grants.id)`,
  ).run(now);
}

// --- claims --------------------------------------------------------------------------------------

export function listGroupNamesOfUser(db: Database, userId: string): string[] {
  return db
    .query<{ name: string }, [string]>("SELECT name FROM user_groups WHERE id IN (SELECT user_group_id FROM user_groups_users WHERE user_id = ?)")
    .all(userId)
    .map((r) => r.name)
    .sort(); // here, not in SQL: a handful of rows, and ORDER BY would build a temp B-tree per call
}

/**
 * Custom claims of a user: group claims first, then the user's own (later rows win). One query over
 * the (user_id, key) and (user_group_id, key) indexes: userinfo runs it on every call (IN (…) rather
 * than a join: a third of the cost when the user has none). Sorted here
 * rather than in SQL: the sets are tiny, and ORDER BY costs a temp B-tree even when they are empty.
 */
export function listCustomClaimsOfUser(db: Database, userId: string): { key: string; value: string; source: "group" | "user" }[] {
  return db
    .query<{ key: string; value: string; source: "group" | "user" }, [string]>(
      `SELECT key, value, 'group' AS source FROM custom_claims
        WHERE user_group_id IN (SELECT user_group_id FROM user_groups_users WHERE user_id = ?1)
       UNION ALL
       SELECT key, value, 'user' AS source FROM custom_claims WHERE user_id = ?1`,
    )
    .all(userId)
    .sort((a, b) => (a.source !== b.source ? (a.source === "group" ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
