/**
 * A Pocket ID database on PostgreSQL as an import source (`latchkey import-pocket-id postgres://…`, issue 21).
 * - Every table is read in one read-only snapshot (src/db/pocket-id-postgres.ts) and written, as Pocket ID's SQLite
 *   database holds the same values, into pocket-id.db in a private temporary data folder; the ordinary reader then
 *   opens it with the usual checks (one clean golang-migrate row at a release we know). Pocket ID is only read.
 * - Files: a Pocket ID with FILE_BACKEND=database keeps uploads in the `storage` table, which comes along; uploads on a
 *   file system and v1.x key files are read from Pocket ID's data folder when `dataDir` names it (its uploads/ and
 *   keys/ are linked into the temporary folder, only read); without it they are missing (the import reports them).
 * - The connection string never appears in messages with its password.
 */
import { existsSync, mkdirSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";
import { createExportDatabase, createExportTable, insertExportRows } from "../db/pocket-id-export.ts";
import { readPocketIdPostgres } from "../db/pocket-id-postgres.ts";
import { redactConnectionString } from "../db/postgres/connection-string.ts";
import { connectPostgres, PostgresStartupError } from "../db/postgres/open.ts";
import { PocketIdImportError } from "./source.ts";

/** Copies the Pocket ID PostgreSQL database at `url` into `dir` as a data folder (pocket-id.db). */
export function snapshotPocketIdPostgres(url: string, dir: string, opts: { startupTimeoutSeconds: number; dataDir?: string }): void {
  if (opts.dataDir !== undefined && !(existsSync(opts.dataDir) && statSync(opts.dataDir).isDirectory())) {
    throw new PocketIdImportError(`${opts.dataDir} is not a folder: --data-dir names Pocket ID's data folder (with uploads/ and keys/). Nothing was imported.`);
  }
  let pg;
  try {
    pg = connectPostgres(url, { startupTimeoutSeconds: opts.startupTimeoutSeconds, warn: () => {} });
  } catch (e) {
    if (e instanceof PostgresStartupError) throw new PocketIdImportError(`cannot read the Pocket ID database: ${e.message} Nothing was imported.`);
    throw e;
  }
  let tables;
  try {
    tables = readPocketIdPostgres(pg);
  } catch (e) {
    throw new PocketIdImportError(`cannot read the Pocket ID database at ${redactConnectionString(url)} (${(e as Error).message}). Nothing was imported.`);
  } finally {
    pg.close();
  }
  mkdirSync(dir, { recursive: true });
  const db = createExportDatabase(path.join(dir, "pocket-id.db"));
  try {
    db.transaction(() => {
      for (const t of tables) {
        createExportTable(db, t.name, t.columns);
        insertExportRows(db, t.name, t.columns, t.rows);
      }
    })();
  } finally {
    db.close();
  }
  if (opts.dataDir !== undefined) {
    for (const sub of ["uploads", "keys"]) {
      const from = path.resolve(opts.dataDir, sub);
      if (existsSync(from)) symlinkSync(from, path.join(dir, sub), "dir");
    }
  }
}
