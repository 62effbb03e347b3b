/**
 * Sign in with another device (Pocket ID v2.12's /api/device-login/*), attacked through the HTTP surface (app.handle)
 * with a software authenticator and a fixed clock: the request's shape and cookie, the long poll, single use of the
 * approval and of the exchange, the device binding, denial, expiry, the passkey proof (≤ 60 s), CSRF, sign-in,
 * the rate limits, and the pages (/login/alternative/device, /device?user_code=P…, POST /device/sign-in).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { normalizeDeviceLoginCode } from "../../../src/account/device-login.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { AppClient } from "../../helpers/app-client.ts";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.ts";
import { createTestApp, makeTestApp, makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";
import { createUser } from "../../../src/admin/users.ts";
import type { App } from "../../../src/app.ts";

const FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const ASKER_IP = "198.51.100.40";
type AssertOptions = Parameters<SoftAuthenticator["assert"]>[0];

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

interface World {
  app: App;
  deps: TestDeps;
  /** Ada, signed in on her phone (the setup session: no passkey sign-in of its own). */
  phone: AppClient;
  authr: SoftAuthenticator;
  userId: string;
}

async function world(env: Record<string, string> = {}): Promise<World> {
  const { app, deps } = await makeTestApp(env);
  cleanups.push(() => deps.cleanup());
  const phone = new AppClient(app, deps, "203.0.113.9");
  await phone.get("/setup");
  expect((await phone.postForm("/setup", { firstName: "Ada", lastName: "Lovelace", username: "ada", email: "ada@example.com" })).status).toBe(303);
  const authr = new SoftAuthenticator();
  await phone.get("/settings/account");
  const start = await phone.postJson("/api/webauthn/register/start", {});
  const { options } = (await start.json()) as { options: Parameters<SoftAuthenticator["register"]>[0] };
  expect((await phone.postJson("/api/webauthn/register/finish", { response: authr.register(options, { origin: deps.config.appUrl }) })).status).toBe(201);
  const userId = deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'ada'").get()!.id;
  return { app, deps, phone, authr, userId };
}

interface Asked {
  id: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresAt: string;
  interval: number;
}

/** A signed-out browser (its own IP and user agent) asks through the JSON API. */
async function ask(w: World, ip = ASKER_IP): Promise<{ laptop: AppClient; asked: Asked; res: Response }> {
  const laptop = new AppClient(w.app, w.deps, ip);
  await laptop.get("/login", { "user-agent": FIREFOX });
  const res = await laptop.postJson("/api/device-login/requests", {}, { headers: { "user-agent": FIREFOX } });
  expect(res.status).toBe(201);
  return { laptop, asked: (await res.clone().json()) as Asked, res };
}

/** The long poll: moves the fixed clock a second at a time until the exchange answers (it waits 25 s at most). */
async function exchange(w: World, c: AppClient, id: string, opts: { csrf?: boolean } = {}): Promise<Response> {
  let settled = false;
  const pending = c.postJson(`/api/device-login/requests/${id}/exchange`, {}, { csrf: opts.csrf, headers: { "user-agent": FIREFOX } }).finally(() => {
    settled = true;
  });
  for (let i = 0; i < 100 && !settled; i++) await w.deps.clock.tick(500);
  return pending;
}

async function reauthenticate(w: World, c = w.phone): Promise<void> {
  const start = await c.postJson("/api/webauthn/reauthenticate/start", {});
  expect(start.status).toBe(200);
  const { options } = (await start.json()) as { options: AssertOptions };
  expect((await c.postJson("/api/webauthn/reauthenticate/finish", { response: w.authr.assert(options, { origin: w.deps.config.appUrl }) })).status).toBe(200);
}

const decide = (c: AppClient, code: string, decision: string, opts: { csrf?: boolean } = {}) => c.postJson("/api/device-login/verification/decision", { code, decision }, opts);
const inspect = (c: AppClient, code: string, opts: { csrf?: boolean } = {}) => c.postJson("/api/device-login/verification", { code }, opts);
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;
const count = (w: World, sql: string, ...args: string[]) => w.deps.db.query<{ n: number }, string[]>(`SELECT COUNT(*) AS n FROM ${sql}`).get(...args)!.n;

