/**
 * Soak: bounded mixed load against the compiled binary, reporting RSS and table sizes over time.
 *
 *   bun tests/soak/soak.ts [--minutes 3 | --operations N] [--workers 6]
 *
 * Load: code + token exchanges, refreshes, userinfo, admin pages and admin API writes, with a client
 * whose tokens live one minute (so the cleanup job has work). One operation is an authorization request,
 * a code exchange, a userinfo call and a refresh (plus an admin page every 10th and an API write every 50th).
 * It samples the server's RSS and the sizes of the tables that expire: every 15 s in a timed run, every
 * sixteenth of the work in a run of N operations. Exit 1 when:
 * - a request failed;
 * - RSS grew by more than 30 % from the first third of the samples after warm-up to the last third
 *   (warm-up: the first 30 s of a timed run, the first quarter of a run of N operations);
 * - a token table kept growing after the first expiry window (timed runs of 3 minutes or more: tokens live
 *   a minute and the cleanup runs every minute, so shorter runs cannot see it and say so; the schedule
 *   itself is tested in tests/unit/maintenance/cleanup.test.ts).
 * The test suite runs a fixed number of operations (tests/e2e/soak.test.ts); the long run is `--minutes 10`.
 */
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { signInWithLoginLink } from "../helpers/account.ts";
import { ensureBinaryBuilt, freePort, startBinary } from "../helpers/binary.ts";

const { values } = parseArgs({ args: process.argv.slice(2), options: { minutes: { type: "string" }, operations: { type: "string" }, workers: { type: "string", default: "6" } } });
if (values.minutes !== undefined && values.operations !== undefined) throw new Error("soak: give --minutes or --operations, not both");
/** A run of N operations, or (the default) a timed run. */
const OPERATIONS = values.operations === undefined ? null : Number(values.operations);
const MINUTES = OPERATIONS === null ? Number(values.minutes ?? 3) : null;
const WORKERS = Number(values.workers);
if (!(OPERATIONS === null || (Number.isInteger(OPERATIONS) && OPERATIONS >= 160)) || !(MINUTES === null || MINUTES > 0) || !(WORKERS >= 1)) {
  throw new Error("soak: --operations takes a whole number ≥ 160, --minutes a positive number, --workers ≥ 1");
}
/** A timed run samples every 15 s; a run of N operations every N/16 operations. */
const SAMPLE_EVERY_MS = 15_000;
const SAMPLE_EVERY_OPS = OPERATIONS === null ? 0 : Math.ceil(OPERATIONS / 16);
/** Caches and the JIT fill up first: RSS is compared only after this. */
const WARM_UP_MS = 30_000;
const WARM_UP_OPS = OPERATIONS === null ? 0 : Math.floor(OPERATIONS / 4);
const API_KEY = "static-api-key-for-soak-tests-012345";
const CALLBACK = "https://app.example/cb";
const VERIFIER = "soak-verifier-0123456789-0123456789-0123456789";
const CHALLENGE = createHash("sha256").update(VERIFIER).digest("base64url");
const TABLES = ["sessions", "oidc_authorization_codes", "oidc_grants", "oidc_refresh_tokens", "webauthn_challenges", "users"];

