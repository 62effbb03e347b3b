/**
 * `latchkey export` / `latchkey import`: everything an instance holds, as one .tar.gz, to move it to
 * another machine or to the other engine. Uploads (profile pictures, logos, branding images) live in the
 * database, so the archive is: manifest.json, latchkey.db, and — only with --include-key — encryption.key.
 * - latchkey.db is an SQLite database on either engine (src/db/engine-copy.ts): SQLite's online snapshot, or
 *   PostgreSQL's every table read in one snapshot. So any archive, older ones included, imports into either.
 * - Import into SQLite is a restore (same checks, refused while a server runs, the previous database kept)
 *   plus the key file.
 * - Import into PostgreSQL: the same checks of the archive (integrity, a schema this version knows, the key
 *   check opens with ENCRYPTION_KEY), then one transaction into the migrated schema; a database that already
 *   holds data is refused unless --replace (no previous copy can be kept there: take a pg_dump first).
 * - The imported database records it (ADMIN_CHANGE export_archive import).
 */
import { acquireMaintenanceLock } from "../db/server-lock.ts";
import { redactConnectionString } from "../db/postgres/connection-string.ts";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Actor } from "../audit/actor.ts";
import type { Config } from "../config.ts";
import type { Deps } from "../deps.ts";
import type { Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { packTar, unpackTar } from "../lib/tar.ts";
import { checkSchemaVersion, migrate } from "../db/migrate.ts";
import { engineOf, type Engine } from "../db/database.ts";
import { copyPostgresIntoSqliteFile, EngineCopyError, loadSqliteFileIntoPostgres } from "../db/engine-copy.ts";
import { cryptoRandom } from "../lib/random.ts";
import { recordAdminChange } from "../audit/actor.ts";
import { ENCRYPTION_KEY_FILE, openConfiguredDatabase, openRuntime, resolveEncryptionKey } from "../runtime.ts";
import { VERSION } from "../version.ts";
import type { PocketIdImportSummary } from "../pocket-id/importer.ts";
import { BackupError, checkBackupFile, createBackup, restoreBackup } from "./backups.ts";

export interface ExportManifest {
  format: "latchkey-export/1";
  version: string;
  createdAt: string;
  includesKey: boolean;
  /** The engine the instance ran on; absent in archives from before PostgreSQL (always SQLite). */
  engine?: Engine;
}

/** Writes the archive to `out` (never over an existing file), or returns its bytes when `out` is null (stdout). */
export function exportArchive(deps: Pick<Deps, "db" | "config" | "clock">, keyText: string, out: string | null, opts: { includeKey: boolean }): { file: string | null; bytes: number; data: Uint8Array } {
  if (out !== null && existsSync(out)) throw new BackupError(`${out} already exists; choose another file name.`);
  const work = mkdtempSync(path.join(tmpdir(), "latchkey-export-"));
  try {
    const engine = engineOf(deps.db);
    const dbFile = path.join(work, "latchkey.db");
    const at = engine === "postgres" ? snapshotPostgres(deps, dbFile) : createBackup(deps, { out: dbFile }).at;
    const manifest: ExportManifest = { format: "latchkey-export/1", version: VERSION, createdAt: new Date(at).toISOString(), includesKey: opts.includeKey, engine };
    const files = [
      { name: "manifest.json", data: new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n") },
      { name: "latchkey.db", data: new Uint8Array(readFileSync(dbFile)) },
      ...(opts.includeKey ? [{ name: ENCRYPTION_KEY_FILE, data: new TextEncoder().encode(keyText + "\n") }] : []),
    ];
    const gz = gzipSync(packTar(files));
    if (out === null) return { file: null, bytes: gz.length, data: gz };
    writeFileSync(out, gz, { mode: 0o600, flag: "wx" });
    return { file: path.resolve(out), bytes: gz.length, data: gz };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function snapshotPostgres(deps: Pick<Deps, "db" | "clock">, file: string): number {
  const at = deps.clock.now();
  try {
    copyPostgresIntoSqliteFile(deps.db, file);
  } catch (e) {
    if (e instanceof EngineCopyError) throw new BackupError(`export: ${e.message}.`);
    throw e;
  }
  return at;
}

export interface ImportResult {
  schemaVersion: number;
  users: number;
  keyInstalled: boolean;
}

/**
 * Installs an export into this instance's database: the data folder's SQLite file, or PostgreSQL
 * (DB_CONNECTION_STRING=postgres://…). Into SQLite, the archive's key is used when ENCRYPTION_KEY is not set
 * and no encryption.key exists yet; a different key that is already configured wins (and must open it).
 */
export function importArchive(config: Config, log: Log, archive: string, clock: Clock, actor: Actor, opts: { replace?: boolean } = {}): ImportResult {
  let files: Map<string, Uint8Array>;
  try {
    files = unpackTar(gunzipSync(readFileSync(archive)));
  } catch (e) {
    throw new BackupError(`${archive} is not a Latchkey export (${e instanceof Error ? e.message : String(e)}).`);
  }
  const manifest = files.get("manifest.json");
  const db = files.get("latchkey.db");
  if (!manifest || !db) throw new BackupError(`${archive} is not a Latchkey export (manifest.json or latchkey.db missing).`);
  let parsed: ExportManifest;
  try {
    parsed = JSON.parse(new TextDecoder().decode(manifest)) as ExportManifest;
  } catch {
    throw new BackupError(`${archive}: manifest.json is not valid JSON.`);
  }
  if (parsed.format !== "latchkey-export/1") throw new BackupError(`${archive}: unknown export format ${String(parsed.format)}.`);
  const work = mkdtempSync(path.join(tmpdir(), "latchkey-import-"));
  try {
    const dbFile = path.join(work, "latchkey.db");
    writeFileSync(dbFile, db, { mode: 0o600 });
    if (config.databaseUrl) return importIntoPostgres(config, log, archive, { version: parsed.version, from: parsed.engine ?? "sqlite" }, dbFile, clock, actor, opts.replace === true);
    const keyFile = path.join(config.dataDir, ENCRYPTION_KEY_FILE);
    const key = files.get(ENCRYPTION_KEY_FILE);
    const installKey = key !== undefined && config.encryptionKey === null && !existsSync(keyFile);
    if (installKey) {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(keyFile, key, { mode: 0o600, flag: "wx" });
    }
    try {
      const { check } = restoreBackup(config, log, dbFile, clock, {
        actor,
        change: ({ check }) => ({ entity: "export_archive", action: "import", id: path.basename(archive), changes: { version: parsed.version, schemaVersion: check.schemaVersion, keyInstalled: installKey } }),
      });
      return { ...check, keyInstalled: installKey };
    } catch (e) {
      if (installKey) rmSync(keyFile, { force: true });
      throw e;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The PostgreSQL side of importArchive (ENCRYPTION_KEY is required there, so the archive's key is never installed). */
function importIntoPostgres(
  config: Config,
  log: Log,
  archive: string,
  origin: { version: string; from: string },
  dbFile: string,
  clock: Clock,
  actor: Actor,
  replace: boolean,
): ImportResult {
  const key = resolveEncryptionKey(config, log, cryptoRandom, { databaseInUse: true });
  const check = checkBackupFile(dbFile, key);
  const pg = openConfiguredDatabase(config, log, false);
  let replaced: Record<string, number>;
  try {
    // Replacing the rows under running instances would pull their data away mid-request: they must be stopped.
    acquireMaintenanceLock(pg, redactConnectionString(config.databaseUrl!));
    checkSchemaVersion(pg);
    migrate(pg);
    ({ replaced } = loadSqliteFileIntoPostgres(dbFile, pg, { replace }));
  } catch (e) {
    if (e instanceof EngineCopyError) throw new BackupError(`${archive}: ${e.message}.`);
    throw e;
  } finally {
    pg.close();
  }
  // Proves the key opens the imported database and re-seals old formats, as a start would; then the audit row.
  const imported = openRuntime(config, log, { clock });
  try {
    recordAdminChange(imported, actor, {
      entity: "export_archive",
      action: "import",
      id: path.basename(archive),
      changes: { version: origin.version, schemaVersion: check.schemaVersion, keyInstalled: false, from: origin.from, into: "postgres", replacedRows: Object.values(replaced).reduce((a, b) => a + b, 0) },
    });
  } finally {
    imported.close();
  }
  return { ...check, keyInstalled: false };
}

/**
 * `latchkey import` of Pocket ID's export archive (a ZIP; src/pocket-id/export-archive.ts reads it): the archive is
 * imported as `import-pocket-id` does into a new database in a private folder, sealed with this instance's key, and
 * that database is then installed exactly like a Latchkey export's (the previous SQLite file kept, PostgreSQL
 * refused when it holds data unless --replace, the maintenance lock, ADMIN_CHANGE export_archive import).
 */
export async function importPocketIdArchive(
  config: Config,
  log: Log,
  archive: string,
  clock: Clock,
  actor: Actor,
  opts: { replace?: boolean } = {},
): Promise<ImportResult & { pocketId: PocketIdImportSummary }> {
  const key = resolveEncryptionKey(config, log, cryptoRandom, { databaseInUse: config.databaseUrl !== null || existsSync(config.dbPath) });
  const work = mkdtempSync(path.join(tmpdir(), "latchkey-import-"));
  try {
    const dbFile = path.join(work, "latchkey.db");
    const { importPocketIdInto } = await import("../pocket-id/install.ts");
    const summary = await importPocketIdInto({ ...config, databaseUrl: null, dbPath: dbFile, dataDir: work, encryptionKey: key }, log, archive, { withAuditLog: true });
    const origin = { version: `pocket-id ${summary.source.release}`, from: "pocket-id" };
    if (config.databaseUrl) return { ...importIntoPostgres(config, log, archive, origin, dbFile, clock, actor, opts.replace === true), pocketId: summary };
    const { check } = restoreBackup(config, log, dbFile, clock, {
      actor,
      change: ({ check }) => ({ entity: "export_archive", action: "import", id: path.basename(archive), changes: { version: origin.version, schemaVersion: check.schemaVersion, keyInstalled: false } }),
    });
    return { ...check, keyInstalled: false, pocketId: summary };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
