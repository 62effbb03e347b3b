/**
 * Route policy, declared on the route: a route's options say everything that guards it.
 * - Sign-in (at most one): `adminPage`, `userPage` (pages: an anonymous browser is sent to /login and back,
 *   a signed-in non-admin gets 403 on admin pages), `sessionApi` (JSON: the browser session only, 401),
 *   `userApi`, `adminApi` (JSON: the session cookie or X-API-Key; none → 401, a non-admin → 403 on admin
 *   routes; `userApi: { allowApiKey: false }` refuses keys with 403). Checked in the route's transform hook —
 *   after Elysia parsed the body, before schema validation and the handler, as the handlers' own first line
 *   did — and handed to the handler, typed: `session` (pages, sessionApi) or `principal` (userApi, adminApi).
 * - CSRF: every unsafe method is checked (src/http/plugins/csrf.ts) unless the route declares `csrf: false`,
 *   with a comment on the route saying why. A path no route serves is checked too.
 * - `budget`: "protocol" | "userinfo" | "passkey" | "admin-api" (src/http/plugins/request-budgets.ts).
 * - `bodyLimit: "upload"`: 3 MiB instead of 1 MiB (src/http/plugins/request-limits.ts).
 * - `csrf`, `budget` and `bodyLimit` act before Elysia reads the body: a declared Content-Length over the cap is
 *   refused unread, the `_csrf` form field is read from the raw body, and their 413/429/403 come before any
 *   parse error. Every Elysia hook of a route runs after the router and a parse hook's errors become a 400
 *   ParseError, so the request pipeline (request-pipeline.ts) looks the route up first, in an index built from
 *   these declarations (createRoutePolicyIndex: Elysia's own radix router, its static-then-dynamic order and
 *   its method fallbacks), and enforces them there. Their macros only record the declaration.
 */
