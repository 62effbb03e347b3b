/**
 * The bench's own handle on a Latchkey database, through Latchkey's `Database` interface
 * (src/db/database.ts), so the same seeding code writes to either engine: a file path opens SQLite
 * (bun:sqlite, as the server does), a postgres:// URL opens src/db/postgres (SQL in SQLite's dialect,
 * rewritten; each statement a round trip, so bulk writes go in multi-row INSERTs: see insertRows).
 */
import { Database as SqliteDatabase } from "bun:sqlite";
import { engineOf, type Database, type SQLQueryBindings } from "../../src/db/database.ts";
import { connectPostgres } from "../../src/db/postgres/open.ts";

export { engineOf, tableExists, type Database, type SQLQueryBindings } from "../../src/db/database.ts";

export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//i.test(target);

export function openBenchDb(target: string): Database {
  if (isPostgresUrl(target)) return connectPostgres(target, { startupTimeoutSeconds: 10, warn: () => {} });
  const db = new SqliteDatabase(target);
  db.exec("PRAGMA busy_timeout = 5000");
  return db as unknown as Database;
}

/**
 * INSERT INTO table (columns) VALUES (…), (…), … in chunks of `perStatement` rows, each chunk one
 * statement: one round trip per chunk on PostgreSQL, one prepared statement per chunk size on SQLite.
 * Call it inside a transaction for one commit.
 */
export function insertRows(db: Database, table: string, columns: string[], rows: SQLQueryBindings[][], perStatement = 500): void {
  const one = `(${columns.map(() => "?").join(", ")})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${chunk.map(() => one).join(", ")}`;
    db.prepare(sql).run(...chunk.flat());
  }
}

/** SQLite-only pragmas (no-ops on PostgreSQL). */
export function sqlitePragmas(db: Database, pragmas: string[]): void {
  if (engineOf(db) !== "sqlite") return;
  for (const p of pragmas) db.exec(`PRAGMA ${p}`);
}
