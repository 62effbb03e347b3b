/**
 * Forward-auth over real HTTP: Latchkey in-process behind a listener, driven exactly as each proxy does.
 * - Caddy forward_auth / Traefik ForwardAuth: GET with X-Forwarded-Method/Proto/Host/Uri (+ X-Forwarded-For).
 * - nginx auth_request: the original method, X-Original-URL and X-Original-Method.
 * The listener's peer is 127.0.0.1 = TRUST_PROXY; an untrusted peer is simulated through app.handle.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createSession } from "../../src/account/sessions.ts";
import { countForwardAuthSessionsOfSession } from "../../src/db/forward-auth-sessions.ts";
import { updateProtectedApp } from "../../src/forward-auth/protected-apps.ts";
import { makeForwardAuthFixture, type ForwardAuthFixture } from "../helpers/forward-auth-fixture.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import type { FixedClock } from "../../src/lib/clock.ts";

let server: TestServer;
let fx: ForwardAuthFixture;
const clock = () => server.deps.clock as FixedClock;

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: "127.0.0.1/32,::1" }, { clock: "fixed" });
  fx = makeForwardAuthFixture(server.deps);
});
afterAll(() => server.stop());

function caddy(target: string, opts: { cookie?: string; method?: string; extra?: Record<string, string>; query?: string } = {}): Promise<Response> {
  const u = new URL(target);
  return fetch(`${server.url}/api/forward-auth/verify${opts.query ?? ""}`, {
    redirect: "manual",
    headers: {
      "X-Forwarded-Method": opts.method ?? "GET",
      "X-Forwarded-Proto": u.protocol.slice(0, -1),
      "X-Forwarded-Host": u.host,
      "X-Forwarded-Uri": u.pathname + u.search,
      "X-Forwarded-For": "198.51.100.7",
      ...(opts.cookie ? { Cookie: opts.cookie } : {}),
      ...opts.extra,
    },
  });
}

function nginx(target: string, opts: { cookie?: string; method?: string } = {}): Promise<Response> {
  return fetch(`${server.url}/api/forward-auth/verify`, {
    method: opts.method ?? "GET",
    redirect: "manual",
    headers: {
      "X-Original-URL": target,
      "X-Original-Method": opts.method ?? "GET",
      "X-Forwarded-For": "198.51.100.7",
      ...(opts.cookie ? { Cookie: opts.cookie } : {}),
    },
  });
}

let clientNo = 0;
/** Each browser comes from its own address (X-Forwarded-For via the trusted proxy), so start's per-IP limit is not shared. */
function start(rd: string, cookie?: string): Promise<Response> {
  const ip = `192.0.2.${++clientNo % 250}`;
  return fetch(`${server.url}/api/forward-auth/start?rd=${encodeURIComponent(rd)}`, { redirect: "manual", headers: { "X-Forwarded-For": ip, ...(cookie ? { Cookie: cookie } : {}) } });
}

const startFor = (target: string) => `${server.url}/api/forward-auth/start?rd=${encodeURIComponent(target)}`;

/** The whole handshake: start on Latchkey → callback on the app host (through the proxy) → cookie for that host. */
async function handshake(who: { cookie: string }, target: string): Promise<{ cookie: string; setCookie: string; location: string }> {
  const s = await start(target, who.cookie);
  expect(s.status).toBe(302);
  const cb = new URL(s.headers.get("location")!);
  const t = new URL(target);
  expect(cb.origin).toBe(t.origin);
  expect(cb.pathname).toBe("/.latchkey/callback");
  const r = await caddy(cb.href);
  expect(r.status).toBe(302);
  const setCookie = r.headers.get("set-cookie")!;
  return { cookie: setCookie.split(";")[0]!, setCookie, location: r.headers.get("location")! };
}

/** A new Latchkey browser session (another device). */
function freshSession(userId: string) {
  const me = createSession(server.deps, { userId, amr: ["phr"], durationMinutes: 600 });
  return { cookie: `latchkey_session=${me.token}`, me };
}

function auditCount(event: string): number {
  return server.deps.db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = ?").get(event)!.n;
}

