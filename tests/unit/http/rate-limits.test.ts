/**
 * Rate limits: token endpoint failures (per IP and per client), passkey sign-in failures (per IP and
 * per credential), passkey ceremony starts, the admin API (per key), 429 + Retry-After, the
 * DISABLE_RATE_LIMITING switch, and bounded memory under many client IPs.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { BUDGET_RULES } from "../../../src/http/plugins/request-budgets.ts";
import { MAX_BUCKETS, TokenBuckets } from "../../../src/http/plugins/rate-limit.ts";
import { FixedClock } from "../../../src/lib/clock.ts";
import { createApiKey } from "../../../src/admin/api-keys.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { AppClient } from "../../helpers/app-client.ts";
import { apiReq, makeAdminFixture } from "../../helpers/admin-fixture.ts";
import { makeTestApp, req, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
let app: App;
afterEach(() => deps?.cleanup());

async function setup(env: Record<string, string> = {}) {
  ({ app, deps } = await makeTestApp(env));
}

const basic = (id: string, secret: string) => "Basic " + Buffer.from(`${id}:${secret}`).toString("base64");
function tokenReq(clientId: string): Request {
  return req(deps, "/api/oidc/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic(clientId, "wrong-secret") },
    body: "grant_type=authorization_code&code=nope&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
  });
}

describe("token endpoint failures", () => {
  test("per IP: the burst of failures, then 429 with Retry-After until a token refills", async () => {
    await setup();
    for (let i = 0; i < BUDGET_RULES.tokenFailuresPerIp.burst; i++) {
      const res = await app.handle(tokenReq(`client-${i}`), "192.0.2.1");
      expect(res.status).toBe(401);
    }
    const limited = await app.handle(tokenReq("client-x"), "192.0.2.1");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe(String(BUDGET_RULES.tokenFailuresPerIp.perSeconds));
    expect(((await limited.json()) as { error: string }).error).toBe("rate_limited");
    // Another IP with another client is not affected.
    expect((await app.handle(tokenReq("client-y"), "192.0.2.2")).status).toBe(401);
    deps.clock.advance(BUDGET_RULES.tokenFailuresPerIp.perSeconds);
    expect((await app.handle(tokenReq("client-x"), "192.0.2.1")).status).toBe(401);
    expect((await app.handle(tokenReq("client-x"), "192.0.2.1")).status).toBe(429);
  });

  test("per client: failures spread over many IPs still limit that client_id (Basic or form)", async () => {
    await setup();
    // One IP per failure: only the client's budget is spent.
    for (let i = 0; i < BUDGET_RULES.tokenFailuresPerClient.burst; i++) {
      expect((await app.handle(tokenReq("victim"), `10.0.${i >> 8}.${i & 255}`)).status).toBe(401);
    }
    expect((await app.handle(tokenReq("victim"), "198.51.100.200")).status).toBe(429);
    const form = req(deps, "/api/oidc/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=refresh_token&refresh_token=x&client_id=victim",
    });
    expect((await app.handle(form, "198.51.100.201")).status).toBe(429);
    expect((await app.handle(tokenReq("someone-else"), "198.51.100.202")).status).toBe(401);
  });
});

describe("passkey sign-in", () => {
  test("failed finishes are limited per credential id, across IPs", async () => {
    await setup();
    const finish = (ip: string) =>
      app.handle(
        req(deps, "/api/webauthn/login/finish", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ id: "credential-under-attack", rawId: "x", type: "public-key", response: {} }),
        }),
        ip,
      );
    // The anonymous CSRF check runs first; its 403s are failures too. Each IP gets its own budget,
    // the credential's is shared.
    for (let i = 0; i < BUDGET_RULES.passkeyFailuresPerCredential.burst; i++) expect((await finish(`203.0.113.${i}`)).status).toBeLessThan(429);
    const limited = await finish("203.0.113.100");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Per IP: the IP's own, smaller budget (a fresh IP that was not used above).
    const ipOnly = (i: number) =>
      app.handle(req(deps, "/api/webauthn/login/finish", { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ id: `other-${i}`, response: {} }) }), "192.0.2.77");
    for (let i = 0; i < BUDGET_RULES.passkeyFailuresPerIp.burst; i++) expect((await ipOnly(i)).status).toBeLessThan(429);
    expect((await ipOnly(99)).status).toBe(429);
  });

  test("ceremony starts are limited per IP", async () => {
    await setup();
    makeAdminFixture(deps); // with no user yet, /login sends to the setup page
    const browser = new AppClient(app, deps, "192.0.2.50");
    await browser.get("/login");
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await browser.postJson("/api/webauthn/login/start", {})).status);
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
  });
});

describe("admin API", () => {
  test("per API key: the burst, then 429; another key is not affected", async () => {
    await setup();
    const f = makeAdminFixture(deps);
    for (let i = 0; i < BUDGET_RULES.adminApi.burst; i++) {
      const res = await app.handle(apiReq(deps, f.admin.key, "GET", "/api/users"), "192.0.2.9");
      if (res.status !== 200) throw new Error(`call ${i}: ${res.status}`);
    }
    const limited = await app.handle(apiReq(deps, f.admin.key, "GET", "/api/users"), "192.0.2.9");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    const { token: otherKey } = createApiKey(deps, f.admin.user.id, { name: "second key", expiresAt: nowSeconds(deps.clock) + 3600 });
    expect((await app.handle(apiReq(deps, otherKey, "GET", "/api/users"), "192.0.2.9")).status).toBe(200);
  });
});

test("DISABLE_RATE_LIMITING=true turns every limit off", async () => {
  await setup({ DISABLE_RATE_LIMITING: "true" });
  for (let i = 0; i < BUDGET_RULES.tokenFailuresPerIp.burst * 3; i++) expect((await app.handle(tokenReq("c"), "192.0.2.1")).status).toBe(401);
});

test("bounded memory: 100k distinct client IPs keep at most MAX_BUCKETS buckets, recent ones still limited", () => {
  const clock = new FixedClock(Date.UTC(2026, 0, 1));
  const buckets = new TokenBuckets(clock);
  const rule = { perSeconds: 60, burst: 2 };
  for (let i = 0; i < 100_000; i++) buckets.take(`login:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, rule);
  expect(buckets.size).toBeLessThanOrEqual(MAX_BUCKETS);
  // The most recent client keeps its (spent) bucket: two more attempts, the second refused.
  const last = `login:10.1.134.159`; // i = 99_999
  expect(buckets.take(last, rule)).toBe(0);
  expect(buckets.take(last, rule)).toBeGreaterThan(0);
  const heap = process.memoryUsage().heapUsed;
  for (let i = 0; i < 100_000; i++) buckets.take(`other:${i}`, rule);
  expect(buckets.size).toBeLessThanOrEqual(MAX_BUCKETS);
  expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 * 1024 * 1024);
});
