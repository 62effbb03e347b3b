/** POST /api/signup/setup: Pocket ID's JSON way of creating the first administrator, with the rules of /setup. */
import { afterEach, describe, expect, test } from "bun:test";
import { AppClient } from "../../helpers/app-client.ts";
import { ADA } from "../../helpers/account.ts";
import { insertTestUser } from "../../helpers/oidc-fixtures.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let current: TestDeps[] = [];
afterEach(() => {
  for (const d of current) d.cleanup();
  current = [];
});

async function fresh(env: Record<string, string> = {}) {
  const { app, deps } = await makeTestApp(env);
  current.push(deps);
  const client = new AppClient(app, deps);
  await client.get("/setup"); // the csrf token
  const users = () => deps.db.query<{ username: string; is_admin: number }, []>("SELECT username, is_admin FROM users").all();
  return { app, deps, client, users };
}

describe("GET /api/signup/setup", () => {
  test("204 with no body while no user exists; 404 with the API error shape once one does", async () => {
    const { app, deps } = await fresh();
    const before = await app.handle(new Request("http://localhost/api/signup/setup"));
    expect(before.status).toBe(204);
    expect(await before.text()).toBe("");
    insertTestUser(deps, { username: "first" });
    const after = await app.handle(new Request("http://localhost/api/signup/setup"));
    expect(after.status).toBe(404);
    expect(after.headers.get("content-type")).toContain("application/json");
    expect(((await after.json()) as { error: string }).error).toBeString();
  });
});

describe("POST /api/signup/setup", () => {
  test("creates the first administrator, records ACCOUNT_CREATED and signs them in (amr otp until a passkey exists)", async () => {
    const { deps, client, users } = await fresh();
    const res = await client.postJson("/api/signup/setup", { ...ADA });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { username: string; isAdmin: boolean; email: string };
    expect(body).toMatchObject({ username: "ada", isAdmin: true, email: ADA.email });
    expect(users()).toEqual([{ username: "ada", is_admin: 1 }]);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'ACCOUNT_CREATED'").get()!.n).toBe(1);
    expect((await client.get("/signup/add-passkey?setup=1")).status).toBe(200); // the session works
  });

  test("once a user exists: 409, nobody is created", async () => {
    const { deps, client, users } = await fresh();
    insertTestUser(deps, { username: "first" });
    const res = await client.postJson("/api/signup/setup", { ...ADA });
    expect(res.status).toBe(409);
    expect(users().map((u) => u.username)).toEqual(["first"]);
  });

  test("a second call after a successful one: 409", async () => {
    const { app, deps, client, users } = await fresh();
    expect((await client.postJson("/api/signup/setup", { ...ADA })).status).toBe(201);
    const late = new AppClient(app, deps);
    await late.get("/login");
    const again = await late.postJson("/api/signup/setup", { ...ADA, username: "eve", email: "eve@example.com" });
    expect(again.status).toBe(409);
    expect(users().map((u) => u.username)).toEqual(["ada"]);
  });

  test("without the CSRF token: 403, nobody is created", async () => {
    const { client, users } = await fresh();
    const res = await client.postJson("/api/signup/setup", { ...ADA }, { csrf: false });
    expect(res.status).toBe(403);
    expect(users()).toEqual([]);
  });

  test("invalid input: 4xx naming the field, nobody is created", async () => {
    const { client, users } = await fresh();
    const res = await client.postJson("/api/signup/setup", { ...ADA, username: "" });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await res.text()).toContain("username");
    expect(users()).toEqual([]);
  });

  test("shares /setup's rate limit per IP: the eleventh attempt in a burst is 429", async () => {
    const { client } = await fresh();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await client.postJson("/api/signup/setup", { ...ADA, username: "" })).status);
    expect(statuses.slice(0, 10).every((s) => s !== 429)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  test("racing setups (JSON and JSON, JSON and the form) create exactly one administrator; the others 409", async () => {
    const { app, deps, users } = await fresh();
    const browsers = ["198.51.100.11", "198.51.100.12", "198.51.100.13"].map((ip) => new AppClient(app, deps, ip));
    await Promise.all(browsers.map((b) => b.get("/setup")));
    const [a, b, c] = browsers as [AppClient, AppClient, AppClient];
    const results = await Promise.all([
      a.postJson("/api/signup/setup", { ...ADA }),
      b.postJson("/api/signup/setup", { ...ADA, username: "eve", email: "eve@example.com" }),
      c.postForm("/setup", { firstName: "Mallory", username: "mallory" }),
    ]);
    expect(users().filter((u) => u.is_admin === 1)).toHaveLength(1);
    expect(users()).toHaveLength(1);
    const winners = [results[0]!.status === 201, results[1]!.status === 201, results[2]!.headers.get("location") === "/signup/add-passkey?setup=1"];
    expect(winners.filter(Boolean)).toHaveLength(1);
    for (const res of results.slice(0, 2)) if (res.status !== 201) expect(res.status).toBe(409);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'ACCOUNT_CREATED'").get()!.n).toBe(1);
    // Only the winner holds a session.
    expect(browsers.filter((br) => br.cookie("latchkey_session") !== undefined)).toHaveLength(1);
  });
});
