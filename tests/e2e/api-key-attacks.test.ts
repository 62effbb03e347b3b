/**
 * Attacks on API key minting (issue 17, finding 9), through the HTTP surface (app.handle) with a
 * software authenticator producing real assertions and a fixed clock:
 * - no passkey proof → 403 reauthentication_required and no key, for every kind of session and forged,
 *   foreign, expired or spent re-authentication tokens; API keys never mint keys;
 * - the re-authentication token is single use, bound to its session, and lives 180 s;
 * - the lifetime cap (apiKeyMaxLifetimeDays, also from the environment) refuses longer keys with 400/422;
 * - "sign out everywhere" with the option revokes the keys (401 afterwards); disabling the user or
 *   taking away admin rights takes effect on the key's next request.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { App } from "../../src/app.ts";
import { createOneTimeAccessToken } from "../../src/account/one-time-access.ts";
import { createSession } from "../../src/account/sessions.ts";
import { createSignupToken } from "../../src/admin/signup-tokens.ts";
import { updateAppConfig } from "../../src/admin/app-config.ts";
import { nowSeconds } from "../../src/lib/clock.ts";
import { AppClient } from "../helpers/app-client.ts";
import { SoftAuthenticator } from "../helpers/soft-authenticator.ts";
import { makeTestApp, type TestDeps } from "../helpers/test-deps.ts";

const STATIC_KEY = "static-admin-key-0123456789abcdef";
const REAUTH = "latchkey_reauthentication";
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

type AssertOptions = Parameters<SoftAuthenticator["assert"]>[0];

/** First-run setup (the first admin, "ada") with one passkey; the setup session itself has no passkey sign-in. */
async function setUp(env: Record<string, string> = {}) {
  const { app, deps } = await makeTestApp({ STATIC_API_KEY: STATIC_KEY, ...env });
  cleanups.push(() => deps.cleanup());
  const client = new AppClient(app, deps);
  await client.get("/setup");
  expect((await client.postForm("/setup", { firstName: "Ada", lastName: "Lovelace", username: "ada", email: "ada@example.com" })).status).toBe(303);
  const authr = new SoftAuthenticator();
  await client.get("/settings/account");
  const start = await client.postJson("/api/webauthn/register/start", {});
  const { options } = (await start.json()) as { options: Parameters<SoftAuthenticator["register"]>[0] };
  expect((await client.postJson("/api/webauthn/register/finish", { response: authr.register(options, { origin: deps.config.appUrl }) })).status).toBe(201);
  const userId = deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'ada'").get()!.id;
  return { app, deps, client, authr, userId };
}

/** A browser signed in with a one-time login code (amr ["otp"]), as a lost-code attacker would be. */
async function loginCodeClient(app: App, deps: TestDeps, userId: string): Promise<AppClient> {
  const { token } = createOneTimeAccessToken(deps, userId, 900);
  const c = new AppClient(app, deps, "198.51.100.20");
  await c.get(`/lc/${token}`);
  expect((await c.postForm("/lc", { code: token })).status).toBe(303);
  await c.get("/settings/account");
  return c;
}

async function passkeyLogin(app: App, deps: TestDeps, authr: SoftAuthenticator): Promise<AppClient> {
  const c = new AppClient(app, deps, "198.51.100.30");
  await c.get("/login");
  const start = await c.postJson("/api/webauthn/login/start", {});
  const { options } = (await start.json()) as { options: AssertOptions };
  expect((await c.postJson("/api/webauthn/login/finish", { response: authr.assert(options, { origin: deps.config.appUrl }) })).status).toBe(200);
  await c.get("/settings/account");
  return c;
}

/** The real re-authentication ceremony; returns the response of …/finish. */
async function reauthenticate(c: AppClient, authr: SoftAuthenticator): Promise<Response> {
  const start = await c.postJson("/api/webauthn/reauthenticate/start", {});
  expect(start.status).toBe(200);
  const { options } = (await start.json()) as { options: AssertOptions };
  return c.postJson("/api/webauthn/reauthenticate/finish", { response: authr.assert(options, { origin: c.deps.config.appUrl }) });
}