describe("asking", () => {
  test("201 with Pocket ID's fields; the device token cookie is bound to the exchange URL, 15 minutes, no prefix on http", async () => {
    const w = await world();
    const { asked, res } = await ask(w);
    const code = asked.userCode;
    expect(code).toMatch(/^P[ABCDEFGHJKMNPQRSTUVWXYZ0123456789]{7}$/);
    expect(asked).toEqual({
      id: asked.id,
      userCode: code,
      verificationUri: "http://localhost:1411/device",
      verificationUriComplete: `http://localhost:1411/device?user_code=${code}`,
      expiresAt: new Date((nowSeconds(w.deps.clock) + 300) * 1000).toISOString(),
      interval: 3,
    });
    expect(res.headers.get("cache-control")).toBe("no-store");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("device_login_token="))!;
    expect(cookie).toMatch(new RegExp(`^device_login_token=[A-Za-z0-9_-]{43}; Path=/api/device-login/requests/${asked.id}/exchange; Max-Age=900; HttpOnly; SameSite=Strict$`));
    // Only the token's hash is stored.
    const token = cookie.split(";")[0]!.split("=")[1]!;
    expect(count(w, "device_login_requests WHERE device_token_hash = ?", token)).toBe(0);
  });

  test("on https the cookie is __Secure- and Secure", async () => {
    const w = await world({ APP_URL: "https://id.example.com" });
    const { res } = await ask(w);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Secure-device_login_token="));
    expect(cookie).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
  });
});

describe("approve, then exchange", () => {
  test("the phone sees what asks, approves with a fresh passkey; the laptop is signed in once (amr otp), audited REMOTE_SIGN_IN", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    const seen = await inspect(w.phone, asked.userCode.toLowerCase().replace(/^(.{4})/, "$1-"));
    expect(seen.status).toBe(200);
    expect(await seen.json()).toEqual({
      userCode: asked.userCode,
      device: "Firefox 133 on Windows",
      ipAddress: ASKER_IP,
      country: "",
      city: "",
      expiresAt: asked.expiresAt,
    });
    await reauthenticate(w);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);
    const res = await exchange(w, laptop, asked.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: w.userId, username: "ada", email: "ada@example.com" });
    const session = laptop.cookie("latchkey_session");
    expect(session).toBeDefined();
    const amr = w.deps.db.query<{ amr: string }, [string]>("SELECT amr FROM sessions WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1").get(w.userId)!.amr;
    expect(JSON.parse(amr)).toEqual(["otp"]);
    // The device token is dropped from the exchange path.
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`device_login_token=; Path=/api/device-login/requests/${asked.id}/exchange; Max-Age=0`))).toBe(true);
    const audit = w.deps.db.query<{ user_id: string; ip_address: string }, []>("SELECT user_id, ip_address FROM audit_logs WHERE event = 'REMOTE_SIGN_IN'").all();
    expect(audit).toEqual([{ user_id: w.userId, ip_address: ASKER_IP }]);
    expect((await laptop.get("/settings/account")).status).toBe(200);
  });

  test("replayed exchange: 401 device_login_expired, no second session; approving twice: 401", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    await reauthenticate(w);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);
    const sessionsBefore = count(w, "sessions");
    expect((await exchange(w, laptop, asked.id)).status).toBe(200);
    const token = laptop.cookie("device_login_token");
    expect(token).toBeUndefined(); // cleared; replay with the old value:
    const replay = new AppClient(w.app, w.deps, ASKER_IP);
    await replay.get("/login");
    const again = await replay.postJson(`/api/device-login/requests/${asked.id}/exchange`, {});
    expect(again.status).toBe(401);
    expect(await errorOf(again)).toBe("device_login_expired");
    expect(count(w, "sessions")).toBe(sessionsBefore + 1);
    await reauthenticate(w);
    const twice = await decide(w.phone, asked.userCode, "approve");
    expect(twice.status).toBe(401);
    expect(await errorOf(twice)).toBe("device_login_expired");
    expect(count(w, "audit_logs WHERE event = 'REMOTE_SIGN_IN'")).toBe(1);
  });

  test("the same cookie exchanging twice at once: exactly one session", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    await reauthenticate(w);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);
    const cookie = [...laptop.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const call = () => laptop.request(`/api/device-login/requests/${asked.id}/exchange`, { method: "POST", headers: { cookie, "x-csrf-token": laptop.csrfToken } });
    const statuses = (await Promise.all([call(), call(), call()])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401]);
    expect(count(w, "audit_logs WHERE event = 'REMOTE_SIGN_IN'")).toBe(1);
  });

  test("still pending after the 25 s wait: 202, nothing set", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    const startedAt = w.deps.clock.now();
    const res = await exchange(w, laptop, asked.id);
    expect(res.status).toBe(202);
    expect(w.deps.clock.now() - startedAt).toBeGreaterThanOrEqual(25_000);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(laptop.cookie("latchkey_session")).toBeUndefined();
  });

  test("a server that begins to stop ends the wait at once: 202", async () => {
    const deps = makeTestDeps();
    cleanups.push(() => deps.cleanup());
    const stopping = new AbortController();
    deps.stopping = stopping.signal;
    const app = await createTestApp(deps);
    createUser(deps, { username: "ada", email: null, firstName: "Ada", lastName: "Lovelace" });
    const laptop = new AppClient(app, deps, ASKER_IP);
    await laptop.get("/login");
    const { id } = (await (await laptop.postJson("/api/device-login/requests", {})).json()) as Asked;
    let settled = false;
    const pending = laptop.postJson(`/api/device-login/requests/${id}/exchange`, {}).finally(() => (settled = true));
    await deps.clock.tick(1000);
    expect(settled).toBe(false);
    stopping.abort();
    expect((await pending).status).toBe(202);
  });

  test("an approval during the wait answers within the poll", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    await reauthenticate(w);
    let settled = false;
    const pending = laptop.postJson(`/api/device-login/requests/${asked.id}/exchange`, {}).finally(() => (settled = true));
    await w.deps.clock.tick(2000);
    expect(settled).toBe(false);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);
    for (let i = 0; i < 10 && !settled; i++) await w.deps.clock.tick(500);
    expect((await pending).status).toBe(200);
  });
});

