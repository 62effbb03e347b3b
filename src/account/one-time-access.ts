/**
 * One-time login codes, the recovery path that does not weaken passkeys:
 * - codes are random over an unambiguous alphabet: 6 characters when they live ≤ 15 minutes (typed
 *   from an email), 12 otherwise (CLI / admin links), as Pocket ID does;
 * - only the SHA-256 is stored; redeeming deletes the row in the same statement (single use);
 * - expired codes and disabled users are refused; the session that results is amr ["otp"].
 */
import type { Database } from "bun:sqlite";
import { consumeOneTimeAccessToken, deleteExpiredOneTimeAccessTokens, insertOneTimeAccessToken } from "../db/one-time-access-tokens.ts";
import { findUserById, type UserRow } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomString, randomUuid, UNAMBIGUOUS_ALPHABET, type Random } from "../lib/random.ts";

export const ONE_TIME_ACCESS_MESSAGES = {
  invalid: "This login code is not valid. It may have expired or already been used — ask for a new one.",
  disabled: "This account is disabled. Contact your administrator.",
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
    token_hash: hashToken(token),
    user_id: userId,
    device_token_hash: opts.deviceToken ? hashToken(opts.deviceToken) : null,
    created_at: now,
    expires_at: expiresAt,
  });
  return { token, expiresAt };
}

/**
 * Redeems a login code (single use); returns its user or throws a 400 with a human message.
 * `deviceToken`: the browser's device cookie, for codes bound to the browser that asked for them.
 */
export function redeemOneTimeAccessToken(deps: { db: Database; clock: Clock }, code: string, deviceToken: string | null = null): UserRow {
  const normalized = normalizeLoginCode(code);
  if (normalized.length < 6 || normalized.length > 64) throw AppError.badRequest(ONE_TIME_ACCESS_MESSAGES.invalid);
  const row = consumeOneTimeAccessToken(deps.db, hashToken(normalized), nowSeconds(deps.clock), deviceToken ? hashToken(deviceToken) : null);
  if (!row) throw AppError.badRequest(ONE_TIME_ACCESS_MESSAGES.invalid);
  const user = findUserById(deps.db, row.user_id);
  if (!user) throw AppError.badRequest(ONE_TIME_ACCESS_MESSAGES.invalid);
  if (user.disabled === 1) throw AppError.forbidden(ONE_TIME_ACCESS_MESSAGES.disabled);
  return user;
}
