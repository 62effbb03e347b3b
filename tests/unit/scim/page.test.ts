/**
 * The SCIM section of a client's admin page, through app.handle with a real SCIM server on loopback: save
 * (refusals re-render the section with the field's message and write nothing), the token write-only (never in
 * the HTML; empty keeps it, "remove" removes it), Sync now with its outcome, turn off; CSRF and admin required.
 */
import { beforeEach, expect, test } from "bun:test";
import { createApp, type App } from "../../../src/app.ts";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { findScimProviderByClient } from "../../../src/db/scim.ts";
import { adminWorld, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { scimServerForFile, type ScimTestServer } from "../../helpers/scim-server.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

let srv: ScimTestServer;
let deps: TestDeps;
let app: App;
let f: AdminFixture;
let clientId: string;
let base: string;

scimServerForFile((s) => (srv = s));
adminWorld((w) => ({ app, deps, f } = w), { env: { DISABLE_RATE_LIMITING: "true" } });
beforeEach(() => {
  clientId = createClient(deps, CLI_ACTOR, { name: "Wiki", callbackUrls: ["https://wiki.example.com/cb"], unrestricted: true }).client.id;
  base = `/settings/admin/oidc-clients/${clientId}`;
});

async function post(path: string, form: Record<string, string> = {}, opts: { csrf?: boolean; who?: "admin" | "member" } = {}) {
  const res = await app.handle(pageReq(deps, f[opts.who ?? "admin"], "POST", path, { form, htmx: true, csrf: opts.csrf }));
  return { status: res.status, html: await res.text() };
}

test("the section: empty at first, saved with a token that never comes back, synced, turned off", async () => {
  const page = await (await app.handle(pageReq(deps, f.admin, "GET", base))).text();
  expect(page).toContain('id="client-scim"');
  expect(page).toContain("SCIM provisioning");
  expect(page).toContain("No token is stored.");
  expect(page).not.toContain("Sync now");

  const saved = await post(`${base}/scim`, { endpoint: srv.endpoint, token: srv.token });
  expect(saved.status).toBe(200);
  expect(saved.html.startsWith('<section class="section" id="client-scim"')).toBe(true);
  expect(saved.html).toContain("SCIM settings saved.");
  expect(saved.html).toContain("A token is stored.");
  expect(saved.html).not.toContain(srv.token);
  const p = findScimProviderByClient(deps.db, clientId)!;
  expect(p.endpoint).toBe(srv.endpoint);
  expect(deps.box.openText(`scim-token:${p.id}`, p.sealedToken!)).toBe(srv.token);

  // An empty token field keeps the token.
  await post(`${base}/scim`, { endpoint: srv.endpoint, token: "" });
  expect(findScimProviderByClient(deps.db, clientId)!.sealedToken).toBe(p.sealedToken);

  const synced = await post(`${base}/scim/sync`);
  expect(synced.status).toBe(200);
  expect(synced.html).toContain("Sync completed.");
  expect(synced.html).toContain("Users: 2 created, 0 updated, 0 removed, 0 unchanged");
  expect(srv.users.size).toBe(2);

  srv.token = "changed-on-the-server";
  const failed = await post(`${base}/scim/sync`);
  expect(failed.status).toBe(200);
  expect(failed.html).toContain('<div class="alert alert-error" role="alert">The sync did not complete: PUT /Users/');
  expect(failed.html).toContain("the SCIM server refused the token (Bearer token missing or invalid)");
  expect(failed.html).toContain('class="error-text scim-error"');

  const removedToken = await post(`${base}/scim`, { endpoint: srv.endpoint, token: "", removeToken: "on" });
  expect(removedToken.html).toContain("No token is stored.");
  expect(findScimProviderByClient(deps.db, clientId)!.sealedToken).toBeNull();

  const off = await post(`${base}/scim/delete`);
  expect(off.html).toContain("SCIM provisioning is off.");
  expect(findScimProviderByClient(deps.db, clientId)).toBeNull();
});

test("Sync now that outlasts the wait says it is still running", async () => {
  await post(`${base}/scim`, { endpoint: srv.endpoint, token: srv.token });
  srv.delayMs = 150;
  // The app copies its dependencies when made: one that waits 20 ms.
  deps.scimSyncWaitMs = 20;
  app = await createApp(deps);
  const r = await post(`${base}/scim/sync`);
  expect(r.status).toBe(200);
  expect(r.html).toContain("The sync is still running; reload the page later to see how it ended.");
  expect(r.html).toContain("A sync is running.");
  for (let i = 0; i < 200 && findScimProviderByClient(deps.db, clientId)!.claimedBy !== null; i++) await Bun.sleep(20);
  expect(findScimProviderByClient(deps.db, clientId)).toMatchObject({ lastError: null, claimedBy: null });
});

test("a refused endpoint or token re-renders the section with the field's message (422) and writes nothing; the token is not echoed", async () => {
  const bad = await post(`${base}/scim`, { endpoint: "ftp://x.example.com", token: "two words" });
  expect(bad.status).toBe(422);
  expect(bad.html).toContain("Enter an absolute http:// or https:// URL without user name, password, query or fragment.");
  expect(bad.html).toContain("The token must be at most 4096 characters, without spaces or control characters.");
  expect(bad.html).toContain('value="ftp://x.example.com"');
  expect(bad.html).not.toContain("two words");
  expect(findScimProviderByClient(deps.db, clientId)).toBeNull();
  const escaped = await post(`${base}/scim`, { endpoint: '"><script>alert(1)</script>' });
  expect(escaped.status).toBe(422);
  // The quote is escaped: the value stays inside its attribute.
  expect(escaped.html).toContain('value="&#34;><script>alert(1)</script>"');
  expect(escaped.html).not.toContain('""><script>');
});

test("CSRF and an administrator are required", async () => {
  expect((await post(`${base}/scim`, { endpoint: srv.endpoint }, { csrf: false })).status).toBe(403);
  expect((await post(`${base}/scim`, { endpoint: srv.endpoint }, { who: "member" })).status).toBe(403);
  expect(findScimProviderByClient(deps.db, clientId)).toBeNull();
  expect((await post(`${base}/scim/sync`)).status).toBe(404);
});
