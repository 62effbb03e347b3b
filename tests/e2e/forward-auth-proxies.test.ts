/**
 * Forward-auth behind REAL proxies: Debian nginx (auth_request) and Caddy (forward_auth) on loopback,
 * in front of a tiny upstream that echoes the identity headers it receives. Headless Chromium with a
 * virtual passkey authenticator is the person. `*.localhost` names resolve to loopback in Chromium, so
 * app.localhost:<proxy port> is a different site from Latchkey at localhost:<port>: the cross-domain
 * handshake runs for real (host-only cookie on the app host).
 * Skipped when nginx or caddy is not installed (tests/setup-system.sh installs both).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { createSession } from "../../src/account/sessions.ts";
import { createUserGroup, setGroupMembers } from "../../src/admin/user-groups.ts";
import { createUser } from "../../src/admin/users.ts";
import { createProtectedApp, IDENTITY_HEADERS, setAllowedGroups, updateProtectedApp } from "../../src/forward-auth/protected-apps.ts";
import { caddySnippet, nginxSnippet } from "../../src/forward-auth/proxy-snippets.ts";
import { addVirtualAuthenticator, disablePasskeyAutofill, launchBrowser, type TestBrowser } from "../helpers/browser.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

const NGINX = Bun.which("nginx") ?? (Bun.file("/usr/sbin/nginx").size ? "/usr/sbin/nginx" : null);
const CADDY = Bun.which("caddy");
const available = !!NGINX && !!CADDY && Bun.file("/usr/bin/chromium").size > 0;

function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

async function waitForPort(port: number, what: string, logs: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual" });
      return;
    } catch {
      await Bun.sleep(50);
    }
  }
  throw new Error(`${what} did not start:\n${logs()}`);
}

/** The nginx snippet the admin page shows, wrapped in a minimal nginx.conf: the docs are what is tested. */
function nginxConf(dir: string, port: number, latchkey: number, upstream: number): string {
  const server = nginxSnippet({ appUrl: "", upstream: `127.0.0.1:${latchkey}`, appUpstream: `127.0.0.1:${upstream}`, hosts: ["app.localhost", "denied.localhost"], pathPrefix: "/", passHeaders: [...IDENTITY_HEADERS] })
    .replace("    # … listen / ssl as usual …", `    listen 127.0.0.1:${port};`);
  return `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${server}
}
`;
}

/** The Caddy snippet the admin page shows, with a global block for a test run (no admin API, no HTTPS). */
function caddyfile(port: number, latchkey: number, upstream: number): string {
  const site = caddySnippet({ appUrl: "", upstream: `127.0.0.1:${latchkey}`, appUpstream: `127.0.0.1:${upstream}`, hosts: [`http://app.localhost:${port}`, `http://denied.localhost:${port}`], pathPrefix: "/", passHeaders: [...IDENTITY_HEADERS] });
  return `{
\tadmin off
\tauto_https off
}
${site}
`;
}

