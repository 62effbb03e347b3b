/**
 * Sign in with another device (Pocket ID v2.12's QR-code sign-in, /api/device-login/*):
 * - A signed-out browser asks (createDeviceLoginRequest): a request with a user code "P" + 7 characters of
 *   Pocket ID's alphabet (shown PXXX-XXXX), alive 5 minutes, and a 256-bit device token that only that browser
 *   holds (a cookie; only its SHA-256 is stored). The QR code carries APP_URL/device?user_code=…, never the token.
 * - A signed-in person opens the code (inspectDeviceLoginRequest) and sees what asks: the device (parsed user
 *   agent), IP address, country and city. Only a pending, live request is shown; anything else is
 *   device_login_expired (401), as Pocket ID answers.
 * - Approving needs a re-authentication token younger than a minute, spent by that approval (consumePasskeyProof;
 *   a recent passkey sign-in does not count), denying does not. A request is
 *   decided once (one conditional UPDATE); the proof is spent only together with the decision (one transaction).
 * - The asking browser exchanges (exchangeDeviceLogin) with its device token: it waits up to 25 s, looking every
 *   second, holding no transaction while it waits. approved → consumed in one conditional UPDATE, so exactly one
 *   session results (amr ["otp"] as in Pocket ID: this browser presented no passkey itself), audited
 *   REMOTE_SIGN_IN from the asking browser, and — when that IP and browser never signed in to the account before —
 *   the new-device email (emailLoginNotificationEnabled), as a passkey sign-in sends it: an approval talked out
 *   of someone (a phishing link to /device?user_code=…) then shows up in their inbox (Pocket ID sends none); denied → device_login_denied (403); unknown, expired, already
 *   exchanged or held by another browser → device_login_expired (401); still pending when the wait ends → pending.
 */
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import type { Geolocator } from "../audit/geolocation.ts";
import { deviceMessage } from "../audit/user-agent.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import {
  consumeApprovedDeviceLoginRequest,
  decideDeviceLoginRequest,
  deleteExpiredDeviceLoginRequests,
  findDeviceLoginRequestById,
  findDeviceLoginRequestByUserCode,
  insertDeviceLoginRequest,
  type DeviceLoginRequestRecord,
} from "../db/device-login-requests.ts";
import { findUserById, type User } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { msg, type Text } from "../i18n/message.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken, safeEqual } from "../lib/hash.ts";
import { randomString, randomToken, randomUuid, type Random } from "../lib/random.ts";
import { USER_CODE_ALPHABET } from "../oidc/device-flow.ts";
import { isNewSignInDevice, notifyNewDeviceSignIn, type MailDeps } from "../mail/emails.ts";
import { consumePasskeyProof } from "./reauthentication.ts";
import type { Session } from "./sessions.ts";

export const DEVICE_LOGIN_SECONDS = 300;
/** Seconds the asking page waits between exchanges (Pocket ID's `interval`). */
export const DEVICE_LOGIN_POLL_INTERVAL = 3;
/** The device token cookie outlives the request (Pocket ID: 15 minutes) so a late exchange still gets a precise answer. */
export const DEVICE_LOGIN_COOKIE_SECONDS = 900;
/** Pocket ID: approving needs a passkey assertion younger than a minute. */
export const DEVICE_LOGIN_REAUTH_SECONDS = 60;
/** The long poll: how long one exchange waits for a decision, and how often it looks. */
export const EXCHANGE_TIMING = { waitMs: 25_000, checkMs: 1_000 };

const CODE_PREFIX = "P";
const CODE_LENGTH = 8;
const CODE_PATTERN = new RegExp(`^${CODE_PREFIX}[${USER_CODE_ALPHABET}]{${CODE_LENGTH - 1}}$`);

export const DEVICE_LOGIN_MESSAGES = {
  expired: msg("signIn.deviceLoginExpired"),
  denied: msg("signIn.deviceLoginDenied"),
  disabled: msg("signIn.accountDisabled"),
} as const;

