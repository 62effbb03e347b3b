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
 * - The database unreachable (DatabaseUnavailableError, PostgreSQL) → 503 with Retry-After; on the protocol
 *   endpoints RFC 6749's temporarily_unavailable.
 * - Anything else → 500 with the request id; the detail goes to the log, never to the wire.
 * - errorMapper(web) is the Elysia plugin that makes this the handler of every error inside the router.
 */
import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { AppError, DatabaseUnavailableError, fieldTexts, OAuthError } from "../../errors.ts";
import type { MessageKey } from "../../i18n/catalog.ts";
import { DEFAULT_LOCALE } from "../../i18n/locales.ts";
import { msg } from "../../i18n/message.ts";
import { translatorFor, type Translator } from "../../i18n/translator.ts";
import type { PageContext } from "../../../templates/page-context.ts";
import { ErrorPage } from "../../../templates/pages/error-page.tsx";
import { FlashMessage } from "../../../templates/partials/flash-message.tsx";
import type { AssetRegistry } from "../assets.ts";
import { buildPageContext, pageContextFor, requestTranslator } from "../page-context.ts";
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

const TITLES: Record<number, MessageKey> = {
  400: "common.errorTitle400",
  401: "common.errorTitle401",
  403: "common.errorTitle403",
  404: "common.errorTitle404",
  405: "common.errorTitle405",
  409: "common.errorTitle409",
  410: "common.errorTitle410",
  413: "common.errorTitle413",
  415: "common.errorTitle415",
  422: "common.errorTitle422",
  429: "common.errorTitle429",
  500: "common.errorTitle500",
  503: "common.errorTitle503",
};

/** Seconds a client is told to wait when the database cannot answer (Retry-After). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export function wantsJson(request: Request, pathname: string): boolean {
  return pathname.startsWith("/api/") || pathname.startsWith("/.well-known/") || (request.headers.get("accept") ?? "").startsWith("application/json");
}

/** The error page's context; when even that fails (a broken database), one built from nothing stored. */
function errorPageContext(deps: Deps, assets: AssetRegistry, request: Request): PageContext {
  try {
    return buildPageContext(deps, assets, request);
  } catch {
    return pageContextFor(deps, assets, request, { appName: "Latchkey", csrfToken: "", user: null });
  }
}

/** The request's language for an error; English when even the session cannot be read. */
function errorTranslator(deps: Deps, request: Request): Translator {
  try {
    return requestTranslator(deps, request);
  } catch {
    return translatorFor(DEFAULT_LOCALE);
  }
}

export function appErrorResponse(deps: Deps, assets: AssetRegistry, request: Request, error: AppError, requestId?: string): Response {
  const pathname = new URL(request.url).pathname;
  const headers: Record<string, string> = { "Cache-Control": "no-store", ...error.headers };
  if (wantsJson(request, pathname)) {
    const { text } = errorTranslator(deps, request);
    const body: Record<string, unknown> = { error: error.code, message: text(error.text) };
    if (Object.keys(error.fields).length) body.fields = fieldTexts(error.fields, text);
    if (requestId) body.requestId = requestId;
    return Response.json(body, { status: error.status, headers });
  }
  if (request.headers.get("hx-request") === "true") {
    // Validation failures re-render their own form; every other error goes to the flash area.
    const { text } = errorTranslator(deps, request);
    return new Response(String(FlashMessage({ kind: "error", message: text(error.text) })), {
      status: error.status,
      headers: { ...headers, "Content-Type": "text/html; charset=utf-8", "HX-Retarget": "#flash", "HX-Reswap": "innerHTML" },
    });
  }
  const ctx = errorPageContext(deps, assets, request);
  const title = ctx.t(TITLES[error.status] ?? "common.errorTitleOther");
  const html = String(ErrorPage({ ctx, status: error.status, title, message: ctx.text(error.text), requestId }));
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
  if (error.status === 503) return new OAuthError("temporarily_unavailable", error.message, 503, error.headers);
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
      return { appError: AppError.notFound(msg("common.errorNoRoute")) };
    case "PARSE":
      return { appError: AppError.badRequest(msg("common.errorUnparseable")) };
    case "VALIDATION": {
      const appError = validationAppError(error);
      if (appError) return { appError };
      // A response that does not match its own schema: our bug. Elysia's message holds the value
      // (it may be a secret), so only the route goes to the log.
      const meta = requestMeta(request);
      deps.log.error("response does not match its schema", { requestId: meta.id, path: new URL(request.url).pathname });
      return { appError: new AppError("internal_error", msg("common.errorInternal")), requestId: meta.id };
    }
    case "INVALID_COOKIE_SIGNATURE":
      return { appError: AppError.badRequest(msg("common.errorBadCookie")) };
  }
  if (error instanceof DatabaseUnavailableError) {
    // Not a fault of this request nor a bug: say when to come back. Logged at most every few seconds.
    warnDatabaseUnavailable(deps, error);
    return { appError: new AppError("service_unavailable", msg("common.errorDatabaseUnavailable"), {}, { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) }) };
  }
  const status = (error as { status?: unknown })?.status;
  if (typeof status === "number" && status === 413) return { appError: new AppError("payload_too_large", msg("common.errorTooLarge")) };
  const meta = requestMeta(request);
  deps.log.error("unhandled error", { requestId: meta.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return { appError: new AppError("internal_error", msg("common.errorInternal")), requestId: meta.id };
}

let lastUnavailableWarning = Number.NEGATIVE_INFINITY;

/** One warning per 10 s while the database is unreachable, not one per request. */
function warnDatabaseUnavailable(deps: Deps, error: DatabaseUnavailableError): void {
  const now = deps.clock.now();
  if (now - lastUnavailableWarning < 10_000 && now >= lastUnavailableWarning) return;
  lastUnavailableWarning = now;
  deps.log.warn("the database is unavailable: answering 503 until it is back", { error: error.message });
}

/** The one error mapper as the router's error hook (global: it covers every mounted route module). */
export function errorMapper(web: WebDeps) {
  return new Elysia({ name: "error-mapper" }).onError({ as: "global" }, ({ error, code, request }) => errorToResponse(web, web.assets, request, error, code));
}
