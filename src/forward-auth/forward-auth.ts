/**
 * Forward-auth decisions, framework-free. The HTTP layer turns the outcomes into proxy answers.
 * Rules, in the order the checks run:
 * - Each verify URL names one protected app (/api/forward-auth/verify/<app id>): the app comes from the
 *   proxy configuration, never from a header. An unknown id is refused (403).
 * - The original request (method, scheme, host, URI) comes from the proxy's headers, which the route
 *   believes only from TRUST_PROXY peers. A host the named app does not claim is refused (403).
 * - The handshake callback path (/.latchkey/callback on the app's own host) redeems a one-time code
 *   (60 s; bound to that app and host; deleted when redeemed) only together with the browser's state
 *   cookie: the code row is keyed by SHA-256(code "." SHA-256(state)), so a code without the cookie that
 *   started the sign-in finds no row. It then issues a host-only cookie there (and the route clears the
 *   state cookie, so a leaked hash of it is worthless afterwards).
 * - The path is read by patterns.ts (canonical path, fail closed). The apps governing it are the named app
 *   (when the path lies under its prefix) and the most specific app for host + path; none → public (200).
 * - A cookie names a forward-auth session row tied to the Latchkey session: signing out (deleting the
 *   session row) cascades. Lookup is one indexed query by SHA-256 of the token, no JWT per request.
 * - Host-only sessions only count on the host they were issued for; shared ones only inside
 *   FORWARD_AUTH_COOKIE_DOMAIN.
 * - No session, or one older than a governing app's re-authentication age → sign in (redirect or 401),
 *   with a state cookie set on the app's host first (reused while it lives, so parallel tabs agree).
 * - A governing app that is restricted and the person is in none of its groups → 403 (FORWARD_AUTH_DENIED).
 * - Otherwise 200 with the identity headers the named app asked for (FORWARD_AUTH_GRANTED, at most one
 *   row per session and app every GRANT_AUDIT_INTERVAL).
 * - The sign-in start accepts only a return URL on a host of the named app: never an open redirect,
 *   never another app's host.
 */
import type { Database } from "../db/database.ts";
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
  type ForwardAuthIdentity,
} from "../db/forward-auth-sessions.ts";
import { findProtectedAppById } from "../db/protected-apps.ts";
import { hashToken } from "../lib/hash.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { randomToken, randomUuid, type Random } from "../lib/random.ts";
import { claimsHost, governingApps, normaliseRequestHost, rawPathOf, splitAbsoluteUrl, validateReturnUrl, withoutDefaultPort } from "./patterns.ts";
import { isUserAllowedForProtectedApp, listProtectedApps, type IdentityHeader, type ProtectedApp } from "./protected-apps.ts";

export const CALLBACK_PATH = "/.latchkey/callback";
/** Handshake codes live this long (seconds). */
export const CODE_TTL = 60;
/** The state cookie set on the app host before the browser leaves for Latchkey lives this long (seconds). */
export const STATE_TTL = 10 * 60;
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

/**
 * Parses the proxy's description of the original request; null when it is not usable.
 * - `url` (nginx X-Original-URL): an absolute URL with a plain host[:port]; the raw path is kept as sent.
 * - otherwise X-Forwarded-Proto/Host/Uri: exactly one value each (a list means another hop was involved:
 *   ambiguous, refused), the URI in origin form ("/…").
 */