describe("only the asking browser", () => {
  test("no cookie, another request's cookie, or a wrong token: 401, and the asker still gets in", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    const { laptop: other } = await ask(w, "198.51.100.41");
    await reauthenticate(w);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);

    const stranger = new AppClient(w.app, w.deps, "198.51.100.42");
    await stranger.get("/login");
    for (const thief of [stranger, other]) {
      const res = await exchange(w, thief, asked.id);
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toBe("device_login_expired");
      expect(thief.cookie("latchkey_session")).toBeUndefined();
    }
    const forged = await stranger.request(`/api/device-login/requests/${asked.id}/exchange`, {
      method: "POST",
      headers: { cookie: `${[...stranger.jar].map(([k, v]) => `${k}=${v}`).join("; ")}; device_login_token=${"A".repeat(43)}`, "x-csrf-token": stranger.csrfToken },
    });
    expect(forged.status).toBe(401);
    expect((await exchange(w, laptop, asked.id)).status).toBe(200);
  });

  test("an unknown request id: 401", async () => {
    const w = await world();
    const { laptop } = await ask(w);
    const res = await exchange(w, laptop, "00000000-0000-4000-8000-000000000000");
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toBe("device_login_expired");
  });
});

describe("deny and expiry", () => {
  test("denied: 204, the exchange answers 403 device_login_denied, and the request can no longer be approved", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    expect((await decide(w.phone, asked.userCode, "deny")).status).toBe(204);
    const res = await exchange(w, laptop, asked.id);
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe("device_login_denied");
    await reauthenticate(w);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(401);
    expect((await inspect(w.phone, asked.userCode)).status).toBe(401);
    expect(laptop.cookie("latchkey_session")).toBeUndefined();
  });

  test("after 5 minutes: inspect, decide and exchange all answer 401 device_login_expired", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    await reauthenticate(w);
    w.deps.clock.advance(301);
    for (const res of [await inspect(w.phone, asked.userCode), await decide(w.phone, asked.userCode, "deny"), await exchange(w, laptop, asked.id)]) {
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toBe("device_login_expired");
    }
  });

  test("approved but not exchanged in time: 401", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    await reauthenticate(w);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);
    w.deps.clock.advance(300);
    expect((await exchange(w, laptop, asked.id)).status).toBe(401);
  });

  test("unknown, malformed or OIDC-style codes: 401 device_login_expired; a bad decision 400", async () => {
    const w = await world();
    for (const code of ["PAAAAAAA", "E1234567", "nonsense", ""]) {
      const res = await inspect(w.phone, code);
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toBe("device_login_expired");
    }
    const { asked } = await ask(w);
    const bad = await decide(w.phone, asked.userCode, "maybe");
    expect(bad.status).toBe(400);
    expect((await inspect(w.phone, asked.userCode)).status).toBe(200);
  });
});

