/**
 * Who is calling an admin page or the REST API, and may they? (Routes declare which check guards them:
 * src/http/plugins/route-policy.ts.)
 * - X-API-Key (when allowed on the route) wins; otherwise the session cookie. CSRF for cookie
 *   requests is already enforced by the request pipeline; key requests without cookies are exempt there.
 * - No credentials → 401; credentials of a non-admin on an admin route → 403.
 * - Admin pages redirect anonymous browsers to /login instead of answering 401.
 * - Changes are audited by the domain functions they call, with the request's actor (actorOf in
 *   src/http/request-context.ts builds it from the Principal).
 */
import type { Session } from "../account/sessions.ts";
import { authenticateApiKey, type ApiKeyPrincipal } from "../admin/api-keys.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { currentSession } from "./request-context.ts";
import { redirectResponse } from "./responses.ts";
import type { WebDeps } from "./web-deps.ts";

export interface Principal {
  userId: string;
  isAdmin: boolean;
  via: "session" | "api_key";
  session: Session | null;
  apiKeyId: string | null;
  /** The STATIC_API_KEY principal has no users row. */
  isStatic: boolean;
}

/** One lookup per request: the rate limiter (src/http/plugins/request-budgets.ts) and the route share it. */
const apiKeyResults = new WeakMap<Request, ApiKeyPrincipal | AppError>();

function apiKeyResult(web: WebDeps, request: Request, key: string): ApiKeyPrincipal | AppError {
  let result = apiKeyResults.get(request);
  if (!result) {
    try {
      result = authenticateApiKey(web, key, web.config.staticApiKey);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      result = error;
    }
    apiKeyResults.set(request, result);
  }
  return result;
}

/** The principal of this request's X-API-Key when it authenticates, else null (no key, unknown, expired). */
export function apiKeyPrincipalOf(web: WebDeps, request: Request): ApiKeyPrincipal | null {
  const key = request.headers.get("x-api-key");
  if (key === null) return null;
  const result = apiKeyResult(web, request, key);
  return result instanceof AppError ? null : result;
}

export function authenticateApiRequest(web: WebDeps, request: Request, opts: { allowApiKey?: boolean } = {}): Principal {
  const key = request.headers.get("x-api-key");
  if (key !== null) {
    if (opts.allowApiKey === false) throw AppError.forbidden(msg("common.errorApiKeyNotAllowed"));
    const p = apiKeyResult(web, request, key);
    if (p instanceof AppError) throw p;
    return { userId: p.userId, isAdmin: p.isAdmin, via: "api_key", session: null, apiKeyId: p.apiKeyId, isStatic: p.isStatic };
  }
  const session = currentSession(web, request);
  if (!session) throw AppError.unauthenticated(msg("common.errorSignInOrApiKey"));
  return { userId: session.userId, isAdmin: session.isAdmin, via: "session", session, apiKeyId: null, isStatic: false };
}

export function requireAdminApi(web: WebDeps, request: Request, opts: { allowApiKey?: boolean } = {}): Principal {
  const p = authenticateApiRequest(web, request, opts);
  if (!p.isAdmin) throw AppError.forbidden(msg("common.errorAdminOnly"));
  return p;
}

/** For admin pages: the admin's session, or a redirect to sign in (403 for signed-in non-admins). */
export function requireAdminPage(web: WebDeps, request: Request): Session | Response {
  const session = currentSession(web, request);
  if (!session) {
    const url = new URL(request.url);
    return redirectResponse(`/login?redirect=${encodeURIComponent(url.pathname + url.search)}`);
  }
  if (!session.isAdmin) throw AppError.forbidden(msg("common.errorAdminPage"));
  return session;
}

/** The JSON API answers validation failures with 400 and field messages (Pocket ID compatible). */
export function asApiError(error: unknown): unknown {
  if (error instanceof AppError && error.code === "validation_failed") return new AppError("bad_request", error.text, error.fields);
  return error;
}

/** Runs `fn`, mapping validation failures to 400 for the JSON API (sync or async). */
export function apiCall<T>(fn: () => T): T {
  try {
    const out = fn();
    if (out instanceof Promise) return out.catch((e) => Promise.reject(asApiError(e))) as T;
    return out;
  } catch (e) {
    throw asApiError(e);
  }
}