const inDays = (deps: TestDeps, days: number, extraSeconds = 0) => new Date((nowSeconds(deps.clock) + days * 86400 + extraSeconds) * 1000).toISOString();
const keyCount = (deps: TestDeps) => deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM api_keys").get()!.n;

async function createKey(c: AppClient, body: Record<string, unknown>): Promise<{ status: number; body: any; res: Response }> {
  const res = await c.postJson("/api/api-keys", body);
  const text = await res.clone().text();
  return { status: res.status, body: text ? JSON.parse(text) : null, res };
}

async function expectReauthRequired(r: { status: number; body: any }): Promise<void> {
  expect(r.status).toBe(403);
  expect(r.body.error).toBe("reauthentication_required");
  expect(r.body.message).toBe("Confirm it’s you with one of your passkeys before you create an API key.");
}

describe("creating an API key needs a passkey proof", () => {
  const cases: [string, (s: Awaited<ReturnType<typeof setUp>>) => Promise<AppClient>][] = [
    ["the first-run setup session (no passkey sign-in)", async (s) => s.client],
    ["a session from a one-time login code", (s) => loginCodeClient(s.app, s.deps, s.userId)],
    [
      "a session from a sign-up link (new non-admin user)",
      async (s) => {
        updateAppConfig(s.deps.db, { allowUserSignups: "withToken" }, nowSeconds(s.deps.clock));
        const { token } = createSignupToken(s.deps, { kind: "user", userId: s.userId }, { ttl: "1d", usageLimit: "1" });
        const c = new AppClient(s.app, s.deps, "198.51.100.40");
        await c.get(`/st/${token}`);
        expect((await c.postForm(`/st/${token}`, { firstName: "Eve", lastName: "", username: "eve", email: "eve@example.com" })).status).toBe(303);
        await c.get("/settings/account");
        return c;
      },
    ],
    [
      "a passkey sign-in 61 s ago",
      async (s) => {
        const c = await passkeyLogin(s.app, s.deps, s.authr);
        s.deps.clock.advance(61);
        return c;
      },
    ],
    [
      "a login-code session with a forged re-authentication cookie",
      async (s) => {
        const c = await loginCodeClient(s.app, s.deps, s.userId);
        c.jar.set(REAUTH, "A".repeat(43));
        return c;
      },
    ],
    [
      "a login-code session replaying another session's re-authentication token",
      async (s) => {
        const other = await passkeyLogin(s.app, s.deps, s.authr);
        s.deps.clock.advance(61);
        expect((await reauthenticate(other, s.authr)).status).toBe(200);
        const c = await loginCodeClient(s.app, s.deps, s.userId);
        c.jar.set(REAUTH, other.cookie(REAUTH)!);
        return c;
      },
    ],
    [
      "a re-authentication 180 s ago (the token has expired)",
      async (s) => {
        const c = await loginCodeClient(s.app, s.deps, s.userId);
        expect((await reauthenticate(c, s.authr)).status).toBe(200);
        s.deps.clock.advance(180);
        return c;
      },
    ],
    [
      "a re-authentication token sent in a header instead of the cookie",
      async (s) => {
        const c = await loginCodeClient(s.app, s.deps, s.userId);
        expect((await reauthenticate(c, s.authr)).status).toBe(200);
        const token = c.cookie(REAUTH)!;
        c.jar.delete(REAUTH);
        const real = c.postJson.bind(c);
        c.postJson = (path, body, opts = {}) => real(path, body, { ...opts, headers: { "X-Reauthentication-Token": token, Authorization: `Bearer ${token}` } });
        return c;
      },
    ],
  ];

  test.each(cases)("%s → 403 reauthentication_required, no key", async (_name, make) => {
    const s = await setUp();
    const c = await make(s);
    const before = keyCount(s.deps);
    await expectReauthRequired(await createKey(c, { name: "attacker key", expiresAt: inDays(s.deps, 30) }));
    expect(keyCount(s.deps)).toBe(before);
  });

  test("the admin page refuses too (403), keeps the entries and offers the passkey check in place", async () => {
    const { app, deps, userId } = await setUp();
    const c = await loginCodeClient(app, deps, userId);
    await c.get("/settings/admin/api-keys");
    const res = await c.request("/settings/admin/api-keys", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
      body: new URLSearchParams({ _csrf: c.csrfToken, name: "Terraform", description: "infra", expiresAt: inDays(deps, 30).slice(0, 10) }).toString(),
    });
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('<form id="api-key-form"');
    expect(html).toContain("data-passkey-reauth");
    expect(html).toContain('data-resubmit="api-key-form"');
    expect(html).toContain('value="Terraform"');
    expect(html).not.toMatch(/<code class="secret">/);
    expect(keyCount(deps)).toBe(0);
  });

  test("the page tells a person without any passkey to add one first (no dead button)", async () => {
    const { app, deps, userId } = await setUp();
    deps.db.query("DELETE FROM webauthn_credentials").run();
    const c = await loginCodeClient(app, deps, userId);
    await c.get("/settings/admin/api-keys");
    const res = await c.request("/settings/admin/api-keys", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
      body: new URLSearchParams({ _csrf: c.csrfToken, name: "Terraform", expiresAt: inDays(deps, 30).slice(0, 10) }).toString(),
    });
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain("You have no passkey yet.");
    expect(html).not.toContain("data-passkey-reauth");
    expect(keyCount(deps)).toBe(0);
  });

  test.each([["an admin's own API key"], ["STATIC_API_KEY"]])("%s cannot create or renew keys (403), even next to a re-authenticated session cookie", async (name) => {
    const s = await setUp();
    const c = await passkeyLogin(s.app, s.deps, s.authr);
    const own = await createKey(c, { name: "ops", expiresAt: inDays(s.deps, 30) });
    expect(own.status).toBe(201);
    const key = name === "STATIC_API_KEY" ? STATIC_KEY : own.body.token;
    s.deps.clock.advance(61);
    expect((await reauthenticate(c, s.authr)).status).toBe(200);
    for (const path of ["/api/api-keys", `/api/api-keys/${own.body.apiKey.id}/renew`]) {
      const res = await c.postJson(path, { name: "longer", expiresAt: inDays(s.deps, 365) }, { headers: { "X-API-Key": key } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as any).message).toBe("API key authentication is not allowed here; sign in with a browser.");
    }
    expect(keyCount(s.deps)).toBe(1);
  });
});

