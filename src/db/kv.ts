import type { Database } from "./database.ts";

export function getKv(db: Database, key: string): string | null {
  return db.query<{ value: string }, [string]>("SELECT value FROM kv WHERE key = ?").get(key)?.value ?? null;
}

export function setKv(db: Database, key: string, value: string): void {
  db.query("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
}

/** Inserts only when absent; returns the stored value (ours or the one that was already there). */
export function insertKvIfAbsent(db: Database, key: string, value: string): string {
  db.query("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING").run(key, value);
  return getKv(db, key)!;
}

export function deleteKv(db: Database, key: string): void {
  db.query("DELETE FROM kv WHERE key = ?").run(key);
}
