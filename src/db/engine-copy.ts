/**
 * Moving a whole instance between engines (`latchkey export` / `latchkey import`, issue 21).
 * The archive's database is always an SQLite file: a portable container both engines read, so archives from
 * either engine (and every archive written before PostgreSQL existed) import into either engine.
 * - The tables to carry are those of the migrated SQLite schema (sqlite_* bookkeeping aside); PostgreSQL's must
 *   be the same tables with the same columns (its own latchkey_schema aside), or the copy is refused naming them.
 * - Rows are copied column by column as the engines return them (numbers, text, bytes), so sealed values, hashes
 *   and blobs arrive byte for byte.
 * - Order: each table after the tables its foreign keys name (PostgreSQL checks them per statement), and
 *   change_versions last (inserting a signing key bumps its row through a trigger, so its copied value must
 *   land after the keys).
 * - From PostgreSQL: one READ ONLY, REPEATABLE READ transaction, so every table is read from one snapshot even
 *   while instances keep writing (READ COMMITTED, the default, would see each statement's own snapshot).
 * - Into PostgreSQL: one transaction; a target that already holds data is refused unless `replace` says to
 *   empty it (TRUNCATE of every table at once: no row triggers fire, no foreign key is left dangling); identity
 *   sequences are moved past the ids inserted explicitly.
 */
import { Database as SqliteDatabase } from "bun:sqlite";
import { engineOf, type Database } from "./database.ts";
import { MIGRATIONS, migrate, schemaVersion } from "./migrate.ts";

export class EngineCopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EngineCopyError";
  }
}

export interface DataTable {
  name: string;
  columns: string[];
}

/** Written by triggers while other tables are loaded: copied after everything else. */
const LOADED_LAST = ["change_versions"];
/** Rows an instance writes on its own before anyone uses it (or that only pace requests): not "data" when deciding whether a target is empty. */
const NOT_DATA = new Set(["change_versions", "job_runs", "rate_limit_buckets", "kv"]);
/** PostgreSQL's schema-version bookkeeping (SQLite keeps it in PRAGMA user_version). */
const POSTGRES_BOOKKEEPING = "latchkey_schema";
/** Rows per INSERT statement: one round trip each on PostgreSQL, well under both engines' parameter limits. */
const MAX_PARAMS_PER_INSERT = 8000;

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** The data tables of an SQLite database, in load order (see the header), with their columns. */
export function sqliteDataTables(db: Database): DataTable[] {
  const names = db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .all()
    .map((r) => r.name);
  const parents = new Map<string, Set<string>>();
  for (const n of names) {
    const refs = db.query<{ parent: string }, [string]>('SELECT "table" AS parent FROM pragma_foreign_key_list(?)').all(n).map((r) => r.parent);
    parents.set(n, new Set(refs.filter((p) => p !== n && names.includes(p))));
  }
  const ordered: string[] = [];
  const placed = new Set<string>();
  const pending = names.filter((n) => !LOADED_LAST.includes(n));
  while (pending.length > 0) {
    const i = pending.findIndex((n) => [...parents.get(n)!].every((p) => placed.has(p) || LOADED_LAST.includes(p)));
    if (i < 0) throw new EngineCopyError(`the foreign keys of ${pending.join(", ")} form a cycle; they cannot be loaded in order`);
    const [n] = pending.splice(i, 1);
    ordered.push(n!);
    placed.add(n!);
  }
  ordered.push(...LOADED_LAST.filter((n) => names.includes(n)));
  return ordered.map((name) => ({
    name,
    columns: db.query<{ name: string }, [string]>("SELECT name FROM pragma_table_info(?) ORDER BY cid").all(name).map((r) => r.name),
  }));
}

/** Refuses a PostgreSQL database whose tables or columns differ from `tables` (naming the first differences). */
function checkPostgresTables(pg: Database, tables: DataTable[]): void {
  const rows = pg
    .query<{ t: string; c: string }, []>(
      "SELECT c.table_name AS t, c.column_name AS c FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name " +
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position",
    )
    .all();
  const pgTables = new Map<string, string[]>();
  for (const r of rows) if (r.t !== POSTGRES_BOOKKEEPING) pgTables.set(r.t, [...(pgTables.get(r.t) ?? []), r.c]);
  const problems: string[] = [];
  for (const t of tables) {
    const cols = pgTables.get(t.name);
    if (!cols) problems.push(`table ${t.name} is missing in PostgreSQL`);
    else if ([...cols].sort().join(",") !== [...t.columns].sort().join(",")) problems.push(`table ${t.name} has columns (${cols.join(", ")}) in PostgreSQL but (${t.columns.join(", ")}) in SQLite`);
  }
  for (const name of pgTables.keys()) if (!tables.some((t) => t.name === name)) problems.push(`table ${name} exists only in PostgreSQL`);
  if (problems.length > 0) throw new EngineCopyError(`the two schemas differ: ${problems.slice(0, 5).join("; ")}`);
}

