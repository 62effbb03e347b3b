/**
 * SQL for backups: an online snapshot with VACUUM INTO (one read transaction: consistent while the
 * server writes), and read-only inspection of a backup file before it is restored.
 */
import { Database } from "bun:sqlite";
import type { Database as LatchkeyDatabase } from "./database.ts";
import { KDF_RECORD } from "./sealed-values.ts";

/** Writes a consistent, compacted copy of `db` to `file` (which must not exist), in rollback-journal mode. */
export function vacuumInto(db: LatchkeyDatabase, file: string): void {
  db.query("VACUUM INTO ?").run(file);
  // A single self-contained file: no -wal/-shm beside a backup, readable on a read-only medium.
  const copy = new Database(file, { readwrite: true, create: false, strict: true });
  try {
    copy.exec("PRAGMA journal_mode = DELETE");
  } finally {
    copy.close();
  }
}

export interface BackupFacts {
  integrity: string[];
  schemaVersion: number;
  /** The sealed key-check value (kv encryption_key_check), or null when absent. */
  keyCheck: string | null;
  /** The slow-KDF record (kv encryption_kdf) for passphrase keys, or null. */
  kdfRecord: string | null;
  users: number;
}

/** Reads what a restore must check, without changing the file. Throws when it is not an SQLite database. */
export function inspectBackupFile(file: string): BackupFacts {
  const db = new Database(file, { readonly: true, strict: true });
  try {
    const integrity = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all().map((r) => r.integrity_check);
    const schemaVersion = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
    const hasTable = (name: string) => db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== null;
    const keyCheck = hasTable("kv") ? (db.query<{ value: string }, []>("SELECT value FROM kv WHERE key = 'encryption_key_check'").get()?.value ?? null) : null;
    const kdfRecord = hasTable("kv") ? (db.query<{ value: string }, [string]>("SELECT value FROM kv WHERE key = ?").get(KDF_RECORD)?.value ?? null) : null;
    const users = hasTable("users") ? db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM users").get()!.n : 0;
    return { integrity, schemaVersion, keyCheck, kdfRecord, users };
  } finally {
    db.close();
  }
}

/** PRAGMA integrity_check of an open database: ["ok"] when sound. */
export function integrityCheck(db: Database): string[] {
  return db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all().map((r) => r.integrity_check);
}