describe("the passkey proof", () => {
  test("approving without one: 403 reauthentication_required and the request stays pending", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    const res = await decide(w.phone, asked.userCode, "approve");
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe("reauthentication_required");
    expect(count(w, "device_login_requests WHERE status = 'pending'")).toBe(1);
    // Denying needs none.
    expect((await decide(w.phone, asked.userCode, "deny")).status).toBe(204);
    expect((await exchange(w, laptop, asked.id)).status).toBe(403);
  });

  test("a proof older than a minute is refused (Pocket ID: ≤ 1 min), and it is single use", async () => {
    const w = await world();
    const { asked } = await ask(w);
    await reauthenticate(w);
    w.deps.clock.advance(61);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(403);
    await reauthenticate(w);
    const { asked: second } = await ask(w, "198.51.100.43");
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);
    expect((await decide(w.phone, second.userCode, "approve")).status).toBe(403);
  });

  test("a passkey sign-in seconds ago is no proof: each approval spends its own re-authentication (as Pocket ID)", async () => {
    const w = await world();
    const phone = new AppClient(w.app, w.deps, "203.0.113.10");
    await phone.get("/login");
    const start = await phone.postJson("/api/webauthn/login/start", {});
    const { options } = (await start.json()) as { options: AssertOptions };
    expect((await phone.postJson("/api/webauthn/login/finish", { response: w.authr.assert(options, { origin: w.deps.config.appUrl }) })).status).toBe(200);
    await phone.get("/settings/account");
    const { asked } = await ask(w);
    const { asked: second } = await ask(w, "198.51.100.45");
    // Signed in with a passkey just now, yet one sign-in must not approve devices one after another.
    const res = await decide(phone, asked.userCode, "approve");
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe("reauthentication_required");
    await reauthenticate(w, phone);
    expect((await decide(phone, asked.userCode, "approve")).status).toBe(204);
    expect((await decide(phone, second.userCode, "approve")).status).toBe(403);
    expect(count(w, "device_login_requests WHERE status = 'approved'")).toBe(1);
  });

  test("the proof is not spent when the request is already gone", async () => {
    const w = await world();
    const { asked } = await ask(w);
    const { asked: second } = await ask(w, "198.51.100.44");
    expect((await decide(w.phone, asked.userCode, "deny")).status).toBe(204);
    await reauthenticate(w);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(401);
    expect((await decide(w.phone, second.userCode, "approve")).status).toBe(204);
  });
});

