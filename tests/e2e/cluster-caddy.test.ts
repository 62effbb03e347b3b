/**
 * Two compiled Latchkey instances on one real PostgreSQL behind a real Caddy balancing round-robin (issue 21):
 * what one instance starts, the other finishes; what one changes, the other sees; one killed with SIGKILL under
 * load costs at most the requests it held, and loses no acknowledged write.
 * - Both run the same binary from their own empty folder with the same ENCRYPTION_KEY, DB_CONNECTION_STRING and
 *   APP_URL (Caddy's address), on different ports, TRUST_PROXY=true (Caddy is the one hop in front).
 * - Which instance served a request is read from its access log (LOG_LEVEL=debug: one `request` line per request
 *   with its path); where Caddy's rotation would put two steps on the same instance, the test says so by
 *   sending a request in between, and then checks the logs.
 * - Caddy: `lb_policy round_robin`, active health checks on /healthz every 200 ms, passive ones (an upstream that
 *   refuses a connection is out for 5 s) and `lb_try_duration` so a refused dial is retried on the other.
 * Skipped without Caddy or PostgreSQL (tests/setup-system.sh installs both).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { signInWithLoginLink } from "../helpers/account.ts";
import { ensureBinaryBuilt, freePort, startBinary, type RunningBinary } from "../helpers/binary.ts";
import { CADDY, startCaddy } from "../helpers/proxies.ts";
import { postgresInstalled, sharedPostgres } from "../helpers/postgres.ts";
import { SoftAuthenticator } from "../helpers/soft-authenticator.ts";

const available = !!CADDY && postgresInstalled();

const API_KEY = "cluster-static-api-key-0123456789abcdef";
const CALLBACK = "https://app.example/callback";
const VERIFIER = "cluster-verifier-0123456789-0123456789-0123456789";
const CHALLENGE = new Bun.CryptoHasher("sha256").update(VERIFIER).digest("base64url");

/** A browser over fetch: a cookie jar and the page's CSRF token, against one base URL (Caddy or an instance). */
class FetchBrowser {
  readonly jar = new Map<string, string>();
  csrf = "";
  cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      const value = pair!.slice(i + 1);
      if (value === "" || /max-age=0/i.test(c)) this.jar.delete(pair!.slice(0, i));
      else this.jar.set(pair!.slice(0, i), value);
    }
  }
  async get(url: string): Promise<Response> {
    const res = await fetch(url, { redirect: "manual", headers: { cookie: this.cookie() }, signal: AbortSignal.timeout(10_000) });
    this.keep(res);
    const html = await res.clone().text();
    const m = /<meta name="csrf-token" content="([^"]*)"/.exec(html);
    if (m) this.csrf = m[1]!;
    return res;
  }
  async postJson(url: string, body: unknown): Promise<Response> {
    const res = await fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": this.csrf, cookie: this.cookie() },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    this.keep(res);
    return res;
  }
}