describe("the re-authentication token", () => {
  test("a login-code session that re-authenticates with a passkey may create exactly one key", async () => {
    const { app, deps, authr, userId } = await setUp();
    const c = await loginCodeClient(app, deps, userId);
    const fin = await reauthenticate(c, authr);
    expect(fin.status).toBe(200);
    expect(fin.headers.getSetCookie().find((x) => x.startsWith(`${REAUTH}=`))).toMatch(new RegExp(`^${REAUTH}=[A-Za-z0-9_-]{43}; Path=/; Max-Age=180; HttpOnly; SameSite=Strict$`));
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM reauthentication_tokens").get()!.n).toBe(1);
    const token = c.cookie(REAUTH)!;
    const first = await createKey(c, { name: "deploy", expiresAt: inDays(deps, 30) });
    expect(first.status).toBe(201);
    expect(first.res.headers.getSetCookie()).toContain(`${REAUTH}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`);
    // Single use: the same token again (replayed by hand) is refused.
    c.jar.set(REAUTH, token);
    await expectReauthRequired(await createKey(c, { name: "second", expiresAt: inDays(deps, 30) }));
    expect(keyCount(deps)).toBe(1);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM reauthentication_tokens").get()!.n).toBe(0);
  });

  test("lives 180 s: at 179 s it works, at 180 s it does not (fixed clock)", async () => {
    const { app, deps, authr, userId } = await setUp();
    const c = await loginCodeClient(app, deps, userId);
    expect((await reauthenticate(c, authr)).status).toBe(200);
    deps.clock.advance(179);
    expect((await createKey(c, { name: "in time", expiresAt: inDays(deps, 30) })).status).toBe(201);
    expect((await reauthenticate(c, authr)).status).toBe(200);
    deps.clock.advance(180);
    await expectReauthRequired(await createKey(c, { name: "too late", expiresAt: inDays(deps, 30) }));
  });

  test("a new re-authentication replaces the session's previous token", async () => {
    const { app, deps, authr, userId } = await setUp();
    const c = await loginCodeClient(app, deps, userId);
    expect((await reauthenticate(c, authr)).status).toBe(200);
    const old = c.cookie(REAUTH)!;
    expect((await reauthenticate(c, authr)).status).toBe(200);
    c.jar.set(REAUTH, old);
    await expectReauthRequired(await createKey(c, { name: "old token", expiresAt: inDays(deps, 30) }));
  });

  test("a refused input (validation) does not spend the token", async () => {
    const { app, deps, authr, userId } = await setUp();
    const c = await loginCodeClient(app, deps, userId);
    expect((await reauthenticate(c, authr)).status).toBe(200);
    expect((await createKey(c, { name: "x", expiresAt: inDays(deps, 30) })).status).toBe(400);
    expect((await createKey(c, { name: "ok name", expiresAt: inDays(deps, 400) })).status).toBe(400);
    expect((await createKey(c, { name: "ok name", expiresAt: inDays(deps, 30) })).status).toBe(201);
  });

  test("renewing an expired key needs the proof as well", async () => {
    const { app, deps, authr, userId } = await setUp();
    const c = await loginCodeClient(app, deps, userId);
    expect((await reauthenticate(c, authr)).status).toBe(200);
    const k = await createKey(c, { name: "short", expiresAt: inDays(deps, 0, 60) });
    expect(k.status).toBe(201);
    deps.clock.advance(120);
    const renew = (body: unknown) => c.postJson(`/api/api-keys/${k.body.apiKey.id}/renew`, body);
    const refused = await renew({ expiresAt: inDays(deps, 30) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).message).toBe("Confirm it’s you with one of your passkeys before you renew an API key.");
    expect((await reauthenticate(c, authr)).status).toBe(200);
    expect((await renew({ expiresAt: inDays(deps, 366) })).status).toBe(400);
    expect((await renew({ expiresAt: inDays(deps, 30) })).status).toBe(200);
  });

  test("a passkey sign-in less than a minute ago counts (Pocket ID), without a token", async () => {
    const { app, deps, authr } = await setUp();
    const c = await passkeyLogin(app, deps, authr);
    deps.clock.advance(60);
    expect((await createKey(c, { name: "fresh login", expiresAt: inDays(deps, 30) })).status).toBe(201);
  });
});

