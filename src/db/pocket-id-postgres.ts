/**
 * SQL that reads a Pocket ID database on PostgreSQL (import-pocket-id postgres://…). Pocket ID keeps the same
 * tables there with PostgreSQL's types (timestamptz, boolean, uuid, jsonb, bytea, citext, inet); each column is
 * read as Pocket ID's SQLite database holds it, so the ordinary reader (src/db/pocket-id-source.ts) and its checks
 * then read a private SQLite copy:
 * - times as Unix seconds (the Francis actor store's expiration time in milliseconds, as SQLite keeps it);
 * - booleans as 1/0; bytea as bytes; integers as numbers; everything else (uuid, citext, inet, jsonb…) as text.
 * - Every table is read in one READ ONLY, REPEATABLE READ transaction: one consistent snapshot of a Pocket ID
 *   that may still be running. Nothing is written.
 */
import type { Database } from "./database.ts";

export type PocketIdPostgresValue = string | number | Uint8Array | null;
export interface PocketIdPostgresTable {
  name: string;
  columns: string[];
  rows: PocketIdPostgresValue[][];
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
/** Columns Pocket ID's SQLite database keeps in milliseconds rather than seconds. */
const MILLISECOND_TIMES = new Set(["francis_actor_state.actor_state_expiration_time"]);

function readExpression(table: string, column: string, type: string): string {
  const c = quote(column);
  if (type === "timestamp with time zone" || type === "timestamp without time zone" || type === "date") {
    const scale = MILLISECOND_TIMES.has(`${table}.${column}`) ? " * 1000" : "";
    return `CAST(FLOOR(EXTRACT(EPOCH FROM ${c})${scale}) AS BIGINT)`;
  }
  if (type === "boolean") return `CASE WHEN ${c} THEN 1 WHEN NOT ${c} THEN 0 END`;
  if (type === "bytea" || type === "smallint" || type === "integer" || type === "bigint") return c;
  return `CAST(${c} AS TEXT)`;
}

/** Every table of the current schema (golang-migrate's schema_migrations included), read from one snapshot. */
export function readPocketIdPostgres(pg: Database): PocketIdPostgresTable[] {
  return pg.transaction(() => {
    pg.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    const columns = pg
      .query<{ t: string; c: string; type: string }, []>(
        "SELECT c.table_name AS t, c.column_name AS c, c.data_type AS type FROM information_schema.columns c JOIN information_schema.tables t " +
          "ON t.table_schema = c.table_schema AND t.table_name = c.table_name WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' " +
          "ORDER BY c.table_name, c.ordinal_position",
      )
      .all();
    const tables = new Map<string, { c: string; type: string }[]>();
    for (const r of columns) tables.set(r.t, [...(tables.get(r.t) ?? []), { c: r.c, type: r.type }]);
    return [...tables].map(([name, cols]) => ({
      name,
      columns: cols.map((x) => x.c),
      rows: pg
        // Each expression named after its column: the rows come back as objects, so names must not repeat.
        .query<unknown, []>(`SELECT ${cols.map((x) => `${readExpression(name, x.c, x.type)} AS ${quote(x.c)}`).join(", ")} FROM ${quote(name)}`)
        .values()
        .map((r) => r.map((v) => (typeof v === "bigint" ? Number(v) : v)) as PocketIdPostgresValue[]),
    }));
  })();
}