describe.skipIf(!available)("two compiled instances behind Caddy on one PostgreSQL", () => {
  const work = mkdtempSync(path.join(tmpdir(), "latchkey-cluster-"));
  const caddyPort = freePort();
  const appUrl = `http://localhost:${caddyPort}`;
  const ports = { a: freePort(), b: freePort() };
  let dbUrl = "";
  let binary = "";
  let sql: SQL;
  let a: RunningBinary;
  let b: RunningBinary;
  let caddy: ReturnType<typeof Bun.spawn> | undefined;
  let env: Record<string, string>;
  let clientId = "";
  let basic = "";
  let session = "";
  const authr = new SoftAuthenticator();

  const api = (p: string, init: RequestInit = {}, base = appUrl) =>
    fetch(base + p, { ...init, headers: { "x-api-key": API_KEY, "content-type": "application/json", ...init.headers }, signal: AbortSignal.timeout(10_000) });
  const tokenRequest = (base: string, body: Record<string, string>) =>
    fetch(`${base}/api/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
      body: new URLSearchParams(body).toString(),
      signal: AbortSignal.timeout(10_000),
    });
  const cli = async (args: string[]) => {
    const p = Bun.spawn([binary, ...args], { cwd: work, env: { PATH: process.env.PATH ?? "", ...env }, stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => p.kill("SIGKILL"), 20_000);
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    clearTimeout(timer);
    if (code !== 0) throw new Error(`latchkey ${args[0]} exited ${code}: ${out}${err}`);
    return out;
  };
  /** How many access-log lines of `instance` name this method and path. */
  const served = (instance: RunningBinary, method: string, p: string) => instance.stderr().split("\n").filter((l) => l.includes(` request `) && l.includes(`method=${method} `) && l.includes(`path=${p} `)).length;
  const instanceId = (instance: RunningBinary) => /instance id (\S+)/.exec(instance.stderr())![1]!;

  beforeAll(async () => {
    binary = await ensureBinaryBuilt();
    const pg = await sharedPostgres();
    dbUrl = await pg.createDatabase();
    sql = new SQL({ url: dbUrl, max: 2 });
    env = {
      ENCRYPTION_KEY: "cluster-encryption-key-0123456789abcdef",
      DB_CONNECTION_STRING: dbUrl,
      APP_URL: appUrl,
      TRUST_PROXY: "true",
      STATIC_API_KEY: API_KEY,
      DISABLE_RATE_LIMITING: "true",
      LOG_LEVEL: "debug",
    };
    // Both at once: the migrations run once, under PostgreSQL's advisory lock.
    const started = await Promise.allSettled([
      startBinary({ binary, env: { ...env, PORT: String(ports.a) }, timeoutMs: 30_000 }),
      startBinary({ binary, env: { ...env, PORT: String(ports.b) }, timeoutMs: 30_000 }),
    ]);
    // Keep whichever started, so afterAll stops it when the other did not.
    if (started[0].status === "fulfilled") a = started[0].value;
    if (started[1].status === "fulfilled") b = started[1].value;
    for (const s of started) if (s.status === "rejected") throw s.reason;
    caddy = await startCaddy(
      path.join(work, "caddy"),
      `http://:${caddyPort} {
\tbind 127.0.0.1
\treverse_proxy 127.0.0.1:${ports.a} 127.0.0.1:${ports.b} {
\t\tlb_policy round_robin
\t\tlb_try_duration 5s
\t\tlb_try_interval 50ms
\t\thealth_uri /healthz
\t\thealth_interval 200ms
\t\t# A busy machine (the whole suite runs beside this file) can take a while to answer: a slow answer is not a dead instance.
\t\thealth_timeout 5s
\t\tfail_duration 5s
\t\tmax_fails 1
\t}
}`,
      [["127.0.0.1", caddyPort]],
    );

    // The administrator, an OIDC client and a signed-in browser session, all through Caddy.
    const admin = await api("/api/users", { method: "POST", body: JSON.stringify({ username: "ada", email: "ada@example.com", firstName: "Ada", lastName: "Lovelace", isAdmin: true }) });
    expect(admin.status).toBe(201);
    const created = await api("/api/oidc/clients", { method: "POST", body: JSON.stringify({ name: "Cluster app", callbackURLs: [CALLBACK], isPublic: false, pkceEnabled: true, skipConsent: true, unrestricted: true }) });
    expect(created.status).toBe(201);
    const c = (await created.json()) as { id: string; secret: string };
    clientId = c.id;
    basic = "Basic " + Buffer.from(`${c.id}:${c.secret}`).toString("base64");
    session = await signInWithLoginLink((await cli(["one-time-access-token", "ada"])).trim());
  }, 60_000);

  afterAll(async () => {
    for (const [name, inst] of [["a", a], ["b", b]] as const) {
      // Warnings, errors and signals received (a stray SIGTERM from outside shows here).
      const problems = inst?.stderr().split("\n").filter((l) => /^\S+ (WARN|ERROR)|received SIG|INFO {2}stopped/.test(l)) ?? [];
      if (problems.length) console.error(`instance ${name}:\n${problems.join("\n")}`);
    }
    caddy?.kill("SIGKILL");
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    await sql?.close();
    rmSync(work, { recursive: true, force: true });
  }, 30_000);

  test("both instances are up on the one database, each with its own instance id", () => {
    expect(instanceId(a)).not.toBe(instanceId(b));
    expect(a.stderr() + b.stderr()).not.toContain("ERROR");
  }, 20_000);

  test("a passkey sign-in begun on one instance finishes on the other", async () => {
    // Register Ada's passkey through Caddy (her session from the login link).
    const owner = new FetchBrowser();
    for (const part of session.split("; ")) {
      const i = part.indexOf("=");
      owner.jar.set(part.slice(0, i), part.slice(i + 1));
    }
    expect((await owner.get(`${appUrl}/settings/account`)).status).toBe(200);
    const regStart = await owner.postJson(`${appUrl}/api/webauthn/register/start`, {});
    expect(regStart.status).toBe(200);
    const { options: creation } = (await regStart.json()) as { options: Parameters<SoftAuthenticator["register"]>[0] };
    const regFinish = await owner.postJson(`${appUrl}/api/webauthn/register/finish`, { response: authr.register(creation, { origin: appUrl }), name: "Cluster key" });
    expect(regFinish.status).toBe(201);

    // A fresh browser signs in through Caddy.
    const browser = new FetchBrowser();
    expect((await browser.get(`${appUrl}/login`)).status).toBe(200);
    const before = { a: served(a, "POST", "/api/webauthn/login/start"), b: served(b, "POST", "/api/webauthn/login/start") };
    const start = await browser.postJson(`${appUrl}/api/webauthn/login/start`, {});
    expect(start.status).toBe(200);
    const { options } = (await start.json()) as { options: Parameters<SoftAuthenticator["assert"]>[0] };
    const begunOnA = served(a, "POST", "/api/webauthn/login/start") > before.a;
    expect(begunOnA || served(b, "POST", "/api/webauthn/login/start") > before.b).toBe(true);
    const [begun, other] = begunOnA ? [a, b] : [b, a];
    // Round-robin alternates (active health checks do not take part in the rotation): step it with a logged
    // request until the last one hit `begun`, so the next one, the finish, goes to the other instance.
    for (let i = 0; i < 4; i++) {
      const n = served(begun, "GET", "/.well-known/openid-configuration");
      await (await fetch(`${appUrl}/.well-known/openid-configuration`)).arrayBuffer();
      await Bun.sleep(20);
      if (served(begun, "GET", "/.well-known/openid-configuration") > n) break;
    }
    const finishedBefore = served(other, "POST", "/api/webauthn/login/finish");
    const finish = await browser.postJson(`${appUrl}/api/webauthn/login/finish`, { response: authr.assert(options, { origin: appUrl }) });
    expect(finish.status).toBe(200);
    expect(browser.jar.has("latchkey_session")).toBe(true);
    await Bun.sleep(50);
    expect(served(other, "POST", "/api/webauthn/login/finish")).toBe(finishedBefore + 1);
    expect(served(begun, "POST", "/api/webauthn/login/finish")).toBe(0);
    // The new session works on both instances (directly, without Caddy).
    for (const inst of [a, b]) {
      const page = await fetch(`${inst.url}/settings/account`, { redirect: "manual", headers: { cookie: browser.cookie() } });
      expect(page.status).toBe(200);
    }
  }, 20_000);

  /** An authorization code from `issuer`'s /authorize (directly on that instance), for Ada. */
  const codeFrom = async (issuer: RunningBinary) => {
    const q = new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, response_type: "code", scope: "openid profile email offline_access", code_challenge: CHALLENGE, code_challenge_method: "S256", nonce: "n-0S6_WzA2Mj" });
    const res = await fetch(`${issuer.url}/authorize?${q}`, { redirect: "manual", headers: { cookie: session } });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(location.searchParams.get("iss")).toBe(appUrl);
    return location.searchParams.get("code")!;
  };
  const redeem = async (at: RunningBinary, code: string) => {
    const res = await tokenRequest(at.url, { grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER });
    expect(res.status).toBe(200);
    return (await res.json()) as { access_token: string; id_token: string; refresh_token: string };
  };
  const userinfo = (at: RunningBinary, accessToken: string) => fetch(`${at.url}/api/oidc/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });

  test("an authorization code issued by one instance is redeemed at the other", async () => {
    const code = await codeFrom(a);
    expect(served(a, "GET", "/authorize")).toBe(1);
    expect(served(b, "GET", "/authorize")).toBe(0);
    const tokens = await redeem(b, code);
    expect(served(b, "POST", "/api/oidc/token")).toBe(1);
    expect(served(a, "POST", "/api/oidc/token")).toBe(0);
    // The access token B issued is good at A's userinfo.
    const info = await userinfo(a, tokens.access_token);
    expect(info.status).toBe(200);
    expect(((await info.json()) as { preferred_username: string }).preferred_username).toBe("ada");
    // Redeemed once: the same code at A is refused, and what it gave is revoked on both (RFC 6749 4.1.2).
    const again = await tokenRequest(a.url, { grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe("invalid_grant");
    for (const inst of [a, b]) expect((await userinfo(inst, tokens.access_token)).status).toBe(401);
  }, 20_000);

  test("a refresh token rotated on one instance and replayed on the other revokes the family", async () => {
    const first = (await redeem(a, await codeFrom(b))).refresh_token;
    const rotated = await tokenRequest(a.url, { grant_type: "refresh_token", refresh_token: first });
    expect(rotated.status).toBe(200);
    const second = ((await rotated.json()) as { refresh_token: string }).refresh_token;
    expect(second).not.toBe(first);
    const replay = await tokenRequest(b.url, { grant_type: "refresh_token", refresh_token: first });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe("invalid_grant");
    // The whole family is revoked: the token A handed out a moment ago is refused too, on either instance.
    for (const inst of [b, a]) {
      const res = await tokenRequest(inst.url, { grant_type: "refresh_token", refresh_token: second });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_grant");
    }
  }, 20_000);

  test("a key rotated with the CLI shows in both instances' JWKS within seconds", async () => {
    const kids = async (inst: RunningBinary) => ((await (await fetch(`${inst.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const before = await kids(b);
    expect(await kids(a)).toEqual(before);
    await cli(["key-rotate"]);
    const rotatedAt = Date.now();
    const seen: Record<string, number> = {};
    while (Object.keys(seen).length < 2 && Date.now() - rotatedAt < 5_000) {
      for (const [name, inst] of [["a", a], ["b", b]] as const) {
        if (!seen[name] && (await kids(inst)).some((k) => !before.includes(k))) seen[name] = Date.now() - rotatedAt;
      }
      await Bun.sleep(100);
    }
    console.log(`cluster: the rotated key was in A's JWKS after ${seen.a ?? "-"} ms, in B's after ${seen.b ?? "-"} ms`);
    expect(Object.keys(seen).sort()).toEqual(["a", "b"]);
    // New ID tokens carry the new key, whichever instance signs them; the other's JWKS verifies it.
    const tokens = await redeem(a, await codeFrom(b));
    const kid = (JSON.parse(Buffer.from(tokens.id_token.split(".")[0]!, "base64url").toString()) as { kid: string }).kid;
    expect(before).not.toContain(kid);
    expect(await kids(b)).toContain(kid);
  }, 20_000);

  test("each background job's run happens once, on one instance", async () => {
    const rows = (await sql`SELECT job, slot, instance, attempt, outcome FROM job_runs ORDER BY job, slot`) as { job: string; slot: string | number; instance: string; attempt: string | number; outcome: string }[];
    expect(rows.length).toBeGreaterThan(0);
    const ids = { [instanceId(a)]: a, [instanceId(b)]: b };
    const claimLines = (inst: RunningBinary) => inst.stderr().split("\n").filter((l) => l.includes("background job run claimed"));
    const claims = [...claimLines(a), ...claimLines(b)];
    for (const row of rows) {
      expect(Object.keys(ids)).toContain(row.instance);
      expect(Number(row.attempt)).toBe(1);
      expect(row.outcome).toBe("ok");
      const slot = new Date(Number(row.slot)).toISOString();
      // Claimed by exactly one instance, the one job_runs names.
      const matching = claims.filter((l) => l.includes(`job=${row.job} `) && l.includes(`slot=${slot}`));
      expect(matching).toHaveLength(1);
      expect(claimLines(ids[row.instance]!).filter((l) => l.includes(`job=${row.job} `) && l.includes(`slot=${slot}`))).toHaveLength(1);
    }
    // Both instances started the same cluster jobs; the claims split them, none ran twice.
    expect(claims).toHaveLength(rows.length);
    const by = (inst: RunningBinary) => rows.filter((r) => r.instance === instanceId(inst)).map((r) => r.job);
    console.log(`cluster: ${rows.length} job runs; on A: ${by(a).join(", ") || "none"}; on B: ${by(b).join(", ") || "none"}`);
  }, 20_000);

  test("one instance killed with SIGKILL under load: the other serves on, no acknowledged write is lost", async () => {
    const acknowledged: string[] = [];
    const failures: string[] = [];
    let stop = false;
    let afterKill = 0;
    let killed = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const username = `load-${++n}-${Math.random().toString(36).slice(2, 8)}`;
        try {
          const res = await api("/api/users", { method: "POST", body: JSON.stringify({ username, firstName: "Load", lastName: "Test" }) });
          if (res.status === 201) {
            acknowledged.push(((await res.json()) as { id: string }).id);
            if (killed) afterKill++;
          } else failures.push(`${res.status} from ${res.headers.get("server") ?? "Latchkey"}: ${(await res.text()).slice(0, 120)}`);
        } catch (e) {
          failures.push(String(e));
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await Bun.sleep(1_500);
    const beforeKill = acknowledged.length;
    a.kill("SIGKILL");
    killed = true;
    expect(await a.exited).toBe(137);
    await Bun.sleep(2_500);
    stop = true;
    await Promise.all(workers);
    const kinds = new Map<string, number>();
    for (const f of failures) kinds.set(f, (kinds.get(f) ?? 0) + 1);
    console.log(`cluster: ${acknowledged.length} acknowledged writes (${beforeKill} before the kill, ${afterKill} after), ${failures.length} failed${failures.length ? `: ${[...kinds].map(([k, n]) => `${n} × ${k}`).join("; ")}` : ""}`);
    expect(beforeKill).toBeGreaterThan(10);
    expect(afterKill).toBeGreaterThan(10);
    // At most the requests in flight on the killed instance (one per worker) fail; Caddy retries refused dials.
    expect(failures.length).toBeLessThanOrEqual(4);
    const stored = new Set(((await sql`SELECT id FROM users WHERE id IN ${sql(acknowledged)}`) as { id: string }[]).map((r) => r.id));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    // B keeps answering, through Caddy and directly.
    expect((await fetch(`${appUrl}/healthz`)).status).toBe(204);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(204);
  }, 30_000);
});