describe("lifetime cap", () => {
  const tooLong: [string, (deps: TestDeps) => unknown, string][] = [
    ["one second past 365 days", (d) => inDays(d, 365, 1), "Choose a date at most 365 days from today (the lifetime limit for API keys)."],
    ["the year 9999", () => "9999-12-31T00:00:00Z", "Choose a date at most 365 days from today (the lifetime limit for API keys)."],
    ["a date-only value 366 days out", (d) => inDays(d, 366).slice(0, 10), "Choose a date at most 365 days from today (the lifetime limit for API keys)."],
    ["Unix seconds 1e12", () => 1e12, "Choose a date at most 365 days from today (the lifetime limit for API keys)."],
    ["Unix seconds 1e300", () => 1e300, "Choose a date at most 365 days from today (the lifetime limit for API keys)."],
    ["a past date", () => "2000-01-01", "Choose a date in the future."],
    ["not a date", () => "forever", "Enter a date."],
    ["Infinity as text", () => "Infinity", "Enter a date."],
  ];

  test.each(tooLong)("%s → 400 with the field message, no key", async (_n, value, message) => {
    const { app, deps, authr } = await setUp();
    const c = await passkeyLogin(app, deps, authr);
    const r = await createKey(c, { name: "long lived", expiresAt: value(deps) });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: "bad_request", fields: { expiresAt: message } });
    expect(keyCount(deps)).toBe(0);
  });

  test("exactly 365 days is allowed", async () => {
    const { app, deps, authr } = await setUp();
    const c = await passkeyLogin(app, deps, authr);
    expect((await createKey(c, { name: "a year", expiresAt: inDays(deps, 365) })).status).toBe(201);
  });

  test("the admin lowers the cap through the API (bounds 1–3650 enforced); the page form says 422", async () => {
    const { app, deps, authr } = await setUp();
    const admin = new AppClient(app, deps);
    const put = (body: unknown) => admin.request("/api/application-configuration", { method: "PUT", headers: { "X-API-Key": STATIC_KEY, "content-type": "application/json" }, body: JSON.stringify(body) });
    for (const bad of ["0", "3651", "-5", "soon"]) expect((await put({ apiKeyMaxLifetimeDays: bad })).status).toBe(400);
    expect((await put({ apiKeyMaxLifetimeDays: "30" })).status).toBe(200);
    const c = await passkeyLogin(app, deps, authr);
    const r = await createKey(c, { name: "too long", expiresAt: inDays(deps, 31) });
    expect(r.body.fields).toEqual({ expiresAt: "Choose a date at most 30 days from today (the lifetime limit for API keys)." });
    const page = await c.request("/settings/admin/api-keys", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
      body: new URLSearchParams({ _csrf: c.csrfToken, name: "Terraform", expiresAt: inDays(deps, 31).slice(0, 10) }).toString(),
    });
    expect(page.status).toBe(422);
    expect(await page.text()).toContain("Choose a date at most 30 days from today (the lifetime limit for API keys).");
    expect((await createKey(c, { name: "a month", expiresAt: inDays(deps, 30) })).status).toBe(201);
  });

  test.each([1, 2, 90, 365, 3650])("with a cap of %i days the page's default expiry and its max date are accepted", async (cap) => {
    const { app, deps, authr } = await setUp();
    updateAppConfig(deps.db, { apiKeyMaxLifetimeDays: cap }, nowSeconds(deps.clock));
    const c = await passkeyLogin(app, deps, authr);
    const html = await (await c.get("/settings/admin/api-keys")).text();
    const input = /<input[^>]*name="expiresAt"[^>]*>/.exec(html)![0];
    const value = /value="([^"]+)"/.exec(input)![1]!;
    const max = /max="([^"]+)"/.exec(input)![1]!;
    for (const date of [value, max]) {
      const res = await c.request("/settings/admin/api-keys", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
        body: new URLSearchParams({ _csrf: c.csrfToken, name: `key ${date}`, expiresAt: date }).toString(),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/<code class="secret">[A-Za-z0-9]{32}</);
    }
  });

  test("UI_CONFIG_DISABLED: API_KEY_MAX_LIFETIME_DAYS from the environment", async () => {
    const { app, deps, authr } = await setUp({ UI_CONFIG_DISABLED: "true", API_KEY_MAX_LIFETIME_DAYS: "7" });
    const c = await passkeyLogin(app, deps, authr);
    expect((await createKey(c, { name: "too long", expiresAt: inDays(deps, 8) })).body.fields).toEqual({ expiresAt: "Choose a date at most 7 days from today (the lifetime limit for API keys)." });
    expect((await createKey(c, { name: "a week", expiresAt: inDays(deps, 7) })).status).toBe(201);
  });
});

