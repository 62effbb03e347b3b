/**
 * Opening a Pocket ID installation for import, without ever writing to it.
 * - PATH is a data folder (holding pocket-id.db) or the database file itself; uploads and keys are looked for next
 *   to the database (`uploads/`, `keys/`), as Pocket ID's defaults put them.
 * - The database is copied (with its -wal and -shm files, so nothing committed is missed) into a private temporary
 *   folder and the copy is opened; the original file is only read.
 * - The copy must pass SQLite's integrity check and golang-migrate's bookkeeping must show one clean row with a
 *   release we know (pocket-id-storage.md §1.2); otherwise the import is refused before anything is written.
 */
import { Database } from "bun:sqlite";
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readSchemaMigrations, tableExists } from "../db/pocket-id-source.ts";

export class PocketIdImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PocketIdImportError";
  }
}

/**
 * schema_migrations.version → release, from v0.50 on (the oldest layout this importer reads). PostgreSQL's
 * migrations have the same versions from then on, plus two of their own (marked).
 */
export const KNOWN_SCHEMA_VERSIONS: ReadonlyMap<number, string> = new Map([
  [20250421221059, "v0.50–v1.1"],
  [20250601204251, "v1.2–v1.3.0"],
  [20250524202611, "v1.3.0"],
  [20250609202611, "v1.3.1"],
  [20250619115053, "v1.4"],
  [20250622151258, "v1.5"],
  [20250630000000, "v1.6.0–v1.6.2"],
  [20250705000000, "v1.6.3–v1.6.4"],
  [20250810144214, "v1.7"],
  [20250822000000, "v1.8–v1.10"],
  [20250824164821, "v1.9–v1.10"], // PostgreSQL only (client_id_type)
  [20250917170000, "v1.11"],
  [20251001115300, "v1.12–v1.13"],
  [20251024000000, "v1.14–v1.15"],
  [20251106144600, "v1.15"], // PostgreSQL only (redundant_indexes)
  [20251115000000, "v1.16"],
  [20251229173100, "v2.0.0"],
  [20260102231700, "v2.0.1"],
  [20260103142200, "v2.0.2"],
  [20260104190900, "v2.1"],
  [20260109090200, "v2.2–v2.3"],
  [20260304090200, "v2.4–v2.5"],
  [20260418120000, "v2.6–v2.7"],
  [20260518222000, "v2.8"],
  [20260601154900, "v2.9"],
  [20260708120000, "v2.10"],
  [20260708130000, "v2.11"],
  [20260727120000, "v2.12"],
  [20260802120000, "v2.13"],
  [20260814120000, "v2.14"],
]);
/** Older releases (v0.1–v0.49) stored data differently; Pocket ID v1 upgrades them on its first start. */
const OLDEST_KNOWN_VERSION = 20240731203656;

export interface PocketIdSource {
  /** The copy, opened query-only. */
  db: Database;
  /** The original database file (never written). */
  dbFile: string;
  /** The folder holding the database: uploads/ and keys/ are looked for there. */
  dataDir: string;
  schemaVersion: number;
  release: string;
  close(): void;
}

/** Finds the database from a data folder or file path. */
export function locatePocketIdDatabase(target: string): { dbFile: string; dataDir: string } {
  if (!existsSync(target)) throw new PocketIdImportError(`${target} does not exist.`);
  if (statSync(target).isDirectory()) {
    const dbFile = path.join(target, "pocket-id.db");
    if (!existsSync(dbFile)) throw new PocketIdImportError(`${target} holds no pocket-id.db: give the Pocket ID data folder or its database file.`);
    return { dbFile, dataDir: target };
  }
  return { dbFile: target, dataDir: path.dirname(target) };
}

/** The SQLite header's user_version, or null when the file is missing or not a SQLite database. */
function readSqliteHeader(file: string): { userVersion: number } | null {
  if (!existsSync(file) || !statSync(file).isFile()) return null;
  const header = Buffer.alloc(100);
  const fd = openSync(file, "r");
  try {
    if (readSync(fd, header, 0, 100, 0) < 100) return null;
  } finally {
    closeSync(fd);
  }
  if (header.toString("latin1", 0, 16) !== "SQLite format 3\0") return null;
  return { userVersion: header.readUInt32BE(60) };
}

export type DatabaseKind = "pocket-id" | "latchkey" | "other" | "unreadable" | "missing";

