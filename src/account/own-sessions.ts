/**
 * A person's own browser sessions, for the account page: list them, end one, end all.
 * "Sign out everywhere" ends every session of the person (this one too) and, when asked, revokes all
 * of their API keys as well: a key is a bearer secret that a session (now possibly stolen) could have
 * minted, so "I lost a device" must be able to kill both. Audited here (SIGN_OUT everywhere, and
 * ADMIN_CHANGE api_key revoke_all for the keys).
 */
import type { Database } from "bun:sqlite";
import { revokeAllApiKeysOfUser, type ApiKeyDeps } from "../admin/api-keys.ts";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import { deleteSession, deleteSessionsOfUser, listSessionsOfUser } from "../db/sessions.ts";
import { AppError } from "../errors.ts";
import { deviceLabel } from "../audit/user-agent.ts";

export interface OwnSessionView {
  id: string;
  device: string;
  ip: string | null;
  createdAt: number;
  lastSeenAt: number;
  current: boolean;
}

export function listOwnSessions(db: Database, userId: string, currentSessionId: string, now: number): OwnSessionView[] {
  return listSessionsOfUser(db, userId, now).map((s) => ({
    id: s.id,
    device: deviceLabel(s.user_agent),
    ip: s.ip_address,
    createdAt: s.created_at,
    lastSeenAt: s.last_seen_at,
    current: s.id === currentSessionId,
  }));
}

/** Ends one of the user's own sessions; another user's session id is "not found". */
export function endOwnSession(db: Database, userId: string, sessionId: string, now: number): void {
  if (!listSessionsOfUser(db, userId, now).some((s) => s.id === sessionId)) throw AppError.notFound("This session has already ended.");
  deleteSession(db, sessionId);
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
