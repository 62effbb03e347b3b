/**
 * Device authorization grant (RFC 8628).
 * - POST /api/oidc/device/authorize: client authentication as at the token endpoint (public clients send
 *   client_id); answers device_code (256-bit, stored as SHA-256), user_code in Pocket ID's format: "E" and
 *   7 characters from ABCDEFGHJKMNPQRSTUVWXYZ0123456789 (no I, L or O beside 1 and 0; 33^7 ≈ 4·10^10 codes),
 *   shown as EXXX-XXXX; typed case-insensitively, with or without the dash, O read as 0 and I as 1;
 *   codes of the earlier format (8 of BCDFGHJKLMNPQRSTVWXZ) still in flight keep working;
 *   verification_uri APP_URL/device (+ verification_uri_complete ?code=), expires_in 900, interval 5.
 * - /device: the signed-in person types or follows the code, sees the application and the scopes, and
 *   approves or denies. Allowed groups and re-authentication apply as at /authorize; the confirmation
 *   is always shown (it is the person's only defence against a code someone else started), and
 *   approving records consent like /authorize does. Audit NEW_DEVICE_CODE_AUTHORIZATION on first use
 *   of the client, DEVICE_CODE_AUTHORIZATION afterwards.
 * - `resource` (RFC 8707, resources.ts) at the device authorization request: as at /authorize (invalid_target,
 *   invalid_scope); the page names the permissions the person grants.
 * - Token grant: grants/device-code.ts.
 */
import type { Database } from "../db/database.ts";
import type { Session } from "../account/sessions.ts";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import type { Config } from "../config.ts";
import {
  decideDeviceCode,
  deleteExpiredProtocolState,
  findDeviceCodeByUserCode,
  insertDeviceCode,
} from "../db/oidc-protocols.ts";
import { OAuthError } from "../errors.ts";
import { msg, type Message } from "../i18n/message.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomString, randomToken, type Random } from "../lib/random.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { recordConsent } from "./authorized-clients.ts";
import { authenticateClient } from "./client-auth.ts";
import { clientMayUseGrant, findClientById, isUserAllowedForClient, type OidcClient } from "./clients.ts";
import type { ProtocolParams } from "./params.ts";
import { consentKeys, describeStoredResource, readResourceParam, resolveResource, type ResolvedResource } from "./resources.ts";
import { parseScopes, scopeString, type Scope } from "./scopes.ts";
import { FRESH_ASSERTION_SECONDS } from "./authorize.ts";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
export const DEVICE_CODE_SECONDS = 900;
export const DEVICE_POLL_INTERVAL_SECONDS = 5;
/** Pocket ID's user-code alphabet: no I, L or O, which read as 1 and 0. */
export const USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ0123456789";
/** Pocket ID's user codes start with E (its QR sign-in codes with P). */
const USER_CODE_PREFIX = "E";
const USER_CODE_LENGTH = 8;
/** What a typed code may contain: today's alphabet and the earlier one (L), so codes issued before an upgrade still resolve. */
const ACCEPTED_CODE_CHARACTERS = /^[A-HJ-NP-Z0-9]{8}$/;

export interface DeviceDeps {
  db: Database;
  clock: Clock;
  random: Random;
  box: SealedBox;
  config: Config;
}

export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Normalises what a person typed ("bcdf-ghjk", "BCDF GHJK") to the stored form, or null when it cannot be a code. */
export function normalizeUserCode(input: string | null | undefined): string | null {
  if (typeof input !== "string" || input.length > 40) return null;
  // O and I are in neither alphabet: a person who types them means 0 and 1.
  const code = input.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/I/g, "1");
  return ACCEPTED_CODE_CHARACTERS.test(code) ? code : null;
}