/**
 * What this database file is, without opening it in place: Latchkey stamps PRAGMA user_version (header offset 60)
 * and golang-migrate never does, so a non-zero stamp answers at once; otherwise a copy (with its -wal, where a stamp
 * not yet checkpointed lives) is opened and looked at (Pocket ID has schema_migrations, users, oidc_clients).
 */
export function probeDatabaseKind(file: string): DatabaseKind {
  if (!existsSync(file)) return "missing";
  const header = readSqliteHeader(file);
  if (!header) return "unreadable";
  if (header.userVersion !== 0) return "latchkey";
  const tmp = mkdtempSync(path.join(tmpdir(), "latchkey-pocket-id-probe-"));
  try {
    const copy = path.join(tmp, "probe.db");
    copyFileSync(file, copy);
    for (const suffix of ["-wal", "-shm"]) if (existsSync(file + suffix)) copyFileSync(file + suffix, copy + suffix);
    const db = new Database(copy, { readwrite: true, create: false });
    try {
      if (db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version !== 0) return "latchkey";
      return tableExists(db, "schema_migrations") && tableExists(db, "users") && tableExists(db, "oidc_clients") ? "pocket-id" : "other";
    } finally {
      db.close();
    }
  } catch {
    return "unreadable";
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Is this file a Pocket ID database (and not Latchkey's)? */
export function isPocketIdDatabaseFile(file: string): boolean {
  return probeDatabaseKind(file) === "pocket-id";
}

/** Copies the database into a temporary folder and opens the copy; checks integrity and migration state. */
export function openPocketIdSource(target: string): PocketIdSource {
  const { dbFile, dataDir } = locatePocketIdDatabase(target);
  const tmp = mkdtempSync(path.join(tmpdir(), "latchkey-pocket-id-"));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  let db: Database | null = null;
  try {
    const copy = path.join(tmp, "pocket-id.db");
    copyFileSync(dbFile, copy);
    for (const suffix of ["-wal", "-shm"]) if (existsSync(dbFile + suffix)) copyFileSync(dbFile + suffix, copy + suffix);
    try {
      db = new Database(copy, { readwrite: true, create: false });
      const check = db.query<{ quick_check: string }, []>("PRAGMA quick_check").all();
      if (check.length !== 1 || check[0]!.quick_check !== "ok") throw new Error(check.map((c) => c.quick_check).slice(0, 3).join("; "));
    } catch (e) {
      throw new PocketIdImportError(`${dbFile} is not a readable SQLite database (${(e as Error).message}). Nothing was imported.`);
    }
    db.exec("PRAGMA query_only = ON");
    const { version, release } = checkMigrationState(db, dbFile);
    const opened = db;
    return {
      db: opened,
      dbFile,
      dataDir,
      schemaVersion: version,
      release,
      close() {
        opened.close();
        cleanup();
      },
    };
  } catch (e) {
    db?.close();
    cleanup();
    throw e;
  }
}

function checkMigrationState(db: Database, dbFile: string): { version: number; release: string } {
  if (!tableExists(db, "users") || !tableExists(db, "oidc_clients")) {
    throw new PocketIdImportError(`${dbFile} is not a Pocket ID database (no users or oidc_clients table). Nothing was imported.`);
  }
  const rows = readSchemaMigrations(db);
  if (rows.length !== 1) {
    throw new PocketIdImportError(
      `${dbFile} has ${rows.length === 0 ? "no" : rows.length} migration record${rows.length === 1 ? "" : "s"} (schema_migrations): its state is unknown. ` +
        "Start Pocket ID once so it finishes its migrations, then import again. Nothing was imported.",
    );
  }
  const { version, dirty } = rows[0]!;
  if (dirty) {
    throw new PocketIdImportError(
      `${dbFile} is marked dirty at schema version ${version}: a Pocket ID migration failed half-way, so its tables cannot be trusted. ` +
        "Restore Pocket ID's backup (or repair it with Pocket ID) and import again. Nothing was imported.",
    );
  }
  const release = KNOWN_SCHEMA_VERSIONS.get(version);
  if (!release) {
    const why =
      version >= OLDEST_KNOWN_VERSION && version < 20250421221059
        ? "it is from Pocket ID v0.49 or older: start Pocket ID v1.16 once to upgrade it, then import."
        : "no Pocket ID release this Latchkey knows has that schema (newer than v2.14?): update Latchkey, or import from a supported Pocket ID release.";
    throw new PocketIdImportError(`${dbFile} is at unknown schema version ${version}; ${why} Nothing was imported.`);
  }
  return { version, release };
}
