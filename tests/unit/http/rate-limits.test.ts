/**
 * Rate limits (src/http/plugins/rate-limit.ts, request-budgets.ts), attacked through app.handle with
 * a fixed clock:
 * - buckets: burst and refill, one store per limit, idle-first eviction, fail closed when every
 *   bucket is busy, bounded memory;
 * - made-up keys get no bucket: 20,500 random X-API-Key values leave the login-code limit in force;
 *   random client_ids and credential ids create nothing;
 * - IP first: a request the IP budget refuses spends no client's, credential's or person's budget;
 * - a correct credential is never refused by others' failures: sprayed wrong secrets from many IPs,
 *   then the real secret; failed passkey finishes naming a passkey, then its owner signs in;
 * - spoofed X-Forwarded-For with TRUST_PROXY false, true and a CIDR list;
 * - 429 wire shape: RFC 6749 JSON + Retry-After + no-store on every protocol endpoint, the app's
 *   shape elsewhere.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import type { App } from "../../../src/app.ts";
import { createOneTimeAccessToken } from "../../../src/account/one-time-access.ts";
import { mintApiKey } from "../../../src/admin/api-keys.ts";
import { BUDGET_RULES } from "../../../src/http/plugins/request-budgets.ts";
import { bucketsFor, RATE_RULES } from "../../../src/http/plugins/rate-limit.ts";
import { MAX_BUCKETS, RateLimiter, TokenBuckets } from "../../../src/rate-limits/token-buckets.ts";
import { FixedClock, nowSeconds } from "../../../src/lib/clock.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { AppClient } from "../../helpers/app-client.ts";
import { apiReq, makeAdminFixture } from "../../helpers/admin-fixture.ts";
import { insertTestUser, signIn } from "../../helpers/oidc-fixtures.ts";
import { basicAuth, CALLBACK, CHALLENGE, VERIFIER } from "../../helpers/oidc-flow.ts";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.ts";
import { startTestServer } from "../../helpers/server.ts";
import { makeTestApp, req, type TestDeps } from "../../helpers/test-deps.ts";
import { rawHttp, statusOf } from "../../helpers/raw-http.ts";

let deps: TestDeps;
let app: App;
afterEach(() => deps?.cleanup());

async function setup(env: Record<string, string> = {}) {
  ({ app, deps } = await makeTestApp(env));
}

/** Deterministic pseudo-random strings (no wall clock, no Math.random: failures reproduce). */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s;
  };
}
const rand = prng(17);
const randomString = (n = 24) => Array.from({ length: n }, () => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[rand() % 62]).join("");
const ipOf = (i: number, net = 10) => `${net}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

const form = { "content-type": "application/x-www-form-urlencoded" };
function tokenReq(authorization: string | null, body = "grant_type=authorization_code&code=nope&redirect_uri=https%3A%2F%2Fapp.example%2Fcb", headers: Record<string, string> = {}): Request {
  return req(deps, "/api/oidc/token", { method: "POST", headers: { ...form, ...(authorization ? { authorization } : {}), ...headers }, body });
}

async function expectOAuth429(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get("content-type")).toStartWith("application/json");
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
  expect(body.error).toBe("temporarily_unavailable");
  expect(body.error_description).toContain(`retry after ${res.headers.get("retry-after")} seconds`);
}

async function expectApp429(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(((await res.json()) as { error: string }).error).toBe("rate_limited");
}

function confidentialClient(id = "victim-app") {
  const { client, secret } = createClient(deps, CLI_ACTOR, { id, name: id, callbackUrls: [CALLBACK], unrestricted: true, skipConsent: true });
  return { client, secret: secret!.secret, basic: basicAuth(client.id, secret!.secret) };
}

async function authorizationCode(clientId: string, cookie: string): Promise<string> {
  const q = new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, response_type: "code", scope: "openid", state: "s", nonce: "n", code_challenge: CHALLENGE, code_challenge_method: "S256" });
  const res = await app.handle(req(deps, `/authorize?${q}`, { headers: { cookie } }), "192.0.2.200");
  expect(res.status).toBe(303);
  return new URL(res.headers.get("location")!).searchParams.get("code")!;
}
const exchange = (code: string) => `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CALLBACK)}&code_verifier=${VERIFIER}`;

// --- the buckets themselves ------------------------------------------------------------------------

describe("token buckets", () => {
  test.each([
    [{ perSeconds: 10, burst: 3 }, [0, 0, 0, 10]],
    [{ perSeconds: 2, burst: 1 }, [0, 2, 2]],
    [{ perSeconds: 0.5, burst: 5 }, [0, 0, 0, 0, 0, 0.5]],
    [{ perSeconds: 60, burst: 2 }, [0, 0, 60, 60]],
  ])("rule #%#: the burst, then the wait", (rule, waits) => {
    const buckets = new TokenBuckets(new FixedClock(0), rule);
    expect(waits.map(() => buckets.take("k"))).toEqual(waits);
  });

  test("refill: one token per period, never above the burst", () => {
    const clock = new FixedClock(0);
    const buckets = new TokenBuckets(clock, { perSeconds: 10, burst: 3 });
    for (let i = 0; i < 3; i++) buckets.take("k");
    clock.advance(5);
    expect(buckets.take("k")).toBe(5);
    clock.advance(5);
    expect(buckets.take("k")).toBe(0);
    clock.advance(3600);
    expect([1, 2, 3, 4].map(() => buckets.take("k"))).toEqual([0, 0, 0, 10]);
  });

  test("peek never creates a bucket and never spends", () => {
    const buckets = new TokenBuckets(new FixedClock(0), { perSeconds: 10, burst: 1 });
    for (let i = 0; i < 1000; i++) expect(buckets.peek(`k${i}`)).toBe(0);
    expect(buckets.size).toBe(0);
    buckets.take("a");
    expect([buckets.peek("a"), buckets.peek("a")]).toEqual([10, 10]);
  });

  test("one store per limit: a flood on one limit leaves another's spent bucket as it was", () => {
    const clock = new FixedClock(0);
    const limiter = new RateLimiter(clock, 1000);
    const login = limiter.store("login", { perSeconds: 60, burst: 2 });
    login.take("victim-ip");
    login.take("victim-ip");
    const api = limiter.store("api", { perSeconds: 1, burst: 5 });
    for (let i = 0; i < 50_000; i++) api.take(`key-${i}`);
    expect(api.size).toBeLessThanOrEqual(1000);
    expect(login.take("victim-ip")).toBe(60);
    expect(limiter.store("login", { perSeconds: 60, burst: 2 })).toBe(login);
    expect(() => limiter.store("login", { perSeconds: 1, burst: 100 })).toThrow("two different rules"); // a name is one rule
  });

  test("eviction drops idle (full) buckets only; busy ones keep their state", () => {
    const clock = new FixedClock(0);
    const rule = { perSeconds: 100, burst: 3 };
    const buckets = new TokenBuckets(clock, rule, 100);
    // 50 busy buckets (one left each), then 50 idle ones (refilled: their last touch was long ago).
    for (let i = 0; i < 50; i++) for (let j = 0; j < 2; j++) buckets.take(`busy-${i}`);
    clock.advance(1);
    // Fresh one-token spends refill to full 100 s later; make them idle by advancing past that.
    for (let i = 0; i < 50; i++) buckets.take(`idle-${i}`);
    clock.advance(150); // idle-* are full again (1 token spent, 100 s per token); busy-* still miss some
    for (let i = 0; i < 50; i++) expect(buckets.take(`new-${i}`)).toBe(0);
    expect(buckets.size).toBeLessThanOrEqual(100);
    // Every busy bucket is still there: 2 spent at t=0, +151 s → 2.51 tokens; two more leave it short.
    for (let i = 0; i < 50; i++) {
      expect(buckets.take(`busy-${i}`)).toBe(0);
      expect(buckets.take(`busy-${i}`)).toBe(0);
      expect(buckets.take(`busy-${i}`)).toBeGreaterThan(0);
    }
  });

  test("every bucket busy: a new key is refused (fail closed), nothing is reset, room returns when one is idle", () => {
    const clock = new FixedClock(0);
    const rule = { perSeconds: 10, burst: 2 };
    const buckets = new TokenBuckets(clock, rule, 500);
    for (let i = 0; i < 500; i++) {
      buckets.take(`k${i}`);
      buckets.take(`k${i}`);
    }
    for (let i = 0; i < 20_000; i++) expect(buckets.take(`attacker-${i}`)).toBeGreaterThan(0);
    expect(buckets.peek("someone-new")).toBeGreaterThan(0);
    expect(buckets.size).toBe(500);
    for (let i = 0; i < 500; i++) expect(buckets.take(`k${i}`)).toBe(10); // still empty, not reset
    clock.advance(20); // two periods: every bucket is full again (idle)
    expect(buckets.take("someone-new")).toBe(0);
    expect(buckets.peek("another")).toBe(0);
  });

  test("the wait given to a refused new key is when a bucket can first be idle", () => {
    const clock = new FixedClock(0);
    const buckets = new TokenBuckets(clock, { perSeconds: 30, burst: 1 }, 10);
    for (let i = 0; i < 10; i++) buckets.take(`k${i}`);
    const wait = buckets.take("late");
    expect(wait).toBe(30);
    clock.advance(wait);
    expect(buckets.take("late")).toBe(0);
  });

  test("bounded memory: 100k client IPs per limit and 100k keys on another keep at most MAX_BUCKETS each", () => {
    const clock = new FixedClock(Date.UTC(2026, 0, 1));
    const limiter = new RateLimiter(clock);
    const rule = { perSeconds: 1, burst: 2 };
    const login = limiter.store("login", rule);
    const other = limiter.store("other", rule);
    const heap = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++) {
      if (i % 1000 === 0) clock.advance(1);
      login.take(ipOf(i));
    }
    // The most recent client kept its spent bucket.
    const last = ipOf(99_999);
    expect(login.take(last)).toBe(0);
    expect(login.take(last)).toBeGreaterThan(0);
    for (let i = 0; i < 100_000; i++) {
      if (i % 1000 === 0) clock.advance(1);
      other.take(`other:${i}`);
    }
    expect(login.size).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(other.size).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(limiter.size).toBeLessThanOrEqual(2 * MAX_BUCKETS);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 * 1024 * 1024);
  });
});

// --- made-up keys get no bucket --------------------------------------------------------------------

describe("no bucket per unauthenticated key", () => {
  test("20,500 random X-API-Key values: no per-key bucket, and the login-code limit still holds", async () => {
    await setup();
    const f = makeAdminFixture(deps);
    // An attacker spends the login-code budget of its IP guessing codes.
    const guesser = new AppClient(app, deps, "198.51.100.66");
    await guesser.get("/lc");
    const codes: number[] = [];
    for (let i = 0; i <= RATE_RULES.oneTimeAccess.burst; i++) codes.push((await guesser.postForm("/lc", { code: "AAAAAA" })).status);
    expect(codes).toEqual([...Array(RATE_RULES.oneTimeAccess.burst).fill(400), 429]);
    // 20,500 random keys, from the same IP and from others.
    const statuses = new Map<number, number>();
    for (let i = 0; i < 20_500; i++) {
      const res = await app.handle(apiReq(deps, randomString(32), "GET", "/api/users"), i % 2 ? "198.51.100.66" : ipOf(i % 300, 172));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    expect([...statuses.keys()].sort()).toEqual([401, 429]);
    const limiter = bucketsFor(app.web);
    expect(limiter.store("admin-api:key", BUDGET_RULES.adminApi).size).toBe(0);
    expect(limiter.store("admin-api:ip", BUDGET_RULES.adminApi).size).toBe(151); // 150 even-numbered IPs + the guesser
    // The login-code limit was not reset.
    const again = await guesser.postForm("/lc", { code: "AAAAAA" });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(0);
    // A real key is limited on its own bucket, untouched by the flood from its IP.
    expect((await app.handle(apiReq(deps, f.admin.key, "GET", "/api/users"), "198.51.100.66")).status).toBe(200);
  });

  test("random client_ids and random credential ids create no bucket", async () => {
    await setup();
    for (let i = 0; i < 3000; i++) {
      const res = await app.handle(tokenReq(basicAuth(randomString(20), "x")), ipOf(i));
      expect(res.status).toBe(401);
    }
    for (let i = 0; i < 500; i++) {
      const res = await app.handle(tokenReq(null, `grant_type=refresh_token&refresh_token=x&client_id=${randomString(12)}`), ipOf(i, 11));
      expect(res.status).toBe(401);
    }
    insertTestUser(deps, { username: "someone" }); // with no user, /login sends to /setup
    const anon = new AppClient(app, deps, "203.0.113.90");
    await anon.get("/login");
    for (let i = 0; i < BUDGET_RULES.passkeyFailuresPerIp.burst; i++) {
      expect((await anon.postJson("/api/webauthn/login/finish", { response: { id: randomString(43), rawId: "x", type: "public-key", response: {} } })).status).toBe(400);
    }
    const limiter = bucketsFor(app.web);
    expect(limiter.store("protocol-failures:client", BUDGET_RULES.tokenFailuresPerClient).size).toBe(0);
    expect(limiter.store("passkey-failures:credential", BUDGET_RULES.passkeyFailuresPerCredential).size).toBe(0);
  });
});

// --- token endpoints ------------------------------------------------------------------------------

describe("protocol endpoints: failures per IP, first", () => {
  test("the burst of failures, then 429 (OAuth shape) until a token refills; other IPs unaffected", async () => {
    await setup();
    for (let i = 0; i < BUDGET_RULES.tokenFailuresPerIp.burst; i++) expect((await app.handle(tokenReq(basic(`client-${i}`)), "192.0.2.1")).status).toBe(401);
    const limited = await app.handle(tokenReq(basic("client-x")), "192.0.2.1");
    expect(limited.headers.get("retry-after")).toBe(String(BUDGET_RULES.tokenFailuresPerIp.perSeconds));
    await expectOAuth429(limited);
    expect((await app.handle(tokenReq(basic("client-y")), "192.0.2.2")).status).toBe(401);
    deps.clock.advance(BUDGET_RULES.tokenFailuresPerIp.perSeconds);
    expect((await app.handle(tokenReq(basic("client-x")), "192.0.2.1")).status).toBe(401);
    expect((await app.handle(tokenReq(basic("client-x")), "192.0.2.1")).status).toBe(429);
  });

  test("the budget sees the path the router serves: short Host (http://x/ab/api/…), absolute-form, dot-segment and trailing-slash targets", async () => {
    await setup();
    // Elysia reads the path from request.url after its 11th character: with a 1–3 character host the
    // checks (budgets, CSRF, log redaction) saw /ab/api/oidc/token while the router served /api/oidc/token.
    const targets = ["http://x/api/oidc/token", "http://ab/api/oidc/token", "http://x:1/api/oidc/token", "http://evil.example/api/oidc/token", "http://x/ab/../api/oidc/token", `${deps.config.appUrl}/api/oidc/token/`, `${deps.config.appUrl}/api/oidc/token/.`, `${deps.config.appUrl}/api/oidc/x/../token/`];
    // X-API-Key (made up) on every request: without the fix a trailing slash made the token endpoint an "admin API" path (CSRF-exempt, 500 a burst).
    const tokenRequest = (target: string, i: number) =>
      new Request(target, { method: "POST", headers: { ...form, authorization: basic(`client-${i}`), "x-api-key": "made-up-key-0123456789" }, body: "grant_type=client_credentials" });
    const statuses: number[] = [];
    for (let i = 0; i <= BUDGET_RULES.tokenFailuresPerIp.burst; i++) {
      statuses.push((await app.handle(tokenRequest(targets[i % targets.length]!, i), "192.0.2.1")).status);
      // Another path to the checks is another path to the router: never the token endpoint, never uncharged.
      for (const other of ["http://x/ab/api/oidc/token", "http://ab/c/api/oidc/token", "http://abc/x/api/oidc/token", `${deps.config.appUrl}/api/oidc/token//`]) {
        const status = (await app.handle(tokenRequest(other, i), "192.0.2.9")).status;
        expect([other, status === 403 || status === 404]).toEqual([other, true]); // CSRF or no such page
      }
    }
    expect(statuses).toEqual([...Array(BUDGET_RULES.tokenFailuresPerIp.burst).fill(401), 429]);
  });

  test("a request the IP budget refuses spends nothing of the client's budget", async () => {
    await setup();
    const victim = confidentialClient();
    confidentialClient("decoy");
    for (let i = 0; i < BUDGET_RULES.tokenFailuresPerIp.burst; i++) await app.handle(tokenReq(basicAuth("decoy", "wrong")), "192.0.2.1");
    for (let i = 0; i < 1000; i++) expect((await app.handle(tokenReq(basicAuth(victim.client.id, "wrong")), "192.0.2.1")).status).toBe(429);
    // The victim's whole per-client budget is still there: burst-many failures from fresh IPs are 401s.
    for (let i = 0; i < BUDGET_RULES.tokenFailuresPerClient.burst; i++) {
      expect((await app.handle(tokenReq(basicAuth(victim.client.id, "wrong")), ipOf(i, 100))).status).toBe(401);
    }
    await expectOAuth429(await app.handle(tokenReq(basicAuth(victim.client.id, "wrong")), "203.0.113.1"));
  });

  test("a confidential client's own errors after it authenticated spend no IP budget; a public client's do", async () => {
    await setup();
    const rp = confidentialClient();
    const user = insertTestUser(deps, { username: "ada" });
    const { cookie } = signIn(deps, user.id);
    const burst = BUDGET_RULES.tokenFailuresPerIp.burst;
    // A busy relying party: expired refresh tokens and codes used twice, far past the IP's burst.
    for (let i = 0; i < burst * 3; i++) {
      const body = i % 2 ? `grant_type=refresh_token&refresh_token=expired-${i}` : `grant_type=authorization_code&code=used-${i}&redirect_uri=${encodeURIComponent(CALLBACK)}&code_verifier=${VERIFIER}`;
      const res = await app.handle(tokenReq(i % 3 ? rp.basic : null, i % 3 ? body : `${body}&client_id=${rp.client.id}&client_secret=${rp.secret}`), "192.0.2.60");
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_grant");
    }
    const code = await authorizationCode(rp.client.id, cookie);
    expect((await app.handle(tokenReq(rp.basic, exchange(code)), "192.0.2.60")).status).toBe(200);
    // Naming that client without its secret is a failed authentication: charged to the IP as before.
    for (let i = 0; i < burst; i++) expect((await app.handle(tokenReq(null, `grant_type=refresh_token&refresh_token=x&client_id=${rp.client.id}`), "192.0.2.61")).status).toBe(401);
    await expectOAuth429(await app.handle(tokenReq(rp.basic, exchange("whatever")), "192.0.2.61"));
    // A public client has no secret: its failures are guesses anyone could make, charged to the IP.
    createClient(deps, CLI_ACTOR, { id: "spa", name: "spa", callbackUrls: [CALLBACK], isPublic: true, unrestricted: true });
    for (let i = 0; i < burst; i++) {
      expect((await app.handle(tokenReq(null, `grant_type=refresh_token&refresh_token=guess-${i}&client_id=spa`), "192.0.2.62")).status).toBe(400);
    }
    await expectOAuth429(await app.handle(tokenReq(null, "grant_type=refresh_token&refresh_token=one-more&client_id=spa"), "192.0.2.62"));
  });

  test("device polling as told (authorization_pending) is not a failure", async () => {
    await setup();
    const c = confidentialClient();
    const start = await app.handle(req(deps, "/api/oidc/device/authorize", { method: "POST", headers: { ...form, authorization: c.basic }, body: "scope=openid" }), "192.0.2.5");
    const { device_code, interval } = (await start.json()) as { device_code: string; interval: number };
    for (let i = 0; i < BUDGET_RULES.tokenFailuresPerIp.burst * 2; i++) {
      const res = await app.handle(tokenReq(c.basic, `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=${device_code}`), "192.0.2.5");
      expect(((await res.json()) as { error: string }).error).toBe("authorization_pending");
      deps.clock.advance(interval);
    }
  });
});

