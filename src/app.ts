/**
 * createApp(deps): mounts plugins and route modules; no logic.
 * The returned `handle` wraps Elysia with what must hold for every request: request id, client IP,
 * CSRF verification, security headers, queued cookies, the access log (redacted), and the one error mapper.
 */
import { Elysia } from "elysia";
import type { Deps } from "./deps.ts";
import { loadAssets } from "./http/assets.ts";
import { createProxyTrust, resolveClientIp } from "./http/client-ip.ts";
import { enforceRequestLimits } from "./http/plugins/request-limits.ts";
import { checkRequestBudgets, type Settle } from "./http/plugins/request-budgets.ts";
import { verifyCsrf } from "./http/plugins/csrf.ts";
import { errorToResponse } from "./http/plugins/errors.ts";
import { applySecurityHeaders } from "./http/plugins/security-headers.ts";
import { initRequestMeta } from "./http/request-context.ts";
import { accountRoutes } from "./http/routes/account.ts";
import { adminRoutes } from "./http/routes/admin-index.ts";
import { auditLogRoutes } from "./http/routes/audit-log.ts";
import { authRoutes } from "./http/routes/auth.ts";
import { emailRoutes } from "./http/routes/email.ts";
import { forwardAuthRoutes } from "./http/routes/forward-auth.ts";
import { healthRoutes } from "./http/routes/health.ts";
import { staticRoutes } from "./http/routes/static.ts";
import { oidcRoutes } from "./http/routes/oidc.ts";
import { openApiRoutes } from "./http/routes/openapi.ts";
import type { DocumentedRoute } from "./http/openapi.ts";
import { webauthnApiRoutes } from "./http/routes/webauthn-api.ts";
import type { WebDeps } from "./http/web-deps.ts";
import { randomToken } from "./lib/random.ts";
import { redactRequestTarget } from "./lib/redact.ts";

export interface App {
  /** Handles one request. `socketIp` is the TCP peer address (absent in in-process tests). */
  handle(request: Request, socketIp?: string | null): Promise<Response>;
  web: WebDeps;
  /** Every mounted route (method, Elysia path): the fuzz test walks them all. */
  routes: { method: string; path: string }[];
  /**
   * Renders a GET of `path` that is the same for every request (src/http/prerendered.ts): the route's
   * response with the security headers, without request id, budgets or access log.
   */
  render(path: string): Promise<Response>;
}

/**
 * The request as the router must see it: APP_URL's origin + the WHATWG-parsed path and query of the
 * request target. Elysia reads the path straight from `request.url` (from the first "/" after the 11th
 * character), so a short or missing Host (`Host: x`, an HTTP/1.0 request without Host, whose url is
 * relative) or an absolute-form target would otherwise give the router a different path from the one
 * the CSRF check, the rate-limit budgets, the body limit and the access log's redaction looked at — or
 * a 500; so would a trailing slash, which the router ignores and the checks did not. The Host header is
 * never used for anything (every absolute URL comes from APP_URL).
 */
export function routedRequest(request: Request, appUrl: string): Request {
  const parsed = new URL(request.url, appUrl);
  // Elysia serves "/api/oidc/token/" as "/api/oidc/token" (strictPath is off): the checks must see the
  // path it serves, so one trailing slash is dropped here ("//" is left alone: no route matches it).
  let path = parsed.pathname;
  if (path.length > 1 && path.endsWith("/") && !path.endsWith("//")) path = path.slice(0, -1);
  const routed = `${appUrl}${path}${parsed.search}`;
  if (routed === request.url) return request;
  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  return new Request(routed, { method: request.method, headers: request.headers, body: hasBody ? request.body : null, signal: request.signal });
}

export async function createApp(deps: Deps): Promise<App> {
  const assets = await loadAssets();
  const web: WebDeps = { ...deps, assets };
  const trusted = createProxyTrust(deps.config.trustProxy);

  // normalize "typebox": a body is cleaned of undeclared properties with TypeBox's Value.Clean, which
  // leaves a non-object alone so the schema refuses it (`true`, exact-mirror, turned "x" into {"0": "x"}).
  const elysia = new Elysia({ normalize: "typebox" })
    .onError({ as: "global" }, ({ error, code, request }) => errorToResponse(web, assets, request, error, code))
    .use(healthRoutes(web))
    .use(staticRoutes(web))
    .use(oidcRoutes(web))
    .use(authRoutes(web))
    .use(webauthnApiRoutes(web))
    .use(accountRoutes(web))
    .use(emailRoutes(web))
    .use(auditLogRoutes(web))
    .use(adminRoutes(web))
    .use(forwardAuthRoutes(web))
    .use(openApiRoutes(web, (): readonly DocumentedRoute[] => elysia.routes));

  const handler = elysia.handle.bind(elysia);

  async function handle(received: Request, socketIp: string | null = null): Promise<Response> {
    // One reading of the path for every check below AND for the router (see routedRequest).
    let original: Request;
    try {
      original = routedRequest(received, deps.config.appUrl);
    } catch {
      return new Response("Bad Request", { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
    }
    const url = new URL(original.url);
    // 400 for undecodable paths, 413 before anything reads the body (src/http/plugins/request-limits.ts).
    const limited = await enforceRequestLimits(original, url.pathname).then((r) => ({ request: r, error: null }), (error: unknown) => ({ request: original, error }));
    const request = limited.request;
    const meta = initRequestMeta(request, {
      id: randomToken(deps.random, 9),
      ip: resolveClientIp(socketIp, request.headers.get("x-forwarded-for"), trusted),
      peerTrusted: socketIp !== null && trusted(socketIp),
      startedAt: performance.now(),
      setCookies: [],
    });
    let response: Response;
    let settle: Settle = () => null;
    try {
      if (limited.error) throw limited.error;
      settle = checkRequestBudgets(web, request, url.pathname);
      await verifyCsrf(web, request, url.pathname);
      response = await handler(request);
    } catch (error) {
      response = errorToResponse(web, assets, request, error);
    }
    // Failure budgets are charged with the final status; an exhausted per-client/per-passkey budget
    // turns a failed answer (never a success) into a 429.
    const refused = settle(response.status);
    if (refused) response = errorToResponse(web, assets, request, refused);
    // Responses from fetch() or Response.redirect() have immutable headers: copy once.
    try {
      response.headers.set("X-Request-Id", meta.id);
    } catch {
      response = new Response(response.body, response);
      response.headers.set("X-Request-Id", meta.id);
    }
    applySecurityHeaders(response.headers, deps.config);
    for (const cookie of meta.setCookies) response.headers.append("Set-Cookie", cookie);
    if (url.pathname !== "/healthz" && !url.pathname.startsWith("/static/")) {
      deps.log.info("request", {
        id: meta.id,
        method: request.method,
        // Secret path segments and query values never reach the log (src/lib/redact.ts).
        ...redactRequestTarget(url),
        status: response.status,
        ms: Math.round((performance.now() - meta.startedAt) * 10) / 10,
        ip: meta.ip ?? "-",
      });
    }
    return response;
  }

  async function render(path: string): Promise<Response> {
    const request = new Request(new URL(path, deps.config.appUrl));
    let response: Response;
    try {
      response = await handler(request);
    } catch (error) {
      response = errorToResponse(web, assets, request, error);
    }
    response = new Response(response.body, response);
    applySecurityHeaders(response.headers, deps.config);
    return response;
  }

  return { handle, web, render, routes: elysia.routes.map((r) => ({ method: r.method, path: r.path })) };
}
