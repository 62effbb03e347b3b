/** The CLI contract, from a real process: `bun src/main.ts <command>` (the binary runs the same code). */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../../src/config.ts";
import { getKv, setKv } from "../../src/db/kv.ts";
import { latestSchemaVersion } from "../../src/db/migrate.ts";
import { silentLog } from "../../src/lib/log.ts";
import { openRuntime } from "../../src/runtime.ts";
import { VERSION } from "../../src/version.ts";
import { freePort, SOURCE_COMMAND, startSourceServer, type RunningBinary } from "../helpers/binary.ts";
import { makeTempDir } from "../helpers/test-deps.ts";

// These tests start real processes: allow for a cold start on a loaded 2-core machine.
setDefaultTimeout(30_000);

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tempDir(): string {
  const { dir, cleanup } = makeTempDir("latchkey-cli-");
  cleanups.push(cleanup);
  return dir;
}

async function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const proc = Bun.spawn([...SOURCE_COMMAND, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { PATH: process.env.PATH ?? "", TZ: "UTC", ...options.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

describe("exit codes", () => {
  test("version → 0, the version on stdout (from source: no commit or build date)", async () => {
    for (const arg of ["version", "--version", "-v"]) {
      const r = await cli([arg]);
      expect(r).toEqual({ stdout: `${VERSION} (from source)\n`, stderr: "", exitCode: 0 });
    }
  });

  test("help → 0, usage listing every command on stdout", async () => {
    for (const arg of ["help", "--help", "-h"]) {
      const r = await cli([arg]);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain("Usage: latchkey [command] [options]");
      for (const c of ["serve", "healthcheck", "version", "help"]) expect(r.stdout).toMatch(new RegExp(`^  ${c} +\\S`, "m"));
    }
  });

  test("unknown command → 2, usage on stderr, nothing on stdout (prototype names too)", async () => {
    for (const name of ["frobnicate", "constructor", "toString", "__proto__"]) {
      const r = await cli([name]);
      expect([name, r.exitCode]).toEqual([name, 2]);
      expect(r.stdout).toBe("");
      expect(r.stderr).toStartWith(`latchkey: unknown command "${name}"\n`);
      expect(r.stderr).toContain("Usage: latchkey [command] [options]");
    }
  });

  test("invalid configuration → 1, every problem listed, nothing written to disk", async () => {
    const cwd = tempDir();
    const r = await cli([], { cwd, env: { APP_URL: "https://example.com/sub", PORT: "99999", ENCRYPTION_KEY: "short", LOG_LEVEL: "chatty" } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        "Invalid configuration:",
        '  - APP_URL must not have a path, query or fragment, got "https://example.com/sub"',
        '  - PORT must be a number from 0 to 65535, got "99999"',
        "  - ENCRYPTION_KEY must be at least 16 bytes long (got 5); generate one with: openssl rand -base64 32",
        '  - LOG_LEVEL must be one of debug, info, warn, error; got "chatty"',
        "",
      ].join("\n"),
    );
    expect(readdirSync(cwd)).toEqual([]);
  });

  test("invalid configuration from .env is reported the same way", async () => {
    const cwd = tempDir();
    await Bun.write(path.join(cwd, ".env"), "TRUST_PROXY=everyone\n");
    const r = await cli([], { cwd });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("TRUST_PROXY must be true, false or a comma-separated list of IPs/CIDRs; invalid: everyone");
    expect(readdirSync(cwd)).toEqual([".env"]);
  });
});

describe("refused starts → 1 with a clear message, nothing changed", () => {
  test("a database written by a newer version", async () => {
    const cwd = tempDir();
    mkdirSync(path.join(cwd, "data"));
    const file = path.join(cwd, "data", "latchkey.db");
    const db = new Database(file, { create: true });
    db.exec("PRAGMA journal_mode = DELETE; CREATE TABLE t (x); PRAGMA user_version = 9999;");
    db.close();
    const before = readFileSync(file);
    const r = await cli([], { cwd, env: { PORT: String(freePort()) } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`latchkey: The database is at schema version 9999, written by a newer Latchkey; this version knows up to ${latestSchemaVersion()}.`);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(path.join(cwd, "data")).filter((f) => !f.endsWith(".server-lock"))).toEqual(["latchkey.db"]);
  });

  test("an ENCRYPTION_KEY other than the one the database was created with", async () => {
    const cwd = tempDir();
    const port = String(freePort());
    const first = await startSourceServer({ cwd, env: { ENCRYPTION_KEY: "the-original-key-0123456789" } });
    await first.cleanup();
    const r = await cli([], { cwd, env: { PORT: port, ENCRYPTION_KEY: "a-different-key-0123456789" } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("latchkey: ENCRYPTION_KEY does not match the key this database was created with. Use the original key; nothing was changed.");
  });
});

describe("with a running server", () => {
  let server: RunningBinary;

  test("healthcheck → 0 against a running server", async () => {
    server = await startSourceServer();
    cleanups.push(() => server.cleanup());
    const r = await cli(["healthcheck"], { env: { PORT: String(server.port) } });
    expect(r).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    const viaEndpoint = await cli(["healthcheck", "--endpoint", server.url]);
    expect(viaEndpoint.exitCode).toBe(0);
  });

  test("healthcheck follows a specific HOST", async () => {
    const r = await cli(["healthcheck"], { env: { PORT: String(server.port), HOST: "127.0.0.1" } });
    expect(r.exitCode).toBe(0);
  });

  test("healthcheck → 1 when the server answers 503 (database unusable)", async () => {
    const stub = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(null, { status: 503 }) });
    try {
      const r = await cli(["healthcheck", "--endpoint", `http://127.0.0.1:${stub.port}`]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe(`unhealthy: http://127.0.0.1:${stub.port}/healthz answered 503\n`);
    } finally {
      stub.stop(true);
    }
  });

  test("healthcheck with bad arguments → 2 with its usage", async () => {
    for (const args of [["--endpoint"], ["--endpoint", "localhost:1411"], ["--loud"], ["extra"], ["--unix-socket"]]) {
      const r = await cli(["healthcheck", ...args]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain("Usage: latchkey healthcheck [-e|--endpoint URL] [--unix-socket PATH] [-v|--verbose]");
    }
  });

  test("healthcheck → 1 when nothing listens", async () => {
    const r = await cli(["healthcheck"], { env: { PORT: String(freePort()) } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toStartWith("unhealthy: cannot reach http://127.0.0.1:");
  });

  test("a second server on the same data folder is refused (exit 1) and changes nothing", async () => {
    const keyFile = path.join(server.dataDir, "encryption.key");
    const key = readFileSync(keyFile, "utf8");
    const r = await cli([], { cwd: server.dir, env: { PORT: String(freePort()), HOST: "127.0.0.1" } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `latchkey: Another Latchkey server is already using ${path.join(server.dataDir, "latchkey.db")}. Stop it first: two servers must never serve one database.`,
    );
    expect(readFileSync(keyFile, "utf8")).toBe(key);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(204);
  });

  test("a CLI-style open of the same folder works beside the running server", async () => {
    const config = loadConfig({}, server.dir);
    const rt = openRuntime(config, silentLog);
    try {
      setKv(rt.db, "cli-beside-server", "ok");
      expect(getKv(rt.db, "cli-beside-server")).toBe("ok");
    } finally {
      rt.close();
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(204);
    expect(existsSync(path.join(server.dataDir, "latchkey.db"))).toBe(true);
  });
});
