/** Admin side of issue 10: the protocol settings in the REST API and the client form, and the back-channel status panel. */
import { afterEach, expect, test } from "bun:test";
import { recordBackchannelFailure } from "../../../src/db/oidc-protocols.ts";
import { findClientById } from "../../../src/oidc/clients.ts";
import { apiReq, json, makeAdminFixture, pageReq } from "../../helpers/admin-fixture.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
afterEach(() => deps.cleanup());

const jwk = { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", kid: "k1" };

test("REST API: create and read the protocol settings; validation errors per field", async () => {
  const made = await makeTestApp();
  deps = made.deps;
  const { admin } = makeAdminFixture(deps);
  const created = await json(
    made.app,
    apiReq(deps, admin.key, "POST", "/api/oidc/clients", {
      name: "Machine",
      callbackURLs: ["https://m.example.com/cb"],
      requirePar: true,
      backchannelLogoutUri: "https://m.example.com/bc",
      tokenEndpointAuthMethod: "private_key_jwt",
      jwks: { keys: [jwk] },
      credentialsScopes: ["jobs:run"],
    }),
  );
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({
    requirePar: true,
    backchannelLogoutUri: "https://m.example.com/bc",
    tokenEndpointAuthMethod: "private_key_jwt",
    jwks: { keys: [jwk] },
    jwksUri: null,
    credentialsScopes: ["jobs:run"],
  });
  const bad = await json(
    made.app,
    apiReq(deps, admin.key, "PUT", `/api/oidc/clients/${created.body.id}`, { jwks: { keys: [{ ...jwk, d: "secret" }] }, backchannelLogoutUri: "ftp://x" }),
  );
  expect(bad.status).toBe(400);
  expect(Object.keys(bad.body.fields ?? bad.body.errors ?? {}).sort()).toEqual(["backchannelLogoutUri", "jwks"]);
});

test("admin form saves the protocol fields; the client page shows back-channel delivery failures", async () => {
  const made = await makeTestApp();
  deps = made.deps;
  const { admin } = makeAdminFixture(deps);
  const created = await json(made.app, apiReq(deps, admin.key, "POST", "/api/oidc/clients", { name: "Wiki", callbackURLs: ["https://wiki.example.com/cb"] }));
  const id = created.body.id as string;
  const form = {
    name: "Wiki",
    callbackUrl: "https://wiki.example.com/cb",
    accessTokenDurationMinutes: "60",
    refreshTokenDurationMinutes: "43200",
    requirePar: "on",
    backchannelLogoutUri: "https://wiki.example.com/bc",
    tokenEndpointAuthMethod: "client_secret_basic",
    jwks: "",
    jwksUri: "",
    credentialsScopes: "a b",
  };
  const saved = await made.app.handle(pageReq(deps, admin, "POST", `/settings/admin/oidc-clients/${id}`, { form, htmx: true }));
  expect(saved.status).toBe(200);
  const c = findClientById(deps.db, id)!;
  expect([c.requirePar, c.backchannelLogoutUri, c.credentialsScopes]).toEqual([true, "https://wiki.example.com/bc", ["a", "b"]]);
  recordBackchannelFailure(deps.db, id, Math.floor(deps.clock.now() / 1000), "Could not connect: <refused>", false);
  const page = await made.app.handle(pageReq(deps, admin, "GET", `/settings/admin/oidc-clients/${id}`));
  const html = await page.text();
  expect(html).toContain("Back-channel logout");
  expect(html).toContain("The last delivery failed");
  expect(html).toContain("Could not connect: &lt;refused&gt;");
  expect(html).toContain('name="requirePar"');
});
