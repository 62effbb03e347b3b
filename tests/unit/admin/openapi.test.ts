import { afterEach, expect, test } from "bun:test";
import { adminRoutes } from "../../../src/http/routes/admin-index.ts";
import { emailRoutes } from "../../../src/http/routes/email.ts";
import { OPERATIONS } from "../../../src/http/routes/api-openapi.ts";
import { givenSecretProblem, MAX_GIVEN_SECRET_LENGTH, MIN_GIVEN_SECRET_LENGTH } from "../../../src/oidc/clients.ts";
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
