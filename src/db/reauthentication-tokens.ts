import type { Database } from "./database.ts";

export function insertReauthenticationToken(db: Database, t: { tokenHash: string; sessionId: string; createdAt: number; expiresAt: number }): void {
  db.query("INSERT INTO reauthentication_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)").run(t.tokenHash, t.sessionId, t.createdAt, t.expiresAt);
}

/**
 * Consumes a live token of this session in one statement: true once, false ever after. `issuedSince`: only a
 * token created at or after that time counts (an action that wants a proof younger than the token's lifetime).
 */
export function consumeReauthenticationToken(db: Database, tokenHash: string, sessionId: string, now: number, issuedSince = 0): boolean {
  return (
    db
      .query<{ token_hash: string }, [string, string, number, number]>(
        "DELETE FROM reauthentication_tokens WHERE token_hash = ? AND session_id = ? AND expires_at > ? AND created_at >= ? RETURNING token_hash",
      )
      .get(tokenHash, sessionId, now, issuedSince) !== null
  );
}

/** A session holds at most one token: a new re-authentication replaces the previous one. */
export function deleteReauthenticationTokensOfSession(db: Database, sessionId: string): void {
  db.query("DELETE FROM reauthentication_tokens WHERE session_id = ?").run(sessionId);
}

export function deleteExpiredReauthenticationTokens(db: Database, now: number): void {
  db.query("DELETE FROM reauthentication_tokens WHERE expires_at <= ?").run(now);
}