describe("not signed in", () => {
  test("Caddy/Traefik: 302 to start with the original URL", async () => {
    const r = await caddy("https://app.example.com/dash?x=1&y=%C3%A9");
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe(startFor("https://app.example.com/dash?x=1&y=%C3%A9"));
    expect(r.headers.get("remote-user")).toBeNull();
  });

  test("nginx (X-Original-URL): 401 with the start URL in Location, also for a POST subrequest (no CSRF token)", async () => {
    const r = await nginx("https://app.example.com/api/save", { method: "POST" });
    expect(r.status).toBe(401);
    expect(r.headers.get("location")).toBe(startFor("https://app.example.com/api/save"));
  });

  test("?mode=nginx with X-Forwarded-* headers also answers 401", async () => {
    const r = await caddy("https://app.example.com/", { query: "?mode=nginx" });
    expect(r.status).toBe(401);
  });

  test("start without a Latchkey session sends the browser to /login and back", async () => {
    const r = await start("https://app.example.com/dash");
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe(`/login?redirect=${encodeURIComponent(`/api/forward-auth/start?rd=${encodeURIComponent("https://app.example.com/dash")}`)}`);
  });

  test("a forged Remote-User header is never believed", async () => {
    const r = await caddy("https://app.example.com/", { extra: { "Remote-User": "alice", "Remote-Groups": "family", "X-Remote-User": "alice" } });
    expect(r.status).toBe(302);
    expect(r.headers.get("remote-user")).toBeNull();
  });

  test("unknown host: 403 page that names it", async () => {
    const r = await caddy("https://nope.example.net/");
    expect(r.status).toBe(403);
    expect(await r.text()).toContain("nope.example.net");
  });
});

