/**
 * The authorization flow's state: interactions, consents, codes, grants, refresh and access tokens — SQL and
 * the mapping between rows and typed values (issue 21 step 1: nothing above src/db/ sees a row). Times are
 * numbers (seconds, as stored); `amr` arrives as a list; a scope stays the space-separated string it is in OAuth.
 */
import type { Database } from "./database.ts";

/** The stored amr (JSON text): its strings, [] when unreadable. */
function parseAmr(text: string | null): string[] {
  if (text === null) return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Shared with src/db/oidc-protocols.ts (device codes store amr the same way). */
export { parseAmr };

/**
 * `target` with an `amr` parsed from `text` on first read, at most once: the token endpoint reads it once
 * (as it parsed it once before), the replay, revocation and introspection paths never.
 */
function withLazyAmr<T extends object>(target: T, text: string): T & { amr: string[] } {
  let amr: string[] | null = null;
  return Object.defineProperty(target, "amr", {
    enumerable: true,
    get: () => (amr ??= parseAmr(text)),
  }) as T & { amr: string[] };
}

// --- interactions --------------------------------------------------------------------------------

export interface Interaction {
  id: string;
  clientId: string;
  /** The authorization request's parameters. */
  params: Record<string, string>;
  consentedBy: string | null;
  createdAt: number;
  expiresAt: number;
}

type InteractionRow = { id: string; client_id: string; params: string; consented_by: string | null; created_at: number; expires_at: number };

export function insertInteraction(db: Database, interaction: Interaction): void {
  db.query(
    `INSERT INTO oidc_interactions (id, client_id, params, consented_by, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(interaction.id, interaction.clientId, JSON.stringify(interaction.params), interaction.consentedBy, interaction.createdAt, interaction.expiresAt);
}

export function findLiveInteraction(db: Database, id: string, now: number): Interaction | null {
  const row = db.query<InteractionRow, [string, number]>("SELECT * FROM oidc_interactions WHERE id = ? AND expires_at > ?").get(id, now);
  if (!row) return null;
  let params: Record<string, string> | null = null;
  return {
    id: row.id,
    clientId: row.client_id,
    // Parsed on first read, as before: the sign-in page only needs the client.
    get params(): Record<string, string> {
      return (params ??= JSON.parse(row.params) as Record<string, string>);
    },
    consentedBy: row.consented_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function markInteractionConsented(db: Database, id: string, userId: string): void {
  db.query("UPDATE oidc_interactions SET consented_by = ? WHERE id = ?").run(userId, id);
}

export function deleteInteraction(db: Database, id: string): void {
  db.query("DELETE FROM oidc_interactions WHERE id = ?").run(id);
}

// --- consents ------------------------------------------------------------------------------------

/** A person's consent to a client: the scopes allowed, when first and last given. */
export interface ClientConsent {
  userId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number;
}

/** `scope` holds the JSON list of scopes. */
type AuthorizedClientRow = { user_id: string; client_id: string; scope: string; created_at: number; last_used_at: number };

/** The JSON list of scopes kept per consent; unreadable (never written so) counts as none. */
function storedScopes(json: string): string[] {
  try {
    return JSON.parse(json) as string[];
  } catch {
    return [];
  }
}

function toConsent(row: AuthorizedClientRow): ClientConsent {
  return { userId: row.user_id, clientId: row.client_id, scopes: storedScopes(row.scope), createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

export function findAuthorizedClient(db: Database, userId: string, clientId: string): ClientConsent | null {
  const row = db
    .query<AuthorizedClientRow, [string, string]>("SELECT * FROM user_authorized_oidc_clients WHERE user_id = ? AND client_id = ?")
    .get(userId, clientId);
  return row ? toConsent(row) : null;
}

/** Stores a consent; an existing one keeps its createdAt. */
export function upsertAuthorizedClient(db: Database, consent: ClientConsent): void {
  db.query(
    `INSERT INTO user_authorized_oidc_clients (user_id, client_id, scope, created_at, last_used_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, last_used_at = excluded.last_used_at`,
  ).run(consent.userId, consent.clientId, JSON.stringify(consent.scopes), consent.createdAt, consent.lastUsedAt);
}

export function listAuthorizedClientsOfUser(db: Database, userId: string): ClientConsent[] {
  return db
    .query<AuthorizedClientRow, [string]>("SELECT * FROM user_authorized_oidc_clients WHERE user_id = ? ORDER BY last_used_at DESC")
    .all(userId)
    .map(toConsent);
}

export function deleteAuthorizedClient(db: Database, userId: string, clientId: string): boolean {
  return db.query("DELETE FROM user_authorized_oidc_clients WHERE user_id = ? AND client_id = ?").run(userId, clientId).changes > 0;
}

/** Forgets every person's consent to a client; returns how many there were. */
export function deleteAuthorizedClientsOfClient(db: Database, clientId: string): number {
  return db.query("DELETE FROM user_authorized_oidc_clients WHERE client_id = ?").run(clientId).changes;
}

// --- authorization codes -------------------------------------------------------------------------

export interface AuthorizationCode {
  codeHash: string;
  clientId: string;
  userId: string;
  sessionId: string | null;
  redirectUri: string;
  scope: string;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  authTime: number;
  amr: string[];
  createdAt: number;
  expiresAt: number;
  /** The API audience (RFC 8707 resource) the code was issued for, or null. */
  resource: string | null;
}

type AuthorizationCodeRow = {
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
  resource: string | null;
};

export function insertAuthorizationCode(db: Database, code: AuthorizationCode): void {
  db.query(
    `INSERT INTO oidc_authorization_codes (code_hash, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge,
       code_challenge_method, auth_time, amr, created_at, expires_at, resource)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    code.codeHash,
    code.clientId,
    code.userId,
    code.sessionId,
    code.redirectUri,
    code.scope,
    code.nonce,
    code.codeChallenge,
    code.codeChallengeMethod,
    code.authTime,
    JSON.stringify(code.amr),
    code.createdAt,
    code.expiresAt,
    code.resource,
  );
}

/** A code the client may still exchange (not consumed). Only the owning client finds it. */
export function findUsableAuthorizationCode(db: Database, codeHash: string, clientId: string): AuthorizationCode | null {
  const row = db
    .query<AuthorizationCodeRow, [string, string]>("SELECT * FROM oidc_authorization_codes WHERE code_hash = ? AND client_id = ? AND consumed_at IS NULL")
    .get(codeHash, clientId);
  if (!row) return null;
  return withLazyAmr(
    {
    codeHash: row.code_hash,
    clientId: row.client_id,
    userId: row.user_id,
    sessionId: row.session_id,
    redirectUri: row.redirect_uri,
    scope: row.scope,
    nonce: row.nonce,
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method,
    authTime: row.auth_time,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    resource: row.resource ?? null,
    },
    row.amr,
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
export function findConsumedCode(db: Database, codeHash: string): { grantId: string | null } | null {
  const row = db
    .query<{ grant_id: string | null }, [string]>("SELECT grant_id FROM oidc_authorization_codes WHERE code_hash = ? AND consumed_at IS NOT NULL")
    .get(codeHash);
  return row ? { grantId: row.grant_id } : null;
}

// --- grants --------------------------------------------------------------------------------------

export interface Grant {
  id: string;
  clientId: string;
  userId: string;
  sessionId: string | null;
  /** Space-separated, as granted. */
  scope: string;
  authTime: number;
  amr: string[];
  createdAt: number;
  /** The API audience (RFC 8707 resource) the grant's access tokens are for, or null. */
  resource: string | null;
}

type GrantRow = {
  id: string;
  client_id: string;
  user_id: string;
  session_id: string | null;
  scope: string;
  auth_time: number;
  amr: string;
  created_at: number;
  resource: string | null;
};

export function insertGrant(db: Database, grant: Grant): void {
  db.query(
    `INSERT INTO oidc_grants (id, client_id, user_id, session_id, scope, auth_time, amr, created_at, resource)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(grant.id, grant.clientId, grant.userId, grant.sessionId, grant.scope, grant.authTime, JSON.stringify(grant.amr), grant.createdAt, grant.resource);
}

export function findGrant(db: Database, id: string): Grant | null {
  const row = db
    .query<GrantRow, [string]>("SELECT id, client_id, user_id, session_id, scope, auth_time, amr, created_at, resource FROM oidc_grants WHERE id = ?")
    .get(id);
  if (!row) return null;
  return withLazyAmr(
    { id: row.id, clientId: row.client_id, userId: row.user_id, sessionId: row.session_id, scope: row.scope, authTime: row.auth_time, createdAt: row.created_at, resource: row.resource },
    row.amr,
  );
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

export interface RefreshToken {
  tokenHash: string;
  grantId: string;
  clientId: string;
  scope: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  /** DPoP key thumbprint the token is bound to (migration 0005), or null. */
  dpopJkt: string | null;
}

type RefreshTokenRow = {
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

function toRefreshToken(row: RefreshTokenRow): RefreshToken {
  return {
    tokenHash: row.token_hash,
    grantId: row.grant_id,
    clientId: row.client_id,
    scope: row.scope,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    dpopJkt: row.dpop_jkt ?? null,
  };
}

/** A new, unused refresh token. */
export function insertRefreshToken(db: Database, token: Omit<RefreshToken, "usedAt">): void {
  db.query(
    `INSERT INTO oidc_refresh_tokens (token_hash, grant_id, client_id, scope, created_at, expires_at, used_at, dpop_jkt)
     VALUES (?, ?, ?, ?, ?, ?, NULL, ?)`,
  ).run(token.tokenHash, token.grantId, token.clientId, token.scope, token.createdAt, token.expiresAt, token.dpopJkt);
}

/** Rotation: marks the token used in the same statement that reads it; null when unknown or already used. */
export function useRefreshToken(db: Database, tokenHash: string, now: number): RefreshToken | null {
  const row = db
    .query<RefreshTokenRow, [number, string]>("UPDATE oidc_refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL RETURNING *")
    .get(now, tokenHash);
  return row ? toRefreshToken(row) : null;
}

export function findRefreshToken(db: Database, tokenHash: string): RefreshToken | null {
  const row = db.query<RefreshTokenRow, [string]>("SELECT * FROM oidc_refresh_tokens WHERE token_hash = ?").get(tokenHash);
  return row ? toRefreshToken(row) : null;
}

// --- access tokens: each grant's current one, on the grant row (migration 0012) ----------------------------

/** A grant's current access token (the JWT's jti and what it grants). */
export interface AccessToken {
  jti: string;
  grantId: string;
  clientId: string;
  userId: string;
  scope: string;
  createdAt: number;
  expiresAt: number;
}

type AccessTokenRow = {
  jti: string;
  grant_id: string;
  client_id: string;
  user_id: string;
  scope: string;
  created_at: number;
  expires_at: number;
};

/** A new grant with its first access token: one row. */
export function insertGrantWithAccessToken(db: Database, grant: Grant, access: AccessToken): void {
  db.query(
    `INSERT INTO oidc_grants (id, client_id, user_id, session_id, scope, auth_time, amr, created_at, resource, access_jti, access_scope, access_created_at, access_expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    grant.id,
    grant.clientId,
    grant.userId,
    grant.sessionId,
    grant.scope,
    grant.authTime,
    JSON.stringify(grant.amr),
    grant.createdAt,
    grant.resource,
    access.jti,
    access.scope,
    access.createdAt,
    access.expiresAt,
  );
}

/** Gives the grant a new access token; the previous one stops working at once. False when the grant is gone. */
export function replaceAccessToken(db: Database, access: AccessToken): boolean {
  return (
    db
      .query("UPDATE oidc_grants SET access_jti = ?, access_scope = ?, access_created_at = ?, access_expires_at = ? WHERE id = ?")
      .run(access.jti, access.scope, access.createdAt, access.expiresAt, access.grantId).changes === 1
  );
}

export function findAccessToken(db: Database, jti: string): AccessToken | null {
  const row = db
    .query<AccessTokenRow, [string]>(
      `SELECT access_jti AS jti, id AS grant_id, client_id, user_id, access_scope AS scope, access_created_at AS created_at, access_expires_at AS expires_at
       FROM oidc_grants WHERE access_jti = ?`,
    )
    .get(jti);
  return row
    ? { jti: row.jti, grantId: row.grant_id, clientId: row.client_id, userId: row.user_id, scope: row.scope, createdAt: row.created_at, expiresAt: row.expires_at }
    : null;
}

/** Revokes one access token; its grant (and refresh token) stay. */
export function deleteAccessToken(db: Database, jti: string): boolean {
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
