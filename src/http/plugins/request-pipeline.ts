/**
 * The request pipeline: what holds for every request, in this order, around the router.
 * 1. routedRequest: the path the router will see (APP_URL's origin + the WHATWG-parsed target); 400 when
 *    the target cannot be parsed.
 * 2. The route's declared policy (route-policy.ts: the route the router will pick, or the defaults).
 * 3. checkRequestPath (400), enforceBodyLimit (413): before anything reads the body (request-limits.ts).
 * 4. Request id and client IP (request-meta.ts).
 * 5. checkRequestBudgets (429, before anything is checked), verifyCsrf (403): request-budgets.ts, csrf.ts.
 * 6. The router: Elysia runs the route (its sign-in check, validation, handler); errors go through the one
 *    error mapper (errors.ts), here too for the steps above.
 * 7. Failure budgets are charged with the final status: an exhausted per-client or per-passkey budget
 *    turns a failed answer (never a success) into a 429.
 * 8. Request id, security headers and queued cookies on the answer (request-meta.ts); the access log line
 *    (access-log.ts).
 * A wrapper, not Elysia hooks: Elysia reads the routed path from request.url before its first hook runs
 * (step 1 must come before), a route's own hooks all run after the router and a parse hook's errors become
 * a 400 (steps 3 and 5 must answer before any body parsing), and onAfterResponse runs after the answer left
 * while steps 7 and 8 must see — and may change — the final answer, the error mapper's included.
 */
import type { AnyElysia } from "elysia";
import type { Deps } from "../../deps.ts";
import type { WebDeps } from "../web-deps.ts";
import { logRequest } from "./access-log.ts";
import { verifyCsrf } from "./csrf.ts";
import { errorToResponse } from "./errors.ts";
import { checkRequestBudgets, type Settle } from "./request-budgets.ts";
import { checkRequestPath, enforceBodyLimit } from "./request-limits.ts";
import { finishResponse, requestMetaStarter } from "./request-meta.ts";
import { createRoutePolicyIndex, policyOf, type RoutePolicy } from "./route-policy.ts";
import { applySecurityHeaders } from "./security-headers.ts";

export interface App {
  /** Handles one request. `socketIp` is the TCP peer address (absent in in-process tests). */
  handle(request: Request, socketIp?: string | null): Promise<Response>;
  web: WebDeps;
  /** Every mounted route (method, Elysia path) with what it declared: the fuzz and policy tests walk them all. */
  routes: { method: string; path: string; policy: RoutePolicy }[];
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

const NO_SETTLE: Settle = () => null;

/** Wraps the router (every plugin and route module mounted) in the pipeline. `deps.log` is read per request. */
export function createRequestPipeline(deps: Deps, web: WebDeps, router: AnyElysia): App {
  const route = router.handle.bind(router);
  const routes = router.routes.map((r) => ({ method: r.method, path: r.path, policy: policyOf(r.hooks) }));
  const policies = createRoutePolicyIndex(routes);
  const startMeta = requestMetaStarter(deps);
  const { config } = deps;

  async function handle(received: Request, socketIp: string | null = null): Promise<Response> {
    // One reading of the path for every check below AND for the router (see routedRequest).
    let request: Request;
    try {
      request = routedRequest(received, config.appUrl);
    } catch {
      return new Response("Bad Request", { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
    }
    const url = new URL(request.url);
    const policy = policies.find(request.method, url.pathname);
    let refused: unknown = null;
    try {
      checkRequestPath(url.pathname);
      if (request.body !== null) request = await enforceBodyLimit(request, policy.bodyLimit);
    } catch (error) {
      refused = error;
    }
    const meta = startMeta(request, socketIp);
    let response: Response;
    let settle = NO_SETTLE;
    try {
      if (refused) throw refused;
      settle = checkRequestBudgets(web, request, policy.budget);
      if (policy.csrf !== false) await verifyCsrf(web, request, url.pathname);
      response = await route(request);
    } catch (error) {
      response = errorToResponse(web, web.assets, request, error);
    }
    const overBudget = settle(response.status);
    if (overBudget) response = errorToResponse(web, web.assets, request, overBudget);
    response = finishResponse(response, meta, config);
    logRequest(deps.log, request, url, response.status, meta);
    return response;
  }

  async function render(path: string): Promise<Response> {
    const request = new Request(new URL(path, config.appUrl));
    let response: Response;
    try {
      response = await route(request);
    } catch (error) {
      response = errorToResponse(web, web.assets, request, error);
    }
    response = new Response(response.body, response);
    applySecurityHeaders(response.headers, config);
    return response;
  }

  return { handle, web, render, routes };
}
