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
import { latestSchemaVersion, migrate, POSTGRES_MIGRATIONS, schemaVersion } from "../../src/db/migrate.ts";
import { PostgresDatabase } from "../../src/db/postgres/connection.ts";
import { openDatabase } from "../../src/db/open.ts";

let template: Uint8Array | null = null;

/**
 * The engine tests run on: SQLite unless LATCHKEY_TEST_ENGINE=postgres, which tests/run.sh sets for its second
 * pass (the storage suite, the OIDC flows and the browser sign-in against a real PostgreSQL that
 * tests/helpers/preload.ts starts: LATCHKEY_TEST_PG_URL names its maintenance database).
 */
export function testEngine(): "sqlite" | "postgres" {
  return process.env.LATCHKEY_TEST_ENGINE === "postgres" ? "postgres" : "sqlite";
}

let pgAdmin: PostgresDatabase | null = null;
const pgUrlOf = new WeakMap<Database, string>();

/** The URL of a PostgreSQL test database handed out here; null for SQLite. */
export function postgresUrlOf(db: Database): string | null {
  return pgUrlOf.get(db) ?? null;
}

/**
 * Another connection to the same test database, as a second instance would open it: the same SQLite file
 * (`file`), or the same PostgreSQL database as `db`.
 */
export function openAnotherConnection(db: Database, file: string): Database {
  const url = pgUrlOf.get(db);
  if (url) return new PostgresDatabase(url);
  return openDatabase(file);
}
let pgTemplateReady = false;
let pgDatabases = 0;
const PG_TEMPLATE = "latchkey_template";

function pgUrl(database: string): string {
  const base = process.env.LATCHKEY_TEST_PG_URL;
  if (!base) throw new Error("LATCHKEY_TEST_ENGINE=postgres needs LATCHKEY_TEST_PG_URL (set by tests/helpers/preload.ts)");
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A new PostgreSQL database copied from a migrated template (CREATE DATABASE … TEMPLATE), connected. */
function openMigratedPostgres(): Database {
  pgAdmin ??= new PostgresDatabase(pgUrl("postgres"));
  if (!pgTemplateReady) {
    pgAdmin.exec(`DROP DATABASE IF EXISTS ${PG_TEMPLATE}`);
    pgAdmin.exec(`CREATE DATABASE ${PG_TEMPLATE}`);
    const template = new PostgresDatabase(pgUrl(PG_TEMPLATE));
    migrate(template);
    template.close();
    pgTemplateReady = true;
  }
  const name = `t${process.pid}_${++pgDatabases}_${Math.random().toString(36).slice(2, 8)}`;
  pgAdmin.exec(`CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE}`);
  const db = new PostgresDatabase(pgUrl(name));
  pgUrlOf.set(db, pgUrl(name));
  const version = schemaVersion(db);
  if (version !== latestSchemaVersion(POSTGRES_MIGRATIONS)) {
    db.close();
    throw new Error(`the PostgreSQL template is at schema version ${version}, not ${latestSchemaVersion(POSTGRES_MIGRATIONS)}`);
  }
  return db;
}

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
  if (testEngine() === "postgres") return openMigratedPostgres();
  return openMigratedSqliteDatabase(file);
}

/** The SQLite copy whatever the pass (tests about SQLite itself: its template, its schema next to PostgreSQL's). */
export function openMigratedSqliteDatabase(file: string): Database {
  writeFileSync(file, templateBytes(), { flag: "wx" });
  const db = openDatabase(file);
  const version = schemaVersion(db);
  if (version !== latestSchemaVersion()) {
    db.close();
    throw new Error(`the template database is at schema version ${version}, not ${latestSchemaVersion()}`);
  }
  return db;
}
