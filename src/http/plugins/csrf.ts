/**
 * CSRF protection for every state-changing request that a browser could be tricked into sending.
 * - Unsafe methods must carry the page's token (X-CSRF-Token header, or `_csrf` form field) matching
 *   the session's token, or before sign-in the SameSite=Strict double-submit cookie.
 * - A cross-origin Origin header is refused outright.
 * - Exempt: OAuth endpoints that authenticate the client itself (token, introspect, revoke, PAR,
 *   device authorization), the authorization endpoint's form POST (a protocol request, which by
 *   itself changes nothing without the person's consent), RP-initiated logout, and API calls
 *   authenticated by X-API-Key without cookies.
 */
import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { safeEqual } from "../../lib/hash.ts";
import { cookieName, readCookie } from "../cookies.ts";
import { ANON_CSRF_COOKIE, currentSession } from "../request-context.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const EXEMPT_PATHS = new Set([
  "/authorize",
  "/api/oidc/token",
  "/api/oidc/userinfo",
  "/api/oidc/introspect",
  "/api/oidc/revoke",
  "/api/oidc/par",
  "/api/oidc/device/authorize",
  "/api/oidc/end-session",
  // Forward-auth verify (unbound URL of earlier versions: refused anyway).
  "/api/forward-auth/verify",
]);

/** Forward-auth verify URLs: nginx auth_request subrequests keep the original method (POST too); they change nothing. */
const FORWARD_AUTH_VERIFY = /^\/api\/forward-auth\/verify\/[^/]+(?:\/nginx)?$/;

export function isCsrfExempt(request: Request, pathname: string): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  if (EXEMPT_PATHS.has(pathname) || FORWARD_AUTH_VERIFY.test(pathname)) return true;
  if (pathname.startsWith("/api/") && request.headers.has("x-api-key") && !request.headers.has("cookie")) return true;
  return false;
}

async function providedToken(request: Request): Promise<string | null> {
  const header = request.headers.get("x-csrf-token");
  if (header) return header;
  const type = request.headers.get("content-type") ?? "";
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
    try {
      const form = await request.clone().formData();
      const v = form.get("_csrf");
      return typeof v === "string" ? v : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** Throws AppError csrf_failed (403) when a state-changing request lacks a valid token. */
export async function verifyCsrf(deps: Deps, request: Request, pathname: string): Promise<void> {
  if (isCsrfExempt(request, pathname)) return;
  const origin = request.headers.get("origin");
  if (origin && origin !== "null" && origin.toLowerCase() !== deps.config.appUrl) {
    throw new AppError("csrf_failed", "This request came from another site and was refused.");
  }
  const session = currentSession(deps, request);
  const expected = session ? session.csrfToken : readCookie(request, cookieName(deps.config, ANON_CSRF_COOKIE));
  const provided = await providedToken(request);
  if (!expected || !provided || !safeEqual(expected, provided)) {
    throw new AppError("csrf_failed", "Your form expired or did not come from this site. Reload the page and try again.");
  }
}
