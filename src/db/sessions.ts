import type { Database } from "./database.ts";

export type SessionRow = {
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

/** A live session joined with the user's state, for request authentication. */
export type SessionWithUserRow = SessionRow & {
  username: string;
  is_admin: number;
  disabled: number;
};

export function insertSession(db: Database, row: SessionRow): void {
  db.query(
    `INSERT INTO sessions (id, token_hash, user_id, amr, csrf_token, created_at, authenticated_at, last_seen_at, expires_at, ip_address, user_agent)
     VALUES ($id, $token_hash, $user_id, $amr, $csrf_token, $created_at, $authenticated_at, $last_seen_at, $expires_at, $ip_address, $user_agent)`,
  ).run(row);
}

export function findSessionByTokenHash(db: Database, tokenHash: string, now: number): SessionWithUserRow | null {
  return (
    db
      .query<SessionWithUserRow, [string, number]>(
        `SELECT s.*, u.username, u.is_admin, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ? AND s.expires_at > ?`,
      )
      .get(tokenHash, now) ?? null
  );
}

export function touchSession(db: Database, id: string, now: number): void {
  db.query("UPDATE sessions SET last_seen_at = ? WHERE id = ?").run(now, id);
}

export function markSessionAuthenticated(db: Database, id: string, now: number, amr: string): void {
  db.query("UPDATE sessions SET authenticated_at = ?, amr = ? WHERE id = ?").run(now, amr, id);
}

export function deleteSession(db: Database, id: string): SessionRow | null {
  return db.query<SessionRow, [string]>("DELETE FROM sessions WHERE id = ? RETURNING *").get(id) ?? null;
}

/** Deletes one session of `userId` (another user's session id deletes nothing). */
export function deleteSessionOfUser(db: Database, userId: string, sessionId: string): boolean {
  return db.query("DELETE FROM sessions WHERE id = ? AND user_id = ?").run(sessionId, userId).changes > 0;
}

export function deleteSessionsOfUser(db: Database, userId: string): SessionRow[] {
  return db.query<SessionRow, [string]>("DELETE FROM sessions WHERE user_id = ? RETURNING *").all(userId);
}

export function listSessionsOfUser(db: Database, userId: string, now: number): SessionRow[] {
  return db.query<SessionRow, [string, number]>("SELECT * FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC").all(userId, now);
}

export function deleteExpiredSessions(db: Database, now: number): number {
  return db.query("DELETE FROM sessions WHERE expires_at <= ?").run(now).changes;
}