describe("guards", () => {
  test("verification and decision need a browser session: 401 unauthenticated", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    for (const res of [await inspect(laptop, asked.userCode), await decide(laptop, asked.userCode, "deny")]) {
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toBe("unauthenticated");
    }
    expect(count(w, "device_login_requests WHERE status = 'pending'")).toBe(1);
  });

  test("every POST needs the page's CSRF token: 403 csrf_failed", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    await reauthenticate(w);
    const create = await laptop.postJson("/api/device-login/requests", {}, { csrf: false });
    expect(create.status).toBe(403);
    expect(await errorOf(create)).toBe("csrf_failed");
    expect((await inspect(w.phone, asked.userCode, { csrf: false })).status).toBe(403);
    const d = await decide(w.phone, asked.userCode, "approve", { csrf: false });
    expect(d.status).toBe(403);
    expect(await errorOf(d)).toBe("csrf_failed");
    expect(count(w, "device_login_requests WHERE status = 'pending'")).toBe(1);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);
    const x = await exchange(w, laptop, asked.id, { csrf: false });
    expect(x.status).toBe(403);
    expect(await errorOf(x)).toBe("csrf_failed");
    expect((await exchange(w, laptop, asked.id)).status).toBe(200);
  });

  test("rate limits per IP as Pocket ID: create burst 5, verification burst 5, exchange burst 10", async () => {
    const w = await world();
    const laptop = new AppClient(w.app, w.deps, "198.51.100.50");
    await laptop.get("/login");
    const created: Asked[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await laptop.postJson("/api/device-login/requests", {});
      expect(res.status).toBe(201);
      created.push((await res.json()) as Asked);
    }
    const sixth = await laptop.postJson("/api/device-login/requests", {});
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get("retry-after")).toBe("10");
    // The page spends the same budget.
    expect((await laptop.get("/login/alternative/device")).status).toBe(429);

    for (let i = 0; i < 5; i++) expect((await inspect(w.phone, created[0]!.userCode)).status).toBe(200);
    expect((await inspect(w.phone, created[0]!.userCode)).status).toBe(429);
    expect((await decide(w.phone, created[0]!.userCode, "deny")).status).toBe(429);

    // An unknown id answers at once (no wait), so the clock stands still between these.
    for (let i = 0; i < 10; i++) expect((await laptop.postJson("/api/device-login/requests/unknown/exchange", {})).status).toBe(401);
    expect((await laptop.postJson("/api/device-login/requests/unknown/exchange", {})).status).toBe(429);
  });
});

