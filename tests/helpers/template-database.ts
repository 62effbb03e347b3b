/**
 * A migrated template database, so each test database is a copy instead of fourteen migrations run again.
 * - Once per test process, on first use, a database is opened as the app opens one (src/db/open.ts), migrated
 *   and closed, which checkpoints its WAL into the file; its bytes are kept in memory and the file removed.
 * - Each test database is those bytes written to a new file, then opened with openDatabase as before: the same
 *   schema, user_version and pragmas as a database migrated from scratch (tests/unit/db/migrate.test.ts checks).
 * - Tests of migrations do not use it: they migrate a fresh file themselves.
 */
import type { Database } from "../../src/db/database.ts";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { latestSchemaVersion, migrate, schemaVersion } from "../../src/db/migrate.ts";
import { openDatabase } from "../../src/db/open.ts";

let template: Uint8Array | null = null;

function templateBytes(): Uint8Array {
  if (template) return template;
  const dir = mkdtempSync(path.join(tmpdir(), "latchkey-template-"));
  try {
    const file = path.join(dir, "template.db");
    const db = openDatabase(file);
    migrate(db);
    db.close();
    // Closing the last connection folds the WAL into the file; a WAL left behind would hold part of the schema.
    if (existsSync(`${file}-wal`)) throw new Error("the template database kept its WAL after closing");
    template = readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return template;
}

/** Creates `file` as a copy of the migrated template (never over an existing file) and opens it. */
export function openMigratedDatabase(file: string): Database {
  writeFileSync(file, templateBytes(), { flag: "wx" });
  const db = openDatabase(file);
  const version = schemaVersion(db);
  if (version !== latestSchemaVersion()) {
    db.close();
    throw new Error(`the template database is at schema version ${version}, not ${latestSchemaVersion()}`);
  }
  return db;
}
