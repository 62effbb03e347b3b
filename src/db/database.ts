/**
 * The one database handle every module above the engine sees.
 *
 * Both engines answer the same synchronous surface — the subset of bun:sqlite's `Database` Latchkey uses:
 * - SQLite is bun:sqlite itself (structurally this interface), with no wrapper on the fast path;
 * - PostgreSQL is `PostgresDatabase` (src/db/postgres/connection.ts): Bun's SQL client on a worker thread,
 *   waited for synchronously, so a transaction stays one uninterrupted run of code on both engines and every
 *   single-use rule checked inside one holds on both (see that file for why, and bench/README.md for the cost).
 * SQL is written once in SQLite's dialect and placeholders (`?`, `?1`, `$name`); src/db/postgres/dialect.ts
 * rewrites it for PostgreSQL. Only modules under src/db/ may hold SQL.
 */
import type { Changes, SQLQueryBindings } from "bun:sqlite";

export type { Changes, SQLQueryBindings };
export type Engine = "sqlite" | "postgres";

export interface Statement<ReturnType = unknown, ParamsType extends SQLQueryBindings[] = any[]> {
  all(...params: ParamsType): ReturnType[];
  get(...params: ParamsType): ReturnType | null;
  run(...params: ParamsType): Changes;
  values(...params: ParamsType): Array<Array<string | bigint | number | Uint8Array | null>>;
  iterate(...params: ParamsType): IterableIterator<ReturnType>;
}

export interface Transaction<A extends any[], T> {
  (...args: A): T;
  deferred: (...args: A) => T;
  immediate: (...args: A) => T;
  exclusive: (...args: A) => T;
}

export interface Database {
  query<ReturnType, ParamsType extends SQLQueryBindings | SQLQueryBindings[]>(
    sql: string,
  ): Statement<ReturnType, ParamsType extends any[] ? ParamsType : [ParamsType]>;
  prepare<ReturnType, ParamsType extends SQLQueryBindings | SQLQueryBindings[]>(
    sql: string,
    params?: ParamsType,
  ): Statement<ReturnType, ParamsType extends any[] ? ParamsType : [ParamsType]>;
  run<ParamsType extends SQLQueryBindings[]>(sql: string, ...bindings: ParamsType[]): Changes;
  exec<ParamsType extends SQLQueryBindings[]>(sql: string, ...bindings: ParamsType[]): Changes;
  transaction<A extends any[], T>(insideTransaction: (...args: A) => T): Transaction<A, T>;
  readonly inTransaction: boolean;
  close(throwOnError?: boolean): void;
}

/** Marks the PostgreSQL handle; SQLite handles are bun:sqlite objects without it. */
export const POSTGRES_ENGINE = Symbol.for("latchkey.db.postgres");

export function engineOf(db: Database): Engine {
  return (db as { [POSTGRES_ENGINE]?: true })[POSTGRES_ENGINE] ? "postgres" : "sqlite";
}

/** True when `table` exists in the database's schema (sqlite_master or PostgreSQL's catalogue). */
export function tableExists(db: Database, table: string): boolean {
  if (engineOf(db) === "postgres") {
    return db.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?").get(table) !== null;
  }
  return db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== null;
}

/** The names of the schema's tables, sorted (SQLite's own sqlite_* tables and PostgreSQL's catalogue left out). */
export function listTables(db: Database): string[] {
  const rows =
    engineOf(db) === "postgres"
      ? db.query<{ name: string }, []>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'").all()
      : db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
  return rows.map((r) => r.name).sort();
}
