/**
 * Every audit event, recorded by driving the real routes in-process behind a trusted proxy that
 * forwards a London address: each row must carry the event, the user, the client IP taken from
 * X-Forwarded-For, the user agent, the location from the GeoLite database, and data without secrets.
 * Then the spoofing side: the same header from an untrusted peer is ignored.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createOneTimeAccessToken } from "../../src/account/one-time-access.ts";
import { mintApiKey } from "../../src/admin/api-keys.ts";
import type { App } from "../../src/app.ts";
import { createGeolocator } from "../../src/audit/geolocation.ts";
import { silentLog } from "../../src/lib/log.ts";
import { nowSeconds } from "../../src/lib/clock.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { passkeyLogin, registerPasskey } from "../helpers/account.ts";
import { AppClient } from "../helpers/app-client.ts";
import { buildTestCityDb } from "../helpers/mmdb-writer.ts";
import { CALLBACK, CHALLENGE, VERIFIER } from "../helpers/oidc-flow.ts";
import { SoftAuthenticator } from "../helpers/soft-authenticator.ts";
import { createTestApp, makeTestDeps, type TestDeps } from "../helpers/test-deps.ts";

const UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const PROXY = "10.0.0.2";

/** A browser behind the reverse proxy: the proxy appends the real client address. */
class ProxiedClient extends AppClient {
  constructor(app: App, deps: TestDeps, readonly forwardedFor = "81.2.69.142") {
    super(app, deps, PROXY);
  }
  override request(p: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("x-forwarded-for", this.forwardedFor);
    if (!headers.has("user-agent")) headers.set("user-agent", UA);
    return super.request(p, { ...init, headers });
  }
}

type Row = { event: string; user_id: string | null; ip_address: string | null; user_agent: string | null; country: string | null; city: string | null; data: string };

let deps: TestDeps;
let app: App;
let browser: ProxiedClient;
let authr: SoftAuthenticator;
let userId: string;
let otherSessionId: string;

const sessionIds = () => deps.db.query<{ id: string }, []>("SELECT id FROM sessions").all().map((r) => r.id);

function rows(event?: string): (Row & { parsed: Record<string, any> })[] {
  const all = deps.db.query<Row, []>("SELECT event, user_id, ip_address, user_agent, country, city, data FROM audit_logs ORDER BY created_at, rowid").all();
  return all.filter((r) => !event || r.event === event).map((r) => ({ ...r, parsed: JSON.parse(r.data) }));
}

function lastOf(event: string) {
  const r = rows(event);
  expect([event, r.length > 0]).toEqual([event, true]);
  return r.at(-1)!;
}

/** Each row from the proxied browser: London, the forwarded address, the browser's user agent. */
function expectLocated(r: Row) {
  expect({ ip: r.ip_address, country: r.country, city: r.city, ua: r.user_agent }).toEqual({ ip: "81.2.69.142", country: "United Kingdom", city: "London", ua: UA });
}

async function addPasskey(client: AppClient, a: SoftAuthenticator, name: string): Promise<{ id: string }> {
  const res = await registerPasskey(client, a, { name });
  expect(res.status).toBe(201);
  return ((await res.json()) as { passkey: { id: string } }).passkey;
}

/** A credential registered with another Latchkey: unknown here. */
async function registerPasskeyElsewhere(a: SoftAuthenticator): Promise<void> {
  const elsewhere = makeTestDeps();
  try {
    a.register(
      { rp: { id: "localhost", name: "x" }, user: { id: Buffer.from("someone-else").toString("base64url"), name: "x", displayName: "x" }, challenge: "AAAA", pubKeyCredParams: [{ type: "public-key", alg: -7 }] } as never,
      { origin: deps.config.appUrl },
    );
  } finally {
    elsewhere.cleanup();
  }
}

beforeAll(async () => {
  deps = makeTestDeps({ TRUST_PROXY: "10.0.0.0/8", DISABLE_RATE_LIMITING: "true" });
  const file = path.join(deps.dir, "GeoLite2-City.mmdb");
  writeFileSync(file, buildTestCityDb());
  deps.geo = createGeolocator({ path: file, log: silentLog });
  app = await createTestApp(deps);
  browser = new ProxiedClient(app, deps);
  authr = new SoftAuthenticator();
});
afterAll(() => deps.cleanup());

