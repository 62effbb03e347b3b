import { Database } from "bun:sqlite";
import type { Database as LatchkeyDatabase } from "./database.ts";

/**
 * Opens the SQLite database with the pragmas Latchkey relies on:
 * WAL (readers never block the writer; short CLI commands work beside the server),
 * foreign keys enforced, a busy timeout instead of immediate SQLITE_BUSY, synchronous=NORMAL
 * (durable across process crashes in WAL mode).
 * The WAL is checkpointed every 8,000 pages (~31 MiB) instead of SQLite's 1,000: a checkpoint syncs the
 * database file twice and copies every page changed since the last one, and on the token endpoint, where every
 * request commits, checkpoints every ~70 code exchanges cost more than the exchange's own writes (bench/README.md).
 * While the server writes a lot, a worker thread does most of that copying (src/db/background-checkpoints.ts)
 * and this autocheckpoint only finishes what is left.
 * journal_size_limit truncates a WAL that a big transaction (import, LDAP sync) grew, once it is checkpointed.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 8000;

export function openDatabase(path: string, options: { readonly?: boolean } = {}): Database {
  const db = options.readonly ? new Database(path, { readonly: true, strict: true }) : new Database(path, { create: true, strict: true });
  db.exec("PRAGMA busy_timeout = 5000");
  if (!options.readonly) db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA synchronous = NORMAL");
  if (!options.readonly) {
    db.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    db.exec(`PRAGMA journal_size_limit = ${64 * 1024 * 1024}`);
  }
  return db;
}

/** True when the database answers a trivial query. Used by /healthz. */
export function pingDatabase(db: LatchkeyDatabase): boolean {
  try {
    return db.query<{ ok: number }, []>("SELECT 1 AS ok").get()?.ok === 1;
  } catch {
    return false;
  }
}
