/**
 * The OpenAPI document at /api/openapi.json is generated from the routes' schemas (src/http/openapi.ts):
 * every /api route the app mounts is in it (except the OAuth/OIDC and forward-auth wire protocols, named
 * below with why), with the request schema Elysia validates it with, and the document has the structure
 * of OpenAPI 3.1.
 */
import { afterEach, expect, test } from "bun:test";
import { adminRoutes } from "../../../src/http/routes/admin-index.ts";
import { auditLogRoutes } from "../../../src/http/routes/audit-log.ts";
import { authRoutes } from "../../../src/http/routes/auth.ts";
import { deviceLoginRoutes } from "../../../src/http/routes/device-login.ts";
import { emailRoutes } from "../../../src/http/routes/email.ts";
import { oidcRoutes } from "../../../src/http/routes/oidc.ts";
import { webauthnApiRoutes } from "../../../src/http/routes/webauthn-api.ts";
import { givenSecretProblem, MAX_GIVEN_SECRET_LENGTH, MIN_GIVEN_SECRET_LENGTH } from "../../../src/oidc/client-secrets.ts";
import { makeTestApp, req, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
afterEach(() => deps.cleanup());

const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");
/** The POST/PUT routes that read no body at all. */
const BODILESS = [
  "post /api/application-configuration/test-email", "post /api/application-configuration/sync-ldap", "post /api/application-configuration/test-ldap",
  "post /api/users/me/send-email-verification", "post /api/device-login/requests", "post /api/device-login/requests/{id}/exchange",
  "post /api/one-time-access-token/{token}", "post /api/webauthn/login/start", "post /api/webauthn/register/start",
  "post /api/webauthn/reauthenticate/start", "post /api/webauthn/logout", "post /api/scim/service-provider/{id}/sync",
  "post /api/oidc/clients/{id}/refresh",
];

/**
 * /api paths that are not the JSON API, so not in the document: wire protocols whose requests and errors their
 * specifications define (form-encoded bodies, RFC 6749 error objects, described by discovery), and forward auth,
 * which a reverse proxy calls and answers with headers and redirects. Their OPTIONS (CORS) and ALL routes too.
 */
const PROTOCOL_PATHS = [
  "/api/oidc/token", "/api/oidc/userinfo", "/api/oidc/introspect", "/api/oidc/revoke", "/api/oidc/par", "/api/oidc/device/authorize",
  "/api/oidc/end-session", "/api/forward-auth/verify", "/api/forward-auth/verify/{appId}", "/api/forward-auth/verify/{appId}/nginx",
  "/api/forward-auth/start", "/api/forward-auth/start/{appId}", "/api/forward-auth/callback", "/api/forward-auth/callback/{appId}",
];

test("every /api route the app mounts is documented, or is a wire protocol named above", async () => {
  const made = await makeTestApp();
  deps = made.deps;
  const doc = (await (await made.app.handle(req(deps, "/api/openapi.json"))).json()) as any;
  const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]: [string, any]) => Object.keys(ops).map((m) => `${m} ${path}`)));
  const api = made.app.routes.filter((r) => r.path.startsWith("/api/")).map((r) => ({ method: r.method.toLowerCase(), path: openApiPath(r.path) }));
  const undocumented = api.filter((r) => !documented.has(`${r.method} ${r.path}`) && !PROTOCOL_PATHS.includes(r.path)).map((r) => `${r.method} ${r.path}`);
  expect(undocumented).toEqual([]);
  // The exemptions are exact: each names a mounted path, and none of them is documented.
  const mountedPaths = new Set(api.map((r) => r.path));
  expect(PROTOCOL_PATHS.filter((p) => !mountedPaths.has(p))).toEqual([]);
  expect(PROTOCOL_PATHS.filter((p) => doc.paths[p])).toEqual([]);
  // Sign in with another device (issue 22) in particular.
  expect(Object.keys(doc.paths).filter((p) => p.startsWith("/api/device-login/")).sort()).toEqual([
    "/api/device-login/requests", "/api/device-login/requests/{id}/exchange", "/api/device-login/verification", "/api/device-login/verification/decision",
  ]);
});

