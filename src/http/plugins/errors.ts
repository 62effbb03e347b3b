/**
 * The one error mapper.
 * - OAuthError → RFC 6749 JSON {error, error_description}, Cache-Control: no-store, its own headers.
 * - On the JSON protocol endpoints (token, introspect, revoke, PAR, device authorization, userinfo) every
 *   other error too: a method the endpoint does not take → 405 invalid_request with Allow, 413 and other
 *   4xx → invalid_request, 429 → temporarily_unavailable, 5xx → server_error (with the request id).
 * - AppError → JSON for /api/* (with field messages), an inline fragment for htmx, else the error page.
 * - Framework errors (unknown route, unparseable body, schema mismatch) → the matching AppError; a
 *   request that fails its route's `t` schema → 400 bad_request with field messages
 *   (src/http/validation-errors.ts), the same answer as the domain's own validation.
 * - A response a route's hook decided early (EarlyResponse: a page's sign-in redirect) → that response.
 * - Anything else → 500 with the request id; the detail goes to the log, never to the wire.
 * - errorMapper(web) is the Elysia plugin that makes this the handler of every error inside the router.
 */
import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { AppError, OAuthError } from "../../errors.ts";
import { ErrorPage } from "../../../templates/pages/error-page.tsx";
import { FlashMessage } from "../../../templates/partials/flash-message.tsx";
import type { AssetRegistry } from "../assets.ts";
import { buildPageContext } from "../page-context.ts";
import { requestMeta } from "../request-context.ts";
import { EarlyResponse } from "../responses.ts";
import { validationAppError } from "../validation-errors.ts";
import type { WebDeps } from "../web-deps.ts";

export function oauthErrorResponse(error: OAuthError): Response {
  return new Response(JSON.stringify({ error: error.code, error_description: error.description }), {
    status: error.status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", Pragma: "no-cache", ...error.headers },
  });
}

const TITLES: Record<number, string> = {
  400: "That request could not be understood",
  401: "Please sign in",
  403: "Not allowed",
  404: "Page not found",
  405: "Method not allowed",
  409: "That conflicts with existing data",
  410: "That link has expired",
  413: "That upload is too large",
  415: "Unsupported content",
  422: "Please check the form",
  429: "Slow down",
  500: "Something went wrong",
};

export function wantsJson(request: Request, pathname: string): boolean {
  return pathname.startsWith("/api/") || pathname.startsWith("/.well-known/") || (request.headers.get("accept") ?? "").startsWith("application/json");
}