describe("every event through the real routes", () => {
  test("ACCOUNT_CREATED (initial setup) and PASSKEY_ADDED", async () => {
    await browser.get("/setup");
    const res = await browser.postForm("/setup", { firstName: "Ada", lastName: "Lovelace", username: "ada", email: "ada@example.com" });
    expect(res.status).toBe(303);
    userId = deps.db.query<{ id: string }, []>("SELECT id FROM users").get()!.id;
    const created = lastOf("ACCOUNT_CREATED");
    expect(created.user_id).toBe(userId);
    expect(created.parsed).toEqual({ method: "initial setup" });
    expectLocated(created);

    await addPasskey(browser, authr, "Laptop");
    const added = lastOf("PASSKEY_ADDED");
    expect(added.parsed).toEqual({ credentialID: expect.any(String), passkeyName: "Laptop" });
    expectLocated(added);
  });

  test("PASSKEY_RENAMED, PASSKEY_REMOVED", async () => {
    const second = await addPasskey(browser, new SoftAuthenticator(), "Spare key");
    const renamed = await browser.request(`/api/webauthn/credentials/${second.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "x-csrf-token": browser.csrfToken },
      body: JSON.stringify({ name: "Backup key" }),
    });
    expect(renamed.status).toBe(200);
    expect(lastOf("PASSKEY_RENAMED").parsed).toMatchObject({ oldName: "Spare key", passkeyName: "Backup key" });
    expectLocated(lastOf("PASSKEY_RENAMED"));
    const removed = await browser.request(`/api/webauthn/credentials/${second.id}`, { method: "DELETE", headers: { "x-csrf-token": browser.csrfToken } });
    expect(removed.status).toBe(204);
    expect(lastOf("PASSKEY_REMOVED").parsed).toMatchObject({ passkeyName: "Backup key" });
    expectLocated(lastOf("PASSKEY_REMOVED"));
  });

  test("SIGN_OUT, SIGN_IN, SIGN_IN_FAILED (with the reason)", async () => {
    const out = await browser.postForm("/logout", {});
    expect(out.status).toBe(303);
    expect(lastOf("SIGN_OUT").user_id).toBe(userId);
    expectLocated(lastOf("SIGN_OUT"));

    const failed = await passkeyLogin(browser, authr, { overrides: { origin: "https://evil.example" } });
    expect(failed.status).toBe(400);
    const f = lastOf("SIGN_IN_FAILED");
    expect(f.user_id).toBe(userId);
    expect(JSON.parse(f.data)).toEqual({ passkeyName: "Laptop", code: "passkey_failed", reason: "This passkey response was made for a different website." });
    expectLocated(f);
    // A passkey nobody has: not tied to an account, not recorded (no log spam from strangers).
    const before = rows("SIGN_IN_FAILED").length;
    const stranger = new SoftAuthenticator();
    await registerPasskeyElsewhere(stranger);
    expect((await passkeyLogin(browser, stranger)).status).toBe(400);
    expect(rows("SIGN_IN_FAILED").length).toBe(before);

    expect((await passkeyLogin(browser, authr)).status).toBe(200);
    expect(lastOf("SIGN_IN").parsed).toEqual({ passkeyName: "Laptop" });
    expectLocated(lastOf("SIGN_IN"));
  });

  test("TOKEN_SIGN_IN (one-time code)", async () => {
    const other = new ProxiedClient(app, deps);
    const before = new Set(sessionIds());
    const { token } = createOneTimeAccessToken(deps, userId, 900);
    await other.get("/lc");
    const res = await other.postForm("/lc", { code: token });
    expect(res.status).toBe(303);
    expect(lastOf("TOKEN_SIGN_IN").user_id).toBe(userId);
    expectLocated(lastOf("TOKEN_SIGN_IN"));
    expect(lastOf("TOKEN_SIGN_IN").data).not.toContain(token);
    otherSessionId = sessionIds().find((id) => !before.has(id))!;
  });

  test("SESSION_REVOKED (another session ended from the account page)", async () => {
    const sessionId = otherSessionId;
    await browser.get("/settings/account");
    const res = await browser.postForm(`/settings/account/sessions/${sessionId}/end`, {});
    expect([303, 200]).toContain(res.status);
    expect(lastOf("SESSION_REVOKED").parsed).toEqual({ sessionId });
    expectLocated(lastOf("SESSION_REVOKED"));
  });

  test("NEW_CLIENT_AUTHORIZATION then CLIENT_AUTHORIZATION; REFRESH_TOKEN_REUSE", async () => {
    const { client, secret } = createClient(deps, CLI_ACTOR, { name: "Grafana", callbackUrls: [CALLBACK], unrestricted: true, skipConsent: true });
    const authorize = async () => {
      const q = new URLSearchParams({ client_id: client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid profile", state: "s", nonce: "n", code_challenge: CHALLENGE, code_challenge_method: "S256" });
      const res = await browser.get(`/authorize?${q}`);
      expect(res.status).toBe(303);
      return new URL(res.headers.get("location")!).searchParams.get("code")!;
    };
    const code = await authorize();
    expect(lastOf("NEW_CLIENT_AUTHORIZATION").parsed).toMatchObject({ clientName: "Grafana" });
    expectLocated(lastOf("NEW_CLIENT_AUTHORIZATION"));
    await authorize();
    expect(lastOf("CLIENT_AUTHORIZATION").parsed).toMatchObject({ clientName: "Grafana" });
    expectLocated(lastOf("CLIENT_AUTHORIZATION"));

    const basic = "Basic " + Buffer.from(`${client.id}:${secret!.secret}`).toString("base64");
    const token = (body: Record<string, string>) =>
      browser.request("/api/oidc/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic, cookie: "" }, body: new URLSearchParams(body).toString() });
    const first = (await (await token({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER })).json()) as { refresh_token: string };
    expect((await token({ grant_type: "refresh_token", refresh_token: first.refresh_token })).status).toBe(200);
    expect((await token({ grant_type: "refresh_token", refresh_token: first.refresh_token })).status).toBe(400);
    const reuse = lastOf("REFRESH_TOKEN_REUSE");
    expect(reuse.user_id).toBe(userId);
    expect(reuse.parsed).toMatchObject({ clientId: client.id, clientName: "Grafana" });
    expectLocated(reuse);
    expect(reuse.data).not.toContain(first.refresh_token);
    expect(reuse.data).not.toContain(secret!.secret);

    // A used authorization code presented again: the tokens it issued are revoked, and it is recorded.
    const code2 = await authorize();
    const t2 = (await (await token({ grant_type: "authorization_code", code: code2, redirect_uri: CALLBACK, code_verifier: VERIFIER })).json()) as { id_token: string };
    expect((await token({ grant_type: "authorization_code", code: code2, redirect_uri: CALLBACK, code_verifier: VERIFIER })).status).toBe(400);
    expect(lastOf("AUTHORIZATION_CODE_REUSE").parsed).toMatchObject({ clientName: "Grafana" });
    expectLocated(lastOf("AUTHORIZATION_CODE_REUSE"));
    expect(lastOf("AUTHORIZATION_CODE_REUSE").data).not.toContain(code2);

    // The person withdraws the app's access from My apps.
    await browser.get("/settings/apps");
    expect((await browser.postForm(`/settings/apps/${client.id}/revoke`, {})).status).toBeLessThan(400);
    expect(lastOf("SESSION_REVOKED").parsed).toMatchObject({ clientId: client.id, reason: "authorization_revoked" });
    expectLocated(lastOf("SESSION_REVOKED"));

    // RP-initiated sign-out with an id_token_hint ends the browser session: SIGN_OUT naming the app.
    const signOuts = rows("SIGN_OUT").length;
    const end = await browser.get(`/api/oidc/end-session?id_token_hint=${encodeURIComponent(t2.id_token)}`);
    expect(end.status).toBeLessThan(400);
    expect(rows("SIGN_OUT").length).toBe(signOuts + 1);
    expect(lastOf("SIGN_OUT").parsed).toEqual({ clientName: "Grafana" });
    expectLocated(lastOf("SIGN_OUT"));
    // Back in for the tests that follow.
    expect((await passkeyLogin(browser, authr)).status).toBe(200);
  });

  test("ADMIN_CHANGE for users, groups, clients, secrets, configuration and API keys — what changed, never secrets", async () => {
    // Rows from before (the client the authorization test created as the CLI) are not this test's.
    const earlier = rows("ADMIN_CHANGE").length;
    const { token: key } = mintApiKey(deps, userId, { name: "ops", expiresAt: nowSeconds(deps.clock) + 86400 });
    const api = async (method: string, p: string, body?: unknown) => {
      const c = new ProxiedClient(app, deps); // no cookies: API-key requests are CSRF-exempt
      const res = await c.request(p, { method, headers: { "x-api-key": key, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      expect([method, p, res.status < 300]).toEqual([method, p, true]);
      return text ? JSON.parse(text) : null;
    };
    const user = await api("POST", "/api/users", { username: "grace", email: "grace@example.com", firstName: "Grace", lastName: "Hopper" });
    await api("PUT", `/api/users/${user.id}`, { username: "grace", email: "grace@navy.example", firstName: "Grace", lastName: "Hopper" });
    await api("POST", "/api/user-groups", { name: "ops", friendlyName: "Operations" });
    const oidc = await api("POST", "/api/oidc/clients", { name: "Nextcloud", callbackURLs: ["https://cloud.example.com/cb"] });
    const s = await api("POST", `/api/oidc/clients/${oidc.id}/secrets`, {});
    await api("PUT", "/api/application-configuration", { appName: "Acme ID" });

    const admin = rows("ADMIN_CHANGE").slice(earlier);
    const summary = admin.map((r) => `${r.parsed.entity}:${r.parsed.action}`);
    expect(summary).toEqual(["user:create", "user:update", "user_group:create", "oidc_client:create", "oidc_client:create_secret", "application_configuration:update"]);
    for (const r of admin) {
      expect(r.user_id).toBe(userId);
      expect(r.parsed.via).toBe("api_key");
      expectLocated(r);
      expect(r.data).not.toContain(key);
      if (oidc.secret) expect(r.data).not.toContain(oidc.secret);
      expect(r.data).not.toContain(s.secret);
    }
    expect(admin[0]!.parsed.changes).toEqual({ username: "grace", isAdmin: false });
    expect(admin[1]!.parsed.changes.fields).toContain("email");
    expect(admin[2]!.parsed.changes).toEqual({ name: "ops", friendlyName: "Operations" });
    expect(admin[4]!.parsed.changes).toMatchObject({ secretId: expect.any(String) });
    expect(admin[5]!.parsed.changes.keys).toContain("appName");

    // API keys are created with a browser session (keys cannot mint keys).
    await browser.get("/settings/account");
    const created = await browser.postJson("/api/api-keys", { name: "ci-key", expiresAt: new Date((nowSeconds(deps.clock) + 86400 * 30) * 1000).toISOString() });
    expect(created.status).toBe(201);
    const keyToken = ((await created.json()) as { token: string }).token;
    const k = lastOf("ADMIN_CHANGE");
    expect(`${k.parsed.entity}:${k.parsed.action}`).toBe("api_key:create");
    expect(k.parsed.via).toBe("session");
    expect(k.data).not.toContain(keyToken);
  });

  test("the person's activity page shows these events located in London", async () => {
    const html = await (await browser.get("/settings/audit-log")).text();
    expect(html).toContain("London, United Kingdom");
    expect(html).toContain("Chrome 131 on macOS");
    expect(html).toContain("Signed in with a passkey");
    expect(html).toContain("Sign-in failed");
  });
});

describe("TRUST_PROXY: spoofed X-Forwarded-For", () => {
  test("from an untrusted peer it is ignored: the socket address is recorded (and located as such)", async () => {
    const attacker = new AppClient(app, deps, "89.160.20.114");
    const { token } = createOneTimeAccessToken(deps, userId, 900);
    await attacker.get("/lc");
    const res = await attacker.postForm("/lc", { code: token }, { headers: { "x-forwarded-for": "81.2.69.142", "user-agent": "curl/8.5.0" } });
    expect(res.status).toBe(303);
    const r = lastOf("TOKEN_SIGN_IN");
    expect({ ip: r.ip_address, country: r.country, city: r.city }).toEqual({ ip: "89.160.20.114", country: "Sweden", city: "Linköping" });
  });

  test("from the trusted proxy it is used; a client-written left-hand entry is not", async () => {
    const viaProxy = new ProxiedClient(app, deps, "127.0.0.1, 216.160.83.57");
    const { token } = createOneTimeAccessToken(deps, userId, 900);
    await viaProxy.get("/lc");
    expect((await viaProxy.postForm("/lc", { code: token })).status).toBe(303);
    const r = lastOf("TOKEN_SIGN_IN");
    expect({ ip: r.ip_address, country: r.country, city: r.city }).toEqual({ ip: "216.160.83.57", country: "United States", city: "Milton" });
  });

  test("a proxy on the internal network without a forwarded header: Internal network", async () => {
    const direct = new AppClient(app, deps, "10.0.0.9");
    const { token } = createOneTimeAccessToken(deps, userId, 900);
    await direct.get("/lc");
    expect((await direct.postForm("/lc", { code: token })).status).toBe(303);
    const r = lastOf("TOKEN_SIGN_IN");
    expect({ ip: r.ip_address, country: r.country, city: r.city }).toEqual({ ip: "10.0.0.9", country: "Internal network", city: null });
  });
});
