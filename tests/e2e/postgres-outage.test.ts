/**
 * The compiled binary through a PostgreSQL outage (issue 21), on a PostgreSQL of this file's own (stopping the
 * process's shared one would pull it from under other files):
 * - under a steady load of reads and writes, PostgreSQL stopped (`pg_ctl stop -m fast`: open transactions roll
 *   back, committed ones are flushed): every request answers 503 with Retry-After (OAuth's
 *   temporarily_unavailable as JSON on the token endpoint), /healthz answers 503, nothing else fails;
 * - PostgreSQL started again: full service returns without restarting Latchkey, and every acknowledged write is
 *   in the database;
 * - started while PostgreSQL is down: a clear error naming host and cause, retries, exit 1 after
 *   DB_STARTUP_TIMEOUT; and it comes up by itself when PostgreSQL does within that time;
 * - a wrong database name: exit 1 at once with the precise message;
 * - the password in DB_CONNECTION_STRING never appears in any output.
 * Skipped without PostgreSQL's server binaries (tests/setup-system.sh installs them).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { ensureBinaryBuilt, freePort, startBinary, type RunningBinary } from "../helpers/binary.ts";
import { postgresInstalled, startPostgres, type PgServer } from "../helpers/postgres.ts";

const API_KEY = "outage-static-api-key-0123456789abcdef";
const PASSWORD = "Pg-Secret-Never-Logged-4711";
const ENCRYPTION_KEY = "outage-encryption-key-0123456789abcdef";

/** The URL with a password (the test cluster trusts every local connection, so any password is accepted). */
const withPassword = (url: string) => url.replace("postgres://postgres@", `postgres://postgres:${PASSWORD}@`);

