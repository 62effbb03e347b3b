/**
 * Forward-auth behind REAL proxies: Debian nginx (auth_request) and Caddy (forward_auth) on loopback,
 * each in front of tiny upstreams that echo the identity headers they receive (one upstream per app, so a
 * response says whose content it is). The proxy configuration is exactly what proxy-snippets.ts gives the
 * admin page (only listen/site-scheme lines adapted to a test run). Headless Chromium with a virtual
 * passkey authenticator is the person. `*.localhost` names resolve to loopback in Chromium, so
 * app.localhost:<proxy port> is a different site from Latchkey at localhost:<port>: the cross-domain
 * handshake runs for real (state cookie and host-only cookie on the app host).
 * Attacks go over raw TCP (a fetch() would normalise the path): client-sent X-Original-URL and
 * X-Forwarded-* with spoofed Host headers (nginx default server included), path-prefix bypass spellings,
 * and a callback code redeemed by a browser that did not start the sign-in.
 * Skipped when nginx or caddy is not installed (tests/setup-system.sh installs both).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import type { Page } from "playwright-core";
import { createSession } from "../../src/account/sessions.ts";
import { createUserGroup, setGroupMembers } from "../../src/admin/user-groups.ts";
import { createUser } from "../../src/admin/users.ts";
import { createProtectedApp, IDENTITY_HEADERS, setAllowedGroups, updateProtectedApp, type ProtectedApp } from "../../src/forward-auth/protected-apps.ts";
import { caddySnippet, nginxSnippet, traefikSnippet, type SnippetInput } from "../../src/forward-auth/proxy-snippets.ts";
import { addVirtualAuthenticator, disablePasskeyAutofill, launchBrowser, setUpFirstAdmin, signOutFromHeader, type TestBrowser } from "../helpers/browser.ts";
import { CADDY, freePort, NGINX, nginxConf, PROXIES_AVAILABLE, startCaddy, startNginx } from "../helpers/proxies.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

const available = PROXIES_AVAILABLE && Bun.file("/usr/bin/chromium").size > 0;
type Proxy = "nginx" | "caddy";

/** The nginx snippet as the admin page shows it; only the "listen as usual" placeholder is filled in. */
const nginxServers = (input: SnippetInput, port: number) => nginxSnippet(input).replaceAll("    # … listen / ssl as usual …", `    listen 127.0.0.1:${port};`);

