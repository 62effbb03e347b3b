/**
 * A real PostgreSQL server for tests, from Debian's `postgresql` package (tests/setup-system.sh installs it);
 * never the system service.
 * - The server binaries come from /usr/lib/postgresql/<newest>/bin, else from PATH.
 * - `initdb` makes a fresh cluster in a temporary folder (trust authentication, superuser `postgres`, UTF8,
 *   locale C); `pg_ctl -w` starts it on 127.0.0.1 at a free port and on a unix socket in that folder, with
 *   settings that trade durability for speed (fsync, synchronous_commit and full_page_writes off) unless
 *   `durable` asks for PostgreSQL's defaults.
 * - initdb and postgres refuse to run as root: as root they run as the `postgres` system user (runuser),
 *   which then owns the folder; otherwise they run as the current user.
 * - One cluster per test process (`sharedPostgres()`), stopped and removed when the process exits; each test
 *   file makes its own database (`createDatabase()`) for isolation.
 */
import { SQL } from "bun";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface PgServer {
  host: string;
  port: number;
  /** The folder holding the cluster (data/), its log and its unix socket. */
  dir: string;
  /** A connection URL (TCP, user postgres, no password) for a database of this cluster. */
  url(dbName?: string): string;
  /** Creates a database (a fresh unique name unless given) and answers its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Drops a database, closing any connection still open on it. */
  dropDatabase(name: string): Promise<void>;
  /** fast: rolls back open transactions and checkpoints; immediate: no checkpoint (crash recovery on the next start). */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts it again on the same data folder and port. */
  start(): Promise<void>;
  /** Stops it (immediate) and removes its folder. */
  cleanup(): Promise<void>;
}

const BINARIES = ["initdb", "pg_ctl", "postgres"] as const;

/** The folder with initdb, pg_ctl and postgres: Debian's newest /usr/lib/postgresql/<version>/bin, else PATH. */
export function findPostgresBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = path.join(root, v, "bin");
      if (BINARIES.every((b) => existsSync(path.join(bin, b)))) return bin;
    }
  }
  const initdb = Bun.which("initdb");
  if (initdb) {
    const bin = path.dirname(initdb);
    if (BINARIES.every((b) => existsSync(path.join(bin, b)))) return bin;
  }
  return null;
}