const basic = (id: string, secret = "wrong-secret") => basicAuth(id, secret);

describe("a correct credential is never refused by others' failures", () => {
  test("wrong secrets sprayed from 12+ IPs: the client's budget is spent, its correct secret still works", async () => {
    await setup();
    const victim = confidentialClient();
    const user = insertTestUser(deps, { username: "ada" });
    const { cookie } = signIn(deps, user.id);
    const perIp = BUDGET_RULES.tokenFailuresPerIp.burst;
    const ips = Math.ceil(BUDGET_RULES.tokenFailuresPerClient.burst / perIp) + 2; // 12 IPs
    expect(ips).toBeGreaterThanOrEqual(12);
    const statuses: number[] = [];
    for (let ip = 0; ip < ips; ip++) {
      for (let i = 0; i < perIp; i++) {
        // Basic and client_secret_post, refresh and code grants: all name the client.
        const r =
          i % 2
            ? tokenReq(basicAuth(victim.client.id, `guess-${ip}-${i}`))
            : tokenReq(null, `grant_type=refresh_token&refresh_token=x&client_id=${victim.client.id}&client_secret=guess-${ip}-${i}`);
        statuses.push((await app.handle(r, ipOf(ip, 45))).status);
      }
    }
    expect(statuses.slice(0, BUDGET_RULES.tokenFailuresPerClient.burst).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(BUDGET_RULES.tokenFailuresPerClient.burst).every((s) => s === 429)).toBe(true);
    // A wrong guess from a fresh IP: 429 in OAuth shape.
    await expectOAuth429(await app.handle(tokenReq(basicAuth(victim.client.id, "one-more")), "203.0.113.77"));
    // The real client, from its own server, with its own secret: served — Basic and post, code and refresh.
    const code = await authorizationCode(victim.client.id, cookie);
    const ok = await app.handle(tokenReq(victim.basic, exchange(code)), "192.0.2.10");
    expect(ok.status).toBe(200);
    const code2 = await authorizationCode(victim.client.id, cookie);
    const post = await app.handle(tokenReq(null, `${exchange(code2)}&client_id=${victim.client.id}&client_secret=${victim.secret}`), "192.0.2.11");
    expect(post.status).toBe(200);
    // The client's own grant errors reach it as they are (not masked as 429): an unknown refresh token.
    const own = await app.handle(tokenReq(victim.basic, "grant_type=refresh_token&refresh_token=expired-or-unknown"), "192.0.2.13");
    expect(own.status).toBe(400);
    expect(((await own.json()) as { error: string }).error).toBe("invalid_grant");
    // Introspection and revocation with the correct secret are served too.
    const { access_token } = (await ok.json()) as { access_token: string };
    const intro = await app.handle(req(deps, "/api/oidc/introspect", { method: "POST", headers: { ...form, authorization: victim.basic }, body: `token=${access_token}` }), "192.0.2.12");
    expect(intro.status).toBe(200);
    expect(((await intro.json()) as { active: boolean }).active).toBe(true);
  });

  test("failed passkey finishes naming one passkey from many IPs: the owner still signs in", async () => {
    await setup();
    const owner = new AppClient(app, deps, "192.0.2.100");
    await owner.get("/setup");
    expect((await owner.postForm("/setup", { firstName: "Ada", lastName: "L", username: "ada", email: "ada@example.com" })).status).toBe(303);
    const authr = new SoftAuthenticator();
    await owner.get("/settings/account");
    const regStart = await owner.postJson("/api/webauthn/register/start", {});
    const { options: creation } = (await regStart.json()) as { options: Parameters<SoftAuthenticator["register"]>[0] };
    expect((await owner.postJson("/api/webauthn/register/finish", { response: authr.register(creation, { origin: deps.config.appUrl }) })).status).toBe(201);
    const credentialId = deps.db.query<{ credential_id: string }, []>("SELECT credential_id FROM webauthn_credentials").get()!.credential_id;

    const perIp = BUDGET_RULES.passkeyFailuresPerIp.burst;
    const ips = Math.ceil(BUDGET_RULES.passkeyFailuresPerCredential.burst / perIp) + 1;
    const statuses: number[] = [];
    for (let ip = 0; ip < ips; ip++) {
      const attacker = new AppClient(app, deps, ipOf(ip, 77));
      await attacker.get("/login");
      for (let i = 0; i < perIp; i++) {
        const forged = { id: credentialId, rawId: credentialId, type: "public-key", response: { clientDataJSON: "e30", authenticatorData: "AAAA", signature: "AAAA" } };
        statuses.push((await attacker.postJson("/api/webauthn/login/finish", { response: forged })).status);
      }
    }
    expect(statuses.slice(0, BUDGET_RULES.passkeyFailuresPerCredential.burst).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(BUDGET_RULES.passkeyFailuresPerCredential.burst).every((s) => s === 429)).toBe(true);
    // The owner, from a new browser: a correct assertion signs in.
    const browser = new AppClient(app, deps, "192.0.2.101");
    await browser.get("/login");
    const start = await browser.postJson("/api/webauthn/login/start", {});
    const { options } = (await start.json()) as { options: Parameters<SoftAuthenticator["assert"]>[0] };
    const res = await browser.postJson("/api/webauthn/login/finish", { response: authr.assert(options, { origin: deps.config.appUrl }) });
    expect(res.status).toBe(200);
    expect(browser.cookie("latchkey_session")).toBeString();
    // A failed attempt from a fresh IP (say, the owner picking the wrong key) is a 429 in the app's shape.
    const other = new AppClient(app, deps, "192.0.2.102");
    await other.get("/login");
    await expectApp429(await other.postJson("/api/webauthn/login/finish", { response: { id: credentialId, rawId: credentialId, type: "public-key", response: {} } }));
  });

  test("admin API: a flood of wrong keys from an IP does not limit a real key used from that IP", async () => {
    await setup();
    const f = makeAdminFixture(deps);
    for (let i = 0; i < BUDGET_RULES.adminApi.burst; i++) expect((await app.handle(apiReq(deps, `wrong-${i}`, "GET", "/api/users"), "192.0.2.9")).status).toBe(401);
    await expectApp429(await app.handle(apiReq(deps, "wrong-again", "GET", "/api/users"), "192.0.2.9"));
    await expectApp429(await app.handle(apiReq(deps, null, "GET", "/api/users"), "192.0.2.9"));
    expect((await app.handle(apiReq(deps, f.admin.key, "GET", "/api/users"), "192.0.2.9")).status).toBe(200);
  });

  test("admin API: per authenticated key, the burst then 429; another key is not affected", async () => {
    await setup();
    const f = makeAdminFixture(deps);
    for (let i = 0; i < BUDGET_RULES.adminApi.burst; i++) {
      const res = await app.handle(apiReq(deps, f.admin.key, "GET", "/api/users"), "192.0.2.9");
      if (res.status !== 200) throw new Error(`call ${i}: ${res.status}`);
    }
    const limited = await app.handle(apiReq(deps, f.admin.key, "GET", "/api/users"), "192.0.2.9");
    expect(limited.headers.get("retry-after")).toBe("1");
    await expectApp429(limited);
    const { token: otherKey } = mintApiKey(deps, f.admin.user.id, { name: "second key", expiresAt: nowSeconds(deps.clock) + 3600 });
    expect((await app.handle(apiReq(deps, otherKey, "GET", "/api/users"), "192.0.2.9")).status).toBe(200);
  });
});

