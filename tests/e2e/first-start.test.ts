/**
 * The compiled binary's first start on an empty data folder (issue 24): the RSA-2048 signing key is generated off the
 * event loop while the server already listens.
 * - /healthz answers while the key is made; every other request waits for the key: discovery and JWKS asked from the
 *   moment the process starts (again and again until it accepts connections) all answer 200 with the one key, never
 *   an empty key set, never a 5xx; the setup page, asked as early, is served. A restart finds the key and
 *   generates none.
 * - The key cannot be stored (the database stays write-locked past SQLite's busy timeout): the server stops with
 *   exit 1 and says why; the requests it held get 503, never a document without a key.
 * - Two instances starting together on one empty PostgreSQL database: one key, served by both.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { SQL } from "bun";
import path from "node:path";
import { ensureBinaryBuilt, startBinary, type RunningBinary } from "../helpers/binary.ts";
import { postgresInstalled, sharedPostgres } from "../helpers/postgres.ts";

// Real processes on a loaded 2-core machine; the failure case waits out SQLite's 5 s busy timeout.
setDefaultTimeout(60_000);

const ENCRYPTION_KEY = "first-start-encryption-key-0123456789abcdef";
const GENERATED = /first start: generated the signing key (\S+) \(RS256\)/g;

let servers: RunningBinary[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.cleanup()));
  servers = [];
});

async function start(env: Record<string, string> = {}, opts: { cwd?: string } = {}): Promise<RunningBinary> {
  const server = await startBinary({ binary: await ensureBinaryBuilt(), env: { ENCRYPTION_KEY, ...env }, waitUntilHealthy: false, ...opts });
  servers.push(server);
  return server;
}

interface Answer {
  status: number;
  body: string;
}

/** GET `path`, asked again at once while nothing listens yet: the first answer the server gives. */
async function firstAnswer(server: RunningBinary, path: string): Promise<Answer> {
  for (;;) {
    if (server.process.exitCode !== null) throw new Error(`exited with ${server.process.exitCode} before answering ${path}:\n${server.stderr()}`);
    try {
      const res = await fetch(server.url + path, { signal: AbortSignal.timeout(15_000) });
      return { status: res.status, body: await res.text() };
    } catch {
      await Bun.sleep(1);
    }
  }
}

/** /healthz until 204 (only the health check is answered before the key exists). */
async function healthy(server: RunningBinary): Promise<void> {
  for (;;) {
    const { status } = await firstAnswer(server, "/healthz");
    if (status === 204) return;
    await Bun.sleep(5);
  }
}

function jwksKids(answer: Answer): string[] {
  expect(answer.status).toBe(200);
  const { keys } = JSON.parse(answer.body) as { keys: { kid: string; kty: string; alg: string; d?: string }[] };
  for (const k of keys) expect({ kty: k.kty, alg: k.alg, d: k.d }).toEqual({ kty: "RSA", alg: "RS256", d: undefined });
  return keys.map((k) => k.kid);
}

function generatedKids(...servers: RunningBinary[]): string[] {
  return servers.flatMap((s) => [...s.stderr().matchAll(GENERATED)].map((m) => m[1]!));
}

describe("first start on an empty folder", () => {
  test("/healthz answers; discovery and JWKS asked from the start all get the one key; a restart generates none", async () => {
    const server = await start();
    const [jwks, discovery, page, health] = await Promise.all([
      Promise.all(Array.from({ length: 4 }, () => firstAnswer(server, "/.well-known/jwks.json"))),
      Promise.all(Array.from({ length: 2 }, () => firstAnswer(server, "/.well-known/openid-configuration"))),
      firstAnswer(server, "/setup"),
      healthy(server),
    ]);
    expect(health).toBeUndefined();
    // Pages wait too (src/cli/serve.ts says why), and are then served as usual.
    expect(page.status).toBe(200);
    // The static routes are installed once the key exists: the same key set.
    const later = await firstAnswer(server, "/.well-known/jwks.json");
    // Stopped first: its whole log has been read (the key's line may still be in the pipe while it answers).
    expect(await server.stop()).toBe(0);
    const generated = generatedKids(server);
    expect(generated).toHaveLength(1);
    const kid = generated[0]!;
    for (const answer of [...jwks, later]) expect(jwksKids(answer)).toEqual([kid]);
    for (const answer of discovery) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ issuer: server.url, jwks_uri: `${server.url}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ["RS256"] });
    }

    const again = await start({}, { cwd: server.dir });
    await healthy(again);
    expect(jwksKids(await firstAnswer(again, "/.well-known/jwks.json"))).toEqual([kid]);
    expect(await again.stop()).toBe(0);
    expect(generatedKids(again)).toEqual([]);
  });

  test("a key that cannot be stored stops the server with exit 1; the requests it held get 503, not a keyless document", async () => {
    const first = await start();
    await healthy(first);
    expect(await first.stop()).toBe(0);
    // The data folder as before the first key: migrated, no key.
    const file = path.join(first.dataDir, "latchkey.db");
    const db = new Database(file);
    db.run("DELETE FROM oidc_signing_keys");
    // Write-locked until the server has given up (busy_timeout 5 s): the key it generates cannot be stored.
    db.run("BEGIN IMMEDIATE");
    try {
      const server = await start({}, { cwd: first.dir });
      const jwks = firstAnswer(server, "/.well-known/jwks.json").catch((e: Error) => e);
      expect(await server.exited).toBe(1);
      const stderr = server.stderr();
      expect(stderr).toContain("start-up could not finish: stopping");
      expect(stderr).toContain("latchkey: Creating the first signing key failed: database is locked");
      expect(generatedKids(server)).toEqual([]);
      // Held, then refused: never a 200 (or anything else) without a key. A request that arrived too late to be
      // held found the listener closed.
      const answer = await jwks;
      if (!(answer instanceof Error)) expect(answer).toEqual({ status: 503, body: "The server is stopping: it could not create its signing key.\n" });
    } finally {
      db.run("ROLLBACK");
      db.close();
    }
    expect(new Database(file).query("SELECT count(*) AS n FROM oidc_signing_keys").get()).toEqual({ n: 0 });
  });
});

describe.skipIf(!postgresInstalled())("first start on PostgreSQL", () => {
  test("two instances starting together on an empty database: one key, served by both", async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const env = { DB_CONNECTION_STRING: url };
    const [a, b] = await Promise.all([start(env), start(env)]);
    const [jwksA, jwksB] = await Promise.all([firstAnswer(a, "/.well-known/jwks.json"), firstAnswer(b, "/.well-known/jwks.json"), healthy(a), healthy(b)]);
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
    // Exactly one of them stored its key; the other found it, or lost the race and serves the winner's.
    const generated = generatedKids(a, b);
    expect(generated).toHaveLength(1);
    expect(jwksKids(jwksA)).toEqual(generated);
    expect(jwksKids(jwksB)).toEqual(generated);
    const sql = new SQL({ url, max: 1 });
    try {
      expect(await sql`SELECT kid FROM oidc_signing_keys WHERE retired_at IS NULL`).toEqual([{ kid: generated[0] }]);
    } finally {
      await sql.close();
    }
  });
});
