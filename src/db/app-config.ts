import type { Database } from "./database.ts";

export function listAppConfigEntries(db: Database): { key: string; value: string }[] {
  return db.query<{ key: string; value: string }, []>("SELECT key, value FROM app_config").all();
}

export function upsertAppConfigEntries(db: Database, rows: { key: string; value: string }[], now: number): void {
  const stmt = db.query("INSERT INTO app_config (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
  db.transaction(() => {
    for (const r of rows) stmt.run(r.key, r.value, now);
  }).immediate();
}

export function deleteAppConfigEntry(db: Database, key: string): void {
  db.query("DELETE FROM app_config WHERE key = ?").run(key);
}
