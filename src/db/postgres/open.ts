/**
 * Connecting to PostgreSQL at start-up: retried with backoff while the server is unreachable (it may still be
 * starting, as in a compose stack), for at most DB_STARTUP_TIMEOUT seconds, then a clear error naming the host
 * and the cause (the process exits 1 and systemd or the container runtime restarts it). A wrong password, a
 * missing role or database are not retried: they will not fix themselves. No message carries the password.
 */
import { DatabaseUnavailableError, PostgresDatabase } from "./connection.ts";
import { describeTarget } from "./connection-string.ts";

export class PostgresStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PostgresStartupError";
  }
}

/** What a connection failure means to a person, and whether waiting can help. */
export function explainConnectionFailure(error: unknown, url: string): { cause: string; retry: boolean } {
  const code = error instanceof DatabaseUnavailableError ? error.code : (error as { code?: string }).code;
  let user = "";
  let database = "";
  try {
    const u = new URL(url);
    user = decodeURIComponent(u.username) || "(default user)";
    database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  } catch {
    // described as unparseable elsewhere
  }
  switch (code) {
    case "28P01":
      return { cause: `the password for user "${user}" was refused`, retry: false };
    case "28000":
      return { cause: `user "${user}" does not exist or may not connect (pg_hba.conf)`, retry: false };
    case "3D000":
      return { cause: `database "${database}" does not exist (create it: createdb ${database})`, retry: false };
    case "42501":
      return { cause: `user "${user}" lacks a privilege Latchkey needs on database "${database}"`, retry: false };
    case "LATCHKEY_MAINTENANCE":
      return { cause: "a maintenance command (latchkey encryption-key-rotate or import) is running on this database", retry: true };
    case "57P03":
      return { cause: "the server is starting up", retry: true };
    case "53300":
      return { cause: "the server has no free connection slots", retry: true };
    case "ERR_POSTGRES_CONNECTION_REFUSED":
      return { cause: "connection refused or host unreachable (is PostgreSQL running and listening there?)", retry: true };
    case "ERR_POSTGRES_CONNECTION_TIMEOUT":
      return { cause: "the connection timed out", retry: true };
    default:
      if (code?.startsWith("ERR_POSTGRES_TLS") || /ssl|tls/i.test((error as Error).message ?? "")) return { cause: `TLS failed: ${(error as Error).message}`, retry: false };
      return { cause: (error as Error).message?.replace(/^PostgreSQL \([^)]*\) is unavailable: /, "") ?? String(error), retry: error instanceof DatabaseUnavailableError };
  }
}

export interface ConnectOptions {
  startupTimeoutSeconds: number;
  warn: (message: string) => void;
  /** Injected for tests: blocks for `ms` (start-up has nothing else to do meanwhile). */
  sleep?: (ms: number) => void;
  now?: () => number;
  /** A serving instance (holds the shared instance lock; see instance-lock-key.ts). */
  instance?: boolean;
}

/** Opens the connection and proves it with a query, retrying what can recover. */
export function connectPostgres(url: string, options: ConnectOptions): PostgresDatabase {
  const target = describeTarget(url);
  const sleep = options.sleep ?? ((ms: number) => Bun.sleepSync(ms));
  const now = options.now ?? Date.now;
  const started = now();
  const deadline = started + options.startupTimeoutSeconds * 1000;
  const db = new PostgresDatabase(url, { connectTimeoutSeconds: Math.max(1, Math.min(5, options.startupTimeoutSeconds || 5)), instance: options.instance });
  let delay = 500;
  for (;;) {
    try {
      db.query("SELECT 1 AS ok").get();
      return db;
    } catch (error) {
      const { cause, retry } = explainConnectionFailure(error, url);
      if (!retry) {
        db.close();
        throw new PostgresStartupError(`Cannot use PostgreSQL at ${target}: ${cause}. Nothing was written.`);
      }
      // The last attempt is made at the deadline, so a server that comes up within DB_STARTUP_TIMEOUT is used.
      if (now() >= deadline) {
        db.close();
        const waited = Math.round((now() - started) / 1000);
        throw new PostgresStartupError(`Cannot reach PostgreSQL at ${target}: ${cause}; gave up after ${waited} s (DB_STARTUP_TIMEOUT=${options.startupTimeoutSeconds}). Nothing was written.`);
      }
      const wait = Math.min(delay, deadline - now());
      options.warn(`PostgreSQL at ${target} is not reachable (${cause}); retrying in ${(wait / 1000).toFixed(1)} s`);
      sleep(wait);
      delay = Math.min(delay * 2, 5000);
    }
  }
}
