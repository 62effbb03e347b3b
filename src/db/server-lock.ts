/**
 * One server per data folder. The lock is an exclusive SQLite transaction held on a small side file
 * for the server's whole life: the operating system releases it when the process ends, even on
 * SIGKILL, so a crash never leaves a stale lock. Short CLI commands do not take it and work beside
 * the running server through WAL and busy_timeout.
 */
import { Database } from "bun:sqlite";

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