/** A raw HTTP/1.1 request over TCP: the request line and headers reach the proxy byte for byte. */
function raw(port: number, target: string, headers: Record<string, string>, method = "GET", version = "HTTP/1.1"): Promise<{ status: number; headers: Record<string, string[]> }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    sock.on("connect", () => {
      const lines = [`${method} ${target} ${version}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), "Connection: close", "", ""];
      sock.write(Buffer.from(lines.join("\r\n"), "latin1"));
    });
    sock.on("data", (d: Buffer) => chunks.push(d));
    sock.on("error", reject);
    sock.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const head = text.split("\r\n\r\n")[0]!.split("\r\n");
      const status = Number(head[0]!.split(" ")[1]);
      const out: Record<string, string[]> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(":");
        const k = line.slice(0, i).trim().toLowerCase();
        (out[k] ??= []).push(line.slice(i + 1).trim());
      }
      resolve({ status, headers: out });
    });
  });
}

const first = (h: Record<string, string[]>, name: string) => h[name]?.[0] ?? null;
const pair = (setCookie: string | null) => setCookie!.split(";")[0]!;

describe.skipIf(!available)("forward-auth behind real nginx and Caddy", () => {
  let server: TestServer;
  let browser: TestBrowser;
  let page: Page;
  const upstreams: ReturnType<typeof Bun.serve>[] = [];
  /** Every request an upstream served: which app's upstream, the path it saw, the Remote-User it got. */
  const hits: { app: string; path: string; user: string | null }[] = [];
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  const tmp = makeTempDir("latchkey-proxies-");
  const ports = { nginx: freePort(), caddy: freePort() };
  const apps = {} as Record<"echo" | "staff" | "site" | "siteAdmin" | "adminOnly" | "wild", ProtectedApp>;

  function echo(name: string): number {
    const s = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (r) => {
        const h = (n: string) => r.headers.get(n);
        const u = new URL(r.url);
        hits.push({ app: name, path: u.pathname, user: h("remote-user") });
        return Response.json(
          { app: name, path: u.pathname + u.search, user: h("remote-user"), groups: h("remote-groups"), email: h("remote-email"), name: h("remote-name") },
          { headers: { "X-Echo-App": name, "X-Echo-User": h("remote-user") ?? "" } },
        );
      },
    });
    upstreams.push(s);
    return s.port!;
  }

  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: "127.0.0.1/32,::1" });
    const both = (name: string) => [`${name}:${ports.nginx}`, `${name}:${ports.caddy}`];
    apps.staff = createProtectedApp(server.deps, CLI_ACTOR, { name: "Staff only", hosts: both("denied.localhost") }); // restricted, no groups
    apps.echo = createProtectedApp(server.deps, CLI_ACTOR, { name: "Echo", hosts: both("app.localhost") });
    apps.site = createProtectedApp(server.deps, CLI_ACTOR, { name: "Site", hosts: both("site.localhost"), isGroupRestricted: false });
    apps.siteAdmin = createProtectedApp(server.deps, CLI_ACTOR, { name: "Site admin", hosts: both("site.localhost"), pathPrefix: "/admin" });
    apps.adminOnly = createProtectedApp(server.deps, CLI_ACTOR, { name: "Admin only", hosts: both("adminonly.localhost"), pathPrefix: "/admin" });
    apps.wild = createProtectedApp(server.deps, CLI_ACTOR, { name: "Wild", hosts: both("*.wild.localhost") });
    // One snippet per host (the / app's for site.localhost: both apps' rules apply through it). Staff first: nginx's default server.
    const snippetApps = [apps.staff, apps.echo, apps.site, apps.adminOnly, apps.wild];
    const upstreamOf = new Map(snippetApps.map((a) => [a.id, echo(a.name)]));
    const input = (a: ProtectedApp, proxy: Proxy): SnippetInput => ({
      appId: a.id,
      appUrl: server.url,
      upstream: `127.0.0.1:${server.port}`,
      appUpstream: `127.0.0.1:${upstreamOf.get(a.id)}`,
      hosts: a.hosts.filter((h) => h.endsWith(`:${ports[proxy]}`)),
      pathPrefix: a.pathPrefix,
      passHeaders: a.passHeaders,
    });

    procs.push(await startNginx(path.join(tmp.dir, "nginx"), snippetApps.map((a) => nginxServers(input(a, "nginx"), ports.nginx)).join("\n"), [["127.0.0.1", ports.nginx]]));
    // The site addresses get an explicit http:// (the test has no certificates); the rest is the snippet as shown.
    const sites = snippetApps.map((a) => {
      const i = input(a, "caddy");
      return caddySnippet({ ...i, hosts: i.hosts.map((h) => `http://${h}`) });
    });
    procs.push(await startCaddy(path.join(tmp.dir, "caddy"), sites.join("\n"), [["127.0.0.1", ports.caddy]]));

    browser = await launchBrowser();
    page = await browser.newPage();
    await addVirtualAuthenticator(page);
    await disablePasskeyAutofill(page);
    // First run: the administrator with a passkey.
    await setUpFirstAdmin(page, server.url);
    await signOutFromHeader(page, server.url);

    const ada = server.deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'ada'").get()!;
    const family = createUserGroup(server.deps, CLI_ACTOR, { friendlyName: "Family", name: "family" });
    setGroupMembers(server.deps, CLI_ACTOR, family.id, { userIds: [ada.id] });
    for (const a of [apps.echo, apps.siteAdmin, apps.adminOnly, apps.wild]) setAllowedGroups(server.deps, CLI_ACTOR, a.id, [family.id]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    for (const u of upstreams) u.stop(true);
    await server?.stop();
    tmp.cleanup();
  });

  const appUrl = (proxy: Proxy, p = "/hello?x=1") => `http://app.localhost:${ports[proxy]}${p}`;
  const echoed = async () => JSON.parse((await page.locator("body").innerText()).trim()) as Record<string, string | null>;
  const viaProxy = (proxy: Proxy, host: string, target: string, headers: Record<string, string> = {}, method = "GET") =>
    raw(ports[proxy], target, { Host: `${host}:${ports[proxy]}`, ...headers }, method);

  /** A browser's whole sign-in through a proxy, for a Latchkey session token: returns its cookie for that host. */
  async function signInVia(proxy: Proxy, host: string, token: string, p = "/"): Promise<string> {
    const v = await viaProxy(proxy, host, p);
    expect(v.status).toBe(302);
    const state = pair(first(v.headers, "set-cookie"));
    const s = await fetch(first(v.headers, "location")!, { redirect: "manual", headers: { Cookie: `latchkey_session=${token}` } });
    expect(s.status).toBe(302);
    const cb = new URL(s.headers.get("location")!);
    expect(cb.host).toBe(`${host}:${ports[proxy]}`);
    const c = await viaProxy(proxy, host, cb.pathname + cb.search, { Cookie: state });
    expect(c.status).toBe(302);
    return pair(first(c.headers, "set-cookie"));
  }

  function person(username: string, inFamily: boolean): { token: string } {
    const user = createUser(server.deps, { username, email: `${username}@example.com`, firstName: username, lastName: "Test" });
    if (inFamily) {
      const family = server.deps.db.query<{ id: string }, []>("SELECT id FROM user_groups WHERE name = 'family'").get()!;
      const members = server.deps.db.query<{ user_id: string }, [string]>("SELECT user_id FROM user_groups_users WHERE user_group_id = ?").all(family.id).map((r) => r.user_id);
      setGroupMembers(server.deps, CLI_ACTOR, family.id, { userIds: [...members, user.id] });
    }
    return { token: createSession(server.deps, { userId: user.id, amr: ["phr"], durationMinutes: 60 }).token };
  }

  test("nginx: redirected to sign in (state cookie set on the app host), passkey, back at the app with the identity headers", async () => {
    await page.goto(appUrl("nginx"));
    await page.waitForURL((u) => u.origin === server.url && u.pathname === "/login");
    const state = await page.context().cookies(appUrl("nginx"));
    expect(state.map((c) => [c.name, c.httpOnly, c.sameSite])).toContainEqual([`latchkey_fa_state_${ports.nginx}`, true, "Lax"]);
    await page.locator("[data-passkey-login]").click();
    await page.waitForURL(appUrl("nginx"));
    expect(await echoed()).toEqual({ app: "Echo", path: "/hello?x=1", user: "ada", groups: "family", email: "ada@example.com", name: "Ada Lovelace" });
    const cookies = await page.context().cookies(appUrl("nginx"));
    expect(cookies.map((c) => [c.name, c.domain, c.httpOnly])).toContainEqual([`latchkey_fa_${ports.nginx}`, "app.localhost", true]);
  }, 30_000);

  test("Caddy: already signed in to Latchkey, so the handshake is invisible", async () => {
    const response = await page.goto(appUrl("caddy", "/caddy"));
    expect(response!.status()).toBe(200);
    expect(page.url()).toBe(appUrl("caddy", "/caddy"));
    expect(await echoed()).toEqual({ app: "Echo", path: "/caddy", user: "ada", groups: "family", email: "ada@example.com", name: "Ada Lovelace" });
  }, 30_000);

  test("nginx wildcard host (regex server_name capture): sign-in and back", async () => {
    for (const proxy of ["nginx", "caddy"] as const) {
      const url = `http://a.wild.localhost:${ports[proxy]}/w`;
      await page.goto(url);
      await page.waitForURL(url);
      expect((await echoed()).user).toBe("ada");
    }
  }, 30_000);

  test("forged Remote-* headers from the browser are replaced (signed in) or never reach the app (signed out)", async () => {
    for (const proxy of ["nginx", "caddy"] as const) {
      await page.setExtraHTTPHeaders({ "Remote-User": "mallory", "Remote-Groups": "admins", "Remote-Email": "m@evil.test", "Remote-Name": "Mallory" });
      await page.goto(appUrl(proxy, "/forged"));
      await page.setExtraHTTPHeaders({});
      expect(await echoed()).toEqual({ app: "Echo", path: "/forged", user: "ada", groups: "family", email: "ada@example.com", name: "Ada Lovelace" });
      const anon = await viaProxy(proxy, "app.localhost", "/forged", { "Remote-User": "mallory" });
      expect(anon.status).toBe(302);
      expect(first(anon.headers, "location")).toStartWith(`${server.url}/api/forward-auth/start/${apps.echo.id}?rd=`);
    }
  }, 30_000);

  test("a person without an email: the app gets an empty Remote-Email, never a placeholder or a client's value", async () => {
    const user = createUser(server.deps, { username: "noemail", email: null, firstName: "Zoë", lastName: "Ñ" });
    const family = server.deps.db.query<{ id: string }, []>("SELECT id FROM user_groups WHERE name = 'family'").get()!;
    setGroupMembers(server.deps, CLI_ACTOR, family.id, { userIds: [user.id, server.deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'ada'").get()!.id] });
    const { token } = createSession(server.deps, { userId: user.id, amr: ["phr"], durationMinutes: 60 });
    for (const proxy of ["nginx", "caddy"] as const) {
      const cookie = await signInVia(proxy, "app.localhost", token, "/me");
      const r = await fetch(`http://127.0.0.1:${ports[proxy]}/me`, { headers: { Host: `app.localhost:${ports[proxy]}`, Cookie: cookie, "Remote-Email": "forged@evil.test" } });
      const body = (await r.json()) as Record<string, string | null>;
      expect(body.user).toBe("noemail");
      expect(body.email ?? "").toBe("");
      expect(body.name).toBe(encodeURIComponent("Zoë Ñ"));
    }
  }, 30_000);

  test("outside the allowed groups: 403 from both proxies", async () => {
    for (const proxy of ["nginx", "caddy"] as const) {
      const response = await page.goto(`http://denied.localhost:${ports[proxy]}/`);
      // Not signed in on this host yet: the handshake refuses at start (403 on Latchkey) …
      expect(response!.status()).toBe(403);
      expect(await page.locator("h1").innerText()).toBe("You don’t have access to this app");
    }
  }, 30_000);

  test("client-sent X-Original-URL / X-Forwarded-* and spoofed Host headers never move a request to another app", async () => {
    const ada = person("ada2", true);
    for (const proxy of ["nginx", "caddy"] as const) {
      const P = ports[proxy];
      const adaEcho = await signInVia(proxy, "app.localhost", ada.token);
      const spoof: Record<string, string>[] = [
        { "X-Original-URL": `http://app.localhost:${P}/`, "X-Original-Method": "GET" },
        { "X-Original-URL": `http://app.localhost:${P}/`, "X-Original-Method": "GET", "X-Forwarded-Host": `app.localhost:${P}`, "X-Forwarded-Proto": "http", "X-Forwarded-Uri": "/" },
        { "X-Forwarded-Host": `app.localhost:${P}`, "X-Forwarded-Proto": "http", "X-Forwarded-Uri": "/", "X-Forwarded-Method": "GET" },
        { "X-Forwarded-Host": `app.localhost:${P}, denied.localhost:${P}` },
        { Forwarded: `host=app.localhost:${P};proto=http` },
        { "X-Original-Host": `app.localhost:${P}`, "X-Host": `app.localhost:${P}` },
        {},
      ];
      // Hosts that do not reach the Echo block: another app's, the default server's (unknown names), odd spellings.
      const hosts = [`denied.localhost:${P}`, `evil.localhost:${P}`, `localhost:${P}`, `127.0.0.1:${P}`, `app.localhost.evil:${P}`, `x.app.localhost:${P}`, `DENIED.localhost:${P}`];
      for (const host of hosts) {
        for (const headers of spoof) {
          for (const target of ["/", "/secret", `http://app.localhost:${P}/`]) {
            const r = await raw(P, target, { Host: host, Cookie: adaEcho, ...headers });
            const served = first(r.headers, "x-echo-app");
            // Only the Echo block (reached when the request line itself names app.localhost) may serve, and then as ada2 herself.
            const ok = served === null ? r.status !== 200 || first(r.headers, "content-length") === "0" : served === "Echo" && first(r.headers, "x-echo-user") === "ada2";
            expect([proxy, host, target, headers, r.status, served, ok]).toEqual([proxy, host, target, headers, r.status, served, true]);
          }
        }
      }
    }
    expect(hits.filter((h) => h.app === "Staff only")).toEqual([]);
  }, 60_000);

  test("path-prefix bypass spellings are refused through both proxies (/ open, /admin for family only)", async () => {
    const bob = person("bob", false);
    const variants = [
      "/admin/secret", "//admin/secret", "///admin/secret", "/admin//secret", "/%61dmin/secret", "/%61%64%6d%69%6e/secret", "/ADMIN/secret", "/Admin/secret",
      "/aDmIn", "/admin%2fsecret", "/admin%2Fsecret", "/%2fadmin/secret", "/admin%5csecret", "/admin\\secret", "/\\admin\\secret", "/admin;x/secret",
      "/admin;jsessionid=1", "/admin%3bx/secret", "/admin%00/secret", "/admin%00", "/./admin/secret", "/admin/./secret", "/x/../admin/secret",
      "/public/../admin/secret", "/%2e/admin/secret", "/%2e%2e/admin/secret", "/public/%2e%2e/admin/secret", "/.%2e/admin", "/public/.%2E/admin/x",
      "/admin%252fsecret", "/%2561dmin/secret", "/%EF%BD%81dmin/secret", Buffer.from("/ａdmin/secret").toString("latin1"), "/admin%EF%BC%8Fsecret",
      Buffer.from("/ADMİN/secret").toString("latin1"), Buffer.from("/admın/secret").toString("latin1"), "/%C3%A0dmin", "/admin%09", "/admin%20/secret", "/admin./secret", "/ADMIN%2E/secret",
      "/admin%3F/secret", "/admin%3fsecret", "/admin%23/x", "/admin%E2%80%8B/secret", "/%D0%B0dmin/secret", Buffer.from("/аdmin/secret").toString("latin1"),
      "/admin::%24DATA/secret", "/admin:x/secret", "/admin+/secret", "/admin%E2%88%95secret", "/%u0061dmin/secret", "/%c1%a1dmin/secret", "/admin%c0%afsecret",
      "/ADMIN%2e%2e/secret", `/admin/${"a".repeat(9000)}`,
    ];
    for (const proxy of ["nginx", "caddy"] as const) {
      for (const host of ["site.localhost", "adminonly.localhost"]) {
        // site.localhost: bob signs in through the open / app. adminonly.localhost: nothing outside /admin needs a
        // session and bob may not have one for /admin, so he tries without (a sign-in redirect is then fine too).
        const cookie = host === "site.localhost" ? await signInVia(proxy, host, bob.token) : "";
        const pub = await viaProxy(proxy, host, "/public", cookie ? { Cookie: cookie } : {});
        expect([proxy, host, pub.status, first(pub.headers, "x-echo-user")]).toEqual([proxy, host, 200, host === "site.localhost" ? "bob" : ""]);
        // Each spelling also in absolute form (the request line names the host) and as HEAD.
        const targets: [string, string][] = [
          ...variants.map((v): [string, string] => ["GET", v]),
          ...variants.map((v): [string, string] => ["GET", `http://${host}:${ports[proxy]}${v}`]),
          ...variants.map((v): [string, string] => ["HEAD", v]),
        ];
        for (const [method, v] of targets) {
          const r = await viaProxy(proxy, host, v, cookie ? { Cookie: cookie } : {}, method);
          // 403 from Latchkey, 400/414 from a proxy that refuses the request line itself, or (no session) a sign-in redirect: never the app.
          const refused = r.status === 403 || r.status === 400 || r.status === 414 || (!cookie && r.status === 302 && first(r.headers, "location")!.startsWith(`${server.url}/api/forward-auth/start/`));
          expect([proxy, host, method, v, r.status, refused, first(r.headers, "x-echo-app")]).toEqual([proxy, host, method, v, r.status, true, null]);
        }
      }
    }
    expect(hits.filter((h) => h.user === "bob" && /admin/i.test(decodeURIComponent(h.path)))).toEqual([]);
  }, 60_000);

  test("HTTP/1.0 without Host, and duplicate or odd forwarded headers a client adds: never an app's content", async () => {
    const ada = person("ada3", true);
    for (const proxy of ["nginx", "caddy"] as const) {
      const P = ports[proxy];
      const cookie = await signInVia(proxy, "site.localhost", ada.token);
      for (const target of ["/", "/admin/secret", "//admin/secret", `http://site.localhost:${P}/admin/secret`, `http://adminonly.localhost:${P}/admin/x`]) {
        const r = await raw(P, target, {}, "GET", "HTTP/1.0");
        expect([proxy, target, first(r.headers, "x-echo-app")]).toEqual([proxy, target, null]);
      }
      const odd: Record<string, string>[] = [
        { "X-Forwarded-Uri": "/public" },
        { "X-Forwarded-Uri": "admin/secret" },
        { "X-Forwarded-Method": "GET", "X-Forwarded-Proto": "https", "X-Forwarded-Host": `site.localhost:${P}`, "X-Forwarded-Uri": "/public" },
        { "X-Original-URL": `http://site.localhost:${P}/public` },
        { "X-Original-URI": "/public", "X-Rewrite-URL": "/public" },
      ];
      for (const headers of odd) {
        const r = await viaProxy(proxy, "site.localhost", "/admin/secret", { Cookie: cookie, ...headers });
        // ada3 is in the family group, so /admin/secret is hers to see — but only as /admin/secret, as herself.
        expect([proxy, headers, r.status, first(r.headers, "x-echo-user")]).toEqual([proxy, headers, 200, "ada3"]);
      }
      const bob = person(`bob-${proxy}`, false);
      const bobCookie = await signInVia(proxy, "site.localhost", bob.token);
      for (const headers of odd) {
        const r = await viaProxy(proxy, "site.localhost", "/admin/secret", { Cookie: bobCookie, ...headers });
        expect([proxy, headers, r.status, first(r.headers, "x-echo-app")]).toEqual([proxy, headers, 403, null]);
      }
    }
  }, 60_000);

  test("signed out: no sign-in redirect for a refused path either (403 first)", async () => {
    for (const proxy of ["nginx", "caddy"] as const) {
      const r = await viaProxy(proxy, "site.localhost", "/admin%2fsecret");
      expect(r.status).toBe(403);
      const ok = await viaProxy(proxy, "adminonly.localhost", "/public");
      expect([ok.status, first(ok.headers, "x-echo-user")]).toEqual([200, ""]);
    }
  });

  test("a callback code is redeemed only by the browser that started the sign-in (cookieless / foreign browser refused)", async () => {
    const mallory = person("mallory", true);
    for (const proxy of ["nginx", "caddy"] as const) {
      const v = await viaProxy(proxy, "app.localhost", "/");
      const state = pair(first(v.headers, "set-cookie"));
      const s = await fetch(first(v.headers, "location")!, { redirect: "manual", headers: { Cookie: `latchkey_session=${mallory.token}` } });
      const cb = new URL(s.headers.get("location")!);
      const victimState = pair(first((await viaProxy(proxy, "app.localhost", "/v")).headers, "set-cookie"));
      for (const cookie of [undefined, victimState, `latchkey_fa_state_${ports[proxy]}=${"A".repeat(43)}`, `__Host-latchkey_fa_state_${ports[proxy]}=${state.split("=")[1]}`]) {
        const r = await viaProxy(proxy, "app.localhost", cb.pathname + cb.search, cookie ? { Cookie: cookie } : {});
        expect([proxy, cookie, r.status, r.headers["set-cookie"] ?? []]).toEqual([proxy, cookie, 400, []]);
      }
      const ok = await viaProxy(proxy, "app.localhost", cb.pathname + cb.search, { Cookie: state });
      expect(ok.status).toBe(302);
      expect(first(ok.headers, "set-cookie")).toStartWith(`latchkey_fa_${ports[proxy]}=`);
    }
  }, 30_000);

  test("an open redirect through the return URL is refused", async () => {
    for (const rd of ["https://evil.example/", `http://app.localhost:${ports.nginx}@evil.example/`, "//evil.example/", `http://denied.localhost:${ports.nginx}/`]) {
      const response = await page.goto(`${server.url}/api/forward-auth/start/${apps.echo.id}?rd=${encodeURIComponent(rd)}&state=${"0".repeat(64)}`);
      expect(response!.status()).toBe(400);
      expect(new URL(page.url()).origin).toBe(server.url);
    }
  }, 30_000);

  test("re-authentication age: an older passkey assertion sends the person to /reauthenticate, then back to the app", async () => {
    updateProtectedApp(server.deps, CLI_ACTOR, apps.echo.id, { reauthMaxAgeMinutes: 5 });
    try {
      server.deps.db.run("UPDATE sessions SET authenticated_at = authenticated_at - 600 WHERE user_id = (SELECT id FROM users WHERE username = 'ada')");
      await page.goto(appUrl("caddy", "/sensitive"));
      await page.waitForURL((u) => u.origin === server.url && u.pathname === "/reauthenticate");
      await page.locator("[data-passkey-reauth]").click();
      await page.waitForURL(appUrl("caddy", "/sensitive"));
      expect((await echoed()).user).toBe("ada");
    } finally {
      updateProtectedApp(server.deps, CLI_ACTOR, apps.echo.id, { reauthMaxAgeMinutes: null });
    }
  }, 30_000);

  test("signing out of Latchkey ends access through both proxies", async () => {
    await page.goto(`${server.url}/logout`);
    await page.locator("main form button[type=submit]").click();
    await page.waitForURL((u) => u.pathname === "/login");
    for (const proxy of ["nginx", "caddy"] as const) {
      await page.goto(appUrl(proxy, "/after"));
      await page.waitForURL((u) => u.origin === server.url && u.pathname === "/login");
    }
    const rows = server.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM forward_auth_sessions f JOIN sessions s ON s.id = f.session_id JOIN users u ON u.id = s.user_id WHERE u.username = 'ada'").get()!;
    expect(rows.n).toBe(0);
  }, 30_000);
});

describe.skipIf(!PROXIES_AVAILABLE)("every snippet shape is accepted by the real proxies", () => {
  const shapes = [
    { hosts: ["app.example.com"], pathPrefix: "/", passHeaders: [...IDENTITY_HEADERS] },
    { hosts: ["grafana.example.com", "*.apps.example.com"], pathPrefix: "/admin", passHeaders: ["Remote-User" as const] },
    { hosts: ["media.example.com:8443"], pathPrefix: "/api/v1", passHeaders: [] },
    { hosts: ["a.example.com", "b.example.com:8443", "*.c.example.com:8443"], pathPrefix: "/", passHeaders: ["Remote-Email" as const] },
  ];
  for (const [i, shape] of shapes.entries()) {
    test(`shape ${i + 1}: caddy adapt and nginx -t`, async () => {
      const tmp = makeTempDir("latchkey-snippets-");
      try {
        const input = { appId: "4f0c2a9e-1b7d-4c1e-9a55-0d2b8c3e7f10", appUrl: "https://auth.example.com", upstream: "127.0.0.1:1411", appUpstream: "127.0.0.1:8080", ...shape };
        writeFileSync(path.join(tmp.dir, "Caddyfile"), caddySnippet(input));
        const adapt = Bun.spawnSync([CADDY!, "adapt", "--config", path.join(tmp.dir, "Caddyfile"), "--adapter", "caddyfile"], { env: { ...process.env, HOME: tmp.dir, XDG_DATA_HOME: tmp.dir, XDG_CONFIG_HOME: tmp.dir } });
        expect(adapt.stderr.toString()).not.toMatch(/Error/i);
        expect(adapt.exitCode).toBe(0);
        expect(adapt.stdout.toString()).toContain(`/api/forward-auth/verify/${input.appId}`);
        const servers = nginxServers(input, 18099);
        writeFileSync(path.join(tmp.dir, "nginx.conf"), nginxConf(tmp.dir, servers));
        expect(servers.match(/server \{/g)!.length).toBe(new Set(shape.hosts.map((h) => h.split(":")[1])).size);
        expect(servers).not.toContain("$http_host");
        expect(servers).not.toContain("$host");
        const t = Bun.spawnSync([NGINX!, "-t", "-p", tmp.dir, "-c", path.join(tmp.dir, "nginx.conf")]);
        expect(t.stderr.toString()).toContain("syntax is ok");
        expect(t.exitCode).toBe(0);
        expect(traefikSnippet(input)).toContain(`/api/forward-auth/verify/${input.appId}"`);
      } finally {
        tmp.cleanup();
      }
    });
  }
});

test("the README shows exactly the snippets proxy-snippets.ts produces", () => {
  const readme = readFileSync(path.join(import.meta.dir, "../../README.md"), "utf8");
  const input = { appId: "<app-id>", appUrl: "https://auth.example.com", upstream: "latchkey:1411", hosts: ["app.example.com"], pathPrefix: "/", passHeaders: [...IDENTITY_HEADERS] };
  expect(readme).toContain("```caddyfile\n" + caddySnippet(input) + "\n```");
  expect(readme).toContain("```yaml\n" + traefikSnippet(input) + "\n```");
  expect(readme).toContain("```nginx\n" + nginxSnippet(input) + "\n```");
});