import { Elysia } from "elysia";
import { Memoirist } from "memoirist";
import type { Session } from "../../account/sessions.ts";
import { requireAdminApi, requireAdminPage, authenticateApiRequest, type Principal } from "../admin-auth.ts";
import { sessionOrLogin } from "../browser-session.ts";
import { AppError } from "../../errors.ts";
import { currentSession } from "../request-context.ts";
import { EarlyResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

export type Auth = "admin-page" | "user-page" | "session-api" | "user-api" | "admin-api";
export type Budget = "protocol" | "userinfo" | "passkey" | "admin-api";

export interface RoutePolicy {
  auth?: Auth;
  /** Only with auth "user-api": X-API-Key is refused (403). */
  allowApiKey?: false;
  csrf?: false;
  budget?: Budget;
  bodyLimit?: "upload";
}

/**
 * Where a route's declarations are kept: on its hook object, which Elysia carries into the mounting app's
 * routes. A string key: Elysia drops a hook whose string-keyed values are all empty (a symbol alone is lost).
 */
const DECLARED = "~routePolicy";
type Declaring = { [DECLARED]?: RoutePolicy };

function declare(policy: RoutePolicy) {
  return {
    introspect(hook: unknown) {
      const h = hook as Declaring;
      if (policy.auth && h[DECLARED]?.auth) throw new Error(`A route declares one sign-in, not ${h[DECLARED].auth} and ${policy.auth}.`);
      h[DECLARED] = { ...h[DECLARED], ...policy };
    },
  };
}

/** What a route declared (a route without declarations: {}). */
export function policyOf(hooks: unknown): RoutePolicy {
  return (hooks as Declaring | undefined)?.[DECLARED] ?? {};
}

/** A page's sign-in check answers an anonymous browser with a redirect: thrown, since a transform hook cannot answer. */
function pageSession(outcome: Session | Response): Session {
  if (outcome instanceof Response) throw new EarlyResponse(outcome);
  return outcome;
}

type Authenticated<T> = { authenticated: T };
/** Runs `check` before validation and keeps its result on the context for the resolve that types it. */
function signIn<T>(check: (request: Request) => T) {
  return {
    transform(c: { request: Request }) {
      (c as unknown as Authenticated<T>).authenticated = check(c.request);
    },
  };
}
const authenticated = <T>(c: unknown): T => (c as Authenticated<T>).authenticated;

const plugins = new WeakMap<WebDeps, ReturnType<typeof buildRoutePolicy>>();

function buildRoutePolicy(web: WebDeps) {
  return new Elysia({ name: "route-policy" }).macro({
    adminPage: (_: true) => ({
      ...declare({ auth: "admin-page" }),
      ...signIn((request) => pageSession(requireAdminPage(web, request))),
      resolve: (c) => ({ session: authenticated<Session>(c) }),
    }),
    userPage: (_: true) => ({
      ...declare({ auth: "user-page" }),
      ...signIn((request) => pageSession(sessionOrLogin(web, request))),
      resolve: (c) => ({ session: authenticated<Session>(c) }),
    }),
    sessionApi: (_: true) => ({
      ...declare({ auth: "session-api" }),
      ...signIn((request) => {
        const session = currentSession(web, request);
        if (!session) throw AppError.unauthenticated();
        return session;
      }),
      resolve: (c) => ({ session: authenticated<Session>(c) }),
    }),
    userApi: (options: true | { allowApiKey: false }) => ({
      ...declare(options === true ? { auth: "user-api" } : { auth: "user-api", allowApiKey: false }),
      ...signIn((request) => authenticateApiRequest(web, request, options === true ? {} : options)),
      resolve: (c) => ({ principal: authenticated<Principal>(c) }),
    }),
    adminApi: (_: true) => ({
      ...declare({ auth: "admin-api" }),
      ...signIn((request) => requireAdminApi(web, request)),
      resolve: (c) => ({ principal: authenticated<Principal>(c) }),
    }),
    csrf: (csrf: false) => declare({ csrf }),
    budget: (budget: Budget) => declare({ budget }),
    bodyLimit: (bodyLimit: "upload") => declare({ bodyLimit }),
  });
}

/** The macros every route module uses (one plugin instance per app). */
export function routePolicy(web: WebDeps) {
  let plugin = plugins.get(web);
  if (!plugin) {
    plugin = buildRoutePolicy(web);
    plugins.set(web, plugin);
  }
  return plugin;
}

export interface RoutePolicyIndex {
  /** The policy of the route Elysia will pick for this method and path ({} when none: every default applies). */
  find(method: string, path: string): RoutePolicy;
}

const NO_ROUTE: RoutePolicy = Object.freeze({});

/** The path variants Elysia registers for a route (src: elysia/dist/utils getLoosePath, encodePath). */
function registeredPaths(path: string, dynamic: boolean): string[] {
  // strictPath is off: the path with and without its trailing slash.
  const loose = path.endsWith("/") ? path.slice(0, -1) : `${path}/`;
  let encoded = encodeURIComponent(path).replace(/%2F/g, "/");
  if (dynamic) encoded = encoded.replace(/%3A/g, ":").replace(/%3F/g, "?");
  return [...new Set([path, loose, encoded])];
}

/**
 * The route lookup Elysia's compiled router does (elysia/dist/compose composeGeneralHandler), over the
 * declarations: a static path first (its method, else for HEAD its GET, else ALL), then the radix tree
 * (the method, else ALL, else for HEAD the GET route).
 */
export function createRoutePolicyIndex(routes: readonly { method: string; path: string; policy: RoutePolicy }[]): RoutePolicyIndex {
  // Maps, not object literals: a request method is the client's string ("constructor" would find Object's).
  const statics = new Map<string, Map<string, RoutePolicy>>();
  const dynamic = new Memoirist<RoutePolicy>();
  const dynamicMethods = new Set<string>();
  for (const { method, path: routePath, policy } of routes) {
    const isDynamic = routePath.includes(":") || routePath.includes("*");
    for (const path of registeredPaths(routePath, isDynamic)) {
      if (isDynamic) {
        dynamic.add(method, path, policy, { ignoreError: true });
        dynamicMethods.add(method);
      } else {
        let methods = statics.get(path);
        if (!methods) statics.set(path, (methods = new Map()));
        methods.set(method, policy);
      }
    }
  }
  const inTree = (method: string, path: string) => (dynamicMethods.has(method) ? dynamic.find(method, path)?.store : undefined);
  return {
    find(method, path) {
      const methods = statics.get(path);
      if (methods) {
        const found = methods.get(method) ?? (method === "HEAD" ? (methods.get("GET") ?? methods.get("ALL")) : undefined) ?? methods.get("ALL");
        if (found) return found;
      }
      return inTree(method, path) ?? inTree("ALL", path) ?? (method === "HEAD" ? inTree("GET", path) : undefined) ?? NO_ROUTE;
    },
  };
}
