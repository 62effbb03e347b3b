/**
 * Forward-auth decisions, framework-free. The HTTP layer turns the outcomes into proxy answers.
 * Rules, in the order the checks run:
 * - The original request (method, scheme, host, URI) comes from the proxy; the route believes the
 *   proxy's headers only from TRUST_PROXY peers. A host no protected app claims is refused (403).
 * - The handshake callback path (/.latchkey/callback on the app's own host) consumes a one-time code
 *   (single use: DELETE … RETURNING; 60 s; bound to that host) and issues a host-only cookie there.
 * - A cookie names a forward-auth session row tied to the Latchkey session: signing out (deleting the
 *   session row) cascades. Lookup is one indexed query by SHA-256 of the token, no JWT per request.
 * - Host-only sessions only count on the host they were issued for; shared ones only inside
 *   FORWARD_AUTH_COOKIE_DOMAIN.
 * - No session, or one older than the app's re-authentication age → sign in (redirect or 401).
 * - Restricted app and the person is in none of its groups → 403 (FORWARD_AUTH_DENIED).
 * - Otherwise 200 with the identity headers the app asked for (FORWARD_AUTH_GRANTED, at most one
 *   row per session and app every GRANT_AUDIT_INTERVAL).
 * - The sign-in start validates the return URL against the protected apps: no open redirect.
 */
import type { Database } from "bun:sqlite";
import type { AuditOrigin } from "../audit/audit-log.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import type { Session } from "../account/sessions.ts";
import {
  consumeForwardAuthCode,
  deleteExpiredForwardAuthRows,
  extendForwardAuthSession,
  findForwardAuthIdentity,
  findLiveSessionExpiry,
  insertForwardAuthCode,
  insertForwardAuthSession,
  type ForwardAuthIdentityRow,
} from "../db/forward-auth-sessions.ts";
import { findProtectedAppById, isUserInAllowedGroupOfApp } from "../db/protected-apps.ts";
import { hashToken } from "../lib/hash.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { randomToken, randomUuid, type Random } from "../lib/random.ts";
import { findAppFor, normaliseRequestHost, pathOfUri, validateReturnUrl } from "./patterns.ts";
import { listProtectedApps, toProtectedApp, type IdentityHeader, type ProtectedApp } from "./protected-apps.ts";

export const CALLBACK_PATH = "/.latchkey/callback";
/** Handshake codes live this long (seconds). */
export const CODE_TTL = 60;
/** A forward-auth session idles out after this long (seconds); each use within it slides it forward. */
export const FORWARD_AUTH_IDLE = 60 * 60;
/** At most one FORWARD_AUTH_GRANTED row per session and app in this many seconds. */
export const GRANT_AUDIT_INTERVAL = 15 * 60;
const DENY_AUDIT_INTERVAL = 60;

export interface ForwardAuthDeps {
  db: Database;
  clock: Clock;
  random: Random;
}

export interface OriginalRequest {
  method: string;
  proto: "http" | "https";
  /** Lowercase "host[:port]". */
  host: string;
  /** Path and query as the browser asked for them. */
  uri: string;
}

export function originalUrl(o: OriginalRequest): string {
  return `${o.proto}://${o.host}${o.uri}`;
}

/** Parses the proxy's description of the original request; null when it is not usable. */
export function parseOriginalRequest(input: { method?: string | null; proto?: string | null; host?: string | null; uri?: string | null; url?: string | null }): OriginalRequest | null {
  const method = (input.method ?? "GET").trim().toUpperCase();
  if (!/^[A-Z]{1,16}$/.test(method)) return null;
  if (input.url) {
    if (/[\s\u0000-\u001f\u007f\\]/.test(input.url)) return null;
    let u: URL;
    try {
      u = new URL(input.url);
    } catch {
      return null;
    }
    if ((u.protocol !== "http:" && u.protocol !== "https:") || u.username || u.password) return null;
    const host = normaliseRequestHost(u.host);
    return host ? { method, proto: u.protocol === "https:" ? "https" : "http", host, uri: u.pathname + u.search } : null;
  }
  const proto = (input.proto ?? "").split(",")[0]!.trim().toLowerCase();
  const host = normaliseRequestHost(input.host);
  const uri = input.uri ?? "/";
  if ((proto !== "http" && proto !== "https") || !host || pathOfUri(uri) === null) return null;
  return { method, proto, host, uri };
}

export interface Identity {
  userId: string;
  sessionId: string;
  username: string;
  email: string | null;
  name: string;
  groups: string[];
}

