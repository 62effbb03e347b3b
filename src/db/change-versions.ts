/**
 * Version counters of data every instance caches (migration 0017): bumped by triggers in the same transaction as
 * every change, so a cache compares one integer, read at most once a second, instead of reloading its rows. Works
 * the same for another process on the same SQLite file and for another instance on the same PostgreSQL database.
 */
import type { Database } from "./database.ts";

/** The names of the counters (rows of change_versions). */
export type ChangeVersionName = "signing_keys" | "app_config";

export function readChangeVersion(db: Database, name: ChangeVersionName): number {
  const row = db.query<{ version: number | bigint }, [string]>("SELECT version FROM change_versions WHERE name = ?").get(name);
  // A missing row (a database restored from before 0017 is migrated first, so only a hand-edited one) reads as
  // -1: a value no bump produces, so the cache keeps reloading rather than trusting a stale set.
  return row ? Number(row.version) : -1;
}
