import { afterEach, expect, test } from "bun:test";
import { adminRoutes } from "../../../src/http/routes/admin-index.ts";
import { emailRoutes } from "../../../src/http/routes/email.ts";
import { OPERATIONS } from "../../../src/http/routes/api-openapi.ts";
import { makeTestApp, req, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
afterEach(() => deps.cleanup());

test("the OpenAPI document lists exactly the /api routes this area mounts", async () => {
  const made = await makeTestApp();
  deps = made.deps;
  // The email area's API routes (src/http/routes/email.ts) are documented here too.
  const mounted = [...adminRoutes(made.app.web).routes, ...emailRoutes(made.app.web).routes]
    .filter((r) => r.path.startsWith("/api/"))
    .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
    .sort();
  const documented = OPERATIONS.map((o) => `${o.method} ${o.path}`).sort();
  expect(documented).toEqual(mounted);

  const res = await made.app.handle(req(deps, "/api/openapi.json"));
  expect(res.status).toBe(200);
  const doc = (await res.json()) as any;
  expect(doc.openapi).toBe("3.1.0");
  expect(doc.components.securitySchemes.apiKey).toEqual({ type: "apiKey", in: "header", name: "X-API-Key" });
  expect(doc.paths["/api/users"].get.parameters.map((p: any) => p.name)).toContain("pagination[page]");
  expect(Object.keys(doc.paths["/api/users/{id}"].put.responses).sort()).toEqual(["200", "400", "401", "403", "404"]);
  // Every $ref resolves.
  const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
  for (const r of refs) expect(doc.components.schemas[r]).toBeDefined();
});