export type VerifyOutcome =
  | { kind: "allow"; app: ProtectedApp; identity: Identity; headers: Record<string, string> }
  | { kind: "sign_in"; app: ProtectedApp; reason: "no_session" | "reauthenticate" }
  | { kind: "forbidden"; app: ProtectedApp; identity: Identity }
  | { kind: "unknown_app" };

function identityOf(row: ForwardAuthIdentityRow): Identity {
  return {
    userId: row.user_id,
    sessionId: row.session_id,
    username: row.username,
    email: row.email,
    name: row.display_name || [row.first_name, row.last_name].filter(Boolean).join(" ") || row.username,
    groups: (JSON.parse(row.groups) as (string | null)[]).filter((g): g is string => !!g).sort(),
  };
}

/** Header values are bytes: non-ASCII text is percent-encoded (UTF-8), control characters never pass. */
function headerValue(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v);
}

export function identityHeaders(identity: Identity, pass: IdentityHeader[]): Record<string, string> {
  const all: Record<IdentityHeader, string> = {
    "Remote-User": identity.username,
    "Remote-Groups": identity.groups.join(","),
    "Remote-Email": identity.email ?? "",
    "Remote-Name": identity.name,
  };
  const out: Record<string, string> = {};
  for (const h of pass) out[h] = headerValue(all[h]);
  return out;
}

export function isInsideCookieDomain(host: string, domain: string | null): boolean {
  if (!domain) return false;
  const name = host.split(":")[0]!;
  return name === domain || name.endsWith(`.${domain}`);
}

function reauthNeeded(app: ProtectedApp, authenticatedAt: number, amr: string[], now: number): boolean {
  if (app.reauthMaxAgeMinutes === null) return false;
  return !amr.includes("phr") || now - authenticatedAt > app.reauthMaxAgeMinutes * 60;
}

function canUse(db: Database, app: ProtectedApp, userId: string): boolean {
  return !app.isGroupRestricted || isUserInAllowedGroupOfApp(db, app.id, userId);
}

// In-memory audit throttle per database handle (like the rate limiter): proxied asset requests must not each write a row.
const auditMemory = new WeakMap<Database, Map<string, number>>();
function shouldAudit(db: Database, key: string, now: number, interval: number): boolean {
  let m = auditMemory.get(db);
  if (!m) auditMemory.set(db, (m = new Map()));
  const last = m.get(key);
  if (last !== undefined && now - last < interval) return false;
  if (m.size > 10_000) for (const [k, t] of m) if (now - t >= GRANT_AUDIT_INTERVAL) m.delete(k);
  m.set(key, now);
  return true;
}

function auditAccess(deps: ForwardAuthDeps, granted: boolean, app: ProtectedApp, identity: { userId: string; sessionId: string }, origin: AuditOrigin, host: string): void {
  const now = nowSeconds(deps.clock);
  const key = `${granted ? "g" : "d"}:${identity.sessionId}:${app.id}`;
  if (!shouldAudit(deps.db, key, now, granted ? GRANT_AUDIT_INTERVAL : DENY_AUDIT_INTERVAL)) return;
  recordAuditEvent(deps, granted ? "FORWARD_AUTH_GRANTED" : "FORWARD_AUTH_DENIED", {
    userId: identity.userId,
    origin,
    data: { appId: app.id, appName: app.name, host },
  });
}

/** The verify decision for one proxied request. `tokens` are the forward-auth cookie values the browser sent. */
export function verifyForwardAuth(
  deps: ForwardAuthDeps,
  input: { original: OriginalRequest; tokens: { hostOnly: string | null; shared: string | null }; cookieDomain: string | null; origin: AuditOrigin },
): VerifyOutcome {
  const { original } = input;
  const path = pathOfUri(original.uri);
  const app = path === null ? null : findAppFor(listProtectedApps(deps.db), original.host, path);
  if (!app) return { kind: "unknown_app" };

  const now = nowSeconds(deps.clock);
  let row: ForwardAuthIdentityRow | null = null;
  for (const token of [input.tokens.hostOnly, input.tokens.shared]) {
    if (!token || token.length > 200) continue;
    const found = findForwardAuthIdentity(deps.db, hashToken(token), now);
    if (!found) continue;
    // A host-only session counts only on its own host; a shared one only inside the cookie domain.
    if (found.host !== null ? found.host !== original.host : !isInsideCookieDomain(original.host, input.cookieDomain)) continue;
    row = found;
    break;
  }
  if (!row) return { kind: "sign_in", app, reason: "no_session" };
  if (reauthNeeded(app, row.authenticated_at, JSON.parse(row.amr) as string[], now)) return { kind: "sign_in", app, reason: "reauthenticate" };

  const identity = identityOf(row);
  if (!canUse(deps.db, app, identity.userId)) {
    auditAccess(deps, false, app, identity, input.origin, original.host);
    return { kind: "forbidden", app, identity };
  }
  // Sliding idle expiry, written at most every few minutes, never past the Latchkey session.
  const wanted = Math.min(now + FORWARD_AUTH_IDLE, row.session_expires_at);
  if (wanted - row.expires_at >= 300) extendForwardAuthSession(deps.db, row.id, wanted);
  auditAccess(deps, true, app, identity, input.origin, original.host);
  return { kind: "allow", app, identity, headers: identityHeaders(identity, app.passHeaders) };
}

