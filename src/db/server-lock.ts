/**
 * One server per data folder. The lock is an exclusive SQLite transaction held on a small side file
 * for the server's whole life: the operating system releases it when the process ends, even on
 * SIGKILL, so a crash never leaves a stale lock. Short CLI commands do not take it and work beside
 * the running server through WAL and busy_timeout.
 * PostgreSQL is shared by any number of instances, so there is no server lock there; but commands that must
 * run alone (re-sealing every secret, replacing the database) take acquireMaintenanceLock, which refuses while
 * any instance serves the database.
 */
import { Database } from "bun:sqlite";
import type { Database as LatchkeyDatabase } from "./database.ts";
import { INSTANCE_LOCK_KEY } from "./postgres/instance-lock-key.ts";

export class ServerLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServerLockError";
  }
}

export interface ServerLock {
  release(): void;
}

export function acquireServerLock(dbPath: string): ServerLock {
  const lockPath = `${dbPath}.server-lock`;
  const lockDb = new Database(lockPath, { create: true });
  try {
    lockDb.exec("PRAGMA busy_timeout = 0");
    lockDb.exec("PRAGMA locking_mode = EXCLUSIVE");
    lockDb.exec("BEGIN EXCLUSIVE");
    // Writing makes SQLite take (and, in exclusive mode, keep) the file lock.
    lockDb.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER)");
    lockDb.exec(`DELETE FROM holder; INSERT INTO holder VALUES (${process.pid})`);
  } catch {
    lockDb.close();
    throw new ServerLockError(
      `Another Latchkey server is already using ${dbPath}. Stop it first: two servers must never serve one database.`,
    );
  }
  return {
    release() {
      try {
        lockDb.exec("ROLLBACK");
      } catch {
        // already released
      }
      lockDb.close();
    },
  };
}

/**
 * PostgreSQL: the exclusive side of the instance lock, held on `db`'s connection until released or closed.
 * Refused, with nothing changed, while any instance serves this database (each holds it shared).
 */
export function acquireMaintenanceLock(db: LatchkeyDatabase, target: string): ServerLock {
  const ok = db.query<{ ok: number }, [number]>("SELECT pg_try_advisory_lock(?) AS ok").get(INSTANCE_LOCK_KEY)?.ok === 1;
  if (!ok) {
    throw new ServerLockError(
      `Latchkey instances are serving the PostgreSQL database ${target}. Stop every instance first: this command must run alone. Nothing was changed.`,
    );
  }
  return {
    release() {
      try {
        db.query("SELECT pg_advisory_unlock(?) AS ok").get(INSTANCE_LOCK_KEY);
      } catch {
        // the connection is gone, and the lock with it
      }
    },
  };
}
