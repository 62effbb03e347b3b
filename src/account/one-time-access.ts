/**
 * One-time login codes, the recovery path that does not weaken passkeys:
 * - codes are random over an unambiguous alphabet: 6 characters when they live ≤ 15 minutes (typed
 *   from an email), 12 otherwise (CLI / admin links), as Pocket ID does;
 * - only the SHA-256 is stored; redeeming deletes the row in the same statement (single use);
 * - expired codes and disabled users are refused; the session that results is amr ["otp"].
 * - Audited: redeeming is TOKEN_SIGN_IN; a code an administrator hands out is ADMIN_CHANGE
 *   (user create_login_code), one the command line prints is ONE_TIME_ACCESS_TOKEN_CREATED on the
 *   person's own log (via cli). Emailed codes are audited where they are sent (src/mail/emails.ts).
 */
import { msg } from "../i18n/message.ts";
import type { Database } from "../db/database.ts";
import { recordAdminChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import { consumeOneTimeAccessToken, deleteExpiredOneTimeAccessTokens, insertOneTimeAccessToken } from "../db/one-time-access-tokens.ts";
import { findUserById, type User } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomString, randomUuid, UNAMBIGUOUS_ALPHABET, type Random } from "../lib/random.ts";

export const ONE_TIME_ACCESS_MESSAGES = {
  invalid: msg("signIn.codeInvalid"),
  disabled: msg("signIn.accountDisabled"),
} as const;

/** Cookie holding the device token of a code emailed on request (set by whoever sends such codes). */
export const DEVICE_TOKEN_COOKIE = "latchkey_device_token";

/** Uppercases and drops spaces and dashes, so "abc-def 123" and "ABCDEF123" are the same code. */
export function normalizeLoginCode(input: string): string {
  return input.replace(/[\s-]+/g, "").toUpperCase();
}

/** Creates a login code for a user; returns the plaintext (shown once) and its expiry. */
export function createOneTimeAccessToken(
  deps: { db: Database; clock: Clock; random: Random },
  userId: string,
  ttlSeconds: number,
  opts: { deviceToken?: string | null } = {},
): { token: string; expiresAt: number } {
  const now = nowSeconds(deps.clock);
  deleteExpiredOneTimeAccessTokens(deps.db, now);
  const token = randomString(deps.random, ttlSeconds <= 15 * 60 ? 6 : 12, UNAMBIGUOUS_ALPHABET);
  const expiresAt = now + ttlSeconds;
  insertOneTimeAccessToken(deps.db, {
    id: randomUuid(deps.random),
    tokenHash: hashToken(token),
    userId,
    deviceTokenHash: opts.deviceToken ? hashToken(opts.deviceToken) : null,
    createdAt: now,
    expiresAt,
  });
  return { token, expiresAt };
}

/** A login code handed out by an administrator (link or code on the page, admin API) or the command line. */
export function issueLoginCode(deps: AuditDeps, actor: Actor, userId: string, ttlSeconds: number): { token: string; expiresAt: number } {
  return deps.db.transaction(() => {
    const code = createOneTimeAccessToken(deps, userId, ttlSeconds);
    if (actor.kind === "cli") recordAuditEvent(deps, "ONE_TIME_ACCESS_TOKEN_CREATED", { userId, data: { via: "cli", ttlSeconds } });
    else recordAdminChange(deps, actor, { entity: "user", action: "create_login_code", id: userId, changes: { ttlSeconds } });
    return code;
  }).immediate();
}

/**
 * Redeems a login code (single use); returns its user or throws a 400 with a human message. A
 * successful redemption is the sign-in: TOKEN_SIGN_IN from `origin`.
 * `deviceToken`: the browser's device cookie, for codes bound to the browser that asked for them.
 */
export function redeemOneTimeAccessToken(deps: AuditDeps, code: string, deviceToken: string | null, origin: AuditOrigin): User {
  const normalized = normalizeLoginCode(code);
  if (normalized.length < 6 || normalized.length > 64) throw AppError.badRequest(ONE_TIME_ACCESS_MESSAGES.invalid);
  const row = consumeOneTimeAccessToken(deps.db, hashToken(normalized), nowSeconds(deps.clock), deviceToken ? hashToken(deviceToken) : null);
  if (!row) throw AppError.badRequest(ONE_TIME_ACCESS_MESSAGES.invalid);
  const user = findUserById(deps.db, row.userId);
  if (!user) throw AppError.badRequest(ONE_TIME_ACCESS_MESSAGES.invalid);
  if (user.disabled) throw AppError.forbidden(ONE_TIME_ACCESS_MESSAGES.disabled);
  recordAuditEvent(deps, "TOKEN_SIGN_IN", { userId: user.id, origin });
  return user;
}
