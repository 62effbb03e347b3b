/**
 * Browser sessions.
 * - The browser holds a random 256-bit token; the database stores only its SHA-256.
 * - Each session has its own CSRF token, sent back by every state-changing form and htmx request.
 * - A disabled user's sessions stop working at their next request (checked on every lookup).
 * - `authenticated_at` is the time of the last passkey assertion; re-authentication checks it.
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
  type SessionRow,
} from "../db/sessions.ts";

export type Amr = "phr" | "otp";

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
  const row: SessionRow = {
    id: randomUuid(deps.random),
    token_hash: hashToken(token),
    user_id: input.userId,
    amr: JSON.stringify(input.amr),
    csrf_token: randomToken(deps.random),
    created_at: now,
    authenticated_at: now,
    last_seen_at: now,
    expires_at: now + input.durationMinutes * 60,
    ip_address: input.ip ?? null,
    user_agent: input.userAgent ?? null,
  };
  insertSession(deps.db, row);
  const found = findSessionByTokenHash(deps.db, row.token_hash, now)!;
  return { token, session: toSession(found) };
}

function toSession(row: { id: string; user_id: string; username: string; is_admin: number; amr: string; csrf_token: string; created_at: number; authenticated_at: number; expires_at: number }): Session {
  return {
    id: row.id,
    userId: row.user_id,
    username: row.username,
    isAdmin: row.is_admin === 1,
    amr: JSON.parse(row.amr) as Amr[],
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    authenticatedAt: row.authenticated_at,
    expiresAt: row.expires_at,
  };
}

/** The live session for a cookie token, or null (unknown, expired, or the user is disabled). */
export function findSessionByToken(deps: { db: Database; clock: Clock }, token: string): Session | null {
  if (!token || token.length > 200) return null;
  const now = nowSeconds(deps.clock);
  const row = findSessionByTokenHash(deps.db, hashToken(token), now);
  if (!row) return null;
  if (row.disabled === 1) {
    // Disabled users are signed out at their next request.
    deleteSession(deps.db, row.id);
    return null;
  }
  if (now - row.last_seen_at >= 60) touchSession(deps.db, row.id, now);
  return toSession(row);
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
  return deleteSessionsOfUser(db, userId).length;
}

/** Records a fresh passkey assertion on an existing session (re-authentication). */
export function recordReauthentication(deps: { db: Database; clock: Clock }, session: Session): void {
  const amr = session.amr.includes("phr") ? session.amr : [...session.amr, "phr"];
  markSessionAuthenticated(deps.db, session.id, nowSeconds(deps.clock), JSON.stringify(amr));
}

/** True when the last passkey assertion on this session is recent enough for a sensitive action. */
export function isRecentlyAuthenticated(session: Session, clock: Clock, maxAgeSeconds = 60): boolean {
  return session.amr.includes("phr") && nowSeconds(clock) - session.authenticatedAt <= maxAgeSeconds;
}