const expired = () => new AppError("device_login_expired", DEVICE_LOGIN_MESSAGES.expired);
const denied = () => new AppError("device_login_denied", DEVICE_LOGIN_MESSAGES.denied);

export interface DeviceLoginRequest {
  id: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  interval: number;
}

export interface DeviceLoginInfo {
  userCode: string;
  /** "Firefox 133 on Windows": the asking browser's user agent, parsed. */
  device: Text;
  ipAddress: string | null;
  country: string | null;
  city: string | null;
  expiresAt: number;
}

export type DeviceLoginDecision = "approve" | "deny";

export type ExchangeOutcome = { status: "pending" } | { status: "approved"; user: User };

/** PXXX-XXXX, as the code is shown. */
export function formatDeviceLoginCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What a person typed or scanned ("pabc-defg", "PABC DEFG"; O read as 0, I as 1), or null when it cannot be a sign-in code. */
export function normalizeDeviceLoginCode(input: string | null | undefined): string | null {
  if (typeof input !== "string" || input.length > 40) return null;
  const code = input.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/I/g, "1");
  return CODE_PATTERN.test(code) ? code : null;
}

/** A signed-out browser asks to be signed in from another device; it alone receives `deviceToken`. */
export function createDeviceLoginRequest(
  deps: { db: Database; clock: Clock; random: Random; config: Pick<Config, "appUrl"> },
  origin: AuditOrigin,
): { request: DeviceLoginRequest; deviceToken: string } {
  const now = nowSeconds(deps.clock);
  deleteExpiredDeviceLoginRequests(deps.db, now);
  const deviceToken = randomToken(deps.random);
  const id = randomUuid(deps.random);
  const expiresAt = now + DEVICE_LOGIN_SECONDS;
  for (let attempt = 0; ; attempt++) {
    const userCode = CODE_PREFIX + randomString(deps.random, CODE_LENGTH - CODE_PREFIX.length, USER_CODE_ALPHABET);
    try {
      insertDeviceLoginRequest(deps.db, {
        id,
        userCode,
        deviceTokenHash: hashToken(deviceToken),
        ipAddress: origin.ip ?? null,
        userAgent: origin.userAgent?.slice(0, 512) ?? null,
        createdAt: now,
        expiresAt,
      });
    } catch (e) {
      // A user code already in use by a live request (1 in 42 billion per live code): draw another.
      if (attempt < 5 && /unique|duplicate/i.test(String(e))) continue;
      throw e;
    }
    const verificationUri = `${deps.config.appUrl}/device`;
    return {
      request: {
        id,
        userCode,
        verificationUri,
        verificationUriComplete: `${verificationUri}?user_code=${encodeURIComponent(userCode)}`,
        expiresAt,
        interval: DEVICE_LOGIN_POLL_INTERVAL,
      },
      deviceToken,
    };
  }
}

/** The pending, live request behind a typed code; device_login_expired otherwise. */
function pendingRequest(db: Database, code: string | null | undefined, now: number): DeviceLoginRequestRecord {
  const userCode = normalizeDeviceLoginCode(code);
  const request = userCode ? findDeviceLoginRequestByUserCode(db, userCode) : null;
  if (!request || request.status !== "pending" || request.expiresAt <= now) throw expired();
  return request;
}

/** True when `code` names a pending, live sign-in request (the /device page tells them from OIDC device codes). */
export function isPendingDeviceLoginCode(deps: { db: Database; clock: Clock }, code: string | null | undefined): boolean {
  const userCode = normalizeDeviceLoginCode(code);
  if (!userCode) return false;
  const request = findDeviceLoginRequestByUserCode(deps.db, userCode);
  return request !== null && request.status === "pending" && request.expiresAt > nowSeconds(deps.clock);
}

