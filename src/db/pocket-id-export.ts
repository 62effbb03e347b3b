/**
 * SQL that turns Pocket ID's export archive (database.json, francis.bin) back into a SQLite file with the tables and
 * columns the archive names, so src/db/pocket-id-source.ts reads it like a live Pocket ID database. The file is a
 * private temporary one (src/pocket-id/export-archive.ts); names are checked there before they reach this SQL.
 */
import { Database } from "bun:sqlite";

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function createExportDatabase(file: string): Database {
  const db = new Database(file, { create: true });
  db.exec("PRAGMA journal_mode = DELETE");
  return db;
}

/** A table with untyped columns: values keep the storage class they are inserted with. */
export function createExportTable(db: Database, table: string, columns: string[]): void {
  db.exec(`CREATE TABLE ${quote(table)} (${columns.map(quote).join(", ")})`);
}

export function insertExportRows(db: Database, table: string, columns: string[], rows: (string | number | Uint8Array | null)[][]): void {
  const stmt = db.prepare(`INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
  for (const r of rows) stmt.run(...r);
}

export function writeExportMigrationState(db: Database, version: number): void {
  db.exec("CREATE TABLE schema_migrations (version uint64, dirty bool)");
  db.query("INSERT INTO schema_migrations (version, dirty) VALUES (?, 0)").run(version);
}

export function writeExportActorStates(db: Database, states: { actorType: string; actorId: string; data: Uint8Array; expirationMs: number | null }[]): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS francis_actor_state (actor_type text NOT NULL, actor_id text NOT NULL, actor_state_data blob NOT NULL, actor_state_expiration_time integer, PRIMARY KEY (actor_type, actor_id))",
  );
  const stmt = db.prepare("INSERT OR REPLACE INTO francis_actor_state (actor_type, actor_id, actor_state_data, actor_state_expiration_time) VALUES (?, ?, ?, ?)");
  for (const s of states) stmt.run(s.actorType, s.actorId, s.data, s.expirationMs);
}