export function parseOriginalRequest(input: { method?: string | null; proto?: string | null; host?: string | null; uri?: string | null; url?: string | null }): OriginalRequest | null {
  const method = (input.method ?? "GET").trim().toUpperCase();
  if (!/^[A-Z]{1,16}$/.test(method)) return null;
  if (input.url !== undefined) {
    const u = splitAbsoluteUrl(input.url);
    return u ? { method, proto: u.proto, host: u.host, uri: u.uri } : null;
  }
  if (!input.proto || !input.host || !input.uri || [input.proto, input.host].some((v) => v.includes(","))) return null;
  const proto = input.proto.trim().toLowerCase();
  const host = normaliseRequestHost(input.host);
  const uri = input.uri;
  if ((proto !== "http" && proto !== "https") || !host || rawPathOf(uri) === null || /[\u0000-\u001f\u007f]/.test(uri)) return null;
  return { method, proto, host: withoutDefaultPort(proto, host), uri };
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
  /** No protected app guards this path (outside every prefix on the host): pass, without identity headers. */
  | { kind: "public"; app: ProtectedApp }
  | { kind: "sign_in"; app: ProtectedApp; reason: "no_session" | "reauthenticate" }
  | { kind: "forbidden"; app: ProtectedApp; identity: Identity }
  /** The verify URL names no protected app. */
  | { kind: "unknown_app" }
  /** The proxy describes a host the named app does not claim. */
  | { kind: "wrong_host"; app: ProtectedApp }
  /** The path holds something path readers disagree on, on a host where the path decides the app. */
  | { kind: "refused_path"; app: ProtectedApp };

function identityOf(found: ForwardAuthIdentity): Identity {
  return {
    userId: found.userId,
    sessionId: found.sessionId,
    username: found.username,
    email: found.email,
    name: found.displayName || [found.firstName, found.lastName].filter(Boolean).join(" ") || found.username,
    groups: found.groups,
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
  return isUserAllowedForProtectedApp(db, app, userId);
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

function findBoundApp(db: Database, appId: unknown): ProtectedApp | null {
  if (typeof appId !== "string" || appId.length > 64) return null;
  return findProtectedAppById(db, appId);
}

/** The verify decision for one proxied request. `tokens` are the forward-auth cookie values the browser sent. */
export function verifyForwardAuth(
  deps: ForwardAuthDeps,
  input: { appId: unknown; original: OriginalRequest; tokens: { hostOnly: string | null; shared: string | null }; cookieDomain: string | null; origin: AuditOrigin },
): VerifyOutcome {
  const { original } = input;
  const app = findBoundApp(deps.db, input.appId);
  if (!app) return { kind: "unknown_app" };
  if (!claimsHost(app, original.host)) return { kind: "wrong_host", app };
  const decision = governingApps(listProtectedApps(deps.db), app, original.host, original.uri);
  if (decision.kind === "refuse") return { kind: "refused_path", app };
  if (decision.apps.length === 0) return { kind: "public", app };

  const now = nowSeconds(deps.clock);
  let cookie: ForwardAuthIdentity | null = null;
  for (const token of [input.tokens.hostOnly, input.tokens.shared]) {
    if (!token || token.length > 200) continue;
    const found = findForwardAuthIdentity(deps.db, hashToken(token), now);
    if (!found) continue;
    // A host-only session counts only on its own host; a shared one only inside the cookie domain.
    if (found.host !== null ? found.host !== original.host : !isInsideCookieDomain(original.host, input.cookieDomain)) continue;
    cookie = found;
    break;
  }
  if (!cookie) return { kind: "sign_in", app, reason: "no_session" };
  const amr = cookie.amr;
  if (decision.apps.some((a) => reauthNeeded(a, cookie.authenticatedAt, amr, now))) return { kind: "sign_in", app, reason: "reauthenticate" };

  const identity = identityOf(cookie);
  const refusing = decision.apps.find((a) => !canUse(deps.db, a, identity.userId));
  if (refusing) {
    auditAccess(deps, false, refusing, identity, input.origin, original.host);
    return { kind: "forbidden", app: refusing, identity };
  }
  // Sliding idle expiry, written at most every few minutes, never past the Latchkey session.
  const wanted = Math.min(now + FORWARD_AUTH_IDLE, cookie.sessionExpiresAt);
  if (wanted - cookie.expiresAt >= 300) extendForwardAuthSession(deps.db, cookie.id, wanted);
  for (const a of decision.apps) auditAccess(deps, true, a, identity, input.origin, original.host);
  return { kind: "allow", app, identity, headers: identityHeaders(identity, app.passHeaders) };
}

/** The browser's sign-in state: the nonce for its cookie on the app host, and the hash that travels to Latchkey. */
export interface BrowserState {
  nonce: string;
  hash: string;
}

const NONCE_RE = /^[A-Za-z0-9_-]{43}$/;
export const STATE_HASH_RE = /^[0-9a-f]{64}$/;

/** The state to set before sending the browser to Latchkey: the one its cookie already holds, or a new one. */
export function browserState(deps: { random: Random }, cookieValue: string | null): BrowserState {
  const nonce = cookieValue && NONCE_RE.test(cookieValue) ? cookieValue : randomToken(deps.random);
  return { nonce, hash: hashToken(nonce) };
}

/** The key of a handshake code row: the code alone is not enough, the browser's state must come with it. */
function codeKey(code: string, stateHash: string): string {
  return hashToken(`${code}.${stateHash}`);
}

export type StartOutcome =
  | { kind: "invalid_return_url" }
  /** The handshake needs the hash of the state cookie the verify answer set; this link lacks it. */
  | { kind: "invalid_state" }
  | { kind: "sign_in"; reauthenticate: boolean }
  | { kind: "forbidden"; app: ProtectedApp }
  /** Same parent domain: set the shared cookie on Latchkey's response and go straight back. */
  | { kind: "shared_cookie"; token: string; location: string }
  /** Unrelated domain: hand a one-time code to the app's host. */
  | { kind: "handshake"; location: string };

/** /api/forward-auth/start/<app id>: the browser arrives here from a proxied app with ?rd=<the URL it wanted>&state=<hash>. */
export function startForwardAuth(
  deps: ForwardAuthDeps,
  input: { appId: unknown; rd: unknown; state: unknown; session: Session | null; cookieDomain: string | null; origin: AuditOrigin },
): StartOutcome {
  // Housekeeping where rows are created (as challenges do): expired cookies and codes go here.
  deleteExpiredForwardAuthRows(deps.db, nowSeconds(deps.clock));
  const app = findBoundApp(deps.db, input.appId);
  const target = app ? validateReturnUrl(input.rd, app, listProtectedApps(deps.db)) : null;
  if (!app || !target) return { kind: "invalid_return_url" };
  const handshake = !isInsideCookieDomain(target.url.host, input.cookieDomain);
  if (handshake && (typeof input.state !== "string" || !STATE_HASH_RE.test(input.state))) return { kind: "invalid_state" };
  const { session } = input;
  if (!session) return { kind: "sign_in", reauthenticate: false };
  const now = nowSeconds(deps.clock);
  if (target.apps.some((a) => reauthNeeded(a, session.authenticatedAt, session.amr, now))) return { kind: "sign_in", reauthenticate: true };
  const refusing = target.apps.find((a) => !canUse(deps.db, a, session.userId));
  if (refusing) {
    auditAccess(deps, false, refusing, { userId: session.userId, sessionId: session.id }, input.origin, target.url.host);
    return { kind: "forbidden", app: refusing };
  }
  if (!handshake) {
    const token = issueForwardAuthSession(deps, session.id, null, session.expiresAt);
    return { kind: "shared_cookie", token, location: target.url.href };
  }
  const code = randomToken(deps.random);
  insertForwardAuthCode(deps.db, {
    codeHash: codeKey(code, input.state as string),
    sessionId: session.id,
    appId: app.id,
    host: target.url.host,
    returnUrl: target.url.href,
    expiresAt: now + CODE_TTL,
  });
  return { kind: "handshake", location: `${target.url.proto}://${target.url.host}${CALLBACK_PATH}?code=${encodeURIComponent(code)}` };
}

function issueForwardAuthSession(deps: ForwardAuthDeps, sessionId: string, host: string | null, sessionExpiresAt: number): string {
  const now = nowSeconds(deps.clock);
  const token = randomToken(deps.random);
  insertForwardAuthSession(deps.db, {
    id: randomUuid(deps.random),
    tokenHash: hashToken(token),
    sessionId,
    host,
    createdAt: now,
    expiresAt: Math.min(now + FORWARD_AUTH_IDLE, sessionExpiresAt),
  });
  return token;
}

export type CallbackOutcome = { kind: "invalid_code" } | { kind: "session"; token: string; location: string; app: ProtectedApp };

/**
 * The handshake's second leg, on the app's own host: code + the browser's state cookie → host-only session.
 * A code presented without the state cookie of the browser that started the sign-in finds no row.
 */
export function completeForwardAuthHandshake(deps: ForwardAuthDeps, input: { appId: unknown; code: unknown; stateNonce: string | null; host: string }): CallbackOutcome {
  if (typeof input.code !== "string" || input.code.length === 0 || input.code.length > 200) return { kind: "invalid_code" };
  if (!input.stateNonce || !NONCE_RE.test(input.stateNonce)) return { kind: "invalid_code" };
  const now = nowSeconds(deps.clock);
  const handshake = consumeForwardAuthCode(deps.db, codeKey(input.code, hashToken(input.stateNonce)), now);
  // The code is single use even when it fails here (it was deleted above).
  if (!handshake || handshake.appId !== input.appId || handshake.host !== input.host) return { kind: "invalid_code" };
  const app = findProtectedAppById(deps.db, handshake.appId);
  const sessionExpiresAt = findLiveSessionExpiry(deps.db, handshake.sessionId, now);
  if (!app || sessionExpiresAt === null) return { kind: "invalid_code" };
  const token = issueForwardAuthSession(deps, handshake.sessionId, handshake.host, sessionExpiresAt);
  return { kind: "session", token, location: handshake.returnUrl, app };
}