test("every documented /api route of these areas carries the schemas it is validated with", async () => {
  const made = await makeTestApp();
  deps = made.deps;
  const web = made.app.web;
  const areas = [adminRoutes(web), emailRoutes(web), deviceLoginRoutes(web), authRoutes(web), webauthnApiRoutes(web), auditLogRoutes(web), oidcRoutes(web)];
  const mounted = areas.flatMap((a) => a.routes).filter((r) => r.path.startsWith("/api/") && !PROTOCOL_PATHS.includes(openApiPath(r.path)) && r.method !== "OPTIONS" && r.method !== "ALL");
  const res = await made.app.handle(req(deps, "/api/openapi.json"));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  const doc = (await res.json()) as any;
  const resolve = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.split("/").pop()] : s);

  const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]: [string, any]) => Object.keys(ops).map((m) => `${m} ${path}`)));
  for (const r of mounted) {
    const name = `${r.method.toLowerCase()} ${openApiPath(r.path)}`;
    expect([name, documented.has(name)]).toEqual([name, true]);
  }

  for (const route of mounted) {
    const name = `${route.method.toLowerCase()} ${openApiPath(route.path)}`;
    const op = doc.paths[openApiPath(route.path)][route.method.toLowerCase()];
    const hooks = route.hooks as { body?: any; query?: any };
    if (route.method === "POST" || route.method === "PUT" || route.method === "PATCH") {
      // A route that reads a body declares its schema.
      expect([name, hooks.body !== undefined || BODILESS.includes(name)]).toEqual([name, true]);
    }
    if (hooks.body) {
      const content = op.requestBody.content;
      const documentedBody = resolve((content["application/json"] ?? content["multipart/form-data"]).schema);
      const declared = hooks.body.anyOf?.find((s: any) => s.type === "object" || s.type === "array") ?? hooks.body;
      expect([name, documentedBody.type, Object.keys(documentedBody.properties ?? {}).sort()]).toEqual([name, declared.type, Object.keys(declared.properties ?? {}).sort()]);
      expect([name, Object.keys(op.responses)]).toEqual([name, expect.arrayContaining(["400"])]);
    } else {
      expect([name, op.requestBody]).toEqual([name, undefined]);
    }
    const queryParams = op.parameters.filter((p: any) => p.in === "query").map((p: any) => p.name).sort();
    expect([name, queryParams]).toEqual([name, Object.keys(hooks.query?.properties ?? {}).sort()]);
  }

  expect(doc.paths["/api/users"].get.parameters.map((p: any) => p.name)).toContain("pagination[page]");
  expect(Object.keys(doc.paths["/api/users/{id}"].put.responses).sort()).toEqual(["200", "400", "401", "403", "404"]);
  expect(doc.paths["/api/users/{id}/profile-picture"].put.requestBody.content["multipart/form-data"].schema.properties.file).toEqual({
    description: "The image (at most 2 MB)",
    type: "string",
    format: "binary",
  });
});