function copyTable(source: Database, target: Database, table: DataTable): number {
  const cols = table.columns.map(quote).join(", ");
  const rows = source.query<unknown, []>(`SELECT ${cols} FROM ${quote(table.name)}`).values();
  const perInsert = Math.max(1, Math.floor(MAX_PARAMS_PER_INSERT / table.columns.length));
  const tuple = `(${table.columns.map(() => "?").join(", ")})`;
  for (let i = 0; i < rows.length; i += perInsert) {
    const batch = rows.slice(i, i + perInsert);
    target.query(`INSERT INTO ${quote(table.name)} (${cols}) VALUES ${batch.map(() => tuple).join(", ")}`).run(...(batch.flat() as never[]));
  }
  return rows.length;
}

/** Row counts of the tables that hold data (see NOT_DATA), only those with rows. */
function dataRowCounts(db: Database, tables: DataTable[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    if (NOT_DATA.has(t.name)) continue;
    const n = db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${quote(t.name)}`).get()!.n;
    if (Number(n) > 0) counts[t.name] = Number(n);
  }
  return counts;
}

/**
 * Writes a consistent copy of a PostgreSQL database into a new SQLite file (migrated to the same schema
 * version), read in one snapshot. Returns the rows copied per table.
 */
export function copyPostgresIntoSqliteFile(pg: Database, file: string): Record<string, number> {
  if (engineOf(pg) !== "postgres") throw new EngineCopyError("the source is not a PostgreSQL database");
  const target = new SqliteDatabase(file, { create: true, readwrite: true, strict: true });
  try {
    migrate(target, MIGRATIONS);
    const copied: Record<string, number> = {};
    pg.transaction(() => {
      // The first statement of the transaction: every read below sees this one snapshot.
      pg.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      const version = schemaVersion(pg);
      if (version !== schemaVersion(target)) {
        throw new EngineCopyError(`the PostgreSQL database is at schema version ${version}, this Latchkey writes ${schemaVersion(target)}; start this version on it once to migrate it first`);
      }
      const tables = sqliteDataTables(target);
      checkPostgresTables(pg, tables);
      target.transaction(() => {
        for (const t of tables) target.exec(`DELETE FROM ${quote(t.name)}`); // the rows migrations seed
        for (const t of tables) copied[t.name] = copyTable(pg, target, t);
      })();
    })();
    return copied;
  } finally {
    target.close();
  }
}

/**
 * Loads an SQLite database file (an export's, already checked) into a migrated PostgreSQL database, in one
 * transaction. The file is migrated first (an archive from an older version), so it must be a private copy.
 * A target holding data is refused unless `replace`.
 */
export function loadSqliteFileIntoPostgres(file: string, pg: Database, opts: { replace: boolean }): { copied: Record<string, number>; replaced: Record<string, number> } {
  if (engineOf(pg) !== "postgres") throw new EngineCopyError("the target is not a PostgreSQL database");
  const source = new SqliteDatabase(file, { readwrite: true, strict: true });
  try {
    migrate(source, MIGRATIONS);
    const tables = sqliteDataTables(source);
    return pg.transaction(() => {
      const version = schemaVersion(pg);
      if (version !== schemaVersion(source)) {
        throw new EngineCopyError(`the PostgreSQL database is at schema version ${version} but the archive migrates to ${schemaVersion(source)}`);
      }
      checkPostgresTables(pg, tables);
      const existing = dataRowCounts(pg, tables);
      if (Object.keys(existing).length > 0 && !opts.replace) {
        const what = Object.entries(existing).map(([t, n]) => `${t}: ${n}`).join(", ");
        throw new EngineCopyError(`the PostgreSQL database already holds data (${what}); nothing was changed. Import into an empty database, or pass --replace to delete everything in it first (stop every instance and take a pg_dump before)`);
      }
      pg.exec(`TRUNCATE ${tables.map((t) => quote(t.name)).join(", ")}`);
      const copied: Record<string, number> = {};
      for (const t of tables) copied[t.name] = copyTable(source, pg, t);
      resetIdentitySequences(pg);
      return { copied, replaced: existing };
    })();
  } finally {
    source.close();
  }
}

/** Moves every identity column's sequence past the largest id present (rows inserted with explicit ids do not advance it). */
function resetIdentitySequences(pg: Database): void {
  const identities = pg
    .query<{ t: string; c: string }, []>("SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'")
    .all();
  for (const { t, c } of identities) {
    pg.query(`SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX(${quote(c)}) FROM ${quote(t)}), 0) + 1, false)`).get(quote(t), c);
  }
}

/** Every row of every data table, columns in `tables`' order (rows in no particular order), for comparing two databases. */
export function readAllRows(db: Database, tables: DataTable[]): Record<string, unknown[][]> {
  const out: Record<string, unknown[][]> = {};
  for (const t of tables) out[t.name] = db.query<unknown, []>(`SELECT ${t.columns.map(quote).join(", ")} FROM ${quote(t.name)}`).values();
  return out;
}