export type StartOutcome =
  | { kind: "invalid_return_url" }
  | { kind: "sign_in"; reauthenticate: boolean }
  | { kind: "forbidden"; app: ProtectedApp }
  /** Same parent domain: set the shared cookie on Latchkey's response and go straight back. */
  | { kind: "shared_cookie"; token: string; location: string }
  /** Unrelated domain: hand a one-time code to the app's host. */
  | { kind: "handshake"; location: string };

/** /api/forward-auth/start: the browser arrives here from a proxied app with ?rd=<the URL it wanted>. */
export function startForwardAuth(
  deps: ForwardAuthDeps,
  input: { rd: unknown; session: Session | null; cookieDomain: string | null; origin: AuditOrigin },
): StartOutcome {
  // Housekeeping where rows are created (as challenges do): expired cookies and codes go here.
  deleteExpiredForwardAuthRows(deps.db, nowSeconds(deps.clock));
  const target = validateReturnUrl(input.rd, listProtectedApps(deps.db));
  if (!target) return { kind: "invalid_return_url" };
  const { session } = input;
  if (!session) return { kind: "sign_in", reauthenticate: false };
  const now = nowSeconds(deps.clock);
  if (reauthNeeded(target.app, session.authenticatedAt, session.amr, now)) return { kind: "sign_in", reauthenticate: true };
  if (!canUse(deps.db, target.app, session.userId)) {
    auditAccess(deps, false, target.app, { userId: session.userId, sessionId: session.id }, input.origin, target.host);
    return { kind: "forbidden", app: target.app };
  }
  if (isInsideCookieDomain(target.host, input.cookieDomain)) {
    const token = issueForwardAuthSession(deps, session.id, null, session.expiresAt);
    return { kind: "shared_cookie", token, location: target.url.href };
  }
  const code = randomToken(deps.random);
  insertForwardAuthCode(deps.db, {
    code_hash: hashToken(code),
    session_id: session.id,
    app_id: target.app.id,
    host: target.host,
    return_url: target.url.href,
    expires_at: now + CODE_TTL,
  });
  return { kind: "handshake", location: `${target.url.protocol}//${target.url.host}${CALLBACK_PATH}?code=${encodeURIComponent(code)}` };
}

function issueForwardAuthSession(deps: ForwardAuthDeps, sessionId: string, host: string | null, sessionExpiresAt: number): string {
  const now = nowSeconds(deps.clock);
  const token = randomToken(deps.random);
  insertForwardAuthSession(deps.db, {
    id: randomUuid(deps.random),
    token_hash: hashToken(token),
    session_id: sessionId,
    host,
    created_at: now,
    expires_at: Math.min(now + FORWARD_AUTH_IDLE, sessionExpiresAt),
  });
  return token;
}

export type CallbackOutcome = { kind: "invalid_code" } | { kind: "session"; token: string; location: string; app: ProtectedApp };

/** The handshake's second leg, on the app's own host: code → host-only forward-auth session. */
export function completeForwardAuthHandshake(deps: ForwardAuthDeps, input: { code: unknown; host: string }): CallbackOutcome {
  if (typeof input.code !== "string" || input.code.length === 0 || input.code.length > 200) return { kind: "invalid_code" };
  const row = consumeForwardAuthCode(deps.db, hashToken(input.code));
  const now = nowSeconds(deps.clock);
  // The code is single use even when it fails here (it was deleted above).
  if (!row || row.expires_at <= now || row.host !== input.host) return { kind: "invalid_code" };
  const appRow = findProtectedAppById(deps.db, row.app_id);
  const sessionExpiresAt = findLiveSessionExpiry(deps.db, row.session_id, now);
  if (!appRow || sessionExpiresAt === null) return { kind: "invalid_code" };
  const token = issueForwardAuthSession(deps, row.session_id, row.host, sessionExpiresAt);
  return { kind: "session", token, location: row.return_url, app: toProtectedApp(appRow) };
}