describe("pages", () => {
  test("/login links to /login/alternative/device, which shows the QR code (SVG), the code and its expiry", async () => {
    const w = await world();
    const laptop = new AppClient(w.app, w.deps, ASKER_IP);
    const login = await (await laptop.get("/login?redirect=%2Fsettings%2Fapps")).text();
    expect(login).toContain('href="/login/alternative/device?redirect=%2Fsettings%2Fapps"');
    const res = await laptop.get("/login/alternative/device?redirect=%2Fsettings%2Fapps");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const row = w.deps.db.query<{ id: string; user_code: string }, []>("SELECT id, user_code FROM device_login_requests").get()!;
    expect(html).toContain(`<div class="qr-code" role="img" aria-label="QR code to sign in with another device"><svg xmlns="http://www.w3.org/2000/svg"`);
    expect(html).toContain(`>${row.user_code.slice(0, 4)}-${row.user_code.slice(4)}</strong>`);
    expect(html).toContain(`data-exchange="/api/device-login/requests/${row.id}/exchange"`);
    expect(html).toContain('data-redirect="/settings/apps"');
    expect(html).toContain("<time datetime=");
    expect(html).toMatch(/<script src="\/static\/device-login\.[0-9a-f]{12}\.js"/);
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
    expect(laptop.cookie("device_login_token")).toBeDefined();
    // The page's exchange answers for this browser.
    expect((await exchange(w, laptop, row.id)).status).toBe(202);
    // Signed in already: straight on.
    const signedIn = await w.phone.get("/login/alternative/device?redirect=%2Fsettings%2Fapps");
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("location")).toBe("/settings/apps");
  });

  test("/device?user_code=P…: signed out goes to sign-in and back; signed in shows what asks, and POST /device/sign-in decides", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    const anonymous = new AppClient(w.app, w.deps, "198.51.100.60");
    const away = await anonymous.get(`/device?user_code=${asked.userCode}`);
    expect(away.status).toBe(303);
    expect(away.headers.get("location")).toBe(`/login?redirect=${encodeURIComponent(`/device?user_code=${asked.userCode}`)}`);

    const page = await w.phone.get(`/device?user_code=${asked.userCode}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Sign in on another device?");
    expect(html).toContain("<dd>Firefox 133 on Windows</dd>");
    expect(html).toContain(`<dd>${ASKER_IP}</dd>`);
    expect(html).toContain("data-passkey-reauth");
    const shown = `${asked.userCode.slice(0, 4)}-${asked.userCode.slice(4)}`;

    // Without the CSRF token: refused, nothing decided.
    expect((await w.phone.postForm("/device/sign-in", { code: shown, decision: "approve" }, { csrf: false })).status).toBe(403);
    // Without a passkey proof: refused.
    expect((await w.phone.postForm("/device/sign-in", { code: shown, decision: "approve" })).status).toBe(403);
    await reauthenticate(w);
    const done = await w.phone.postForm("/device/sign-in", { code: shown, decision: "approve" });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Device signed in");
    expect((await exchange(w, laptop, asked.id)).status).toBe(200);
    // Used: the /device page no longer knows the code.
    expect(await (await w.phone.get(`/device?user_code=${asked.userCode}`)).text()).not.toContain("Sign in on another device?");
  });

  test("POST /device/sign-in signed out: 401; deny shows the denied page", async () => {
    const w = await world();
    const { asked } = await ask(w);
    const anonymous = new AppClient(w.app, w.deps, "198.51.100.61");
    await anonymous.get("/login");
    expect((await anonymous.postForm("/device/sign-in", { code: asked.userCode, decision: "deny" })).status).toBe(401);
    await w.phone.get("/settings/account");
    const denied = await w.phone.postForm("/device/sign-in", { code: asked.userCode, decision: "deny" });
    expect(denied.status).toBe(200);
    expect(await denied.text()).toContain("Sign-in denied");
  });
});

describe("attacks", () => {
  test("what the approver sees is escaped: a User-Agent of HTML and a display name of HTML", async () => {
    const w = await world();
    w.deps.db.query("UPDATE users SET first_name = '<img src=x onerror=alert(1)>', display_name = '<img src=x onerror=alert(1)>' WHERE id = ?").run(w.userId);
    const laptop = new AppClient(w.app, w.deps, ASKER_IP);
    await laptop.get("/login");
    const evil = '<script>alert(1)</script><img src=x onerror="alert(2)">';
    const res = await laptop.postJson("/api/device-login/requests", {}, { headers: { "user-agent": evil } });
    const { userCode } = (await res.json()) as Asked;
    const html = await (await w.phone.get(`/device?user_code=${userCode}`)).text();
    expect(html).toContain("Sign in on another device?");
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("<dd>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x oner…</dd>");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  test.each([
    "//evil.example/",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/./\\evil.example",
    " /settings",
  ])("the return path %p is not followed: the page continues home", async (redirect) => {
    const w = await world();
    const laptop = new AppClient(w.app, w.deps, ASKER_IP);
    const res = await laptop.get(`/login/alternative/device?redirect=${encodeURIComponent(redirect)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-redirect=""');
    expect(html).not.toContain("evil.example");
    expect(html).toContain('href="/login/alternative/device"');
    // Signed in already: the redirect is not followed either.
    const signedIn = await w.phone.get(`/login/alternative/device?redirect=${encodeURIComponent(redirect)}`);
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("location")).toBe("/settings/account");
  });

  test("no enumeration: unknown, denied, exchanged and expired codes answer byte for byte alike", async () => {
    const w = await world();
    const denied = (await ask(w)).asked;
    expect((await decide(w.phone, denied.userCode, "deny")).status).toBe(204);
    const used = await ask(w, "198.51.100.43");
    await reauthenticate(w);
    expect((await decide(w.phone, used.asked.userCode, "approve")).status).toBe(204);
    expect((await exchange(w, used.laptop, used.asked.id)).status).toBe(200);
    const bodies = new Set<string>();
    const codes = ["PAAAAAAA", denied.userCode, used.asked.userCode];
    for (const code of codes) {
      for (const res of [await inspect(w.phone, code), await decide(w.phone, code, "deny")]) {
        expect(res.status).toBe(401);
        bodies.add(await res.text());
      }
      w.deps.clock.advance(20); // stay inside the verification budget (1 per 10 s)
    }
    expect(bodies.size).toBe(1);
  });

  test("a user disabled after approving: the exchange answers 403, no session, the approval not spent", async () => {
    const w = await world();
    const { laptop, asked } = await ask(w);
    await reauthenticate(w);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);
    w.deps.db.query("UPDATE users SET disabled = 1 WHERE id = ?").run(w.userId);
    const res = await exchange(w, laptop, asked.id);
    expect(res.status).toBe(403);
    expect(laptop.cookie("latchkey_session")).toBeUndefined();
    expect(count(w, "audit_logs WHERE event = 'REMOTE_SIGN_IN'")).toBe(0);
    // A disabled user's session is gone: its page's CSRF token no longer matches, and without it there is no session.
    const other = await ask(w, "198.51.100.44");
    for (const r of [await inspect(w.phone, other.asked.userCode), await decide(w.phone, other.asked.userCode, "deny")]) {
      expect(r.status).toBe(403);
      expect(await errorOf(r)).toBe("csrf_failed");
    }
    const fresh = new AppClient(w.app, w.deps, "203.0.113.9");
    fresh.jar.set("latchkey_session", w.phone.cookie("latchkey_session")!);
    await fresh.get("/login");
    const r = await inspect(fresh, other.asked.userCode);
    expect(r.status).toBe(401);
    expect(await errorOf(r)).toBe("unauthenticated");
    expect(count(w, "device_login_requests WHERE status = 'pending'")).toBe(1);
  });

  test("denying needs the CSRF token too, on the JSON API and on the /device form: 403, the request stays pending", async () => {
    const w = await world();
    const { asked } = await ask(w);
    await w.phone.get("/settings/account");
    const json = await decide(w.phone, asked.userCode, "deny", { csrf: false });
    expect(json.status).toBe(403);
    expect(await errorOf(json)).toBe("csrf_failed");
    expect((await w.phone.postForm("/device/sign-in", { code: asked.userCode, decision: "deny" }, { csrf: false })).status).toBe(403);
    // A cross-site form carries the session cookie but another token.
    expect((await w.phone.postForm("/device/sign-in", { code: asked.userCode, decision: "deny", _csrf: "A".repeat(43) }, { csrf: false })).status).toBe(403);
    expect(count(w, "device_login_requests WHERE status = 'pending'")).toBe(1);
  });

  test("another browser's session cannot exchange a request it approved itself (the approver is not the asker)", async () => {
    const w = await world();
    const { asked } = await ask(w);
    await reauthenticate(w);
    expect((await decide(w.phone, asked.userCode, "approve")).status).toBe(204);
    const res = await exchange(w, w.phone, asked.id);
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toBe("device_login_expired");
  });
});

