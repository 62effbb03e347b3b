/**
 * Browser sessions.
 * - The browser holds a random 256-bit token; the database stores only its SHA-256.
 * - Each session has its own CSRF token, sent back by every state-changing form and htmx request.
 * - A disabled user's sessions stop working at their next request (checked on every lookup).
 * - `authenticatedAt` is the time of the last passkey assertion; re-authentication checks it.
 * - Signing out is audited (SIGN_OUT); ending the previous session at a new sign-in is not.
 */
import type { Database } from "../db/database.ts";
import type { AuditDeps, PersonActor } from "../audit/actor.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomToken, randomUuid, type Random } from "../lib/random.ts";
import {
  deleteSession,
  deleteSessionsOfUser,
  findSessionByTokenHash,
  insertSession,
  markSessionAuthenticated,
  touchSession,
  type Amr,
  type SessionWithUser,
} from "../db/sessions.ts";

export type { Amr };

export interface Session {
  id: string;
  userId: string;
  username: string;
  isAdmin: boolean;
  amr: Amr[];
  csrfToken: string;
  createdAt: number;
  authenticatedAt: number;
  expiresAt: number;
}

export interface SessionDeps {
  db: Database;
  clock: Clock;
  random: Random;
}

export function createSession(
  deps: SessionDeps,
  input: { userId: string; amr: Amr[]; durationMinutes: number; ip?: string | null; userAgent?: string | null },
): { token: string; session: Session } {
  const now = nowSeconds(deps.clock);
  const token = randomToken(deps.random);
  const tokenHash = hashToken(token);
  insertSession(deps.db, {
    id: randomUuid(deps.random),
    tokenHash,
    userId: input.userId,
    amr: input.amr,
    csrfToken: randomToken(deps.random),
    createdAt: now,
    authenticatedAt: now,
    lastSeenAt: now,
    expiresAt: now + input.durationMinutes * 60,
    ipAddress: input.ip ?? null,
    userAgent: input.userAgent ?? null,
  });
  const found = findSessionByTokenHash(deps.db, tokenHash, now)!;
  return { token, session: toSession(found) };
}

function toSession(s: SessionWithUser): Session {
  return {
    id: s.id,
    userId: s.userId,
    username: s.username,
    isAdmin: s.isAdmin,
    amr: s.amr,
    csrfToken: s.csrfToken,
    createdAt: s.createdAt,
    authenticatedAt: s.authenticatedAt,
    expiresAt: s.expiresAt,
  };
}

/** The live session for a cookie token, or null (unknown, expired, or the user is disabled). */
export function findSessionByToken(deps: { db: Database; clock: Clock }, token: string): Session | null {
  if (!token || token.length > 200) return null;
  const now = nowSeconds(deps.clock);
  const found = findSessionByTokenHash(deps.db, hashToken(token), now);
  if (!found) return null;
  if (found.disabled) {
    // Disabled users are signed out at their next request.
    deleteSession(deps.db, found.id);
    return null;
  }
  if (now - found.lastSeenAt >= 60) touchSession(deps.db, found.id, now);
  return toSession(found);
}

export function endSession(db: Database, sessionId: string): void {
  deleteSession(db, sessionId);
}

/** The person signs out of their session `sessionId`: it ends, and SIGN_OUT is recorded. */
export function signOut(deps: AuditDeps, actor: PersonActor, sessionId: string): void {
  deps.db.transaction(() => {
    deleteSession(deps.db, sessionId);
    recordAuditEvent(deps, "SIGN_OUT", { userId: actor.userId, origin: actor.origin });
  }).immediate();
}

export function endAllSessionsOfUser(db: Database, userId: string): number {
  return deleteSessionsOfUser(db, userId);
}

/** Records a fresh passkey assertion on an existing session (re-authentication). */
export function recordReauthentication(deps: { db: Database; clock: Clock }, session: Session): void {
  const amr: Amr[] = session.amr.includes("phr") ? session.amr : [...session.amr, "phr"];
  markSessionAuthenticated(deps.db, session.id, nowSeconds(deps.clock), amr);
}

/** True when the last passkey assertion on this session is recent enough for a sensitive action. */
export function isRecentlyAuthenticated(session: Session, clock: Clock, maxAgeSeconds = 60): boolean {
  return session.amr.includes("phr") && nowSeconds(clock) - session.authenticatedAt <= maxAgeSeconds;
}
