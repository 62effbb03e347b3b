/** Forward-auth cookies (bound to a Latchkey session) and one-time handshake codes. */
import type { Database } from "./database.ts";

export type ForwardAuthSessionRow = {
  id: string;
  token_hash: string;
  session_id: string;
  host: string | null;
  created_at: number;
  expires_at: number;
};

/** What the verify endpoint needs, in one indexed lookup: the cookie, its Latchkey session and the user. */
export interface ForwardAuthIdentityRow {
  id: string;
  session_id: string;
  host: string | null;
  expires_at: number;
  session_expires_at: number;
  authenticated_at: number;
  amr: string;
  user_id: string;
  username: string;
  email: string | null;
  first_name: string;
  last_name: string;
  display_name: string;
  /** JSON array of group names. */
  groups: string;
}

export function insertForwardAuthSession(db: Database, row: ForwardAuthSessionRow): void {
  db.query(
    `INSERT INTO forward_auth_sessions (id, token_hash, session_id, host, created_at, expires_at)
     VALUES ($id, $token_hash, $session_id, $host, $created_at, $expires_at)`,
  ).run(row);
}

/** The live forward-auth session for a token hash (its Latchkey session live, the user enabled), or null. */
export function findForwardAuthIdentity(db: Database, tokenHash: string, now: number): ForwardAuthIdentityRow | null {
  return (
    db
      .query<ForwardAuthIdentityRow, [string, number, number]>(
        `SELECT f.id, f.session_id, f.host, f.expires_at, s.expires_at AS session_expires_at, s.authenticated_at, s.amr,
                u.id AS user_id, u.username, u.email, u.first_name, u.last_name, u.display_name,
                (SELECT json_group_array(g.name) FROM user_groups_users m JOIN user_groups g ON g.id = m.user_group_id
                  WHERE m.user_id = u.id) AS groups
         FROM forward_auth_sessions f
         JOIN sessions s ON s.id = f.session_id
         JOIN users u ON u.id = s.user_id
         WHERE f.token_hash = ? AND f.expires_at > ? AND s.expires_at > ? AND u.disabled = 0`,
      )
      .get(tokenHash, now, now) ?? null
  );
}

export function extendForwardAuthSession(db: Database, id: string, expiresAt: number): void {
  db.query("UPDATE forward_auth_sessions SET expires_at = ? WHERE id = ?").run(expiresAt, id);
}

export function countForwardAuthSessionsOfSession(db: Database, sessionId: string): number {
  return db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM forward_auth_sessions WHERE session_id = ?").get(sessionId)!.n;
}

export function deleteExpiredForwardAuthRows(db: Database, now: number): number {
  const a = db.query("DELETE FROM forward_auth_sessions WHERE expires_at <= ?").run(now).changes;
  const b = db.query("DELETE FROM forward_auth_codes WHERE expires_at <= ?").run(now).changes;
  return a + b;
}

export type ForwardAuthCodeRow = {
  code_hash: string;
  session_id: string;
  app_id: string;
  host: string;
  return_url: string;
  expires_at: number;
};

export function insertForwardAuthCode(db: Database, row: ForwardAuthCodeRow): void {
  db.query(
    `INSERT INTO forward_auth_codes (code_hash, session_id, app_id, host, return_url, expires_at)
     VALUES ($code_hash, $session_id, $app_id, $host, $return_url, $expires_at)`,
  ).run(row);
}

/**
 * Single use and expiry in one statement: the row is gone afterwards whether or not it was still live,
 * and an expired row is never returned. `codeHash` covers the code and the browser's state together.
 */
export function consumeForwardAuthCode(db: Database, codeHash: string, now: number): ForwardAuthCodeRow | null {
  const row = db.query<ForwardAuthCodeRow, [string]>("DELETE FROM forward_auth_codes WHERE code_hash = ? RETURNING *").get(codeHash) ?? null;
  return row && row.expires_at > now ? row : null;
}

/** The expiry of a live Latchkey session, or null. */
export function findLiveSessionExpiry(db: Database, sessionId: string, now: number): number | null {
  return db.query<{ expires_at: number }, [string, number]>("SELECT expires_at FROM sessions WHERE id = ? AND expires_at > ?").get(sessionId, now)?.expires_at ?? null;
}
