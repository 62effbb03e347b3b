/**
 * CSRF protection for every state-changing request that a browser could be tricked into sending.
 * - Unsafe methods must carry the page's token (X-CSRF-Token header, or `_csrf` form field) matching
 *   the session's token, or before sign-in the SameSite=Strict double-submit cookie.
 * - A cross-origin Origin header is refused outright.
 * - Every unsafe route is checked unless it declares `csrf: false` (src/http/plugins/route-policy.ts; the
 *   route says why: OAuth endpoints that authenticate the client itself, the authorization endpoint's form
 *   POST, RP-initiated logout, forward-auth verify subrequests); a path no route serves is checked too.
 * - API calls authenticated by X-API-Key without cookies are exempt: no browser sends that header across
 *   sites, and without cookies nothing ambient is used.
 * - The request pipeline runs this before the router reads the body (the form field is read from a clone).
 */
import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import { safeEqual } from "../../lib/hash.ts";
import { cookieName, readCookie } from "../cookies.ts";
import { ANON_CSRF_COOKIE, currentSession } from "../request-context.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** True when this request needs no token whatever its route: a safe method, or a script's API call. */
export function isCsrfExempt(request: Request, pathname: string): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
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

/** Throws AppError csrf_failed (403) when a state-changing request to a checked route lacks a valid token. */
export async function verifyCsrf(deps: Deps, request: Request, pathname: string): Promise<void> {
  if (isCsrfExempt(request, pathname)) return;
  const origin = request.headers.get("origin");
  if (origin && origin !== "null" && origin.toLowerCase() !== deps.config.appUrl) {
    throw new AppError("csrf_failed", msg("common.errorCrossSite"));
  }
  const session = currentSession(deps, request);
  const expected = session ? session.csrfToken : readCookie(request, cookieName(deps.config, ANON_CSRF_COOKIE));
  const provided = await providedToken(request);
  if (!expected || !provided || !safeEqual(expected, provided)) {
    throw new AppError("csrf_failed", msg("common.errorFormExpired"));
  }
}
