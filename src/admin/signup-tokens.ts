/**
 * Sign-up tokens (/st/<token>): let someone create an account while sign-ups are `withToken`.
 * - 32 random alphanumerics, shown once; stored as SHA-256 with a short prefix for the list.
 * - Expiry (ttl, default 1 day, up to 1 year) and a usage limit (1–100); each use increments the
 *   count in the same statement that checks it, so concurrent sign-ups cannot exceed the limit.
 * - New accounts join the token's groups (on top of the configured default groups).
 * - Creating and deleting are audited (ADMIN_CHANGE signup_token); never the token.
 */
import { msg } from "../i18n/message.ts";
import type { Database } from "../db/database.ts";
import {
  consumeSignupToken,
  deleteSignupToken,
  findValidSignupToken,
  insertSignupToken,
  listGroupIdsOfSignupToken,
  listSignupTokens,
  type SignupToken,
} from "../db/signup-tokens.ts";
import { AppError } from "../errors.ts";
import { actorUserId, auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { ALPHANUMERIC, randomString, randomUuid } from "../lib/random.ts";
import { isoTime } from "./pagination.ts";
import { checkGroupIds } from "./user-groups.ts";
import { duration, FieldErrors, int, isRecord, strList } from "./validation.ts";

export interface SignupTokenDto {
  id: string;
  prefix: string;
  usageLimit: number;
  usageCount: number;
  createdAt: string | null;
  expiresAt: string | null;
  expired: boolean;
  userGroupIds: string[];
}

function toDto(db: Database, row: SignupToken, now: number): SignupTokenDto {
  return {
    id: row.id,
    prefix: row.prefix,
    usageLimit: row.usageLimit,
    usageCount: row.usageCount,
    createdAt: isoTime(row.createdAt),
    expiresAt: isoTime(row.expiresAt),
    expired: row.expiresAt <= now || row.usageCount >= row.usageLimit,
    userGroupIds: listGroupIdsOfSignupToken(db, row.id),
  };
}

export function createSignupToken(deps: AuditDeps, actor: Actor, input: unknown): { token: string; signupToken: SignupTokenDto } {
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const ttl = duration(errors, body, "ttl", { fallback: 86400, min: 60, max: 366 * 86400 });
  const usageLimit = int(errors, body, "usageLimit", { min: 1, max: 100, fallback: 1 });
  const groupIds = checkGroupIds(deps.db, errors, "userGroupIds", strList(errors, body, "userGroupIds"));
  errors.throwIfAny();
  const now = nowSeconds(deps.clock);
  const token = randomString(deps.random, 32, ALPHANUMERIC);
  const row: SignupToken = {
    id: randomUuid(deps.random),
    tokenHash: hashToken(token),
    prefix: token.slice(0, 4),
    usageLimit,
    usageCount: 0,
    createdAt: now,
    expiresAt: now + ttl,
    createdById: actorUserId(actor),
  };
  return auditedChange(
    deps,
    actor,
    () => {
      insertSignupToken(deps.db, row, groupIds);
      return { token, signupToken: toDto(deps.db, row, now) };
    },
    ({ signupToken }) => ({ entity: "signup_token", action: "create", id: signupToken.id, changes: { usageLimit: signupToken.usageLimit, expiresAt: signupToken.expiresAt, userGroupIds: signupToken.userGroupIds } }),
  );
}

export function listSignupTokenDtos(deps: { db: Database; clock: Clock }): SignupTokenDto[] {
  const now = nowSeconds(deps.clock);
  return listSignupTokens(deps.db).map((r) => toDto(deps.db, r, now));
}

export function removeSignupToken(deps: AuditDeps, actor: Actor, id: string): void {
  auditedChange(
    deps,
    actor,
    () => {
      if (!deleteSignupToken(deps.db, id)) throw AppError.notFound(msg("signups.errNotFound"));
    },
    () => ({ entity: "signup_token", action: "delete", id }),
  );
}

/** The token's row when it can still be used (for showing the sign-up form), else null. */
export function peekSignupToken(deps: { db: Database; clock: Clock }, token: string): SignupToken | null {
  if (!/^[A-Za-z0-9]{16,64}$/.test(token)) return null;
  return findValidSignupToken(deps.db, hashToken(token), nowSeconds(deps.clock));
}

/** Uses one sign-up of the token; returns the groups new accounts join, or null when it is spent. */
export function useSignupToken(deps: { db: Database; clock: Clock }, token: string): { groupIds: string[] } | null {
  if (!/^[A-Za-z0-9]{16,64}$/.test(token)) return null;
  const row = consumeSignupToken(deps.db, hashToken(token), nowSeconds(deps.clock));
  return row ? { groupIds: listGroupIdsOfSignupToken(deps.db, row.id) } : null;
}