/** POST /api/oidc/device/authorize. */
export async function startDeviceAuthorization(
  deps: DeviceDeps,
  input: { params: ProtocolParams; authorization: string | null },
): Promise<DeviceAuthorizationResponse> {
  const issuer = deps.config.appUrl;
  const { client } = await authenticateClient(deps, input.params, input.authorization, {
    allowPublic: true,
    endpoint: `${issuer}/api/oidc/device/authorize`,
  });
  if (!clientMayUseGrant(client, DEVICE_CODE_GRANT)) throw OAuthError.unauthorizedClient("This client's metadata document does not declare the device_code grant type.");
  const scopeParam = input.params.get("scope", 1024);
  // Unknown scopes are ignored as at /authorize; no scope at all means openid.
  const scopes: Scope[] = scopeParam === null ? ["openid"] : parseScopes(scopeParam);
  const resource = readResourceParam(input.params);
  const grant = resolveResource(deps.db, client.id, resource, scopeParam === null ? null : scopeParam.split(" ").filter(Boolean), "user");
  if (scopes.length === 0) throw OAuthError.invalidScope("None of the requested scopes is supported (openid profile email groups offline_access).");
  const now = nowSeconds(deps.clock);
  deleteExpiredProtocolState(deps.db, now);
  const deviceCode = randomToken(deps.random);
  for (let attempt = 0; ; attempt++) {
    const userCode = USER_CODE_PREFIX + randomString(deps.random, USER_CODE_LENGTH - USER_CODE_PREFIX.length, USER_CODE_ALPHABET);
    try {
      insertDeviceCode(deps.db, {
        deviceCodeHash: hashToken(deviceCode),
        userCode,
        clientId: client.id,
        scope: scopeString([...scopes, ...grant.permissionKeys]),
        status: "pending",
        userId: null,
        authTime: null,
        amr: null,
        intervalSeconds: DEVICE_POLL_INTERVAL_SECONDS,
        lastPolledAt: null,
        createdAt: now,
        expiresAt: now + DEVICE_CODE_SECONDS,
        resource: grant.resource?.audience ?? null,
      });
    } catch (e) {
      // A user code already in use (1 in 42 billion per live code): draw another.
      if (attempt < 5 && String(e).includes("UNIQUE")) continue;
      throw e;
    }
    return {
      device_code: deviceCode,
      user_code: formatUserCode(userCode),
      verification_uri: `${issuer}/device`,
      verification_uri_complete: `${issuer}/device?code=${formatUserCode(userCode)}`,
      expires_in: DEVICE_CODE_SECONDS,
      interval: DEVICE_POLL_INTERVAL_SECONDS,
    };
  }
}

// --- the /device page ----------------------------------------------------------------------------

export type DeviceLookup =
  | { kind: "enter"; error: Message | null; code: string | null }
  | { kind: "confirm"; userCode: string; client: OidcClient; scopes: Scope[]; resource: ResolvedResource | null }
  | { kind: "not-allowed"; client: OidcClient }
  | { kind: "reauthenticate"; userCode: string }
  | { kind: "done"; approved: boolean; client: OidcClient };

const UNKNOWN_CODE = msg("oidc.deviceCodeUnknown");

/** What the /device page shows for a typed code, for this signed-in person. */
export function lookupDeviceCode(deps: { db: Database; clock: Clock }, input: { code: string | null; session: Session }): DeviceLookup {
  if (input.code === null || input.code.trim() === "") return { kind: "enter", error: null, code: null };
  const userCode = normalizeUserCode(input.code);
  if (!userCode) return { kind: "enter", error: msg("oidc.deviceCodeFormat", { example: "EK7M-P3QD" }), code: input.code.slice(0, 40) };
  const now = nowSeconds(deps.clock);
  const row = findDeviceCodeByUserCode(deps.db, userCode);
  if (!row || row.expiresAt <= now || row.status !== "pending") return { kind: "enter", error: UNKNOWN_CODE, code: formatUserCode(userCode) };
  const client = findClientById(deps.db, row.clientId);
  if (!client) return { kind: "enter", error: UNKNOWN_CODE, code: formatUserCode(userCode) };
  if (!isUserAllowedForClient(deps.db, client, input.session.userId)) return { kind: "not-allowed", client };
  if (needsReauthentication(client, input.session, now)) return { kind: "reauthenticate", userCode: formatUserCode(userCode) };
  const resource = describeStoredResource(deps.db, row.resource, row.scope);
  return { kind: "confirm", userCode: formatUserCode(userCode), client, scopes: parseScopes(row.scope), resource };
}

function needsReauthentication(client: OidcClient, session: Session, now: number): boolean {
  if (!client.requiresReauthentication) return false;
  return !(session.amr.includes("phr") && now - session.authenticatedAt <= FRESH_ASSERTION_SECONDS);
}

/** The person approved or denied the code on /device. */
export function decideDeviceAuthorization(
  deps: { db: Database; clock: Clock; random: Random },
  input: { code: string | null; session: Session; allow: boolean; origin?: AuditOrigin },
): DeviceLookup {
  const looked = lookupDeviceCode(deps, input);
  if (looked.kind !== "confirm") return looked;
  const userCode = normalizeUserCode(looked.userCode)!;
  const now = nowSeconds(deps.clock);
  const { session, allow } = input;
  const client = looked.client;
  const decided = deps.db.transaction(() => {
    const ok = decideDeviceCode(deps.db, userCode, now, {
      status: allow ? "approved" : "denied",
      userId: session.userId,
      authTime: session.authenticatedAt,
      amr: session.amr,
    });
    if (!ok || !allow) return { ok, isNew: false };
    return { ok, isNew: recordConsent(deps.db, { userId: session.userId, clientId: client.id, scopes: consentKeys(looked.scopes, looked.resource), now }).isNew };
  }).immediate();
  if (!decided.ok) return { kind: "enter", error: UNKNOWN_CODE, code: looked.userCode };
  if (allow) {
    recordAuditEvent(deps, decided.isNew ? "NEW_DEVICE_CODE_AUTHORIZATION" : "DEVICE_CODE_AUTHORIZATION", {
      userId: session.userId,
      origin: input.origin,
      data: { clientName: client.name, clientId: client.id },
    });
  }
  return { kind: "done", approved: allow, client };
}
