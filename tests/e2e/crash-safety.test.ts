/**
 * Crash safety of the running binary: rounds of mixed load (admin writes, authorization codes exchanged
 * for tokens, refreshes) ended by SIGKILL at a random moment, then:
 * - PRAGMA integrity_check is ok (checked on the killed server's files, before the restart);
 * - every admin write that was answered 2xx is present, complete;
 * - every token response that was received is honoured after the restart: the access token
 *   introspects active, the refresh token works exactly once.
 * Bounded: CRASH_ROUNDS (default 10) rounds of 0.2–1.2 s load each. The kill moments are drawn from a seeded
 * generator: a failure names the seed, and TEST_SEED=<seed> draws the same moments again.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { signInWithLoginLink } from "../helpers/account.ts";
import { ensureBinaryBuilt, freePort, startBinary, type RunningBinary } from "../helpers/binary.ts";
import { withSeed } from "../helpers/seeded-random.ts";

setDefaultTimeout(150_000);
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 10);
const KEY = "crash-test-encryption-key-0123456789";
const API_KEY = "static-api-key-for-crash-tests-0123";
const CALLBACK = "https://app.example/cb";
const VERIFIER = "crash-verifier-0123456789-0123456789-0123456789";
const CHALLENGE = createHash("sha256").update(VERIFIER).digest("base64url");

const dir = mkdtempSync(path.join(tmpdir(), "latchkey-crash-"));
let server: RunningBinary | null = null;
afterAll(async () => {
  await server?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test(`SIGKILL at random moments (${ROUNDS} rounds) loses no acknowledged write and no issued token`, withSeed(async (random) => {
  const binary = await ensureBinaryBuilt();
  const port = freePort();
  const url = `http://localhost:${port}`;
  const env = { ENCRYPTION_KEY: KEY, STATIC_API_KEY: API_KEY, DISABLE_RATE_LIMITING: "true", PORT: String(port), APP_URL: url };
  const start = async () => (server = await startBinary({ env, cwd: dir, binary }));
  const cli = async (args: string[]) => {
    const p = Bun.spawn([binary, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env }, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new Error(`${args[0]}: ${err}`);
    return out;
  };
  await start();

  // A user, a signed-in browser session and a confidential client that skips consent.
  const api = (p: string, init: RequestInit = {}) => fetch(url + p, { ...init, headers: { "x-api-key": API_KEY, "content-type": "application/json", ...init.headers } });
  expect((await api("/api/users", { method: "POST", body: JSON.stringify({ username: "crash", email: "crash@example.com", firstName: "Crash", lastName: "Test" }) })).status).toBe(201);
  const client = JSON.parse(await cli(["client", "create", "--name", "Crash app", "--callback-url", CALLBACK, "--skip-consent", "--unrestricted"])) as { id: string; secret: string };
  const basic = "Basic " + Buffer.from(`${client.id}:${client.secret}`).toString("base64");
  const session = await signInWithLoginLink((await cli(["one-time-access-token", "crash"])).trim());

  const form = (body: Record<string, string>) => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic }, body: new URLSearchParams(body).toString() });
  const acknowledgedUsers: string[] = [];
  /** Token pairs received in full whose refresh token has not been sent since. */
  const live: { access: string; refresh: string }[] = [];
  let n = 0;

  const adminWrite = async () => {
    const username = `w${++n}`;
    const res = await api("/api/users", { method: "POST", body: JSON.stringify({ username, email: `${username}@example.com`, firstName: "W", lastName: String(n) }) });
    if (res.status === 201) acknowledgedUsers.push(username);
    else throw new Error(`admin write answered ${res.status}`);
  };
  const codeExchange = async () => {
    const q = new URLSearchParams({ client_id: client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid profile offline_access", code_challenge: CHALLENGE, code_challenge_method: "S256", state: "s" });
    const auth = await fetch(`${url}/authorize?${q}`, { redirect: "manual", headers: { cookie: session } });
    const code = new URL(auth.headers.get("location")!).searchParams.get("code");
    if (!code) throw new Error(`authorize answered ${auth.status} ${auth.headers.get("location")}`);
    const res = await fetch(`${url}/api/oidc/token`, form({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER }));
    const body = (await res.json()) as { access_token?: string; refresh_token?: string };
    if (res.status !== 200 || !body.access_token || !body.refresh_token) throw new Error(`token answered ${res.status} ${JSON.stringify(body)}`);
    live.push({ access: body.access_token, refresh: body.refresh_token });
  };
  const refresh = async () => {
    const pair = live.shift();
    if (!pair) return codeExchange();
    // Once sent, its fate is unknown until the answer arrives: it leaves `live` now.
    const res = await fetch(`${url}/api/oidc/token`, form({ grant_type: "refresh_token", refresh_token: pair.refresh }));
    const body = (await res.json()) as { access_token?: string; refresh_token?: string };
    if (res.status !== 200 || !body.access_token) throw new Error(`refresh answered ${res.status} ${JSON.stringify(body)}`);
    live.push({ access: body.access_token, refresh: body.refresh_token ?? pair.refresh });
  };

  const integrity = () => {
    const db = new Database(path.join(dir, "data", "latchkey.db"));
    try {
      return db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all().map((r) => r.integrity_check);
    } finally {
      db.close();
    }
  };

  let unexpected = 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (!server) await start();
    let running = true;
    let up = true;
    const worker = async (op: () => Promise<void>) => {
      while (running) {
        try {
          await op();
        } catch (e) {
          // Connection errors after the kill are expected; anything else while the server is up is not.
          if (up) {
            unexpected++;
            console.error(e);
          }
        }
      }
    };
    const workers = [worker(adminWrite), worker(codeExchange), worker(refresh), worker(refresh)];
    await Bun.sleep(random.int(200, 1199));
    up = false;
    server!.kill("SIGKILL");
    await server!.exited;
    running = false;
    await Promise.all(workers);
    server = null;
    expect(integrity()).toEqual(["ok"]);
  }
  expect(unexpected).toBe(0);
  expect(acknowledgedUsers.length).toBeGreaterThan(ROUNDS);
  expect(live.length).toBeGreaterThan(0);

  await start();
  const db = new Database(path.join(dir, "data", "latchkey.db"), { readonly: true });
  const rows = new Map(db.query<{ username: string; email: string }, []>("SELECT username, email FROM users").all().map((r) => [r.username, r.email]));
  db.close();
  for (const u of acknowledgedUsers) expect([u, rows.get(u)]).toEqual([u, `${u}@example.com`]);
  for (const pair of live) {
    const intro = (await (await fetch(`${url}/api/oidc/introspect`, form({ token: pair.access }))).json()) as { active: boolean };
    expect(intro.active).toBe(true);
    const first = await fetch(`${url}/api/oidc/token`, form({ grant_type: "refresh_token", refresh_token: pair.refresh }));
    expect(first.status).toBe(200);
    const again = await fetch(`${url}/api/oidc/token`, form({ grant_type: "refresh_token", refresh_token: pair.refresh }));
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe("invalid_grant");
  }
  console.log(`crash test: ${ROUNDS} kills, ${acknowledgedUsers.length} acknowledged writes, ${live.length} token pairs checked`);
}));