/** What the signed-in approver is shown about the asking browser. */
export function inspectDeviceLoginRequest(deps: { db: Database; clock: Clock; geo?: Geolocator }, code: string | null | undefined): DeviceLoginInfo {
  const request = pendingRequest(deps.db, code, nowSeconds(deps.clock));
  const location = deps.geo?.locate(request.ipAddress) ?? null;
  return {
    userCode: request.userCode,
    device: deviceMessage(request.userAgent),
    ipAddress: request.ipAddress,
    country: location?.country ?? null,
    city: location?.city ?? null,
    expiresAt: request.expiresAt,
  };
}

/**
 * The signed-in person approves (signing the asking browser in as themselves) or denies. Approving spends the
 * session's passkey proof (≤ 60 s old) in the same transaction that records the decision.
 */
export function decideDeviceLogin(
  deps: { db: Database; clock: Clock },
  input: { code: string | null | undefined; decision: DeviceLoginDecision; session: Session; reauthenticationToken: string | null },
): void {
  const now = nowSeconds(deps.clock);
  deps.db.transaction(() => {
    const request = pendingRequest(deps.db, input.code, now);
    if (input.decision === "approve") {
      consumePasskeyProof(deps, input.session, input.reauthenticationToken, "approve a sign-in on another device", DEVICE_LOGIN_REAUTH_SECONDS);
    }
    const status = input.decision === "approve" ? "approved" : "denied";
    if (!decideDeviceLoginRequest(deps.db, request.userCode, now, { status, userId: input.session.userId })) throw expired();
  }).immediate();
}

type ExchangeDeps = MailDeps & { geo?: Geolocator };

/** One look at the request: the outcome, or null while it is pending. */
function checkExchange(deps: ExchangeDeps, id: string, deviceTokenHash: string, origin: AuditOrigin): ExchangeOutcome | null {
  const now = nowSeconds(deps.clock);
  const request = findDeviceLoginRequestById(deps.db, id);
  if (!request || !safeEqual(request.deviceTokenHash, deviceTokenHash) || request.expiresAt <= now) throw expired();
  switch (request.status) {
    case "pending":
      return null;
    case "denied":
      throw denied();
    case "consumed":
      throw expired();
    case "approved": {
      const { user, newDevice } = deps.db.transaction(() => {
        // Another exchange with the same cookie may have won the race: then this one is a replay.
        const userId = consumeApprovedDeviceLoginRequest(deps.db, id, deviceTokenHash, now);
        const found = userId ? findUserById(deps.db, userId) : null;
        if (!found) throw expired();
        if (found.disabled) throw AppError.forbidden(DEVICE_LOGIN_MESSAGES.disabled);
        const fresh = isNewSignInDevice(deps, found.id, origin);
        recordAuditEvent(deps, "REMOTE_SIGN_IN", { userId: found.id, origin });
        return { user: found, newDevice: fresh };
      }).immediate();
      // After the commit: no email for a sign-in that did not happen.
      if (newDevice) notifyNewDeviceSignIn(deps, user, origin);
      return { status: "approved", user };
    }
  }
}

/** Resolves after `ms` on the injected clock, or at once when `signal` aborts. */
function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clock.clearTimer(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * The asking browser's long poll: the approved request's user (once, ever), or "pending" when nothing was decided
 * within the wait (or the browser went away). Throws device_login_expired / device_login_denied as the header says.
 */
export async function exchangeDeviceLogin(
  deps: ExchangeDeps,
  input: { id: string; deviceToken: string | null; origin: AuditOrigin; signal?: AbortSignal },
  timing: { waitMs: number; checkMs: number } = EXCHANGE_TIMING,
): Promise<ExchangeOutcome> {
  if (!input.deviceToken || input.deviceToken.length > 200 || input.id.length > 64) throw expired();
  const tokenHash = hashToken(input.deviceToken);
  const deadline = deps.clock.now() + timing.waitMs;
  for (;;) {
    const outcome = checkExchange(deps, input.id, tokenHash, input.origin);
    if (outcome) return outcome;
    const left = deadline - deps.clock.now();
    if (left <= 0 || input.signal?.aborted) return { status: "pending" };
    await pause(deps.clock, Math.min(timing.checkMs, left), input.signal);
  }
}
