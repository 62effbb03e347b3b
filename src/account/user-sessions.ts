/**
 * A person's browser sessions, for the account page (their own) and the admin (anyone's): list them,
 * end one, end all. The session lifecycle itself (create, look up, touch) is src/account/sessions.ts.
 * - Lists show live sessions only, most recently seen first, with a device label from the user agent.
 * - A session is ended only together with its owner: another user's session id is "not found".
 * - "Sign out everywhere" ends every session of the person (this one too) and, when asked, revokes all
 *   of their API keys as well: a key is a bearer secret that a session (now possibly stolen) could have
 *   minted, so "I lost a device" must be able to kill both.
 * - Audited here, in the change's transaction: SESSION_REVOKED (the person ends another of their
 *   sessions), SIGN_OUT everywhere (+ ADMIN_CHANGE api_key revoke_all for the keys), ADMIN_CHANGE session
 *   revoke / revoke_all (an administrator).
 */
import { msg } from "../i18n/message.ts";
import type { Database } from "../db/database.ts";
import { revokeAllApiKeysOfUser, type ApiKeyDeps } from "../admin/api-keys.ts";
import { auditedChange, type Actor, type AuditDeps, type PersonActor } from "../audit/actor.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import { deviceLabel, parseUserAgent } from "../audit/user-agent.ts";
import { deleteSession, deleteSessionOfUser, deleteSessionsOfUser, listSessionsOfUser } from "../db/sessions.ts";
import { AppError } from "../errors.ts";
import { nowSeconds } from "../lib/clock.ts";
import { endAllSessionsOfUser } from "./sessions.ts";

export interface SessionView {
  id: string;
  /** "Firefox on Windows": see src/audit/user-agent.ts. */
  device: string;
  /** The same in parts ("Firefox", "Windows"), for pages that put them into a sentence of their language; null when unknown. */
  browser: string | null;
  os: string | null;
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
    device: deviceLabel(s.userAgent),
    ...deviceParts(s.userAgent),
    ip: s.ipAddress,
    userAgent: s.userAgent,
    amr: s.amr,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    current: s.id === currentSessionId,
  }));
}

/** The person ends another of their live sessions; another user's (or an expired) session id is "not found". */
export function endOwnSession(deps: AuditDeps, actor: PersonActor, sessionId: string): void {
  const userId = actor.userId;
  deps.db.transaction(() => {
    if (!listSessionsOfUser(deps.db, userId, nowSeconds(deps.clock)).some((s) => s.id === sessionId)) throw AppError.notFound(msg("account.sessionEnded"));
    deleteSession(deps.db, sessionId);
    recordAuditEvent(deps, "SESSION_REVOKED", { userId, origin: actor.origin, data: { sessionId } });
  }).immediate();
}

/** An administrator ends one session of `userId`. */
export function revokeSessionOfUser(deps: AuditDeps, actor: Actor, userId: string, sessionId: string): void {
  auditedChange(
    deps,
    actor,
    () => {
      if (!deleteSessionOfUser(deps.db, userId, sessionId)) throw AppError.notFound(msg("account.sessionNotFound"));
    },
    () => ({ entity: "session", action: "revoke", id: sessionId, changes: { userId } }),
  );
}

/** An administrator ends every session of `userId`; returns how many there were. */
export function revokeAllSessionsOfUser(deps: AuditDeps, actor: Actor, userId: string): number {
  return auditedChange(deps, actor, () => endAllSessionsOfUser(deps.db, userId), (count) => ({ entity: "session", action: "revoke_all", id: userId, changes: { count } }));
}

/** The person ends every session of theirs and, with `revokeApiKeys`, deletes all of their API keys. */
export function signOutEverywhere(deps: ApiKeyDeps, actor: PersonActor, opts: { revokeApiKeys: boolean }): { sessions: number; apiKeys: number } {
  const userId = actor.userId;
  return deps.db.transaction(() => {
    const sessions = deleteSessionsOfUser(deps.db, userId);
    const apiKeys = opts.revokeApiKeys ? revokeAllApiKeysOfUser(deps, actor) : 0;
    recordAuditEvent(deps, "SIGN_OUT", { userId, origin: actor.origin, data: { everywhere: true, sessions, ...(opts.revokeApiKeys ? { apiKeysRevoked: apiKeys } : {}) } });
    return { sessions, apiKeys };
  }).immediate();
}

function deviceParts(userAgent: string | null): { browser: string | null; os: string | null } {
  const ua = parseUserAgent(userAgent);
  return { browser: ua.browser?.name ?? null, os: ua.os?.name ?? null };
}
