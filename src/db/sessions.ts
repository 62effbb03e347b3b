/**
 * Browser sessions (the sessions table). Callers get and give `StoredSession` values: the authentication
 * methods as an array (a JSON column), camelCase, Unix seconds as stored; the row stays in src/db/.
 */
import type { Database } from "./database.ts";

/** Authentication methods (RFC 8176): "phr" a passkey, "otp" a one-time code. */
export type Amr = "phr" | "otp";

export type StoredSession = {
  id: string;
  /** SHA-256 of the browser's token; the token itself is never stored. */
  tokenHash: string;
  userId: string;
  amr: Amr[];
  csrfToken: string;
  createdAt: number;
  /** The last passkey assertion (re-authentication checks it). */
  authenticatedAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ipAddress: string | null;
  userAgent: string | null;
};

/** A live session with what request authentication needs of its user, read in the same query. */
export type SessionWithUser = StoredSession & { username: string; isAdmin: boolean; disabled: boolean };

type SessionRow = {
  id: string;
  token_hash: string;
  user_id: string;
  amr: string;
  csrf_token: string;
  created_at: number;
  authenticated_at: number;
  last_seen_at: number;
  expires_at: number;
  ip_address: string | null;
  user_agent: string | null;
};

function toStoredSession(r: SessionRow): StoredSession {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    userId: r.user_id,
    amr: JSON.parse(r.amr) as Amr[],
    csrfToken: r.csrf_token,
    createdAt: r.created_at,
    authenticatedAt: r.authenticated_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    ipAddress: r.ip_address,
    userAgent: r.user_agent,
  };
}

export function insertSession(db: Database, s: StoredSession): void {
  db.query(
    `INSERT INTO sessions (id, token_hash, user_id, amr, csrf_token, created_at, authenticated_at, last_seen_at, expires_at, ip_address, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(s.id, s.tokenHash, s.userId, JSON.stringify(s.amr), s.csrfToken, s.createdAt, s.authenticatedAt, s.lastSeenAt, s.expiresAt, s.ipAddress, s.userAgent);
}

/** Every request: one indexed query (token_hash is unique) joined with the user's flags. */
export function findSessionByTokenHash(db: Database, tokenHash: string, now: number): SessionWithUser | null {
  const row = db
    .query<SessionRow & { username: string; is_admin: number; disabled: number }, [string, number]>(
      `SELECT s.*, u.username, u.is_admin, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = ? AND s.expires_at > ?`,
    )
    .get(tokenHash, now);
  return row ? { ...toStoredSession(row), username: row.username, isAdmin: row.is_admin === 1, disabled: row.disabled === 1 } : null;
}

export function touchSession(db: Database, id: string, now: number): void {
  db.query("UPDATE sessions SET last_seen_at = ? WHERE id = ?").run(now, id);
}

export function markSessionAuthenticated(db: Database, id: string, now: number, amr: Amr[]): void {
  db.query("UPDATE sessions SET authenticated_at = ?, amr = ? WHERE id = ?").run(now, JSON.stringify(amr), id);
}

/** True when there was such a session. */
export function deleteSession(db: Database, id: string): boolean {
  return db.query("DELETE FROM sessions WHERE id = ?").run(id).changes > 0;
}

/** Deletes one session of `userId` (another user's session id deletes nothing). */
export function deleteSessionOfUser(db: Database, userId: string, sessionId: string): boolean {
  return db.query("DELETE FROM sessions WHERE id = ? AND user_id = ?").run(sessionId, userId).changes > 0;
}

/** How many sessions of the user there were. */
export function deleteSessionsOfUser(db: Database, userId: string): number {
  return db.query("DELETE FROM sessions WHERE user_id = ?").run(userId).changes;
}

export function listSessionsOfUser(db: Database, userId: string, now: number): StoredSession[] {
  return db.query<SessionRow, [string, number]>("SELECT * FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC").all(userId, now).map(toStoredSession);
}

export function deleteExpiredSessions(db: Database, now: number): number {
  return db.query("DELETE FROM sessions WHERE expires_at <= ?").run(now).changes;
}