export function appErrorResponse(deps: Deps, assets: AssetRegistry, request: Request, error: AppError, requestId?: string): Response {
  const pathname = new URL(request.url).pathname;
  const headers: Record<string, string> = { "Cache-Control": "no-store", ...error.headers };
  if (wantsJson(request, pathname)) {
    const body: Record<string, unknown> = { error: error.code, message: error.message };
    if (Object.keys(error.fields).length) body.fields = error.fields;
    if (requestId) body.requestId = requestId;
    return Response.json(body, { status: error.status, headers });
  }
  if (request.headers.get("hx-request") === "true") {
    // Validation failures re-render their own form; every other error goes to the flash area.
    return new Response(String(FlashMessage({ kind: "error", message: error.message })), {
      status: error.status,
      headers: { ...headers, "Content-Type": "text/html; charset=utf-8", "HX-Retarget": "#flash", "HX-Reswap": "innerHTML" },
    });
  }
  let ctx;
  try {
    ctx = buildPageContext(deps, assets, request);
  } catch {
    ctx = { appName: "Latchkey", csrfToken: "", user: null, currentPath: pathname, asset: (n: string) => assets.url(n) };
  }
  const html = String(ErrorPage({ ctx, status: error.status, title: TITLES[error.status] ?? "Error", message: error.message, requestId }));
  return new Response(html, { status: error.status, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
}

/**
 * The endpoints whose every error, the framework's included (wrong method, body too large, bad
 * percent-encoding, an internal error), is RFC 6749 JSON; with the methods each accepts.
 */
const OAUTH_JSON_ENDPOINTS = new Map<string, string[]>([
  ["/api/oidc/token", ["POST"]],
  ["/api/oidc/introspect", ["POST"]],
  ["/api/oidc/revoke", ["POST"]],
  ["/api/oidc/par", ["POST"]],
  ["/api/oidc/device/authorize", ["POST"]],
  ["/api/oidc/userinfo", ["GET", "POST"]],
]);

/** An AppError (or an unknown route: a method the endpoint does not take) on a protocol endpoint, as an OAuthError. */
function asOAuthError(error: AppError, methods: string[], requestId?: string): OAuthError {
  if (error.code === "not_found") {
    return new OAuthError("invalid_request", `This endpoint accepts ${methods.join(" and ")} requests only.`, 405, { Allow: [...methods, "OPTIONS"].join(", ") });
  }
  if (error.status === 429) return new OAuthError("temporarily_unavailable", error.message, 429, error.headers);
  if (error.status >= 500) return new OAuthError("server_error", requestId ? `${error.message} (request ${requestId})` : error.message, error.status, error.headers);
  return new OAuthError("invalid_request", error.message, error.status, error.headers);
}

/** Maps anything thrown while handling `request` to a response. */
export function errorToResponse(deps: Deps, assets: AssetRegistry, request: Request, error: unknown, elysiaCode?: string | number): Response {
  if (error instanceof EarlyResponse) return error.response;
  if (error instanceof OAuthError) {
    requestMeta(request).oauthErrorCode = error.code;
    return oauthErrorResponse(error);
  }
  const { appError, requestId } = asAppError(deps, request, error, elysiaCode);
  const allow = OAUTH_JSON_ENDPOINTS.get(new URL(request.url).pathname);
  if (allow !== undefined) {
    const oauth = asOAuthError(appError, allow, requestId);
    requestMeta(request).oauthErrorCode = oauth.code;
    return oauthErrorResponse(oauth);
  }
  return appErrorResponse(deps, assets, request, appError, requestId);
}

/** Anything but an OAuthError as an AppError; an unexpected error is logged (with the request id) first. */
function asAppError(deps: Deps, request: Request, error: unknown, elysiaCode?: string | number): { appError: AppError; requestId?: string } {
  if (error instanceof AppError) return { appError: error };
  switch (elysiaCode) {
    case "NOT_FOUND":
      return { appError: AppError.notFound("There is nothing at this address.") };
    case "PARSE":
      return { appError: AppError.badRequest("The request body could not be parsed; check its Content-Type and syntax.") };
    case "VALIDATION": {
      const appError = validationAppError(error);
      if (appError) return { appError };
      // A response that does not match its own schema: our bug. Elysia's message holds the value
      // (it may be a secret), so only the route goes to the log.
      const meta = requestMeta(request);
      deps.log.error("response does not match its schema", { requestId: meta.id, path: new URL(request.url).pathname });
      return { appError: new AppError("internal_error", "An unexpected error occurred. It has been logged; please try again."), requestId: meta.id };
    }
    case "INVALID_COOKIE_SIGNATURE":
      return { appError: AppError.badRequest("A cookie was not valid.") };
  }
  const status = (error as { status?: unknown })?.status;
  if (typeof status === "number" && status === 413) return { appError: new AppError("payload_too_large", "The request body is too large.") };
  const meta = requestMeta(request);
  deps.log.error("unhandled error", { requestId: meta.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return { appError: new AppError("internal_error", "An unexpected error occurred. It has been logged; please try again."), requestId: meta.id };
}

/** The one error mapper as the router's error hook (global: it covers every mounted route module). */
export function errorMapper(web: WebDeps) {
  return new Elysia({ name: "error-mapper" }).onError({ as: "global" }, ({ error, code, request }) => errorToResponse(web, web.assets, request, error, code));
}
