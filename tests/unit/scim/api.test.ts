/**
 * SCIM service providers through the admin API (Pocket ID's paths and JSON), with app.handle over a real database
 * and a real SCIM server on loopback: create/get/update/delete, precise refusals that write nothing, the token
 * never answered or audited, "Sync now" reporting success, a failure (502) and a running sync (409).
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { createApp, type App } from "../../../src/app.ts";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient, setAllowedGroups } from "../../../src/admin/oidc-clients.ts";
import { createUserGroup, setGroupMembers } from "../../../src/admin/user-groups.ts";
import { listProvisionedResources } from "../../../src/db/scim.ts";
import { normaliseEndpoint } from "../../../src/scim/providers.ts";
import { apiReq, json, adminWorld, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { scimServerForFile, type ScimTestServer } from "../../helpers/scim-server.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

let srv: ScimTestServer;
let deps: TestDeps;
let app: App;
let f: AdminFixture;
let clientId: string;

scimServerForFile((s) => (srv = s));
adminWorld((w) => ({ app, deps, f } = w), { env: { DISABLE_RATE_LIMITING: "true" } });
beforeEach(() => {
  const staff = createUserGroup(deps, CLI_ACTOR, { friendlyName: "Staff" });
  setGroupMembers(deps, CLI_ACTOR, staff.id, { userIds: [f.admin.user.id] });
  clientId = createClient(deps, CLI_ACTOR, { name: "Wiki", callbackUrls: ["https://wiki.example.com/cb"] }).client.id;
  setAllowedGroups(deps, CLI_ACTOR, clientId, [staff.id]);
});

const api = (method: string, path: string, body?: unknown) => json(app, apiReq(deps, f.admin.key, method, path, body));
const rowCount = () => deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM scim_service_providers").get()!.n;

describe("the admin API", () => {
  test("create, get by client, update, delete: Pocket ID's JSON, never the token", async () => {
    const created = await api("POST", "/api/scim/service-provider", { endpoint: `${srv.endpoint}/`, token: srv.token, oidcClientId: clientId });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      endpoint: srv.endpoint,
      hasToken: true,
      lastSyncedAt: null,
      oidcClientId: clientId,
      oidcClient: { id: clientId, name: "Wiki", description: "", hasLogo: false, hasDarkLogo: false, launchURL: null, requiresReauthentication: false, clientType: "standard" },
      createdAt: expect.any(String),
      status: { lastAttemptAt: null, lastSyncedAt: null, lastError: null, counts: null, running: false },
    });
    const id = created.body.id as string;
    const got = await api("GET", `/api/oidc/clients/${clientId}/scim-service-provider`);
    expect(got).toMatchObject({ status: 200, body: created.body });
    expect(JSON.stringify(got.body)).not.toContain(srv.token);

    // Absent token: kept; "" removes it; a new one replaces it.
    const kept = await api("PUT", `/api/scim/service-provider/${id}`, { endpoint: srv.endpoint, oidcClientId: clientId });
    expect(kept).toMatchObject({ status: 200, body: { hasToken: true } });
    const removed = await api("PUT", `/api/scim/service-provider/${id}`, { endpoint: srv.endpoint, token: "", oidcClientId: clientId });
    expect(removed.body.hasToken).toBe(false);
    const raw = () => deps.db.query<{ token: string | null }, [string]>("SELECT token FROM scim_service_providers WHERE id = ?").get(id)!.token;
    expect(raw()).toBeNull();
    const replaced = await api("PUT", `/api/scim/service-provider/${id}`, { endpoint: srv.endpoint, token: "another-token", oidcClientId: clientId });
    expect(replaced.body.hasToken).toBe(true);
    expect(raw()!.startsWith("lk")).toBe(true);
    expect(raw()).not.toContain("another-token");

    const audit = deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE data LIKE '%scim_service_provider%' ORDER BY created_at").all().map((r) => JSON.parse(r.data));
    expect(audit.map((a) => [a.action, a.changes])).toEqual([
      ["create", { oidcClientId: clientId, endpoint: srv.endpoint, token: "set" }],
      ["update", {}],
      ["update", { token: "removed" }],
      ["update", { token: "replaced" }],
    ]);
    expect(JSON.stringify(deps.db.query("SELECT * FROM audit_logs").all())).not.toContain(srv.token);

    expect((await api("DELETE", `/api/scim/service-provider/${id}`)).status).toBe(204);
    expect(await api("GET", `/api/oidc/clients/${clientId}/scim-service-provider`)).toMatchObject({ status: 404, body: { error: "not_found", message: "No such SCIM service provider." } });
    expect((await api("DELETE", `/api/scim/service-provider/${id}`)).status).toBe(404);
  });

  test.each([
    [{ token: "t", oidcClientId: "CLIENT" }, { endpoint: "Fill in this field." }],
    [{ endpoint: "ftp://scim.example.com", oidcClientId: "CLIENT" }, { endpoint: "Enter an absolute http:// or https:// URL without user name, password, query or fragment." }],
    [{ endpoint: "https://user:pw@scim.example.com/v2", oidcClientId: "CLIENT" }, { endpoint: "Enter an absolute http:// or https:// URL without user name, password, query or fragment." }],
    [{ endpoint: "https://scim.example.com/v2?x=1", oidcClientId: "CLIENT" }, { endpoint: "Enter an absolute http:// or https:// URL without user name, password, query or fragment." }],
    [{ endpoint: "/scim/v2", oidcClientId: "CLIENT" }, { endpoint: "Enter an absolute http:// or https:// URL without user name, password, query or fragment." }],
    [{ endpoint: "https://scim.example.com/v2", token: "two words", oidcClientId: "CLIENT" }, { token: "The token must be at most 4096 characters, without spaces or control characters." }],
    [{ endpoint: "https://scim.example.com/v2", token: "x\r\nX-Injected: 1", oidcClientId: "CLIENT" }, { token: "The token must be at most 4096 characters, without spaces or control characters." }],
    [{ endpoint: "https://scim.example.com/v2", token: "t".repeat(4097), oidcClientId: "CLIENT" }, { token: "The token must be at most 4096 characters, without spaces or control characters." }],
    [{ endpoint: "https://scim.example.com/v2" }, { oidcClientId: "Fill in this field." }],
  ])("refused with the field's message, nothing written (%#)", async (input, fields) => {
    const body = JSON.parse(JSON.stringify(input).replaceAll("CLIENT", clientId));
    const r = await api("POST", "/api/scim/service-provider", body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: "bad_request", message: "Please correct the highlighted fields.", fields });
    expect(rowCount()).toBe(0);
  });

  test.each([
    ["HTTPS://SCIM.Example.COM/v2/", "https://scim.example.com/v2"],
    ["https:\\\\scim.example.com\\v2", "https://scim.example.com/v2"],
    ["https://scim.example.com/a/../v2", "https://scim.example.com/v2"],
    ["https://scim.example.com/a/%2e%2E/v2", "https://scim.example.com/v2"],
    ["https://scim.example.com/v2//", "https://scim.example.com/v2"],
    ["https://bücher.example/scim", "https://xn--bcher-kva.example/scim"],
    ["https://scim.example.com", "https://scim.example.com"],
    ["https://scim.example.com/v2#", null],
    ["https://scim.example.com/v2?", null],
    ["https://scim.example.com/v\u00002", null],
    ["https://scim.exa\nmple.com/v2", null],
    ["https://scim.example.com/v2\t", null],
    ["https://scim.example.com/v 2", null],
    ["https://scim.example.com:99999/v2", null],
    ["https://", null],
    ["https:", null],
    ["javascript:alert(1)", null],
    ["file:///etc/passwd", null],
    [`https://scim.example.com/${"a".repeat(2048)}`, null],
  ])("endpoint %j is stored as %j (null: refused)", (raw, stored) => {
    expect(normaliseEndpoint(raw)).toBe(stored);
  });

  test("an unknown client is 404, a second provider for a client 409", async () => {
    expect(await api("POST", "/api/scim/service-provider", { endpoint: srv.endpoint, oidcClientId: "nope" })).toMatchObject({ status: 404, body: { message: "No such OIDC client." } });
    expect(await api("GET", "/api/oidc/clients/nope/scim-service-provider")).toMatchObject({ status: 404, body: { message: "No such OIDC client." } });
    expect(await api("GET", `/api/oidc/clients/${clientId}/scim-service-provider`)).toMatchObject({ status: 404, body: { message: "No such SCIM service provider." } });
    expect((await api("POST", "/api/scim/service-provider", { endpoint: srv.endpoint, oidcClientId: clientId })).status).toBe(201);
    expect(await api("POST", "/api/scim/service-provider", { endpoint: srv.endpoint, oidcClientId: clientId })).toMatchObject({ status: 409, body: { message: "This client already has a SCIM service provider." } });
    expect(rowCount()).toBe(1);
  });

  test("Sync now: 200 with the status; a wrong token 502 with the server's words; a running sync 409", async () => {
    const { body } = await api("POST", "/api/scim/service-provider", { endpoint: srv.endpoint, token: srv.token, oidcClientId: clientId });
    const ok = await api("POST", `/api/scim/service-provider/${body.id}/sync`);
    expect(ok.status).toBe(200);
    const syncedAt = ok.body.lastSyncedAt as string;
    expect(syncedAt).toBe(new Date(Math.floor(deps.clock.now() / 1000) * 1000).toISOString());
    expect(ok.body).toMatchObject({ lastError: null, lastSyncedAt: expect.any(String), running: false, counts: { usersCreated: 1, groupsCreated: 1, failed: 0 } });
    expect(srv.userByName("alice")).toBeDefined();
    expect((await api("GET", `/api/oidc/clients/${clientId}/scim-service-provider`)).body.lastSyncedAt).toBe(syncedAt);

    srv.token = "rotated-on-the-server";
    const failed = await api("POST", `/api/scim/service-provider/${body.id}/sync`);
    expect(failed).toMatchObject({
      status: 502,
      body: { error: "upstream_failed", message: "The sync did not complete: PUT /Users/u-1: HTTP 401: the SCIM server refused the token (Bearer token missing or invalid)" },
    });
    const status = (await api("GET", `/api/oidc/clients/${clientId}/scim-service-provider`)).body.status;
    expect(status).toMatchObject({ lastError: "PUT /Users/u-1: HTTP 401: the SCIM server refused the token (Bearer token missing or invalid)", lastSyncedAt: syncedAt });

    deps.db.query("UPDATE scim_service_providers SET claimed_by = 'elsewhere', claim_expires_at = ?").run(deps.clock.now() + 60_000);
    expect((await api("GET", `/api/oidc/clients/${clientId}/scim-service-provider`)).body.status.running).toBe(true);
    expect(await api("POST", `/api/scim/service-provider/${body.id}/sync`)).toMatchObject({ status: 409, body: { message: "A sync of this provider is already running." } });
  });

  test("a sync longer than the wait answers 202 with running: true, goes on, and its outcome becomes the status", async () => {
    const { body } = await api("POST", "/api/scim/service-provider", { endpoint: srv.endpoint, token: srv.token, oidcClientId: clientId });
    srv.delayMs = 150;
    // The app copies its dependencies when made: one that waits 20 ms.
  deps.scimSyncWaitMs = 20;
  app = await createApp(deps);
    const r = await api("POST", `/api/scim/service-provider/${body.id}/sync`);
    expect(r).toMatchObject({ status: 202, body: { running: true, lastSyncedAt: null } });
    // While it runs, a second request is refused.
    expect((await api("POST", `/api/scim/service-provider/${body.id}/sync`)).status).toBe(409);
    for (let i = 0; i < 200 && (await api("GET", `/api/oidc/clients/${clientId}/scim-service-provider`)).body.status.running; i++) await Bun.sleep(20);
    const after = (await api("GET", `/api/oidc/clients/${clientId}/scim-service-provider`)).body;
    expect(after.status).toMatchObject({ running: false, lastError: null, counts: { usersCreated: 1, groupsCreated: 1 } });
    expect(srv.userByName("alice")).toBeDefined();
  });

  test("moving a provider to another endpoint forgets what the old server holds", async () => {
    const { body } = await api("POST", "/api/scim/service-provider", { endpoint: srv.endpoint, token: srv.token, oidcClientId: clientId });
    await api("POST", `/api/scim/service-provider/${body.id}/sync`);
    expect(listProvisionedResources(deps.db, body.id).length).toBe(2);
    await api("PUT", `/api/scim/service-provider/${body.id}`, { endpoint: "https://elsewhere.example.com/scim" });
    expect(listProvisionedResources(deps.db, body.id)).toEqual([]);
  });
});
