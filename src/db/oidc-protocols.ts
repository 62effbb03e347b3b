/**
 * The protocol extensions' state: device codes (RFC 8628), pushed requests (RFC 9126), client assertion
 * jtis (RFC 7523), client_credentials access tokens, and back-channel logout (session ↔ client, queue,
 * status) — SQL and the mapping between rows and typed values (issue 21 step 1: nothing above src/db/
 * sees a row). Times are numbers (seconds, as stored).
 */
import type { Database } from "./database.ts";
import { parseAmr } from "./oidc-grants.ts";

// --- device codes --------------------------------------------------------------------------------

export interface DeviceCode {
  deviceCodeHash: string;
  userCode: string;
  clientId: string;
  scope: string;
  status: "pending" | "approved" | "denied";
  /** Set by the decision: who decided, when they signed in, and how. */
  userId: string | null;
  authTime: number | null;
  amr: string[] | null;
  intervalSeconds: number;
  lastPolledAt: number | null;
  createdAt: number;
  expiresAt: number;
  /** The API audience (RFC 8707 resource) requested, or null. */
  resource: string | null;
}

type DeviceCodeRow = {
  device_code_hash: string;
  user_code: string;
  client_id: string;
  scope: string;
  status: "pending" | "approved" | "denied";
  user_id: string | null;
  auth_time: number | null;
  amr: string | null;
  interval_seconds: number;
  last_polled_at: number | null;
  created_at: number;
  expires_at: number;
  resource: string | null;
};

function toDeviceCode(row: DeviceCodeRow): DeviceCode {
  return {
    deviceCodeHash: row.device_code_hash,
    userCode: row.user_code,
    clientId: row.client_id,
    scope: row.scope,
    status: row.status,
    userId: row.user_id,
    authTime: row.auth_time,
    amr: row.amr === null ? null : parseAmr(row.amr),
    intervalSeconds: row.interval_seconds,
    lastPolledAt: row.last_polled_at,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    resource: row.resource ?? null,
  };
}