export function postgresInstalled(): boolean {
  return findPostgresBin() !== null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Quotes an identifier for SQL ("a""b"). */
function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface StartPostgresOptions {
  /**
   * PostgreSQL's default durability (fsync, synchronous_commit and full_page_writes on) instead of the
   * tests' fast settings: what a deployment runs, for the benchmark (bench/lib/postgres.ts).
   */
  durable?: boolean;
  /** More postgresql.conf lines (for example `shared_preload_libraries = 'pg_stat_statements'`). */
  settings?: string[];
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PgServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL's server binaries (initdb, pg_ctl, postgres) were not found: run tests/setup-system.sh");
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), "latchkey-pg-"));
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "postgres.log");
  if (asRoot) {
    const pw = Bun.spawnSync(["id", "-u", "postgres"]);
    const gw = Bun.spawnSync(["id", "-g", "postgres"]);
    if (pw.exitCode !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error("running as root, PostgreSQL needs the `postgres` system user (Debian's postgresql package makes it): run tests/setup-system.sh");
    }
    chownSync(dir, Number(pw.stdout.toString()), Number(gw.stdout.toString()));
  }
  /** Runs a server binary as the user it accepts (postgres when we are root). */
  const run = (argv: string[]): { ok: boolean; output: string } => {
    const cmd = asRoot ? ["runuser", "-u", "postgres", "--", ...argv] : argv;
    const r = Bun.spawnSync(cmd, { cwd: dir, stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C", PGTZ: "UTC" } });
    return { ok: r.exitCode === 0, output: `${r.stdout.toString()}${r.stderr.toString()}` };
  };
  const removeDir = () => rmSync(dir, { recursive: true, force: true });

  const init = run([path.join(bin, "initdb"), "-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
  if (!init.ok) {
    removeDir();
    throw new Error(`initdb failed:\n${init.output}`);
  }

  const host = "127.0.0.1";
  let port = 0;
  const writeSettings = (p: number) => {
    // postgresql.auto.conf is read last: these win over postgresql.conf, and a restart reads them again.
    writeFileSync(
      path.join(dataDir, "postgresql.auto.conf"),
      [
        `listen_addresses = '${host}'`,
        `port = ${p}`,
        `unix_socket_directories = '${dir}'`,
        "max_connections = 200",
        ...(options.durable ? [] : ["fsync = off", "synchronous_commit = off", "full_page_writes = off", "shared_buffers = '32MB'"]),
        ...(options.settings ?? []),
        "timezone = 'UTC'",
        "log_min_messages = warning",
        "",
      ].join("\n"),
    );
  };
  const pgCtlStart = () => run([path.join(bin, "pg_ctl"), "-D", dataDir, "-l", logFile, "-w", "-t", "60", "start"]);
  const logTail = () => (existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n") : "");

  // A free port can be taken between finding it and the server binding it: try a few.
  let started = false;
  let lastError = "";
  for (let attempt = 0; attempt < 3 && !started; attempt++) {
    port = await freePort();
    writeSettings(port);
    const r = pgCtlStart();
    started = r.ok;
    if (!started) lastError = `${r.output}\n${logTail()}`;
  }
  if (!started) {
    removeDir();
    throw new Error(`PostgreSQL did not start:\n${lastError}`);
  }

  let running = true;
  let removed = false;
  const url = (dbName = "postgres") => `postgres://postgres@${host}:${port}/${encodeURIComponent(dbName)}`;
  const admin = async <T>(fn: (sql: SQL) => Promise<T>): Promise<T> => {
    const sql = new SQL({ url: url("postgres"), max: 1 });
    try {
      return await fn(sql);
    } finally {
      await sql.close();
    }
  };
  let counter = 0;
  const stopSync = (mode: "fast" | "immediate") => {
    if (!running) return;
    const r = run([path.join(bin, "pg_ctl"), "-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"]);
    if (!r.ok) throw new Error(`pg_ctl stop failed:\n${r.output}`);
    running = false;
  };
  // bun test does not emit the process's "exit" event, and a killed test process runs no hook at all: a small
  // watchdog outside it waits for the test process to go, then stops the server and removes the folder.
  const stopArgv = [...(asRoot ? ["runuser", "-u", "postgres", "--"] : []), path.join(bin, "pg_ctl"), "-D", dataDir, "-m", "immediate", "-w", "stop"];
  const watchdog = Bun.spawn(
    ["setsid", "sh", "-c", 'while kill -0 "$0" 2>/dev/null; do sleep 0.5; done; "$@" >/dev/null 2>&1; rm -rf "$DIR"', String(process.pid), ...stopArgv],
    { stdio: ["ignore", "ignore", "ignore"], env: { ...process.env, DIR: dir } },
  );
  watchdog.unref();

  return {
    host,
    port,
    dir,
    url,
    async createDatabase(name) {
      const db = name ?? `t_${process.pid}_${Date.now().toString(36)}_${++counter}`;
      await admin((sql) => sql.unsafe(`CREATE DATABASE ${ident(db)}`));
      return url(db);
    },
    async dropDatabase(name) {
      await admin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
    },
    async stop(mode = "fast") {
      stopSync(mode);
    },
    async start() {
      if (running) return;
      if (removed) throw new Error("this PostgreSQL was cleaned up");
      const r = pgCtlStart();
      if (!r.ok) throw new Error(`PostgreSQL did not restart:\n${r.output}\n${logTail()}`);
      running = true;
    },
    async cleanup() {
      if (removed) return;
      try {
        stopSync("immediate");
      } finally {
        removed = true;
        watchdog.kill();
        removeDir();
      }
    },
  };
}

let shared: Promise<PgServer> | null = null;

/** The test process's one cluster, started on first use and stopped when the process exits. */
export function sharedPostgres(): Promise<PgServer> {
  shared ??= startPostgres().catch((e) => {
    shared = null;
    throw e;
  });
  return shared;
}