describe("cross-domain handshake", () => {
  test("start → /.latchkey/callback on the app host → host-only cookie → 200 with identity headers", async () => {
    const h = await handshake(fx.alice, "https://app.example.com/dash?tab=2");
    expect(h.location).toBe("https://app.example.com/dash?tab=2");
    expect(h.setCookie).toMatch(/^__Host-latchkey_fa=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    const r = await caddy("https://app.example.com/dash?tab=2", { cookie: h.cookie });
    expect(r.status).toBe(200);
    expect(r.headers.get("remote-user")).toBe("alice");
    expect(r.headers.get("remote-groups")).toBe("family");
    expect(r.headers.get("remote-email")).toBe("alice@example.com");
    expect(r.headers.get("remote-name")).toBe("Alice Example");
    expect(r.headers.get("cache-control")).toBe("no-store");
    // nginx style with the same cookie
    const n = await nginx("https://app.example.com/x", { cookie: h.cookie });
    expect(n.status).toBe(200);
    expect(n.headers.get("remote-user")).toBe("alice");
  });

  test("a spoofed Remote-User next to a real cookie: the answer is the cookie's person", async () => {
    const h = await handshake(fx.alice, "https://app.example.com/");
    const r = await caddy("https://app.example.com/", { cookie: h.cookie, extra: { "Remote-User": "root", "Remote-Groups": "admins" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("remote-user")).toBe("alice");
    expect(r.headers.get("remote-groups")).toBe("family");
  });

  test("http app: plain cookie name without Secure", async () => {
    const h = await handshake(fx.alice, "http://app.example.com:8080/");
    expect(h.setCookie).toMatch(/^latchkey_fa_8080=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    expect((await caddy("http://app.example.com:8080/", { cookie: h.cookie })).status).toBe(200);
    // Cookies ignore ports: another port of the same host has its own cookie name and session.
    const other = await handshake(fx.alice, "http://app.example.com:9090/");
    expect(other.cookie).toStartWith("latchkey_fa_9090=");
    expect((await caddy("http://app.example.com:9090/", { cookie: `${h.cookie}; ${other.cookie}` })).status).toBe(200);
    expect((await caddy("http://app.example.com:9090/", { cookie: h.cookie.replace("_8080", "_9090") })).status).toBe(302);
  });

  test("the code is single use", async () => {
    const s = await start("https://app.example.com/", fx.alice.cookie);
    const cb = s.headers.get("location")!;
    expect((await caddy(cb)).status).toBe(302);
    const again = await caddy(cb);
    expect(again.status).toBe(400);
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  test("the code expires after a minute", async () => {
    const s = await start("https://app.example.com/", fx.alice.cookie);
    clock().advance(61);
    expect((await caddy(s.headers.get("location")!)).status).toBe(400);
  });

  test("a code issued for one host is refused on another (and is then spent)", async () => {
    const s = await start("https://app.example.com/", fx.alice.cookie);
    const cb = new URL(s.headers.get("location")!);
    expect((await caddy(`https://other.test${cb.pathname}${cb.search}`)).status).toBe(400);
    expect((await caddy(cb.href)).status).toBe(400);
  });

  test("a cookie issued for one host does not open another", async () => {
    const h = await handshake(fx.alice, "https://app.example.com/");
    const r = await caddy("https://other.test/", { cookie: h.cookie.replace("__Host-latchkey_fa", "__Host-latchkey_fa") });
    expect(r.status).toBe(302);
  });

  test("nginx: /api/forward-auth/callback (proxied location) sets the cookie and redirects", async () => {
    const s = await start("https://app.example.com/n", fx.alice.cookie);
    const cb = new URL(s.headers.get("location")!);
    const r = await fetch(`${server.url}/api/forward-auth/callback${cb.search}`, {
      redirect: "manual",
      headers: { "X-Original-URL": cb.href, "X-Forwarded-For": "198.51.100.7" },
    });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("https://app.example.com/n");
    expect(r.headers.get("set-cookie")).toStartWith("__Host-latchkey_fa=");
  });
});

describe("return URL (open redirect)", () => {
  const evil = [
    "https://evil.com/",
    "https://app.example.com@evil.com/",
    "https://app.example.com:443@evil.com/",
    "https://user:pw@app.example.com/",
    "https://evil.com\\@app.example.com/",
    "https://app.example.com\\.evil.com/",
    "//evil.com/",
    "///evil.com/",
    "/\\evil.com",
    "https:evil.com",
    "https:/evil.com",
    "javascript:alert(1)//app.example.com",
    "https://app.example.com.evil.com/",
    "https://evilapp.example.com/",
    "https://app.example.com%2F@evil.com/",
    "https://evil.com#https://app.example.com/",
    "https://app.example.com/\r\nSet-Cookie:x=y",
    "https://app.example.com/%0d%0a".replace("%0d%0a", "\n"),
    " https://app.example.com/",
    "https://secure.example.com/other", // host is protected only under /admin
    "ftp://app.example.com/",
    "",
  ];
  for (const rd of evil) {
    test(`refused: ${JSON.stringify(rd)}`, async () => {
      const r = await start(rd, fx.alice.cookie);
      expect(r.status).toBe(400);
      expect(r.headers.get("location")).toBeNull();
    });
  }

  test("encoded CR/LF stays encoded and inside the app", async () => {
    const h = await handshake(fx.alice, "https://app.example.com/a%0d%0aSet-Cookie:%20x=y");
    expect(h.location).toBe("https://app.example.com/a%0d%0aSet-Cookie:%20x=y");
  });

  test("missing rd: 400 page", async () => {
    const r = await fetch(`${server.url}/api/forward-auth/start`, { redirect: "manual", headers: { Cookie: fx.alice.cookie } });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toContain("text/html");
  });
});

describe("groups, re-authentication, audit", () => {
  test("signed in but outside the allowed groups: start and verify answer 403 with a clear page; DENIED audited once a minute", async () => {
    const before = auditCount("FORWARD_AUTH_DENIED");
    const s = await start("https://app.example.com/", fx.bob.cookie);
    expect(s.status).toBe(403);
    expect(await s.text()).toContain("You don&#x27;t have access to this app");
    // A session from an open app is not enough for a restricted one (shared cookie scenario is unit-tested).
    const h = await handshake(fx.bob, "https://open.example.com/");
    expect((await caddy("https://open.example.com/", { cookie: h.cookie })).status).toBe(200);
    expect(auditCount("FORWARD_AUTH_DENIED")).toBe(before + 1);
  });

  test("unrestricted app passes only the chosen headers", async () => {
    const h = await handshake(fx.bob, "https://open.example.com/");
    const r = await caddy("https://open.example.com/", { cookie: h.cookie });
    expect(r.status).toBe(200);
    expect(r.headers.get("remote-user")).toBe("bob");
    expect(r.headers.get("remote-email")).toBe("bob@example.com");
    expect(r.headers.get("remote-groups")).toBeNull();
    expect(r.headers.get("remote-name")).toBeNull();
  });

  test("an app made restricted later: start refuses bob (in no allowed group)", async () => {
    updateProtectedApp(server.deps, fx.open.id, { isGroupRestricted: true });
    try {
      expect((await start("https://open.example.com/", fx.bob.cookie)).status).toBe(403);
    } finally {
      updateProtectedApp(server.deps, fx.open.id, { isGroupRestricted: false });
    }
  });

  test("verify's 403 page for someone outside the groups (session issued while allowed)", async () => {
    const h = await handshake(fx.bob, "https://open.example.com/");
    updateProtectedApp(server.deps, fx.open.id, { isGroupRestricted: true });
    const r = await caddy("https://open.example.com/x", { cookie: h.cookie });
    expect(r.status).toBe(403);
    const body = await r.text();
    expect(body).toContain("Signed in as <strong>bob</strong>");
    expect(r.headers.get("content-security-policy")).toContain(`style-src ${server.url}`);
    expect(body).toContain(`href="${server.url}/static/`);
    updateProtectedApp(server.deps, fx.open.id, { isGroupRestricted: false });
  });

  test("grants are audited once per session and app per 15 minutes", async () => {
    const h = await handshake(freshSession(fx.alice.id), "https://app.example.com/");
    const before = auditCount("FORWARD_AUTH_GRANTED");
    for (let i = 0; i < 5; i++) expect((await caddy(`https://app.example.com/asset-${i}.js`, { cookie: h.cookie })).status).toBe(200);
    expect(auditCount("FORWARD_AUTH_GRANTED")).toBe(before + 1);
    clock().advance(16 * 60);
    expect((await caddy("https://app.example.com/", { cookie: h.cookie })).status).toBe(200);
    expect(auditCount("FORWARD_AUTH_GRANTED")).toBe(before + 2);
    const row = server.deps.db
      .query<{ data: string; ip_address: string }, []>("SELECT data, ip_address FROM audit_logs WHERE event = 'FORWARD_AUTH_GRANTED' ORDER BY created_at DESC LIMIT 1")
      .get()!;
    expect(JSON.parse(row.data)).toEqual({ appId: fx.app.id, appName: "Dashboard", host: "app.example.com" });
    expect(row.ip_address).toBe("198.51.100.7");
  });

  test("re-authentication age: older than 5 minutes → sign in again, start asks for /reauthenticate", async () => {
    const { cookie } = freshSession(fx.alice.id);
    const h = await handshake({ cookie }, "https://secure.example.com/admin/users");
    expect((await caddy("https://secure.example.com/admin/users", { cookie: h.cookie })).status).toBe(200);
    clock().advance(6 * 60);
    const r = await caddy("https://secure.example.com/admin/users", { cookie: h.cookie });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe(startFor("https://secure.example.com/admin/users"));
    const s = await start("https://secure.example.com/admin/users", cookie);
    expect(s.status).toBe(302);
    expect(s.headers.get("location")).toStartWith("/reauthenticate?redirect=%2Fapi%2Fforward-auth%2Fstart%3Frd%3D");
    // Outside /admin the host is not protected at all.
    expect((await caddy("https://secure.example.com/public", { cookie: h.cookie })).status).toBe(403);
  });
});

describe("trust and sign-out", () => {
  test("an untrusted peer's X-Forwarded-Host / X-Original-URL are ignored", async () => {
    const h = await handshake(fx.alice, "https://app.example.com/");
    for (const headers of <Record<string, string>[]>[
      { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "app.example.com", "X-Forwarded-Uri": "/", Cookie: h.cookie },
      { "X-Original-URL": "https://app.example.com/", Cookie: h.cookie },
    ]) {
      const r = await server.app.handle(new Request(`${server.url}/api/forward-auth/verify`, { headers }), "203.0.113.9");
      expect(r.status).toBe(403);
      expect(r.headers.get("remote-user")).toBeNull();
      expect(await r.text()).toContain("TRUST_PROXY");
    }
    // and the handshake callback cannot be replayed through an untrusted peer either
    const s = await start("https://app.example.com/", fx.alice.cookie);
    const cb = new URL(s.headers.get("location")!);
    const r = await server.app.handle(
      new Request(`${server.url}/api/forward-auth/verify`, { headers: { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "app.example.com", "X-Forwarded-Uri": cb.pathname + cb.search } }),
      "203.0.113.9",
    );
    expect(r.status).toBe(403);
    expect(r.headers.get("set-cookie")).toBeNull();
  });

  test("signing out of Latchkey ends forward-auth sessions (cascade)", async () => {
    const { cookie, me } = freshSession(fx.alice.id);
    const a = await handshake({ cookie }, "https://app.example.com/");
    const b = await handshake({ cookie }, "https://other.test/");
    expect((await caddy("https://app.example.com/", { cookie: a.cookie })).status).toBe(200);
    expect(countForwardAuthSessionsOfSession(server.deps.db, me.session.id)).toBe(2);
    const out = await fetch(`${server.url}/logout`, { method: "POST", redirect: "manual", headers: { Cookie: cookie, "X-CSRF-Token": me.session.csrfToken } });
    expect(out.status).toBe(303);
    expect(countForwardAuthSessionsOfSession(server.deps.db, me.session.id)).toBe(0);
    expect((await caddy("https://app.example.com/", { cookie: a.cookie })).status).toBe(302);
    expect((await nginx("https://other.test/", { cookie: b.cookie })).status).toBe(401);
  });

  test("verify stays fast: 500 sequential allowed requests", async () => {
    const h = await handshake(fx.alice, "https://app.example.com/");
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) await caddy(`https://app.example.com/static/${i}.css`, { cookie: h.cookie });
    const perRequest = (performance.now() - t0) / 500;
    console.log(`forward-auth verify: ${perRequest.toFixed(2)} ms per request over real HTTP`);
    expect(perRequest).toBeLessThan(20);
  });
});
