/**
 * A person's browser sessions, for the account page (their own) and the admin (anyone's): list them,
 * end one, end all. The session lifecycle itself (create, look up, touch) is src/account/sessions.ts.
 * - Lists show live sessions only, most recently seen first, with a device label from the user agent.
 * - A session is ended only together with its owner: another user's session id is "not found".
 * - "Sign out everywhere" ends every session of the person (this one too) and, when asked, revokes all
 *   of their API keys as well: a key is a bearer secret that a session (now possibly stolen) could have
 *   minted, so "I lost a device" must be able to kill both. Audited here (SIGN_OUT everywhere, and
 *   ADMIN_CHANGE api_key revoke_all for the keys).
 */
import type { Database } from "bun:sqlite";
import { revokeAllApiKeysOfUser, type ApiKeyDeps } from "../admin/api-keys.ts";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import { deviceLabel } from "../audit/user-agent.ts";
import { deleteSession, deleteSessionOfUser, deleteSessionsOfUser, listSessionsOfUser } from "../db/sessions.ts";
import { AppError } from "../errors.ts";

export interface SessionView {
  id: string;
  /** "Firefox on Windows": see src/audit/user-agent.ts. */
  device: string;
  ip: string | null;
  userAgent: string | null;
  amr: string[];
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  /** The session of the request that asks. */
  current: boolean;
}

/** The user's live sessions, most recently seen first; `currentSessionId` marks the asking one. */
export function listSessions(db: Database, userId: string, now: number, currentSessionId: string | null = null): SessionView[] {
  return listSessionsOfUser(db, userId, now).map((s) => ({
    id: s.id,
    device: deviceLabel(s.user_agent),
    ip: s.ip_address,
    userAgent: s.user_agent,
    amr: JSON.parse(s.amr) as string[],
    createdAt: s.created_at,
    lastSeenAt: s.last_seen_at,
    expiresAt: s.expires_at,
    current: s.id === currentSessionId,
  }));
}

/** Ends one of the user's own live sessions; another user's (or an expired) session id is "not found". */
export function endOwnSession(db: Database, userId: string, sessionId: string, now: number): void {
  if (!listSessionsOfUser(db, userId, now).some((s) => s.id === sessionId)) throw AppError.notFound("This session has already ended.");
  deleteSession(db, sessionId);
}

/** An administrator ends one session of `userId`. */
export function revokeSessionOfUser(db: Database, userId: string, sessionId: string): void {
  if (!deleteSessionOfUser(db, userId, sessionId)) throw AppError.notFound("No such session.");
}

/** Ends every session of the user and, with `revokeApiKeys`, deletes all of their API keys. */
export function signOutEverywhere(deps: ApiKeyDeps, userId: string, opts: { revokeApiKeys: boolean; origin?: AuditOrigin }): { sessions: number; apiKeys: number } {
  const { sessions, apiKeys } = deps.db.transaction(() => ({
    sessions: deleteSessionsOfUser(deps.db, userId).length,
    apiKeys: opts.revokeApiKeys ? revokeAllApiKeysOfUser(deps, userId, opts.origin) : 0,
  })).immediate();
  recordAuditEvent(deps, "SIGN_OUT", { userId, origin: opts.origin, data: { everywhere: true, sessions, ...(opts.revokeApiKeys ? { apiKeysRevoked: apiKeys } : {}) } });
  return { sessions, apiKeys };
}