const dir = mkdtempSync(path.join(tmpdir(), "latchkey-soak-"));
const binary = await ensureBinaryBuilt();
const port = freePort();
const url = `http://localhost:${port}`;
const env = { ENCRYPTION_KEY: "soak-encryption-key-0123456789abcdef", STATIC_API_KEY: API_KEY, DISABLE_RATE_LIMITING: "true", PORT: String(port), APP_URL: url, LOG_LEVEL: "warn" };
const server = await startBinary({ env, cwd: dir, binary });
const cli = async (args: string[]) => {
  const p = Bun.spawn([binary, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, , code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${args[0]} failed`);
  return out;
};
const api = (p: string, init: RequestInit = {}) => fetch(url + p, { ...init, headers: { "x-api-key": API_KEY, "content-type": "application/json", ...init.headers } });

try {
  await api("/api/users", { method: "POST", body: JSON.stringify({ username: "soak", email: "soak@example.com", firstName: "Soak", lastName: "Test", isAdmin: true }) });
  const created = (await (await api("/api/oidc/clients", { method: "POST", body: JSON.stringify({ name: "Soak app", callbackURLs: [CALLBACK], isPublic: false, pkceEnabled: true, skipConsent: true, unrestricted: true, accessTokenDurationMinutes: 1, refreshTokenDurationMinutes: 1 }) })).json()) as { id: string; secret: string };
  const secret = created.secret;
  const basic = "Basic " + Buffer.from(`${created.id}:${secret}`).toString("base64");
  const session = await signInWithLoginLink((await cli(["one-time-access-token", "soak"])).trim());
  const form = (body: Record<string, string>) => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic }, body: new URLSearchParams(body).toString() });

  let ops = 0;
  let failures = 0;
  const refreshTokens: string[] = [];
  const step = async (i: number) => {
    const q = new URLSearchParams({ client_id: created.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid profile email offline_access", code_challenge: CHALLENGE, code_challenge_method: "S256" });
    const auth = await fetch(`${url}/authorize?${q}`, { redirect: "manual", headers: { cookie: session } });
    const code = new URL(auth.headers.get("location") ?? "http://x/").searchParams.get("code");
    if (!code) throw new Error(`authorize ${auth.status}`);
    const tok = await fetch(`${url}/api/oidc/token`, form({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER }));
    const t = (await tok.json()) as { access_token: string; refresh_token: string };
    if (tok.status !== 200) throw new Error(`token ${tok.status}`);
    const ui = await fetch(`${url}/api/oidc/userinfo`, { headers: { authorization: `Bearer ${t.access_token}` } });
    if (ui.status !== 200) throw new Error(`userinfo ${ui.status}`);
    await ui.arrayBuffer();
    const old = refreshTokens.shift();
    if (old) {
      const r = await fetch(`${url}/api/oidc/token`, form({ grant_type: "refresh_token", refresh_token: old }));
      // A token older than its minute may have expired: 400 invalid_grant is a correct answer then.
      if (r.status !== 200 && r.status !== 400) throw new Error(`refresh ${r.status}`);
      await r.arrayBuffer();
    }
    refreshTokens.push(t.refresh_token);
    if (i % 10 === 0) {
      const admin = await fetch(`${url}/settings/admin/users`, { headers: { cookie: session } });
      if (admin.status !== 200) throw new Error(`admin page ${admin.status}`);
      await admin.arrayBuffer();
    }
    if (i % 50 === 0) {
      const w = await api("/api/users", { method: "POST", body: JSON.stringify({ username: `soak${i}-${Math.random().toString(36).slice(2, 8)}`, firstName: "S", lastName: "S" }) });
      if (w.status !== 201) throw new Error(`admin write ${w.status}`);
    }
  };

  const started = Date.now();
  const deadline = MINUTES === null ? Infinity : started + MINUTES * 60_000;
  const samples: { t: number; ops: number; rss: number; tables: Record<string, number> }[] = [];
  const sample = () => {
    const status = readFileSync(`/proc/${server.process.pid}/status`, "utf8");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    const db = new Database(path.join(dir, "data", "latchkey.db"), { readonly: true });
    const tables = Object.fromEntries(TABLES.map((t) => [t, db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${t}`).get()!.n]));
    db.close();
    const s = { t: Math.round((Date.now() - started) / 1000), ops: done, rss: Math.round(rss), tables };
    samples.push(s);
    console.log(`t=${s.t}s ops=${s.ops} failures=${failures} rss=${s.rss} MB ${JSON.stringify(tables)}`);
  };
  /** Operations finished (failed ones included); `ops` counts the ones started. */
  let done = 0;
  let nextSampleAt = SAMPLE_EVERY_OPS;
  sample();
  const timer = MINUTES === null ? null : setInterval(sample, SAMPLE_EVERY_MS);
  const more = () => (OPERATIONS === null ? Date.now() < deadline : ops < OPERATIONS);
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (more()) {
        try {
          await step(ops++);
        } catch (e) {
          failures++;
          if (failures < 5) console.error(e);
        }
        done++;
        if (OPERATIONS !== null && done >= nextSampleAt && done < OPERATIONS) {
          nextSampleAt += SAMPLE_EVERY_OPS;
          sample();
        }
      }
    }),
  );
  if (timer) clearInterval(timer);
  sample();

  // RSS after warm-up: the first third against the last.
  const warm = samples.filter((s) => (OPERATIONS === null ? s.t * 1000 >= WARM_UP_MS : s.ops >= WARM_UP_OPS));
  const third = Math.max(1, Math.floor(warm.length / 3));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const early = avg(warm.slice(0, third).map((s) => s.rss));
  const late = avg(warm.slice(-third).map((s) => s.rss));
  const rssChecked = warm.length >= 3;
  // Refresh tokens (one-minute here) are what the cleanup job deletes at this pace; grants follow them ten
  // minutes later. Rows made in the first minute expire by t=60 s and the run at t=120 s deletes them: only
  // samples from t=150 s on show whether the table stays flat.
  const afterWindow = samples.filter((s) => s.t >= 150);
  const tablesChecked = afterWindow.length >= 2;
  const tokenGrowth = tablesChecked ? afterWindow.at(-1)!.tables.oidc_refresh_tokens! / Math.max(1, afterWindow[0]!.tables.oidc_refresh_tokens!) : 1;
  const elapsed = Math.round((Date.now() - started) / 1000);
  console.log(`\n${done} operations in ${elapsed} s with ${WORKERS} workers, ${failures} failures`);
  console.log(rssChecked ? `RSS after warm-up: ${early.toFixed(0)} → ${late.toFixed(0)} MB (first third → last third of ${warm.length} samples)` : "RSS: not checked (fewer than 3 samples after warm-up)");
  console.log(tablesChecked ? `refresh-token rows after the first expiry window grew ×${tokenGrowth.toFixed(2)}` : "table growth: not checked (the run ends before the first expiry window closes, t=150 s)");
  const ok = failures === 0 && rssChecked && late <= early * 1.3 && tokenGrowth <= 1.5;
  console.log(ok ? "soak: OK" : "soak: FAILED");
  process.exitCode = ok ? 0 : 1;
} finally {
  await server.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
