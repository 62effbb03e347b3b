/**
 * What guards each route is declared on the route (src/http/plugins/route-policy.ts); these checks walk
 * every mounted route (app.routes) so a route added without the right declaration fails here:
 * - every unsafe method is CSRF-checked unless it declares `csrf: false`, and the exemptions are exactly
 *   the reviewed list below (a new one must be added here, with its reason on the route);
 * - every /api/ route declares a sign-in, or is on the reviewed list of public API routes; a route signed in
 *   with X-API-Key spends the admin-API budget; every /settings/ page declares a sign-in (admin pages the
 *   admin one); the OpenAPI document's access of each operation is the sign-in its route declares;
 * - the failure budgets and upload limits sit on exactly the reviewed routes;
 * - the index the request pipeline consults finds, for every route, the policy that route declared, with
 *   Elysia's method fallbacks; a path or method no route serves gets every default (CSRF checked).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import type { App } from "../../../src/app.ts";
import { createRoutePolicyIndex, policyOf, routePolicy, type RoutePolicy } from "../../../src/http/plugins/route-policy.ts";
import { makeTestApp, req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
beforeAll(async () => {
  ({ app, deps } = await makeTestApp());
});
afterAll(() => deps.cleanup());

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const name = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
const routesWhere = (keep: (r: App["routes"][number]) => boolean) => app.routes.filter(keep).map(name).sort();

/** Unsafe routes that take no CSRF token; each route says why in a comment. */
const CSRF_EXEMPT = [
  "POST /authorize",
  "POST /api/oidc/token",
  "ALL /api/oidc/token",
  "POST /api/oidc/userinfo",
  "ALL /api/oidc/userinfo",
  "POST /api/oidc/introspect",
  "ALL /api/oidc/introspect",
  "POST /api/oidc/revoke",
  "ALL /api/oidc/revoke",
  "POST /api/oidc/par",
  "ALL /api/oidc/par",
  "POST /api/oidc/device/authorize",
  "ALL /api/oidc/device/authorize",
  "POST /api/oidc/end-session",
  "ALL /api/forward-auth/verify",
  "ALL /api/forward-auth/verify/:appId",
  "ALL /api/forward-auth/verify/:appId/nginx",
].sort();

/** /api/ routes that anyone may call: the protocol endpoints, the sign-in ceremony, public images and metadata, sign-up, the (always empty) latest version. */
const PUBLIC_API = [
  ...["token", "userinfo", "introspect", "revoke", "par", "device/authorize"].flatMap((e) => ["POST", "ALL"].map((m) => `${m} /api/oidc/${e}`)),
  ...["token", "userinfo", "revoke", "par", "device/authorize"].map((e) => `OPTIONS /api/oidc/${e}`),
  "GET /api/oidc/userinfo",
  "GET /api/oidc/end-session",
  "POST /api/oidc/end-session",
  "POST /api/webauthn/login/start",
  "POST /api/webauthn/login/finish",
  "POST /api/webauthn/logout",
  "POST /api/one-time-access-email",
  "POST /api/one-time-access-token/:token",
  // Sign in with another device: the signed-out browser asks, then exchanges with its device token cookie.
  "POST /api/device-login/requests",
  "POST /api/device-login/requests/:id/exchange",
  "GET /api/application-configuration",
  "GET /api/oidc/clients/:id/meta",
  "GET /api/oidc/clients/:id/logo",
  "GET /api/users/:id/profile-picture.png",
  "GET /api/users/:id/profile-picture",
  "GET /api/version/latest",
  "GET /api/application-images/:kind",
  "POST /api/signup",
  "POST /api/signup/setup",
  "GET /api/signup/setup",
  "GET /api/openapi.json",
  "ALL /api/forward-auth/verify",
  "ALL /api/forward-auth/verify/:appId",
  "ALL /api/forward-auth/verify/:appId/nginx",
  "GET /api/forward-auth/callback",
  "GET /api/forward-auth/callback/:appId",
  "GET /api/forward-auth/start",
  "GET /api/forward-auth/start/:appId",
].sort();

/** /settings/ routes that only redirect to a page that is itself guarded. */
const SETTINGS_REDIRECTS = ["GET /settings", "GET /settings/admin"];

