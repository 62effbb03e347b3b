import { Database } from "bun:sqlite";

/**
 * Opens the SQLite database with the pragmas Latchkey relies on:
 * WAL (readers never block the writer; short CLI commands work beside the server),
 * foreign keys enforced, a busy timeout instead of immediate SQLITE_BUSY, synchronous=NORMAL
 * (durable across process crashes in WAL mode).
 */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): Database {
  const db = options.readonly ? new Database(path, { readonly: true, strict: true }) : new Database(path, { create: true, strict: true });
  db.exec("PRAGMA busy_timeout = 5000");
  if (!options.readonly) db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA synchronous = NORMAL");
  return db;
}

/** True when the database answers a trivial query. Used by /healthz. */
export function pingDatabase(db: Database): boolean {
  try {
    return db.query<{ ok: number }, []>("SELECT 1 AS ok").get()?.ok === 1;
  } catch {
    return false;
  }
}