test("the document has the structure of OpenAPI 3.1: info, paths, operations, security schemes, resolvable references", async () => {
  const made = await makeTestApp();
  deps = made.deps;
  const doc = (await (await made.app.handle(req(deps, "/api/openapi.json"))).json()) as any;
  expect(doc.openapi).toBe("3.1.0");
  expect(typeof doc.info.title).toBe("string");
  expect(typeof doc.info.version).toBe("string");
  expect(doc.servers).toEqual([{ url: deps.config.appUrl }]);
  expect(doc.components.securitySchemes.apiKey).toEqual({ type: "apiKey", in: "header", name: "X-API-Key" });
  expect(doc.components.securitySchemes.session).toMatchObject({ type: "apiKey", in: "cookie" });
  const schemes = Object.keys(doc.components.securitySchemes);
  for (const [path, ops] of Object.entries(doc.paths) as [string, any][]) {
    expect(path.startsWith("/api/")).toBe(true);
    const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(ops) as [string, any][]) {
      const name = `${method} ${path}`;
      expect([name, ["get", "put", "post", "delete", "patch"].includes(method)]).toEqual([name, true]);
      expect([name, typeof op.summary, op.tags.length]).toEqual([name, "string", 1]);
      // Every path template parameter is declared, in: path, required.
      const pathParams = op.parameters.filter((p: any) => p.in === "path");
      expect([name, pathParams.map((p: any) => p.name)]).toEqual([name, templated]);
      expect([name, pathParams.every((p: any) => p.required === true)]).toEqual([name, true]);
      // At least one success answer; every answer has a description.
      expect([name, Object.keys(op.responses).some((s) => /^2\d\d$/.test(s))]).toEqual([name, true]);
      for (const r of Object.values(op.responses) as any[]) expect([name, typeof r.description]).toEqual([name, "string"]);
      // Security names only defined schemes; public operations have none.
      for (const requirement of op.security) for (const scheme of Object.keys(requirement)) expect([name, schemes.includes(scheme)]).toEqual([name, true]);
      expect([name, op.security.length === 0]).toEqual([name, op["x-latchkey-access"] === "public"]);
    }
  }
  // Every $ref resolves; every JSON Schema type is one JSON Schema knows (no TypeBox-only kinds).
  const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
  expect(refs.length).toBeGreaterThan(0);
  for (const r of refs) expect([r, doc.components.schemas[r] !== undefined]).toEqual([r, true]);
  const types = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== "object" || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === "type" && typeof v === "string") types.add(v);
      walk(v);
    }
  };
  walk(doc.components.schemas);
  walk(doc.paths);
  for (const type of types) expect([type, ["string", "number", "integer", "boolean", "array", "object", "null"].includes(type)]).toEqual([type, true]);
  // The one error shape (src/http/plugins/errors.ts), with every member, is what every error answer refers to.
  expect(doc.components.schemas.Error).toMatchObject({ type: "object", required: ["error", "message"] });
  expect(Object.keys(doc.components.schemas.Error.properties)).toEqual(["error", "message", "fields", "requestId"]);
  // Elysia's bookkeeping and our field messages stay out of the document.
  const text = JSON.stringify(doc);
  expect(text).not.toContain('"additionalProperties":false');
  expect(text).not.toContain('"error":"must');
  expect(text).not.toContain("x-checked-by-domain");
});

test("the client secret operation documents the declarative value exactly as the domain checks it", async () => {
  const made = await makeTestApp();
  deps = made.deps;
  const doc = (await (await made.app.handle(req(deps, "/api/openapi.json"))).json()) as any;
  const op = doc.paths["/api/oidc/clients/{id}/secrets"].post;
  // Pocket ID: the body is optional ({} or none generates a secret); a value already in use is a 409.
  expect(op.requestBody.required).toBe(false);
  expect(op.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ClientSecretInput" });
  expect(Object.keys(op.responses).sort()).toEqual(["201", "400", "401", "403", "404", "409"]);
  const input = doc.components.schemas.ClientSecretInput.properties.secret;
  expect([input.minLength, input.maxLength]).toEqual([MIN_GIVEN_SECRET_LENGTH, MAX_GIVEN_SECRET_LENGTH]);
  // The documented pattern accepts exactly the characters the domain accepts.
  const pattern = new RegExp(input.pattern);
  const samples = [...Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)), "\u00a0", "é", "🔑", "\u2028"];
  for (const ch of samples) {
    const value = ch.repeat(MIN_GIVEN_SECRET_LENGTH);
    expect({ ch, documented: pattern.test(value) }).toEqual({ ch, documented: givenSecretProblem(value) === null });
  }
  expect(doc.components.schemas.ClientSecret.properties.isActive.type).toBe("boolean");
  expect(doc.components.schemas.ClientSecret.properties.prefix.description).toBe("The first 4 characters of the secret");
});