// --- routes that take a bucket themselves ----------------------------------------------------------

describe("per-person limits come after the IP's", () => {
  test("device user codes: an IP over its limit spends nobody's personal budget", async () => {
    await setup();
    const people = Array.from({ length: 3 }, (_, i) => signIn(deps, insertTestUser(deps, { username: `u${i}` }).id).cookie);
    const guess = (cookie: string, ip: string) => app.handle(req(deps, "/device?code=BCDF-GHJK", { headers: { cookie } }), ip);
    // One shared IP: the first person's 10 guesses spend the IP; the others are refused before their own budget.
    for (let i = 0; i < 10; i++) expect((await guess(people[0]!, "192.0.2.30")).status).toBe(400);
    for (const p of people.slice(1)) for (let i = 0; i < 20; i++) expect((await guess(p, "192.0.2.30")).status).toBe(429);
    // From their own IPs they still have all 10.
    for (const [n, p] of people.slice(1).entries()) for (let i = 0; i < 10; i++) expect((await guess(p, `192.0.2.${40 + n}`)).status).toBe(400);
    // Per person across IPs: the 11th guess from a fresh IP is refused.
    expect((await guess(people[1]!, "192.0.2.99")).status).toBe(429);
  });

  test("login codes and passkey ceremony starts: per IP, with Retry-After", async () => {
    await setup();
    const lc = new AppClient(app, deps, "192.0.2.60");
    await lc.get("/lc");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await lc.postForm("/lc", { code: "BBBBBB" })).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    // A valid code from another IP still works; the limited IP is refused even with a valid one.
    const user = insertTestUser(deps, { username: "bob" });
    const { token } = createOneTimeAccessToken(deps, user.id, 900);
    const limited = await lc.postForm("/lc", { code: token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe(String(RATE_RULES.oneTimeAccess.perSeconds));
    const elsewhere = new AppClient(app, deps, "192.0.2.61");
    await elsewhere.get("/lc");
    expect((await elsewhere.postForm("/lc", { code: token })).status).toBe(303);
    // Passkey ceremony starts.
    const browser = new AppClient(app, deps, "192.0.2.50");
    await browser.get("/login");
    const starts: number[] = [];
    for (let i = 0; i < 11; i++) starts.push((await browser.postJson("/api/webauthn/login/start", {})).status);
    expect(starts).toEqual([...Array(10).fill(200), 429]);
  });

  test.each([
    ["/setup", "setup", 10],
    ["/signup", "sign-up", 10],
    ["/api/signup", "sign-up (JSON)", 10],
  ])("%s (%s): the burst per IP, then 429 with Retry-After; another IP is not affected", async (path, _name, burst) => {
    await setup();
    if (path !== "/setup") insertTestUser(deps, { username: "first" }); // setup is over once a user exists
    const post = async (ip: string) => {
      const c = new AppClient(app, deps, ip);
      await c.get(path === "/api/signup" ? "/login" : path);
      return path === "/api/signup" ? c.postJson(path, { username: "" }) : c.postForm(path, { username: "" });
    };
    const statuses: number[] = [];
    for (let i = 0; i <= burst; i++) statuses.push((await post("192.0.2.70")).status);
    expect(statuses.slice(0, burst).every((s) => s !== 429)).toBe(true);
    expect(statuses[burst]).toBe(429);
    expect((await post("192.0.2.71")).status).not.toBe(429);
  });
});

// --- spoofed X-Forwarded-For -----------------------------------------------------------------------

describe("spoofed X-Forwarded-For cannot buy a fresh budget", () => {
  test.each([
    // [TRUST_PROXY, socket peer, X-Forwarded-For with a random client-written prefix → the address that pays]
    ["false", "203.0.113.5", (spoof: string) => `${spoof}`],
    ["false", "203.0.113.5", (spoof: string) => `${spoof}, 10.0.0.1`],
    ["true", "10.0.0.2", (spoof: string) => `${spoof}, 203.0.113.5`],
    ["true", "10.0.0.2", (spoof: string) => `${spoof},203.0.113.5`],
    ["true", "10.0.0.2", (spoof: string) => `${spoof}, 2001:db8:5::${spoof.split(".")[3]}`], // same /64
    ["10.0.0.0/8", "10.0.0.2", (spoof: string) => `${spoof}, 203.0.113.5, 10.0.0.3`],
    ["10.0.0.0/8,192.168.0.0/16", "192.168.1.1", (spoof: string) => `${spoof}, 203.0.113.5, 10.9.9.9`],
    ["10.0.0.0/8", "203.0.113.5", (spoof: string) => `${spoof}`], // untrusted peer: the header is ignored
  ])("TRUST_PROXY=%p, peer %p", async (trust, peer, xff) => {
    await setup({ TRUST_PROXY: trust });
    const statuses: number[] = [];
    for (let i = 0; i <= BUDGET_RULES.tokenFailuresPerIp.burst; i++) {
      const spoof = `${(i * 37) % 223 + 1}.${i % 250}.${(i * 7) % 250}.${i + 1}`;
      statuses.push((await app.handle(tokenReq(basic(`c${i}`), undefined, { "x-forwarded-for": xff(spoof) }), peer)).status);
    }
    expect(statuses).toEqual([...Array(BUDGET_RULES.tokenFailuresPerIp.burst).fill(401), 429]);
  });

  test.each([
    ["true", "203.0.113.5"],
    ["127.0.0.1", "203.0.113.5"],
    ["false", "127.0.0.1"],
  ])("through a real listener, TRUST_PROXY=%p: spoofed extra X-Forwarded-For lines do not help (client %p)", async (trust, client) => {
    const server = await startTestServer({ TRUST_PROXY: trust }, { clock: "fixed" });
    try {
      const raw = async (lines: string[]): Promise<number> => {
        const body = "grant_type=refresh_token&refresh_token=x";
        const answer = await rawHttp(
          "127.0.0.1",
          server.port,
          `POST /api/oidc/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: ${basic("nobody")}\r\n` +
            lines.map((l) => `X-Forwarded-For: ${l}\r\n`).join("") +
            `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        );
        return statusOf(answer);
      };
      const statuses: number[] = [];
      for (let i = 0; i <= BUDGET_RULES.tokenFailuresPerIp.burst; i++) {
        // The client's own lines first (random addresses), then the line "the proxy" added last.
        statuses.push(await raw([`${i + 1}.${i}.1.1`, `198.51.${i}.9, 10.${i}.0.1`, "203.0.113.5"]));
      }
      expect(statuses).toEqual([...Array(BUDGET_RULES.tokenFailuresPerIp.burst).fill(401), 429]);
      // Whose budget was spent: another address added by the proxy has its own (unless the header is ignored).
      expect(await raw(["203.0.113.5", "203.0.113.6"])).toBe(client === "127.0.0.1" ? 429 : 401);
    } finally {
      await server.stop();
    }
  });

  test("the audit log records the address the limiter uses (one resolver)", async () => {
    await setup({ TRUST_PROXY: "true", DISABLE_RATE_LIMITING: "true" });
    const user = insertTestUser(deps, { username: "carol" });
    const { token } = createOneTimeAccessToken(deps, user.id, 900);
    const client = new AppClient(app, deps, "10.0.0.2");
    const headers = { "x-forwarded-for": "127.0.0.1, 81.2.69.142, 203.0.113.44" };
    await client.request("/lc", { headers });
    const page = await client.request("/lc", { headers });
    client.csrfToken = /<meta name="csrf-token" content="([^"]*)"/.exec(await page.text())![1]!;
    expect((await client.postForm("/lc", { code: token }, { headers })).status).toBe(303);
    const row = deps.db.query<{ ip_address: string }, []>("SELECT ip_address FROM audit_logs WHERE event = 'TOKEN_SIGN_IN'").get()!;
    expect(row.ip_address).toBe("203.0.113.44");
  });
});

// --- 429 wire shape on every protocol endpoint ------------------------------------------------------

describe("429 on protocol endpoints: RFC 6749 JSON, Retry-After, no-store", () => {
  const endpoints: [string, string, () => RequestInit][] = [
    ["token", "/api/oidc/token", () => ({ method: "POST", headers: { ...form, authorization: basic("nobody") }, body: "grant_type=refresh_token&refresh_token=x" })],
    ["introspect", "/api/oidc/introspect", () => ({ method: "POST", headers: { ...form, authorization: basic("nobody") }, body: "token=x" })],
    ["revoke", "/api/oidc/revoke", () => ({ method: "POST", headers: { ...form, authorization: basic("nobody") }, body: "token=x" })],
    ["par", "/api/oidc/par", () => ({ method: "POST", headers: { ...form, authorization: basic("nobody") }, body: "response_type=code&client_id=nobody" })],
    ["device authorization", "/api/oidc/device/authorize", () => ({ method: "POST", headers: { ...form, authorization: basic("nobody") }, body: "scope=openid" })],
    ["userinfo GET", "/api/oidc/userinfo", () => ({ headers: { authorization: "Bearer not-a-token" } })],
    ["userinfo POST", "/api/oidc/userinfo", () => ({ method: "POST", headers: { ...form }, body: "access_token=not-a-token" })],
  ];
  test.each(endpoints)("%s", async (_name, path, init) => {
    await setup();
    for (let i = 0; i < BUDGET_RULES.tokenFailuresPerIp.burst; i++) {
      const res = await app.handle(req(deps, path, init()), "192.0.2.77");
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(429);
    }
    await expectOAuth429(await app.handle(req(deps, path, init()), "192.0.2.77"));
  });

  test("per-client 429 (failure after the client's budget is spent) has the same shape on each client endpoint", async () => {
    await setup();
    const c = confidentialClient();
    for (let i = 0; i < BUDGET_RULES.tokenFailuresPerClient.burst; i++) await app.handle(tokenReq(basicAuth(c.client.id, "wrong")), ipOf(i, 60));
    for (const [path, body] of [["/api/oidc/token", "grant_type=refresh_token&refresh_token=x"], ["/api/oidc/introspect", "token=x"], ["/api/oidc/revoke", "token=x"], ["/api/oidc/par", "response_type=code"], ["/api/oidc/device/authorize", "scope=openid"]] as const) {
      await expectOAuth429(await app.handle(req(deps, path, { method: "POST", headers: { ...form, authorization: basicAuth(c.client.id, "wrong") }, body }), "203.0.113.200"));
    }
  });
});

test("DISABLE_RATE_LIMITING=true turns every limit off", async () => {
  await setup({ DISABLE_RATE_LIMITING: "true" });
  for (let i = 0; i < BUDGET_RULES.tokenFailuresPerIp.burst * 3; i++) expect((await app.handle(tokenReq(basic("c")), "192.0.2.1")).status).toBe(401);
});