describe.skipIf(!postgresInstalled())("one compiled instance through a PostgreSQL outage", () => {
  let binary = "";
  let pg: PgServer;
  let dbUrl = "";
  let sql: SQL;
  let server: RunningBinary;
  const others: RunningBinary[] = [];
  let basic = "";

  const api = (p: string, init: RequestInit = {}) =>
    fetch(server.url + p, { ...init, headers: { "x-api-key": API_KEY, "content-type": "application/json", ...init.headers }, signal: AbortSignal.timeout(10_000) });
  const createUser = (username: string) => api("/api/users", { method: "POST", body: JSON.stringify({ username, firstName: "Load", lastName: "Test" }) });
  const tokenRequest = () =>
    fetch(`${server.url}/api/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
      body: new URLSearchParams({ grant_type: "authorization_code", code: "no-such-code", redirect_uri: "https://app.example/cb", code_verifier: "v".repeat(43) }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
  const health = async (inst: RunningBinary) => (await fetch(`${inst.url}/healthz`, { signal: AbortSignal.timeout(5_000) })).status;
  const start = async (env: Record<string, string>, waitUntilHealthy: boolean) => {
    const inst = await startBinary({ binary, env: { ENCRYPTION_KEY, ...env }, waitUntilHealthy, timeoutMs: 30_000 });
    others.push(inst);
    return inst;
  };
  /** Resolves the exit code, or fails after `ms`. */
  const exitWithin = (inst: RunningBinary, ms: number) =>
    Promise.race([inst.exited, Bun.sleep(ms).then(() => Promise.reject(new Error(`still running after ${ms} ms:\n${inst.stdout()}${inst.stderr()}`)))]);

  beforeAll(async () => {
    [binary, pg] = await Promise.all([ensureBinaryBuilt(), startPostgres()]);
    dbUrl = await pg.createDatabase("outage");
    sql = new SQL({ url: dbUrl, max: 1 });
    server = await startBinary({ binary, env: { ENCRYPTION_KEY, DB_CONNECTION_STRING: withPassword(dbUrl), STATIC_API_KEY: API_KEY, DISABLE_RATE_LIMITING: "true" }, timeoutMs: 30_000 });
    const created = await api("/api/oidc/clients", { method: "POST", body: JSON.stringify({ name: "Outage app", callbackURLs: ["https://app.example/cb"], isPublic: false, pkceEnabled: true }) });
    expect(created.status).toBe(201);
    const c = (await created.json()) as { id: string; secret: string };
    basic = "Basic " + Buffer.from(`${c.id}:${c.secret}`).toString("base64");
  }, 60_000);

  afterAll(async () => {
    await Promise.all([server?.cleanup(), ...others.map((o) => o.cleanup())]);
    await sql?.close().catch(() => {});
    await pg?.cleanup();
  }, 30_000);

  test("PostgreSQL stopped under load: 503 with Retry-After, /healthz unhealthy; started again: full service without a restart, no acknowledged write lost", async () => {
    const acknowledged: string[] = [];
    const statuses = new Map<string, number>();
    const count = (what: string) => statuses.set(what, (statuses.get(what) ?? 0) + 1);
    const unexpected: string[] = [];
    let stop = false;
    let n = 0;
    const writer = async () => {
      while (!stop) {
        try {
          const res = await createUser(`load-${++n}`);
          count(`write ${res.status}`);
          if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
          else if (res.status !== 503 || res.headers.get("retry-after") !== "5") unexpected.push(`write ${res.status} retry-after=${res.headers.get("retry-after")} ${await res.text()}`);
          else await res.arrayBuffer();
        } catch (e) {
          unexpected.push(`write: ${String(e)}`);
        }
        await Bun.sleep(5);
      }
    };
    const reader = async () => {
      while (!stop) {
        const id = acknowledged.at(-1);
        if (id) {
          try {
            const res = await api(`/api/users/${id}`);
            count(`read ${res.status}`);
            if (res.status !== 200 && (res.status !== 503 || res.headers.get("retry-after") !== "5")) unexpected.push(`read ${res.status} ${await res.text()}`);
            else await res.arrayBuffer();
          } catch (e) {
            unexpected.push(`read: ${String(e)}`);
          }
        }
        await Bun.sleep(5);
      }
    };
    const load = [writer(), writer(), reader(), reader()];
    try {
      await Bun.sleep(1_000);
      const beforeOutage = acknowledged.length;
      expect(beforeOutage).toBeGreaterThan(10);
      expect(await health(server)).toBe(204);

      await pg.stop("fast");
      const stoppedAt = Date.now();
      await Bun.sleep(500);
      // The protocol endpoint answers in OAuth's words.
      const token = await tokenRequest();
      expect(token.status).toBe(503);
      expect(token.headers.get("retry-after")).toBe("5");
      expect(token.headers.get("cache-control")).toContain("no-store");
      expect(token.headers.get("content-type")).toStartWith("application/json");
      expect(((await token.json()) as { error: string }).error).toBe("temporarily_unavailable");
      // The admin API and the health check.
      const write = await createUser("during-outage");
      expect(write.status).toBe(503);
      expect(write.headers.get("retry-after")).toBe("5");
      expect(await health(server)).toBe(503);
      await Bun.sleep(Math.max(0, 1_500 - (Date.now() - stoppedAt)));
      const duringOutage = { writes: statuses.get("write 503") ?? 0, reads: statuses.get("read 503") ?? 0 };
      expect(duringOutage.writes).toBeGreaterThan(0);
      expect(duringOutage.reads).toBeGreaterThan(0);

      await pg.start();
      const startedAt = Date.now();
      while ((await health(server)) !== 204) {
        if (Date.now() - startedAt > 15_000) throw new Error(`not healthy 15 s after PostgreSQL came back:\n${server.stderr()}`);
        await Bun.sleep(100);
      }
      const recovery = Date.now() - startedAt;
      const ackAtRecovery = acknowledged.length;
      await Bun.sleep(1_000);
      expect(acknowledged.length).toBeGreaterThan(ackAtRecovery + 10);
      const after = await tokenRequest();
      expect(after.status).toBe(400);
      expect(((await after.json()) as { error: string }).error).toBe("invalid_grant");
      expect((await createUser("after-outage")).status).toBe(201);
      console.log(`outage: ${acknowledged.length} acknowledged writes, answers ${JSON.stringify(Object.fromEntries(statuses))}, healthy ${recovery} ms after PostgreSQL started`);
    } finally {
      stop = true;
      await Promise.all(load);
    }
    expect(unexpected).toEqual([]);
    // The same process served throughout, and every acknowledged write is stored.
    expect(server.process.exitCode).toBeNull();
    const stored = new Set(((await sql`SELECT id FROM users WHERE id IN ${sql(acknowledged)}`) as { id: string }[]).map((r) => r.id));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(server.stdout() + server.stderr()).not.toContain(PASSWORD);
  }, 40_000);

  test("started while PostgreSQL is down: names host and cause, retries, exits 1 after DB_STARTUP_TIMEOUT", async () => {
    const port = freePort();
    const began = Date.now();
    const inst = await start({ DB_CONNECTION_STRING: `postgres://latchkey:${PASSWORD}@127.0.0.1:${port}/latchkey`, DB_STARTUP_TIMEOUT: "3" }, false);
    expect(await exitWithin(inst, 15_000)).toBe(1);
    const elapsed = Date.now() - began;
    const output = inst.stdout() + inst.stderr();
    expect(output).toContain(`PostgreSQL at 127.0.0.1:${port}`);
    expect(output).toContain("is not reachable (connection refused or host unreachable (is PostgreSQL running and listening there?)); retrying in");
    expect(output).toContain(`Cannot reach PostgreSQL at 127.0.0.1:${port}`);
    expect(output).toContain("(DB_STARTUP_TIMEOUT=3)");
    expect(output).not.toContain(PASSWORD);
    expect(elapsed).toBeGreaterThanOrEqual(3_000);
    expect(elapsed).toBeLessThan(12_000);
  }, 20_000);

  test("started while PostgreSQL is down, which comes back within DB_STARTUP_TIMEOUT: it comes up by itself", async () => {
    await pg.stop("fast");
    try {
      const inst = await start({ DB_CONNECTION_STRING: withPassword(dbUrl), DB_STARTUP_TIMEOUT: "20" }, false);
      await inst.waitForOutput("retrying in", 10_000);
      await pg.start();
      const startedAt = Date.now();
      for (;;) {
        const status = await health(inst).catch(() => 0);
        if (status === 204) break;
        if (inst.process.exitCode !== null || Date.now() - startedAt > 15_000) throw new Error(`did not come up:\n${inst.stderr()}`);
        await Bun.sleep(100);
      }
      expect(inst.stdout() + inst.stderr()).not.toContain(PASSWORD);
    } finally {
      await pg.start();
    }
  }, 30_000);

  test("a wrong database name: exits 1 at once with the precise message", async () => {
    const began = Date.now();
    const inst = await start({ DB_CONNECTION_STRING: withPassword(pg.url("no_such_db")), DB_STARTUP_TIMEOUT: "30" }, false);
    expect(await exitWithin(inst, 10_000)).toBe(1);
    expect(Date.now() - began).toBeLessThan(5_000);
    const output = inst.stdout() + inst.stderr();
    expect(output).toContain(`Cannot use PostgreSQL at 127.0.0.1:${pg.port}/no_such_db: database "no_such_db" does not exist (create it: createdb no_such_db). Nothing was written.`);
    expect(output).not.toContain("retrying");
    expect(output).not.toContain(PASSWORD);
  }, 15_000);
});