describe.skipIf(!available)("forward-auth behind real nginx and Caddy", () => {
  let server: TestServer;
  let browser: TestBrowser;
  let page: Page;
  let upstream: ReturnType<typeof Bun.serve>;
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  const tmp = makeTempDir("latchkey-proxies-");
  const ports = { nginx: 0, caddy: 0 };

  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: "127.0.0.1/32,::1" });
    upstream = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (r) => {
        const h = (n: string) => r.headers.get(n);
        const u = new URL(r.url);
        return Response.json({ path: u.pathname + u.search, user: h("remote-user"), groups: h("remote-groups"), email: h("remote-email"), name: h("remote-name") });
      },
    });
    ports.nginx = freePort();
    ports.caddy = freePort();
    const nginxDir = path.join(tmp.dir, "nginx");
    mkdirSync(nginxDir);
    writeFileSync(path.join(nginxDir, "nginx.conf"), nginxConf(nginxDir, ports.nginx, server.port, upstream.port!));
    procs.push(Bun.spawn([NGINX!, "-p", nginxDir, "-c", path.join(nginxDir, "nginx.conf"), "-g", "daemon off;"], { stdout: "ignore", stderr: "pipe" }));
    await waitForPort(ports.nginx, "nginx", () => readFileSync(path.join(nginxDir, "error.log"), "utf8"));
    const caddyDir = path.join(tmp.dir, "caddy");
    mkdirSync(caddyDir);
    writeFileSync(path.join(caddyDir, "Caddyfile"), caddyfile(ports.caddy, server.port, upstream.port!));
    const caddy = Bun.spawn([CADDY!, "run", "--config", path.join(caddyDir, "Caddyfile"), "--adapter", "caddyfile"], {
      env: { ...process.env, HOME: caddyDir, XDG_DATA_HOME: caddyDir, XDG_CONFIG_HOME: caddyDir },
      stdout: "ignore",
      stderr: "ignore",
    });
    procs.push(caddy);
    await waitForPort(ports.caddy, "caddy", () => "");

    browser = await launchBrowser();
    page = await browser.newPage();
    await addVirtualAuthenticator(page);
    await disablePasskeyAutofill(page);
    // First run: the administrator with a passkey.
    await page.goto(`${server.url}/setup`);
    await page.locator("#field-firstName").fill("Ada");
    await page.locator("#field-lastName").fill("Lovelace");
    await page.locator("#field-username").fill("ada");
    await page.locator("#field-email").fill("ada@example.com");
    await page.locator("#setup-form button[type=submit]").click();
    await page.waitForURL(`${server.url}/signup/add-passkey?setup=1`);
    await page.locator("[data-passkey-register]").click();
    await page.waitForURL(`${server.url}/settings/account`);
    await page.locator("header form.signout button").click();
    await page.waitForURL(`${server.url}/login?signed_out=1`);

    const ada = server.deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'ada'").get()!;
    const family = createUserGroup(server.deps, { friendlyName: "Family", name: "family" });
    setGroupMembers(server.deps.db, family.id, { userIds: [ada.id] });
    const app = createProtectedApp(server.deps, { name: "Echo", hosts: ["app.localhost"] });
    setAllowedGroups(server.deps.db, app.id, [family.id]);
    createProtectedApp(server.deps, { name: "Staff only", hosts: ["denied.localhost"] }); // restricted, no groups
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    upstream?.stop(true);
    await server?.stop();
    tmp.cleanup();
  });

  const appUrl = (proxy: "nginx" | "caddy", p = "/hello?x=1") => `http://app.localhost:${ports[proxy]}${p}`;
  const echo = async () => JSON.parse((await page.locator("body").innerText()).trim()) as Record<string, string | null>;

  test("nginx: redirected to sign in, passkey, back at the app with the identity headers", async () => {
    await page.goto(appUrl("nginx"));
    await page.waitForURL((u) => u.origin === server.url && u.pathname === "/login");
    await page.locator("[data-passkey-login]").click();
    await page.waitForURL(appUrl("nginx"));
    expect(await echo()).toEqual({ path: "/hello?x=1", user: "ada", groups: "family", email: "ada@example.com", name: "Ada Lovelace" });
    const cookies = await page.context().cookies(appUrl("nginx"));
    expect(cookies.map((c) => [c.name, c.domain, c.httpOnly])).toContainEqual([`latchkey_fa_${ports.nginx}`, "app.localhost", true]);
  }, 30_000);

  test("Caddy: already signed in to Latchkey, so the handshake is invisible", async () => {
    const response = await page.goto(appUrl("caddy", "/caddy"));
    expect(response!.status()).toBe(200);
    expect(page.url()).toBe(appUrl("caddy", "/caddy"));
    expect(await echo()).toEqual({ path: "/caddy", user: "ada", groups: "family", email: "ada@example.com", name: "Ada Lovelace" });
  }, 30_000);

  test("forged Remote-* headers from the browser are replaced (signed in) or never reach the app (signed out)", async () => {
    for (const proxy of ["nginx", "caddy"] as const) {
      // The browser itself sends the forged headers (page.request would resolve app.localhost outside Chromium).
      await page.setExtraHTTPHeaders({ "Remote-User": "mallory", "Remote-Groups": "admins", "Remote-Email": "m@evil.test", "Remote-Name": "Mallory" });
      await page.goto(appUrl(proxy, "/forged"));
      await page.setExtraHTTPHeaders({});
      expect(await echo()).toEqual({ path: "/forged", user: "ada", groups: "family", email: "ada@example.com", name: "Ada Lovelace" });
      const anon = await fetch(`http://127.0.0.1:${ports[proxy]}/forged`, { redirect: "manual", headers: { Host: `app.localhost:${ports[proxy]}`, "Remote-User": "mallory" } });
      expect(anon.status).toBe(302);
      expect(anon.headers.get("location")).toStartWith(`${server.url}/api/forward-auth/start?rd=`);
    }
  }, 30_000);

  test("a person without an email: the app gets an empty Remote-Email, never a placeholder or a client's value", async () => {
    const user = createUser(server.deps, { username: "noemail", email: null, firstName: "Zoë", lastName: "Ñ" });
    const family = server.deps.db.query<{ id: string }, []>("SELECT id FROM user_groups WHERE name = 'family'").get()!;
    setGroupMembers(server.deps.db, family.id, { userIds: [user.id, server.deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'ada'").get()!.id] });
    const { token } = createSession(server.deps, { userId: user.id, amr: ["phr"], durationMinutes: 60 });
    for (const proxy of ["nginx", "caddy"] as const) {
      const host = `app.localhost:${ports[proxy]}`;
      const s = await fetch(`${server.url}/api/forward-auth/start?rd=${encodeURIComponent(`http://${host}/me`)}`, { redirect: "manual", headers: { Cookie: `latchkey_session=${token}` } });
      const cb = new URL(s.headers.get("location")!);
      expect(cb.host).toBe(host);
      const viaProxy = (p: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${ports[proxy]}${p}`, { redirect: "manual", headers: { Host: host, ...headers } });
      const c = await viaProxy(cb.pathname + cb.search);
      expect(c.status).toBe(302);
      const cookie = c.headers.get("set-cookie")!.split(";")[0]!;
      const r = await viaProxy("/me", { Cookie: cookie, "Remote-Email": "forged@evil.test" });
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
      expect(await page.locator("h1").innerText()).toBe("You don't have access to this app");
    }
  }, 30_000);

  test("an open redirect through the return URL is refused", async () => {
    for (const rd of ["https://evil.example/", `http://app.localhost:${ports.nginx}@evil.example/`, "//evil.example/"]) {
      const response = await page.goto(`${server.url}/api/forward-auth/start?rd=${encodeURIComponent(rd)}`);
      expect(response!.status()).toBe(400);
      expect(new URL(page.url()).origin).toBe(server.url);
    }
  }, 30_000);

  test("re-authentication age: an older passkey assertion sends the person to /reauthenticate, then back to the app", async () => {
    const echoApp = server.deps.db.query<{ id: string }, []>("SELECT id FROM protected_apps WHERE name = 'Echo'").get()!;
    updateProtectedApp(server.deps, echoApp.id, { reauthMaxAgeMinutes: 5 });
    try {
      // The last passkey assertion on ada's sessions was ten minutes ago.
      server.deps.db.run("UPDATE sessions SET authenticated_at = authenticated_at - 600 WHERE user_id = (SELECT id FROM users WHERE username = 'ada')");
      await page.goto(appUrl("caddy", "/sensitive"));
      await page.waitForURL((u) => u.origin === server.url && u.pathname === "/reauthenticate");
      await page.locator("[data-passkey-reauth]").click();
      await page.waitForURL(appUrl("caddy", "/sensitive"));
      expect((await echo()).user).toBe("ada");
    } finally {
      updateProtectedApp(server.deps, echoApp.id, { reauthMaxAgeMinutes: null });
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

describe.skipIf(!NGINX || !CADDY)("every snippet shape is accepted by the real proxies", () => {
  const shapes = [
    { hosts: ["app.example.com"], pathPrefix: "/", passHeaders: [...IDENTITY_HEADERS] },
    { hosts: ["grafana.example.com", "*.apps.example.com"], pathPrefix: "/admin", passHeaders: ["Remote-User" as const] },
    { hosts: ["media.example.com:8443"], pathPrefix: "/api/v1", passHeaders: [] },
  ];
  for (const [i, shape] of shapes.entries()) {
    test(`shape ${i + 1}: caddy adapt and nginx -t`, async () => {
      const tmp = makeTempDir("latchkey-snippets-");
      try {
        const input = { appUrl: "https://auth.example.com", upstream: "127.0.0.1:1411", appUpstream: "127.0.0.1:8080", ...shape };
        writeFileSync(path.join(tmp.dir, "Caddyfile"), caddySnippet(input));
        const adapt = Bun.spawnSync([CADDY!, "adapt", "--config", path.join(tmp.dir, "Caddyfile"), "--adapter", "caddyfile"], { env: { ...process.env, HOME: tmp.dir, XDG_DATA_HOME: tmp.dir, XDG_CONFIG_HOME: tmp.dir } });
        expect(adapt.stderr.toString()).not.toMatch(/Error/i);
        expect(adapt.exitCode).toBe(0);
        const json = JSON.parse(adapt.stdout.toString());
        expect(JSON.stringify(json)).toContain("/api/forward-auth/verify");
        writeFileSync(path.join(tmp.dir, "nginx.conf"), nginxConf(tmp.dir, 18099, 1411, 8080).replace(/server \{[\s\S]*\n\}\n\}\n$/, `${nginxSnippet(input).replace("    # … listen / ssl as usual …", "    listen 127.0.0.1:18099;")}\n}\n`));
        const conf = readFileSync(path.join(tmp.dir, "nginx.conf"), "utf8");
        expect(conf).toContain(`location ${shape.pathPrefix} {`);
        expect(conf.match(/server \{/g)!.length).toBe(1);
        const t = Bun.spawnSync([NGINX!, "-t", "-p", tmp.dir, "-c", path.join(tmp.dir, "nginx.conf")]);
        expect(t.stderr.toString()).toContain("syntax is ok");
        expect(t.exitCode).toBe(0);
      } finally {
        tmp.cleanup();
      }
    });
  }
});
