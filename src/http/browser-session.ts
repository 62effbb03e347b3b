/**
 * Signing a browser in and out, and the guards pages use.
 * - Session cookie: cookieName(config, SESSION_COOKIE), HttpOnly, SameSite=Lax, Path=/, `__Host-` +
 *   Secure only on https, Max-Age = sessionDuration minutes.
 * - `?redirect=` targets must be local paths that re-serialise to themselves (src/lib/local-path.ts).
 * - The ceremony cookie binds a WebAuthn challenge row to the browser that asked for it (60 s).
 * - Re-authentication: a fresh passkey assertion within the last 60 s (/reauthenticate?redirect=…).
 * - The re-authentication cookie carries the single-use token of src/account/reauthentication.ts
 *   (HttpOnly, SameSite=Strict, 3 minutes); it is cleared once the action it allowed has happened.
 */
import { REAUTHENTICATION_TOKEN_SECONDS } from "../account/reauthentication.ts";
import { isRecentlyAuthenticated, createSession, endSession, signOut, type Amr, type Session } from "../account/sessions.ts";
import { readAppConfig } from "../admin/app-config.ts";
import { safeLocalPath } from "../lib/local-path.ts";
import { CEREMONY_TIMEOUT_SECONDS } from "../webauthn/relying-party.ts";
import { clearCookie, cookieName, readCookie, serializeCookie } from "./cookies.ts";
import { actorOf, addResponseCookie, currentSession, requestMeta, SESSION_COOKIE } from "./request-context.ts";
import { isHtmx, navigate, redirectResponse } from "./responses.ts";
import type { WebDeps } from "./web-deps.ts";

export const CEREMONY_COOKIE = "latchkey_webauthn";
export const REAUTHENTICATION_COOKIE = "latchkey_reauthentication";

export function appConfigOf(web: WebDeps) {
  return readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv });
}

/** Creates a session for `userId`, queues its cookie, and makes it this request's session. */
export function startBrowserSession(web: WebDeps, request: Request, userId: string, amr: Amr[]): Session {
  return attachBrowserSession(web, request, createBrowserSession(web, request, userId, amr));
}

/** A new session in the database, ending this request's previous one: only writes, so it may run inside a batched transaction. */
export function createBrowserSession(web: WebDeps, request: Request, userId: string, amr: Amr[]): StartedSession {
  const previous = currentSession(web, request);
  if (previous) endSession(web.db, previous.id);
  const duration = appConfigOf(web).sessionDuration;
  const { token, session } = createSession(web, {
    userId,
    amr,
    durationMinutes: duration,
    ip: requestMeta(request).ip,
    userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null,
  });
  return { token, session, maxAgeSeconds: duration * 60 };
}

/** Gives the browser a created session (its cookie) once it is committed, and makes it this request's session. */
export function attachBrowserSession(web: WebDeps, request: Request, started: StartedSession): Session {
  addResponseCookie(request, serializeCookie(web.config, cookieName(web.config, SESSION_COOKIE), started.token, { maxAge: started.maxAgeSeconds, sameSite: "Lax" }));
  requestMeta(request).session = started.session;
  return started.session;
}

export interface StartedSession {
  token: string;
  session: Session;
  maxAgeSeconds: number;
}

/** Signs this request's session out (if any; audited as SIGN_OUT) and clears the cookie. */
export function endBrowserSession(web: WebDeps, request: Request): Session | null {
  const session = currentSession(web, request);
  if (session) signOut(web, actorOf(request, session), session.id);
  forgetBrowserSession(web, request);
  return session;
}

/** Clears the session cookie of a session that has already ended (sign out everywhere). */
export function forgetBrowserSession(web: WebDeps, request: Request): void {
  addResponseCookie(request, clearCookie(web.config, cookieName(web.config, SESSION_COOKIE)));
  requestMeta(request).session = null;
}

/** A local path to continue to after sign-in, or null (src/lib/local-path.ts has the rules). */
export const safeRedirectPath = safeLocalPath;

/** Where a signed-in person goes by default (the homePageUrl setting, if local). */
export function homePath(web: WebDeps): string {
  return safeRedirectPath(appConfigOf(web).homePageUrl) ?? "/settings/account";
}

export function currentPathAndQuery(request: Request): string {
  const url = new URL(request.url);
  return url.pathname + url.search;
}

export function loginUrl(redirect: string | null): string {
  return redirect ? `/login?redirect=${encodeURIComponent(redirect)}` : "/login";
}

/** For pages: the session, or a redirect to /login that comes back here afterwards. */
export function sessionOrLogin(web: WebDeps, request: Request): Session | Response {
  const session = currentSession(web, request);
  if (session) return session;
  const target = request.method === "GET" ? currentPathAndQuery(request) : null;
  return isHtmx(request) ? navigate(request, loginUrl(target)) : redirectResponse(loginUrl(target));
}

export function reauthenticationUrl(redirect: string): string {
  return `/reauthenticate?redirect=${encodeURIComponent(redirect)}`;
}

/**
 * Demands a fresh passkey assertion (within `maxAgeSeconds`, default 60) before a sensitive action.
 * Returns null when the session qualifies, else a response sending the person to /login or
 * /reauthenticate, which come back to `redirect` (default: this GET request's URL).
 */
export function requireRecentAuthentication(
  web: WebDeps,
  request: Request,
  opts: { maxAgeSeconds?: number; redirect?: string } = {},
): Response | null {
  const session = currentSession(web, request);
  const back = safeRedirectPath(opts.redirect) ?? (request.method === "GET" ? currentPathAndQuery(request) : homePath(web));
  if (!session) return navigate(request, loginUrl(back));
  if (isRecentlyAuthenticated(session, web.clock, opts.maxAgeSeconds ?? 60)) return null;
  return navigate(request, reauthenticationUrl(back));
}

/** Binds a challenge row to this browser. */
export function setCeremonyCookie(web: WebDeps, request: Request, challengeId: string): void {
  addResponseCookie(
    request,
    serializeCookie(web.config, cookieName(web.config, CEREMONY_COOKIE), challengeId, { maxAge: CEREMONY_TIMEOUT_SECONDS, sameSite: "Strict" }),
  );
}

/** The challenge row id this browser holds (the cookie is cleared in the same response). */
export function takeCeremonyCookie(web: WebDeps, request: Request): string | null {
  const name = cookieName(web.config, CEREMONY_COOKIE);
  const value = readCookie(request, name);
  if (value) addResponseCookie(request, clearCookie(web.config, name));
  return value && /^[0-9a-f-]{36}$/.test(value) ? value : null;
}

/** Hands this browser the single-use re-authentication token. */
export function setReauthenticationCookie(web: WebDeps, request: Request, token: string): void {
  addResponseCookie(
    request,
    serializeCookie(web.config, cookieName(web.config, REAUTHENTICATION_COOKIE), token, { maxAge: REAUTHENTICATION_TOKEN_SECONDS, sameSite: "Strict" }),
  );
}

/** The re-authentication token this browser sent, if any (left in place: see clearReauthenticationCookie). */
export function readReauthenticationCookie(web: WebDeps, request: Request): string | null {
  const value = readCookie(request, cookieName(web.config, REAUTHENTICATION_COOKIE));
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
}

/** Drops the token once it was used (or refused), so the browser does not keep sending a dead value. */
export function clearReauthenticationCookie(web: WebDeps, request: Request): void {
  const name = cookieName(web.config, REAUTHENTICATION_COOKIE);
  if (readCookie(request, name) !== null) addResponseCookie(request, serializeCookie(web.config, name, "", { maxAge: 0, sameSite: "Strict" }));
}