/** Routes that take file uploads (≤ 2 MiB files in multipart). */
const UPLOADS = [
  "POST /settings/account/picture",
  "PUT /api/users/me/profile-picture",
  "PUT /api/users/:id/profile-picture",
  "POST /api/oidc/clients/:id/logo",
  "PUT /api/application-images/:kind",
  "PUT /api/application-images/default-profile-picture",
  "POST /settings/admin/users/:id/picture",
  "POST /settings/admin/oidc-clients/:id/logo",
  "POST /settings/admin/application-configuration/images/:name",
].sort();

describe("every route declares what guards it", () => {
  test("every unsafe route is CSRF-checked unless it declares csrf: false; the exemptions are the reviewed ones", () => {
    expect(app.routes.length).toBeGreaterThan(200);
    expect(routesWhere((r) => !SAFE.has(r.method) && r.policy.csrf === false)).toEqual(CSRF_EXEMPT);
    // A safe method never needs the declaration.
    expect(routesWhere((r) => SAFE.has(r.method) && r.policy.csrf === false)).toEqual([]);
  });

  test("every /api/ route declares a sign-in unless it is on the reviewed public list", () => {
    expect(routesWhere((r) => r.path.startsWith("/api/") && r.policy.auth === undefined)).toEqual(PUBLIC_API);
    // Browser sign-in pages never answer JSON API paths, and API sign-ins never guard pages.
    expect(routesWhere((r) => r.path.startsWith("/api/") && (r.policy.auth === "admin-page" || r.policy.auth === "user-page"))).toEqual([]);
    expect(routesWhere((r) => !r.path.startsWith("/api/") && r.policy.auth !== undefined && r.policy.auth.endsWith("-api"))).toEqual([]);
  });

  test("a route signed in with X-API-Key (user-api, admin-api) spends the admin-API budget", () => {
    expect(routesWhere((r) => (r.policy.auth === "user-api" || r.policy.auth === "admin-api") && r.policy.budget !== "admin-api")).toEqual([]);
    expect(routesWhere((r) => r.policy.allowApiKey === false)).toEqual(["POST /api/api-keys", "POST /api/api-keys/:id/renew"]);
  });

  test("every /settings/ page declares a sign-in; administration pages the administrator's", () => {
    const settings = app.routes.filter((r) => r.path.startsWith("/settings") && !SETTINGS_REDIRECTS.includes(name(r)));
    expect(settings.length).toBeGreaterThan(60);
    expect(settings.filter((r) => r.policy.auth !== "admin-page" && r.policy.auth !== "user-page").map(name)).toEqual([]);
    expect(settings.filter((r) => r.path.startsWith("/settings/admin") && r.policy.auth !== "admin-page").map(name)).toEqual([]);
    expect(settings.filter((r) => r.path.startsWith("/settings/audit-log/global") && r.policy.auth !== "admin-page").map(name)).toEqual([]);
  });

  test("failure budgets sit on every method of the protocol endpoints and on the passkey sign-in finish", () => {
    const protocol = ["token", "introspect", "revoke", "par", "device/authorize"].map((e) => `/api/oidc/${e}`);
    expect(routesWhere((r) => r.policy.budget === "protocol")).toEqual(app.routes.filter((r) => protocol.includes(r.path)).map(name).sort());
    expect(routesWhere((r) => r.policy.budget === "userinfo")).toEqual(["ALL /api/oidc/userinfo", "GET /api/oidc/userinfo", "OPTIONS /api/oidc/userinfo", "POST /api/oidc/userinfo"]);
    expect(routesWhere((r) => r.policy.budget === "passkey")).toEqual(["POST /api/webauthn/login/finish"]);
  });

  test("the OpenAPI document's access of every operation is the sign-in its route declares", async () => {
    const doc = (await (await app.handle(req(deps, "/api/openapi.json"))).json()) as { paths: Record<string, Record<string, { "x-latchkey-access": string }>> };
    const declared = new Map(app.routes.map((r) => [name(r), r.policy]));
    // Browser session only: sessionApi, or userApi that refuses keys.
    const sessionOnly = (p: RoutePolicy) => p.auth === "session-api" || (p.auth === "user-api" && p.allowApiKey === false);
    const signInOf = (p: RoutePolicy | undefined) => (p === undefined ? "no such route" : sessionOnly(p) ? "session" : (p.auth ?? "public"));
    const expected: Record<string, string> = { public: "public", admin: "admin-api", user: "user-api", session: "session" };
    const mismatched: string[] = [];
    let operations = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        operations++;
        const route = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`;
        const actual = signInOf(declared.get(route));
        if (actual !== expected[op["x-latchkey-access"]]) mismatched.push(`${route}: documented ${op["x-latchkey-access"]}, declared ${actual}`);
      }
    }
    expect(operations).toBeGreaterThan(60);
    expect(mismatched).toEqual([]);
  });

  test("the admin-API budget sits only on /api/ routes", () => {
    expect(routesWhere((r) => r.policy.budget === "admin-api" && !r.path.startsWith("/api/"))).toEqual([]);
  });

  test("the upload limit sits on exactly the routes that take files", () => {
    expect(routesWhere((r) => r.policy.bodyLimit === "upload")).toEqual(UPLOADS);
  });
});

describe("the policy index finds what the router serves", () => {
  test("every route's own declaration, for its method and a concrete path", () => {
    const index = createRoutePolicyIndex(app.routes);
    const wrong: string[] = [];
    for (const r of app.routes) {
      const path = r.path.replace(/:\w+/g, "x1").replace(/\*$/, "app.css");
      const method = r.method === "ALL" ? "PUT" : r.method;
      if (index.find(method, path) !== r.policy) wrong.push(`${name(r)} as ${method} ${path}`);
    }
    expect(wrong).toEqual([]);
  });

  test("Elysia's fallbacks: HEAD finds GET, an unserved method finds ALL; a static path wins over a parameter", () => {
    const get: RoutePolicy = { auth: "user-page" };
    const all: RoutePolicy = { csrf: false };
    const param: RoutePolicy = { auth: "admin-api" };
    const me: RoutePolicy = { auth: "user-api" };
    const index = createRoutePolicyIndex([
      { method: "GET", path: "/a", policy: get },
      { method: "ALL", path: "/a", policy: all },
      { method: "GET", path: "/users/:id", policy: param },
      { method: "GET", path: "/users/me", policy: me },
      { method: "ALL", path: "/hooks/:id", policy: all },
    ]);
    expect(index.find("GET", "/a")).toBe(get);
    expect(index.find("HEAD", "/a")).toBe(get);
    expect(index.find("DELETE", "/a")).toBe(all);
    expect(index.find("GET", "/a/")).toBe(get); // strictPath is off
    expect(index.find("GET", "/users/me")).toBe(me);
    expect(index.find("GET", "/users/42")).toBe(param);
    expect(index.find("HEAD", "/users/42")).toBe(param);
    expect(index.find("POST", "/users/42")).toEqual({});
    expect(index.find("PATCH", "/hooks/1")).toBe(all);
    // Request methods are the client's strings: none finds an object's own members.
    for (const method of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(index.find(method, "/a")).toBe(all);
      expect(index.find(method, "/users/42")).toEqual({});
    }
  });

  test("a path no route serves gets every default: an unsafe request without a token is refused", async () => {
    const res = await app.handle(req(deps, "/settings/no-such-page", { method: "POST" }));
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toStartWith("text/html");
  });
});

describe("declarations", () => {
  test("a route with no declaration is guarded by the defaults: CSRF checked, no budget, the default body limit", () => {
    const plugin = new Elysia().use(routePolicy(app.web)).post("/plain", () => "ok");
    expect(policyOf(plugin.routes[0]!.hooks)).toEqual({});
  });

  test("declarations survive mounting, alone or beside other options", () => {
    const inner = new Elysia({ name: "inner" })
      .use(routePolicy(app.web))
      .options("/only-budget", () => "", { budget: "protocol" })
      .post("/with-parse", () => "", { parse: "none", csrf: false })
      .get("/signed-in", ({ session }) => session.userId, { userPage: true });
    const outer = new Elysia().onError(() => new Response(null, { status: 500 })).use(new Elysia().use(inner));
    expect(outer.routes.map((r) => [name(r), policyOf(r.hooks)])).toEqual([
      ["OPTIONS /only-budget", { budget: "protocol" }],
      ["POST /with-parse", { csrf: false }],
      ["GET /signed-in", { auth: "user-page" }],
    ]);
  });
});
