/**
 * Switching from Pocket ID by changing only the binary (issue 18): where the databases are, and running an import
 * against Latchkey's database.
 * - `data/pocket-id.db` next to where Latchkey's database would be, or DB_CONNECTION_STRING naming a Pocket ID
 *   database (then Latchkey keeps its own `latchkey.db` beside it and never opens Pocket ID's file in place).
 * - Into a Latchkey database that does not exist yet, the import is written to a staging file that becomes the
 *   database only once everything is in: a failed or refused import leaves no Latchkey database behind, so the
 *   next start tries again, and a successful one means the next start finds a database and imports nothing.
 * - Pocket ID's export archive (a ZIP, v2.0+) is unpacked into a temporary data folder first (export-archive.ts).
 * - A Pocket ID database on PostgreSQL (a postgres:// target) is read in one snapshot into a temporary data folder
 *   first (postgres-source.ts); --data-dir names Pocket ID's data folder for the files it keeps on disk.
 * - A dry run works on a copy of Latchkey's database (or a new temporary one): nothing of it is kept.
 */
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Config } from "../config.ts";
import type { Log } from "../lib/log.ts";
import { cryptoRandom } from "../lib/random.ts";
import { openRuntime, resolveEncryptionKey } from "../runtime.ts";
import { importPocketId, type PocketIdImportOptions, type PocketIdImportSummary } from "./importer.ts";
import { openPocketIdSource, PocketIdImportError } from "./source.ts";
import { isPostgresConnectionString, redactConnectionString } from "../db/postgres/connection-string.ts";

const SIDE_FILES = ["", "-wal", "-shm"];

function removeDatabaseFiles(file: string): void {
  for (const s of SIDE_FILES) rmSync(file + s, { force: true });
}

/** A ZIP archive (local file header magic "PK\x03\x04")? */
export function isZipFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    const fd = openSync(file, "r");
    try {
      const magic = Buffer.alloc(4);
      return readSync(fd, magic, 0, 4, 0) === 4 && magic.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * Imports `target` (a Pocket ID data folder, its database file, Pocket ID's export archive, or a postgres:// connection
 * string of a Pocket ID database on PostgreSQL) into the Latchkey
 * database of `config`.
 */
export async function importPocketIdInto(
  config: Config,
  log: Log,
  target: string,
  opts: Omit<PocketIdImportOptions, "encryptionKey">,
  where: { dataDir?: string } = {},
): Promise<PocketIdImportSummary> {
  if (isPostgresConnectionString(target)) {
    const tmp = mkdtempSync(path.join(tmpdir(), "latchkey-pocket-id-postgres-"));
    const shown = redactConnectionString(target);
    try {
      const { snapshotPocketIdPostgres } = await import("./postgres-source.ts");
      snapshotPocketIdPostgres(target, tmp, { startupTimeoutSeconds: config.databaseStartupTimeoutSeconds, dataDir: where.dataDir });
      const summary = await importFromDataFolder(config, log, tmp, opts);
      return { ...summary, source: { ...summary.source, dbFile: shown } };
    } catch (e) {
      // The reader names the private copy; the person gave a connection string.
      if (e instanceof PocketIdImportError) throw new PocketIdImportError(e.message.replaceAll(path.join(tmp, "pocket-id.db"), shown));
      throw e;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (where.dataDir !== undefined) throw new PocketIdImportError("--data-dir goes with a postgres:// source only: a data folder, database file or export archive brings its own files.");
  if (isZipFile(target)) {
    const tmp = mkdtempSync(path.join(tmpdir(), "latchkey-pocket-id-export-"));
    try {
      const { unpackPocketIdExport } = await import("./export-archive.ts");
      await unpackPocketIdExport(target, tmp);
      const summary = await importFromDataFolder(config, log, tmp, opts);
      return { ...summary, source: { ...summary.source, dbFile: target } };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return importFromDataFolder(config, log, target, opts);
}

async function importFromDataFolder(
  config: Config,
  log: Log,
  target: string,
  opts: Omit<PocketIdImportOptions, "encryptionKey">,
): Promise<PocketIdImportSummary> {
  const source = openPocketIdSource(target);
  try {
    const importOpts: PocketIdImportOptions = { encryptionKey: config.pocketIdEncryptionKey, auditRetentionDays: config.auditLogRetentionDays, ...opts };
    if (opts.dryRun) {
      const tmp = mkdtempSync(path.join(tmpdir(), "latchkey-dry-run-"));
      try {
        const copy = path.join(tmp, "latchkey.db");
        if (existsSync(config.dbPath)) for (const s of SIDE_FILES) if (existsSync(config.dbPath + s)) copyFileSync(config.dbPath + s, copy + s);
        // The copy opens with the key of the real database (a generated one is read from the data folder, never made).
        const key = config.encryptionKey ?? (existsSync(config.dbPath) ? resolveEncryptionKey(config, log, cryptoRandom, { databaseInUse: true }) : cryptoRandom.bytes(32));
        const runtime = openRuntime({ ...config, dbPath: copy, dataDir: tmp, encryptionKey: key }, log);
        try {
          return await importPocketId(runtime, source, importOpts);
        } finally {
          runtime.close();
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    if (existsSync(config.dbPath)) {
      const runtime = openRuntime(config, log);
      try {
        return await importPocketId(runtime, source, importOpts);
      } finally {
        runtime.close();
      }
    }
    const staging = `${config.dbPath}.pocket-id-import`;
    removeDatabaseFiles(staging);
    try {
      const runtime = openRuntime({ ...config, dbPath: staging }, log);
      let summary: PocketIdImportSummary;
      try {
        summary = await importPocketId(runtime, source, importOpts);
      } finally {
        runtime.close(); // the last connection's close checkpoints the WAL into the file
      }
      for (const s of SIDE_FILES) if (existsSync(staging + s)) renameSync(staging + s, config.dbPath + s);
      return summary;
    } catch (e) {
      removeDatabaseFiles(staging);
      throw e;
    }
  } finally {
    source.close();
  }
}
