/**
 * Per-request facts that live outside Elysia's context: id, client IP, the session (looked up once),
 * cookies to add to the response. Keyed by the Request object, which Elysia passes through unchanged.
 */
import type { Actor, PersonActor } from "../audit/actor.ts";
import type { Deps } from "../deps.ts";
import type { ProtocolParams } from "../oidc/params.ts";
import { findSessionByToken, type Session } from "../account/sessions.ts";
import { randomToken } from "../lib/random.ts";
import { cookieName, readCookie, serializeCookie } from "./cookies.ts";

export interface RequestMeta {
  id: string;
  ip: string | null;
  /** True when the TCP peer is a TRUST_PROXY proxy (its X-Forwarded-* headers may be believed). */
  peerTrusted?: boolean;
  startedAt: number;
  session?: Session | null;
  setCookies: string[];
  anonCsrf?: string;
  /** For failure budgets (src/http/plugins/request-budgets.ts): a protocol endpoint's form, read only after a failure. */
  protocolParams?: ProtocolParams;
  /** For failure budgets: the credential id of a failed passkey sign-in, set only when that passkey exists. */
  failedCredentialId?: string;
  /** The OAuth error code this request was answered with, if any. */
  oauthErrorCode?: string;
}

const metas = new WeakMap<Request, RequestMeta>();

export function initRequestMeta(request: Request, meta: RequestMeta): RequestMeta {
  metas.set(request, meta);
  return meta;
}

export function requestMeta(request: Request): RequestMeta {
  let meta = metas.get(request);
  if (!meta) {
    meta = { id: "-", ip: null, startedAt: performance.now(), setCookies: [] };
    metas.set(request, meta);
  }
  return meta;
}

export const SESSION_COOKIE = "latchkey_session";
export const ANON_CSRF_COOKIE = "latchkey_csrf";

/** The signed-in session of this request, or null. Looked up at most once per request. */
export function currentSession(deps: Deps, request: Request): Session | null {
  const meta = requestMeta(request);
  if (meta.session === undefined) {
    const token = readCookie(request, cookieName(deps.config, SESSION_COOKIE));
    meta.session = token ? findSessionByToken(deps, token) : null;
  }
  return meta.session;
}

/** Queues a Set-Cookie header for this request's response. */
export function addResponseCookie(request: Request, cookie: string): void {
  requestMeta(request).setCookies.push(cookie);
}

/**
 * The CSRF token pages must embed: the session's own, or — before sign-in — a random value kept in a
 * SameSite=Strict cookie (double submit), created on first use.
 */
export function csrfTokenFor(deps: Deps, request: Request): string {
  const session = currentSession(deps, request);
  if (session) return session.csrfToken;
  const meta = requestMeta(request);
  if (meta.anonCsrf) return meta.anonCsrf;
  const name = cookieName(deps.config, ANON_CSRF_COOKIE);
  const existing = readCookie(request, name);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) {
    meta.anonCsrf = existing;
    return existing;
  }
  meta.anonCsrf = randomToken(deps.random);
  addResponseCookie(request, serializeCookie(deps.config, name, meta.anonCsrf, { sameSite: "Strict", maxAge: 60 * 60 * 24 }));
  return meta.anonCsrf;
}

/** The audit origin (client IP honouring TRUST_PROXY, user agent) of a request. */
export function auditOrigin(request: Request): { ip: string | null; userAgent: string | null } {
  return { ip: requestMeta(request).ip, userAgent: request.headers.get("user-agent") };
}

/** Who authenticated a request, as src/http/admin-auth.ts resolves it (a Principal), or just the browser session. */
export type Caller = Session | { userId: string; via: "session" | "api_key"; apiKeyId: string | null; isStatic: boolean };

/** The audit actor of a request made by `caller`: the one place the HTTP layer builds an Actor. */
export function actorOf(request: Request, caller: Session): PersonActor;
export function actorOf(request: Request, caller: Caller): Actor;
export function actorOf(request: Request, caller: Caller): Actor {
  const origin = auditOrigin(request);
  if ("via" in caller) {
    if (caller.isStatic) return { kind: "static_api_key", origin };
    if (caller.via === "api_key" && caller.apiKeyId) return { kind: "api_key", userId: caller.userId, apiKeyId: caller.apiKeyId, origin };
  }
  return { kind: "user", userId: caller.userId, origin };
}
