/**
 * Audit events, recorded in one place. Event names follow Pocket ID's (SIGN_IN, PASSKEY_ADDED, …)
 * so exported logs read the same. `data` never holds secrets.
 */
import type { Database } from "../db/database.ts";
import { insertAuditLog } from "../db/audit-logs.ts";
import type { Geolocator } from "./geolocation.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { randomUuid, type Random } from "../lib/random.ts";

export type AuditEvent =
  | "SIGN_IN"
  | "SIGN_IN_FAILED"
  | "TOKEN_SIGN_IN"
  | "REMOTE_SIGN_IN"
  | "SIGN_OUT"
  | "SESSION_REVOKED"
  | "ACCOUNT_CREATED"
  | "PASSKEY_ADDED"
  | "PASSKEY_REMOVED"
  | "PASSKEY_RENAMED"
  | "PASSKEY_COUNTER_REGRESSION"
  | "CLIENT_AUTHORIZATION"
  | "NEW_CLIENT_AUTHORIZATION"
  | "DEVICE_CODE_AUTHORIZATION"
  | "NEW_DEVICE_CODE_AUTHORIZATION"
  | "REFRESH_TOKEN_REUSE"
  | "AUTHORIZATION_CODE_REUSE"
  | "ONE_TIME_ACCESS_TOKEN_CREATED"
  | "ADMIN_CHANGE"
  | "LDAP_SYNC"
  | "POCKET_ID_IMPORT"
  | "FORWARD_AUTH_GRANTED"
  | "FORWARD_AUTH_DENIED";

/** Who and from where: taken from the request by the HTTP layer, absent for CLI actions. */
export interface AuditOrigin {
  ip?: string | null;
  userAgent?: string | null;
}

/**
 * Records one event. The location is looked up here, in-process, from the IP (deps.geo is the
 * server's GeoLite reader; callers pass their deps object through, so it arrives with them).
 */
export function recordAuditEvent(
  deps: { db: Database; clock: Clock; random: Random; geo?: Geolocator },
  event: AuditEvent,
  input: { userId?: string | null; origin?: AuditOrigin; data?: Record<string, unknown> },
): void {
  const ip = input.origin?.ip ?? null;
  const location = deps.geo?.locate(ip) ?? null;
  insertAuditLog(deps.db, {
    id: randomUuid(deps.random),
    createdAt: nowSeconds(deps.clock),
    event,
    userId: input.userId ?? null,
    ipAddress: ip,
    userAgent: input.origin?.userAgent?.slice(0, 512) ?? null,
    data: input.data ?? {},
    country: location?.country ?? null,
    city: location?.city ?? null,
  });
}