describe("normalizeDeviceLoginCode: what a person typed, or null", () => {
  test.each([
    ["PABC-DEFG", "PABCDEFG"],
    ["pabc-defg", "PABCDEFG"],
    ["  PABC DEFG\t", "PABCDEFG"],
    ["P-A-B-C-D-E-F-G", "PABCDEFG"],
    ["PAOC-DEIG", "PA0CDE1G"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeDeviceLoginCode(input)).toBe(expected);
  });

  test.each([
    ["empty", ""],
    ["the OIDC device flow's shape", "ABCD-EFGH"],
    ["one character short", "PABC-DEF"],
    ["one character long", "PABC-DEFGH"],
    ["letters left out of the alphabet (L)", "PABC-DEFL"],
    ["an underscore", "PABC_DEFG"],
    ["a dot", "PABC.DEFG"],
    ["percent-encoding", "PABC%2DDEFG"],
    ["a zero-width space", "PABC\u200bDEFG"],
    ["a NUL", "PABC\u0000DEFG"],
    ["full-width letters", "ＰＡＢＣＤＥＦＧ"],
    ["a combining accent", "PA\u0301BCDEFG"],
    ["over 40 characters, even if only spaces pad it", `PABCDEFG${" ".repeat(33)}`],
    ["a huge value", "P".repeat(100_000)],
  ])("%s is refused", (_name, input) => {
    expect(normalizeDeviceLoginCode(input)).toBeNull();
  });

  test("a value that is not a string is refused", () => {
    expect(normalizeDeviceLoginCode(null)).toBeNull();
    expect(normalizeDeviceLoginCode(undefined)).toBeNull();
    expect(normalizeDeviceLoginCode(12345678 as unknown as string)).toBeNull();
  });
});
