/**
 * The Pocket ID reader's schema probes answer on both engines: `tableExists` and `hasColumn` read SQLite's
 * catalogue or PostgreSQL's information_schema (a Pocket ID database on PostgreSQL has the same tables).
 */
import { afterAll, expect, test } from "bun:test";
import { Database as SqliteDatabase } from "bun:sqlite";
import type { Database } from "../../../src/db/database.ts";
import { hasColumn, tableExists } from "../../../src/db/pocket-id-source.ts";
import { connectPostgres } from "../../../src/db/postgres/open.ts";
import { sharedPostgres } from "../../helpers/postgres.ts";

const open: Database[] = [];
afterAll(() => {
  for (const db of open) db.close();
});

const DDL = "CREATE TABLE users (id TEXT PRIMARY KEY, created_at TEXT, disabled BOOLEAN)";

async function engines(): Promise<[string, Database][]> {
  const sqlite = new SqliteDatabase(":memory:") as unknown as Database;
  const pg = connectPostgres(await (await sharedPostgres()).createDatabase(), { startupTimeoutSeconds: 5, warn: () => {} });
  open.push(sqlite, pg);
  for (const db of [sqlite, pg]) db.exec(DDL);
  return [
    ["sqlite", sqlite],
    ["postgres", pg],
  ];
}

test("hasColumn and tableExists: a present column, an absent column, an absent table, on both engines", async () => {
  for (const [engine, db] of await engines()) {
    expect([engine, tableExists(db, "users"), tableExists(db, "oauth2_sessions")]).toEqual([engine, true, false]);
    expect([engine, hasColumn(db, "users", "disabled"), hasColumn(db, "users", "locale"), hasColumn(db, "oauth2_sessions", "key")]).toEqual([engine, true, false, false]);
  }
});
