import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { listAuditLogsOfUser } from "../../../src/db/audit-logs.ts";
import { adminWorld, apiReq, json, pageReq, reauthenticated, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

adminWorld((w) => ({ app, deps, f } = w), { env: { STATIC_API_KEY: "static-key-0123456789abcdef" } });

describe("API authentication", () => {
  test("no credentials → 401 unauthenticated", async () => {
    const r = await json(app, apiReq(deps, null, "GET", "/api/users"));
    expect(r.status).toBe(401);
    expect(r.body.error).toBe("unauthenticated");
  });
  test("unknown key → 401", async () => {
    const r = await json(app, apiReq(deps, "nope", "GET", "/api/users"));
    expect(r.status).toBe(401);
    expect(r.body.message).toBe("The API key is not valid.");
  });
  test("expired key → 401", async () => {
    const r = await json(app, apiReq(deps, f.expiredKey, "GET", "/api/users"));
    expect(r.status).toBe(401);
    expect(r.body.message).toBe("The API key has expired.");
  });
  test("non-admin user's key → 403 forbidden", async () => {
    const r = await json(app, apiReq(deps, f.member.key, "GET", "/api/users"));
    expect(r.status).toBe(403);
    expect(r.body.error).toBe("forbidden");
  });
  test("admin key works and records last use", async () => {
    const r = await json(app, apiReq(deps, f.admin.key, "GET", "/api/users"));
    expect(r.status).toBe(200);
    const keys = await json(app, apiReq(deps, f.admin.key, "GET", "/api/api-keys"));
    expect(keys.body.data.find((k: any) => k.name === "alice key").lastUsedAt).not.toBeNull();
  });
  test("STATIC_API_KEY acts as an admin without a user row", async () => {
    const r = await json(app, apiReq(deps, "static-key-0123456789abcdef", "GET", "/api/users"));
    expect(r.status).toBe(200);
    expect(r.body.data.map((u: any) => u.username)).toEqual(["alice", "bob"]);
    const created = await json(app, apiReq(deps, "static-key-0123456789abcdef", "POST", "/api/user-groups", { friendlyName: "Ops" }));
    expect(created.status).toBe(201);
    const audit = deps.db.query<{ user_id: string | null; data: string }, []>("SELECT user_id, data FROM audit_logs WHERE event = 'ADMIN_CHANGE'").get()!;
    expect(audit.user_id).toBeNull();
    expect(JSON.parse(audit.data).actor).toBe("static-api-key");
    // The synthetic principal is not a user: it cannot be fetched or edited.
    expect((await json(app, apiReq(deps, f.admin.key, "GET", "/api/users/00000000-0000-0000-0000-000000000000"))).status).toBe(404);
  });
  test("a disabled user's key stops working", async () => {
    deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(f.member.user.id);
    const r = await json(app, apiReq(deps, f.member.key, "GET", "/api/api-keys"));
    expect(r.status).toBe(401);
  });
  test("admin session cookie works; unsafe methods need the CSRF token", async () => {
    expect((await app.handle(pageReq(deps, f.admin, "GET", "/api/users"))).status).toBe(200);
    const refused = await json(app, pageReq(deps, f.admin, "POST", "/api/user-groups", { csrf: false }));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("csrf_failed");
  });
});

describe("/api/api-keys", () => {
  test("create needs a browser session, returns the key once, and the key works", async () => {
    const viaKey = await json(app, apiReq(deps, f.admin.key, "POST", "/api/api-keys", { name: "ci", expiresAt: "2027-01-01T00:00:00Z" }));
    expect(viaKey.status).toBe(403);
    const res = await app.handle(
      new Request(deps.config.appUrl + "/api/api-keys", {
        method: "POST",
        headers: { Cookie: reauthenticated(deps, f.admin).cookie, "X-CSRF-Token": f.admin.csrf, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "ci deploy", description: "deploys", expiresAt: "2027-01-01T00:00:00Z" }),
      }),
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(body.apiKey).toMatchObject({ name: "ci deploy", description: "deploys", expiresAt: "2027-01-01T00:00:00.000Z", lastUsedAt: null });
    const stored = deps.db.query<{ key_hash: string }, [string]>("SELECT key_hash FROM api_keys WHERE id = ?").get(body.apiKey.id)!;
    expect(stored.key_hash).not.toContain(body.token);
    expect((await json(app, apiReq(deps, body.token, "GET", "/api/users"))).status).toBe(200);
    const entries = listAuditLogsOfUser(deps.db, f.admin.user.id, 10, 0);
    expect(entries.some((e) => e.event === "ADMIN_CHANGE" && !JSON.stringify(e.data).includes(body.token))).toBe(true);
  });
  test("validation: name and a future expiry are required", async () => {
    const res = await app.handle(
      new Request(deps.config.appUrl + "/api/api-keys", {
        method: "POST",
        headers: { Cookie: f.admin.cookie, "X-CSRF-Token": f.admin.csrf, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "x", expiresAt: "2020-01-01" }),
      }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error).toBe("bad_request");
    expect(body.fields).toEqual({ name: "Use at least 3 characters.", expiresAt: "Choose a date in the future." });
  });
  test("revoke: own keys only; unknown → 404; revoked key → 401", async () => {
    const list = await json(app, apiReq(deps, f.member.key, "GET", "/api/api-keys"));
    expect(list.body.data).toHaveLength(1);
    const id = list.body.data[0].id;
    expect((await json(app, apiReq(deps, f.admin.key, "DELETE", `/api/api-keys/${id}`))).status).toBe(404);
    expect((await app.handle(apiReq(deps, f.member.key, "DELETE", `/api/api-keys/${id}`))).status).toBe(204);
    expect((await json(app, apiReq(deps, f.member.key, "GET", "/api/api-keys"))).status).toBe(401);
  });
});

describe("/api/api-keys/:id/renew", () => {
  test("renews only expired keys, with a new value; browser session only", async () => {
    const post = (path: string, body: unknown) =>
      json(app, new Request(deps.config.appUrl + path, { method: "POST", headers: { Cookie: reauthenticated(deps, f.admin).cookie, "X-CSRF-Token": f.admin.csrf, "Content-Type": "application/json" }, body: JSON.stringify(body) }));
    const keys = (await json(app, apiReq(deps, f.admin.key, "GET", "/api/api-keys"))).body.data;
    const expired = keys.find((k: any) => k.name === "soon expired");
    const live = keys.find((k: any) => k.name === "alice key");
    expect((await post(`/api/api-keys/${live.id}/renew`, { expiresAt: "2027-01-01" })).status).toBe(400);
    expect((await post(`/api/api-keys/${expired.id}/renew`, { expiresAt: "2020-01-01" })).body.fields).toEqual({ expiresAt: "Choose a date in the future." });
    const r = await post(`/api/api-keys/${expired.id}/renew`, { expiresAt: "2027-01-01" });
    expect(r.status).toBe(200);
    expect(r.body.apiKey).toMatchObject({ id: expired.id, name: "soon expired", expiresAt: "2027-01-01T00:00:00.000Z" });
    expect((await json(app, apiReq(deps, f.expiredKey, "GET", "/api/users"))).status).toBe(401);
    expect((await json(app, apiReq(deps, r.body.token, "GET", "/api/users"))).status).toBe(200);
    expect((await post(`/api/api-keys/nope/renew`, { expiresAt: "2027-01-01" })).status).toBe(404);
  });
});