export function insertDeviceCode(db: Database, code: DeviceCode): void {
  db.query(
    `INSERT INTO oidc_device_codes (device_code_hash, user_code, client_id, scope, status, user_id, auth_time, amr, interval_seconds,
       last_polled_at, created_at, expires_at, resource)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    code.deviceCodeHash,
    code.userCode,
    code.clientId,
    code.scope,
    code.status,
    code.userId,
    code.authTime,
    code.amr === null ? null : JSON.stringify(code.amr),
    code.intervalSeconds,
    code.lastPolledAt,
    code.createdAt,
    code.expiresAt,
    code.resource,
  );
}

export function findDeviceCodeByHash(db: Database, hash: string): DeviceCode | null {
  const row = db.query<DeviceCodeRow, [string]>("SELECT * FROM oidc_device_codes WHERE device_code_hash = ?").get(hash);
  return row ? toDeviceCode(row) : null;
}

export function findDeviceCodeByUserCode(db: Database, userCode: string): DeviceCode | null {
  const row = db.query<DeviceCodeRow, [string]>("SELECT * FROM oidc_device_codes WHERE user_code = ?").get(userCode);
  return row ? toDeviceCode(row) : null;
}

/** Records a poll and the (possibly slowed-down) interval. */
export function recordDevicePoll(db: Database, hash: string, now: number, intervalSeconds: number): void {
  db.query("UPDATE oidc_device_codes SET last_polled_at = ?, interval_seconds = ? WHERE device_code_hash = ?").run(now, intervalSeconds, hash);
}

/** The person's decision; only a pending, unexpired code can be decided (once). */
export function decideDeviceCode(
  db: Database,
  userCode: string,
  now: number,
  decision: { status: "approved" | "denied"; userId: string; authTime: number | null; amr: string[] | null },
): boolean {
  return (
    db
      .query(
        `UPDATE oidc_device_codes SET status = ?, user_id = ?, auth_time = ?, amr = ?
         WHERE user_code = ? AND status = 'pending' AND expires_at > ?`,
      )
      .run(decision.status, decision.userId, decision.authTime, decision.amr === null ? null : JSON.stringify(decision.amr), userCode, now).changes > 0
  );
}

/** Single use: an approved code is removed in the same statement that reads it. */
export function consumeApprovedDeviceCode(db: Database, hash: string, clientId: string): DeviceCode | null {
  const row = db
    .query<DeviceCodeRow, [string, string]>("DELETE FROM oidc_device_codes WHERE device_code_hash = ? AND client_id = ? AND status = 'approved' RETURNING *")
    .get(hash, clientId);
  return row ? toDeviceCode(row) : null;
}

export function deleteDeviceCode(db: Database, hash: string): void {
  db.query("DELETE FROM oidc_device_codes WHERE device_code_hash = ?").run(hash);
}

// --- pushed authorization requests ---------------------------------------------------------------

export interface PushedRequest {
  requestUriHash: string;
  clientId: string;
  /** The authorization request's parameters. */
  params: Record<string, string>;
  createdAt: number;
  expiresAt: number;
}

type PushedRequestRow = { request_uri_hash: string; client_id: string; params: string; created_at: number; expires_at: number };

export function insertPushedRequest(db: Database, request: PushedRequest): void {
  db.query(
    `INSERT INTO oidc_pushed_requests (request_uri_hash, client_id, params, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?)`,
  ).run(request.requestUriHash, request.clientId, JSON.stringify(request.params), request.createdAt, request.expiresAt);
}

/** Single use, bound to the client that pushed it. */
export function consumePushedRequest(db: Database, hash: string, clientId: string): PushedRequest | null {
  const row = db
    .query<PushedRequestRow, [string, string]>("DELETE FROM oidc_pushed_requests WHERE request_uri_hash = ? AND client_id = ? RETURNING *")
    .get(hash, clientId);
  if (!row) return null;
  let params: Record<string, string> | null = null;
  return {
    requestUriHash: row.request_uri_hash,
    clientId: row.client_id,
    // Parsed on first read, as before: an expired request is refused without it.
    get params(): Record<string, string> {
      return (params ??= JSON.parse(row.params) as Record<string, string>);
    },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

// --- client assertions ---------------------------------------------------------------------------

/** Remembers an assertion id; false when the client already used it (a replay). */
export function rememberAssertionJti(db: Database, clientId: string, jti: string, expiresAt: number): boolean {
  return db.query("INSERT OR IGNORE INTO oidc_client_assertion_jtis (client_id, jti, expires_at) VALUES (?, ?, ?)").run(clientId, jti, expiresAt).changes > 0;
}

// --- client_credentials access tokens ------------------------------------------------------------

/** An access token a client obtained for itself (client_credentials): no user, no grant. */
export interface ClientAccessToken {
  jti: string;
  clientId: string;
  scope: string;
  createdAt: number;
  expiresAt: number;
  /** The API audience (RFC 8707 resource) the token was issued for, or null. */
  resource: string | null;
}

type ClientAccessTokenRow = { jti: string; client_id: string; scope: string; created_at: number; expires_at: number; resource: string | null };

export function insertClientAccessToken(db: Database, token: ClientAccessToken): void {
  db.query(
    `INSERT INTO oidc_client_access_tokens (jti, client_id, scope, created_at, expires_at, resource)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(token.jti, token.clientId, token.scope, token.createdAt, token.expiresAt, token.resource);
}

export function findClientAccessToken(db: Database, jti: string): ClientAccessToken | null {
  const row = db.query<ClientAccessTokenRow, [string]>("SELECT * FROM oidc_client_access_tokens WHERE jti = ?").get(jti);
  return row ? { jti: row.jti, clientId: row.client_id, scope: row.scope, createdAt: row.created_at, expiresAt: row.expires_at, resource: row.resource ?? null } : null;
}

export function deleteClientAccessToken(db: Database, jti: string): boolean {
  return db.query("DELETE FROM oidc_client_access_tokens WHERE jti = ?").run(jti).changes > 0;
}

// --- back-channel logout -------------------------------------------------------------------------

/** Remembers that a browser sign-in signed in to a client (only while that session still exists). */
export function recordSessionClient(db: Database, sessionId: string, clientId: string, userId: string, now: number): void {
  db.query(
    `INSERT OR IGNORE INTO oidc_session_clients (session_id, client_id, user_id, created_at)
     SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?1)`,
  ).run(sessionId, clientId, userId, now);
}

/** A queued back-channel logout notice for one client about one ended sign-in. */
export interface BackchannelLogout {
  id: number;
  clientId: string;
  userId: string;
  sid: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  /** The instance holding the notice while it is being sent (migration 0016), else null. */
  claimedBy: string | null;
}

type BackchannelLogoutRow = {
  id: number;
  client_id: string;
  user_id: string;
  sid: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  /** The instance holding the notice while it is being sent (migration 0016), else null. */
  claimed_by: string | null;
};

export function countDueBackchannelLogouts(db: Database, now: number): number {
  return db.query<{ n: number }, [number]>("SELECT COUNT(*) AS n FROM oidc_backchannel_logouts WHERE next_attempt_at <= ?").get(now)!.n;
}

/**
 * Claims up to `limit` due deliveries for `claimant` (an instance id): each is leased (next_attempt_at pushed to
 * `leaseUntil`, claimed_by set) in the same statement that reads it, so two workers never send the same notice
 * at once; the outer `next_attempt_at <= ?4` is checked again on the row being updated, so under PostgreSQL's
 * READ COMMITTED a row another instance claimed meanwhile drops out. A lease left by a killed instance runs out
 * and the notice is claimed again.
 */
export function claimDueBackchannelLogouts(db: Database, now: number, leaseUntil: number, limit: number, claimant: string): BackchannelLogout[] {
  return db
    .query<BackchannelLogoutRow, [number, number, number, number, string]>(
      `UPDATE oidc_backchannel_logouts SET next_attempt_at = ?1, claimed_by = ?5
       WHERE id IN (SELECT id FROM oidc_backchannel_logouts WHERE next_attempt_at <= ?2 ORDER BY id LIMIT ?3)
         AND next_attempt_at <= ?4
       RETURNING *`,
    )
    .all(leaseUntil, now, limit, now, claimant)
    .map((row) => ({
      id: row.id,
      clientId: row.client_id,
      userId: row.user_id,
      sid: row.sid,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
      lastError: row.last_error,
      claimedBy: row.claimed_by,
    }));
}

/** Deletes a notice `claimant` holds (delivered, dropped or given up); false when another instance holds it now. */
export function deleteBackchannelLogout(db: Database, id: number, claimant: string): boolean {
  return db.query("DELETE FROM oidc_backchannel_logouts WHERE id = ? AND claimed_by = ?").run(id, claimant).changes === 1;
}

/** Releases `claimant`'s claim with the next attempt's time and the error. */
export function rescheduleBackchannelLogout(db: Database, id: number, claimant: string, attempts: number, nextAttemptAt: number, error: string): void {
  db.query("UPDATE oidc_backchannel_logouts SET attempts = ?, next_attempt_at = ?, last_error = ?, claimed_by = NULL WHERE id = ? AND claimed_by = ?").run(attempts, nextAttemptAt, error, id, claimant);
}

export function countPendingBackchannelLogouts(db: Database, clientId: string): number {
  return db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM oidc_backchannel_logouts WHERE client_id = ?").get(clientId)!.n;
}

/** Delivery counters of a client's back-channel logouts. */
export interface BackchannelDeliveryStatus {
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
  deliveredCount: number;
  failedCount: number;
}

type BackchannelStatusRow = {
  client_id: string;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_error: string | null;
  delivered_count: number;
  failed_count: number;
};

export function recordBackchannelSuccess(db: Database, clientId: string, now: number): void {
  db.query(
    `INSERT INTO oidc_backchannel_status (client_id, last_success_at, delivered_count) VALUES (?1, ?2, 1)
     ON CONFLICT (client_id) DO UPDATE SET last_success_at = ?2, delivered_count = oidc_backchannel_status.delivered_count + 1`,
  ).run(clientId, now);
}

/** A failed attempt; `gaveUp` when it was the last one. */
export function recordBackchannelFailure(db: Database, clientId: string, now: number, error: string, gaveUp: boolean): void {
  db.query(
    `INSERT INTO oidc_backchannel_status (client_id, last_failure_at, last_error, failed_count) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (client_id) DO UPDATE SET last_failure_at = ?2, last_error = ?3, failed_count = oidc_backchannel_status.failed_count + ?4`,
  ).run(clientId, now, error, gaveUp ? 1 : 0);
}

export function findBackchannelStatus(db: Database, clientId: string): BackchannelDeliveryStatus | null {
  const row = db.query<BackchannelStatusRow, [string]>("SELECT * FROM oidc_backchannel_status WHERE client_id = ?").get(clientId);
  return row
    ? {
        lastSuccessAt: row.last_success_at,
        lastFailureAt: row.last_failure_at,
        lastError: row.last_error,
        deliveredCount: row.delivered_count,
        failedCount: row.failed_count,
      }
    : null;
}

// --- housekeeping --------------------------------------------------------------------------------

export function deleteExpiredProtocolState(db: Database, now: number): void {
  db.query("DELETE FROM oidc_device_codes WHERE expires_at <= ?").run(now);
  db.query("DELETE FROM oidc_pushed_requests WHERE expires_at <= ?").run(now);
  db.query("DELETE FROM oidc_client_assertion_jtis WHERE expires_at <= ?").run(now);
  db.query("DELETE FROM oidc_client_access_tokens WHERE expires_at <= ?").run(now);
}
