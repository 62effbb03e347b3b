/**
 * Forward-auth cookies (bound to a Latchkey session) and one-time handshake codes: SQL and the mapping between
 * rows and typed values (issue 21 step 1: nothing above src/db/ sees a row). Times are numbers (seconds, as stored).
 */
import type { Database } from "./database.ts";

export interface ForwardAuthSession {
  id: string;
  tokenHash: string;
  sessionId: string;
  /** The app host a host-only cookie is bound to; null for the shared (cookie domain) one. */
  host: string | null;
  createdAt: number;
  expiresAt: number;
}

/** What the verify endpoint needs, in one indexed lookup: the cookie, its Latchkey session and the user. */
export interface ForwardAuthIdentity {
  id: string;
  sessionId: string;
  host: string | null;
  expiresAt: number;
  sessionExpiresAt: number;
  authenticatedAt: number;
  amr: string[];
  userId: string;
  username: string;
  email: string | null;
  firstName: string;
  lastName: string;
  displayName: string;
  /** The user's group names, sorted. */
  groups: string[];
}

interface ForwardAuthIdentityRow {
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

export function insertForwardAuthSession(db: Database, session: ForwardAuthSession): void {
  db.query(
    `INSERT INTO forward_auth_sessions (id, token_hash, session_id, host, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(session.id, session.tokenHash, session.sessionId, session.host, session.createdAt, session.expiresAt);
}

/**
 * The identity of a row. amr and groups are parsed on first read, as before: a cookie for another host is
 * skipped without either, and a re-authentication answer needs no groups.
 */
function toIdentity(row: ForwardAuthIdentityRow): ForwardAuthIdentity {
  let amr: string[] | null = null;
  let groups: string[] | null = null;
  return {
    id: row.id,
    sessionId: row.session_id,
    host: row.host,
    expiresAt: row.expires_at,
    sessionExpiresAt: row.session_expires_at,
    authenticatedAt: row.authenticated_at,
    get amr(): string[] {
      return (amr ??= JSON.parse(row.amr) as string[]);
    },
    userId: row.user_id,
    username: row.username,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    get groups(): string[] {
      return (groups ??= (JSON.parse(row.groups) as (string | null)[]).filter((g): g is string => !!g).sort());
    },
  };
}

/** The live forward-auth session for a token hash (its Latchkey session live, the user enabled), or null. */
export function findForwardAuthIdentity(db: Database, tokenHash: string, now: number): ForwardAuthIdentity | null {
  const row =
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
      .get(tokenHash, now, now);
  return row ? toIdentity(row) : null;
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

/** A one-time handshake code: where to send the browser back, for which app and host, from which session. */
export interface ForwardAuthCode {
  codeHash: string;
  sessionId: string;
  appId: string;
  host: string;
  returnUrl: string;
  expiresAt: number;
}

type ForwardAuthCodeRow = {
  code_hash: string;
  session_id: string;
  app_id: string;
  host: string;
  return_url: string;
  expires_at: number;
};

export function insertForwardAuthCode(db: Database, code: ForwardAuthCode): void {
  db.query(
    `INSERT INTO forward_auth_codes (code_hash, session_id, app_id, host, return_url, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(code.codeHash, code.sessionId, code.appId, code.host, code.returnUrl, code.expiresAt);
}

/**
 * Single use and expiry in one statement: the row is gone afterwards whether or not it was still live,
 * and an expired row is never returned. `codeHash` covers the code and the browser's state together.
 */
export function consumeForwardAuthCode(db: Database, codeHash: string, now: number): ForwardAuthCode | null {
  const row = db.query<ForwardAuthCodeRow, [string]>("DELETE FROM forward_auth_codes WHERE code_hash = ? RETURNING *").get(codeHash);
  if (!row || row.expires_at <= now) return null;
  return { codeHash: row.code_hash, sessionId: row.session_id, appId: row.app_id, host: row.host, returnUrl: row.return_url, expiresAt: row.expires_at };
}

/** The expiry of a live Latchkey session, or null. */
export function findLiveSessionExpiry(db: Database, sessionId: string, now: number): number | null {
  return db.query<{ expires_at: number }, [string, number]>("SELECT expires_at FROM sessions WHERE id = ? AND expires_at > ?").get(sessionId, now)?.expires_at ?? null;
}