describe("revoking keys with the person", () => {
  async function withKey() {
    const s = await setUp();
    const c = await passkeyLogin(s.app, s.deps, s.authr);
    const k = await createKey(c, { name: "laptop script", expiresAt: inDays(s.deps, 30) });
    expect(k.status).toBe(201);
    const key: string = k.body.token;
    const use = () => s.app.handle(new Request(s.deps.config.appUrl + "/api/users", { headers: { "X-API-Key": key } }));
    expect((await use()).status).toBe(200);
    return { ...s, c, key, use };
  }

  test("sign out everywhere with 'also revoke my API keys' → the key gets 401, audited", async () => {
    const { deps, c, use, userId } = await withKey();
    const page = await (await c.get("/settings/account")).text();
    expect(page).toContain('name="revokeApiKeys"');
    expect(page).toContain("Also revoke my API key");
    const res = await c.postForm("/settings/account/sessions/end-all", { revokeApiKeys: "on" });
    expect(res.status).toBe(303);
    const r = await use();
    expect(r.status).toBe(401);
    expect(((await r.json()) as any).message).toBe("The API key is not valid.");
    expect(deps.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?").get(userId)!.n).toBe(0);
    const events = deps.db.query<{ event: string; data: string }, [string]>("SELECT event, data FROM audit_logs WHERE user_id = ? ORDER BY rowid").all(userId);
    expect(events.some((e) => e.event === "ADMIN_CHANGE" && JSON.parse(e.data).action === "revoke_all" && JSON.parse(e.data).entity === "api_key")).toBe(true);
    expect(events.some((e) => e.event === "SIGN_OUT" && JSON.parse(e.data).apiKeysRevoked === 1)).toBe(true);
  });

  test("sign out everywhere without the option ends sessions but keeps keys", async () => {
    const { c, use } = await withKey();
    await c.get("/settings/account");
    expect((await c.postForm("/settings/account/sessions/end-all", {})).status).toBe(303);
    expect((await use()).status).toBe(200);
  });

  test("another person's sign out everywhere does not touch my keys", async () => {
    const { app, deps, use } = await withKey();
    const bob = (await import("../../src/admin/users.ts")).createUser(deps, { username: "bob", email: null, firstName: "Bob", lastName: "" });
    const b = new AppClient(app, deps, "198.51.100.50");
    b.jar.set("latchkey_session", createSession(deps, { userId: bob.id, amr: ["phr"], durationMinutes: 60 }).token);
    await b.get("/settings/account");
    expect((await b.postForm("/settings/account/sessions/end-all", { revokeApiKeys: "on" })).status).toBe(303);
    expect((await use()).status).toBe(200);
  });

  test("an admin disabling the user stops the key (401)", async () => {
    const { deps, use, userId } = await withKey();
    deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(userId);
    const r = await use();
    expect(r.status).toBe(401);
    expect(((await r.json()) as any).message).toBe("The account this API key belongs to is disabled.");
  });

  test("taking admin rights away leaves the key without admin rights (403)", async () => {
    const { deps, use, userId } = await withKey();
    deps.db.query("UPDATE users SET is_admin = 0 WHERE id = ?").run(userId);
    expect((await use()).status).toBe(403);
  });

  test("create and revoke are audited without the secret", async () => {
    const { app, deps, c, key, userId } = await withKey();
    const id = deps.db.query<{ id: string }, []>("SELECT id FROM api_keys").get()!.id;
    const del = await app.handle(new Request(deps.config.appUrl + `/api/api-keys/${id}`, { method: "DELETE", headers: { "X-API-Key": key } }));
    expect(del.status).toBe(204);
    const rows = deps.db.query<{ data: string }, [string]>("SELECT data FROM audit_logs WHERE user_id = ? AND event = 'ADMIN_CHANGE'").all(userId).map((r) => JSON.parse(r.data));
    expect(rows.map((r) => `${r.entity}:${r.action}:${r.via}`)).toEqual(["api_key:create:session", "api_key:revoke:api_key"]);
    expect(JSON.stringify(rows)).not.toContain(key);
    void c;
  });
});
