/**
 * src/db/migrations/postgres/ (0015_schema.sql, then each later migration under its SQLite number) is the migrated
 * SQLite schema (tests/helpers/template-database.ts) expressed for PostgreSQL. Compared table by table on a real PostgreSQL (tests/helpers/postgres.ts):
 * - the same tables, and in each the same columns in the same order;
 * - type families (INTEGER ~ bigint, TEXT ~ text, BLOB ~ bytea, REAL ~ double precision), nullability (a primary
 *   key column is NOT NULL on PostgreSQL), defaults, and SQLite's rowid alias as an identity column;
 * - primary keys, UNIQUE constraints (a COLLATE NOCASE one as a unique index on lower(column)), foreign keys with
 *   their ON DELETE and ON UPDATE, the number of CHECK constraints;
 * - every named index: its name, uniqueness, key columns (an index on `col COLLATE NOCASE` as one on lower(col)),
 *   and partial predicate; and the triggers, by name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import path from "node:path";
import type { Database } from "../../../src/db/database.ts";
import { POSTGRES_MIGRATIONS } from "../../../src/db/migrate.ts";
import { sharedPostgres, type PgServer } from "../../helpers/postgres.ts";
import { openMigratedSqliteDatabase as openMigratedDatabase } from "../../helpers/template-database.ts";
import { makeTempDir } from "../../helpers/test-deps.ts";

interface Column {
  name: string;
  /** bigint | text | bytea | double precision */
  type: string;
  notNull: boolean;
  default: string | null;
  identity: boolean;
}
interface Index {
  unique: boolean;
  /** Key columns: a column name, lower(name), or <expression>. */
  keys: string[];
  /** The partial index's predicate, normalised; null when not partial. */
  where: string | null;
}
interface Table {
  columns: Column[];
  primaryKey: string[];
  /** Each UNIQUE constraint's columns, as "a,b" or "lower(a)", sorted. */
  unique: string[];
  /** "from -> table(to) ON DELETE x ON UPDATE y", sorted. */
  foreignKeys: string[];
  checks: number;
  indexes: Record<string, Index>;
}
interface Schema {
  tables: Record<string, Table>;
  triggers: string[];
}

const SQLITE_TYPES: Record<string, string> = { INTEGER: "bigint", TEXT: "text", BLOB: "bytea", REAL: "double precision" };
const PG_ACTIONS: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

/** Parentheses, case and spacing differ between the two engines' renderings of a predicate. */
function normalisePredicate(p: string): string {
  return p.replace(/[()]/g, "").replace(/\s+/g, " ").trim().toLowerCase();
}

function sqliteSchema(db: Database): Schema {
  const tables: Record<string, Table> = {};
  const names = db
    .query<{ name: string; sql: string }, []>("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all();
  for (const { name, sql } of names) {
    const info = db
      .query<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }, []>(`PRAGMA table_info("${name}")`)
      .all();
    const pkColumns = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    // A single INTEGER PRIMARY KEY column is SQLite's rowid alias: numbered by the database when left out.
    const rowidAlias = pkColumns.length === 1 && pkColumns[0]!.type === "INTEGER" ? pkColumns[0]!.name : null;
    const columns = info.map((c) => ({
      name: c.name,
      type: SQLITE_TYPES[c.type] ?? `unknown SQLite type ${c.type}`,
      // A primary key column is NOT NULL on PostgreSQL; SQLite admits NULL in one unless it says NOT NULL.
      notNull: c.notnull === 1 || c.pk > 0,
      default: c.dflt_value,
      identity: c.name === rowidAlias,
    }));
    const keysOf = (index: string) =>
      db
        .query<{ name: string | null; coll: string; key: number }, []>(`PRAGMA index_xinfo("${index}")`)
        .all()
        .filter((k) => k.key === 1)
        .map((k) => (k.name === null ? "<expression>" : k.coll === "NOCASE" ? `lower(${k.name})` : k.name));
    const unique: string[] = [];
    const indexes: Record<string, Index> = {};
    for (const ix of db.query<{ name: string; unique: number; origin: string; partial: number }, []>(`PRAGMA index_list("${name}")`).all()) {
      if (ix.origin === "u") unique.push(keysOf(ix.name).join(","));
      if (ix.origin !== "c") continue;
      const def = db.query<{ sql: string }, [string]>("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").get(ix.name)!.sql;
      const where = /\bWHERE\b([\s\S]*)$/i.exec(def);
      indexes[ix.name] = { unique: ix.unique === 1, keys: keysOf(ix.name), where: ix.partial === 1 && where ? normalisePredicate(where[1]!) : null };
    }
    const foreignKeys = db
      .query<{ table: string; from: string; to: string; on_delete: string; on_update: string }, []>(`PRAGMA foreign_key_list("${name}")`)
      .all()
      .map((f) => `${f.from} -> ${f.table}(${f.to}) ON DELETE ${f.on_delete} ON UPDATE ${f.on_update}`);
    tables[name] = {
      columns,
      primaryKey: pkColumns.map((c) => c.name),
      unique: unique.sort(),
      foreignKeys: foreignKeys.sort(),
      checks: (sql.match(/\bCHECK\s*\(/gi) ?? []).length,
      indexes,
    };
  }
  const triggers = db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    .all()
    .map((t) => t.name);
  return { tables, triggers };
}

async function postgresSchema(sql: SQL): Promise<Schema> {
  const tables: Record<string, Table> = {};
  const tableRows: { table_name: string }[] = await sql`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
  for (const { table_name: name } of tableRows) {
    const cols: { column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_identity: string }[] = await sql`
      SELECT column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ${name} ORDER BY ordinal_position`;
    const columns = cols.map((c) => ({
      name: c.column_name,
      type: c.data_type,
      notNull: c.is_nullable === "NO",
      // '[]'::text -> '[]'
      default: c.column_default === null ? null : c.column_default.replace(/::(text|bigint|bytea|double precision)$/, ""),
      identity: c.is_identity === "YES",
    }));
    const constraints: { contype: string; cols: string[]; ftable: string | null; fcols: string[] | null; ondelete: string; onupdate: string; index: string | null }[] = await sql`
      SELECT c.contype,
             ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
             c.confrelid::regclass::text AS ftable,
             ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS fcols,
             c.confdeltype AS ondelete, c.confupdtype AS onupdate, c.conindid::regclass::text AS index
      FROM pg_constraint c WHERE c.conrelid = ${name}::regclass ORDER BY c.conname`;
    const constraintIndexes = new Set(constraints.filter((c) => c.contype === "p" || c.contype === "u").map((c) => c.index));
    const indexRows: { name: string; unique: boolean; keys: string[]; predicate: string | null }[] = await sql`
      SELECT i.indexrelid::regclass::text AS name, i.indisunique AS unique,
             ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k) AS keys,
             pg_get_expr(i.indpred, i.indrelid, true) AS predicate
      FROM pg_index i WHERE i.indrelid = ${name}::regclass ORDER BY 1`;
    const unique = constraints.filter((c) => c.contype === "u").map((c) => c.cols.join(","));
    const indexes: Record<string, Index> = {};
    for (const ix of indexRows) {
      if (constraintIndexes.has(ix.name)) continue;
      const keys = ix.keys.map((k) => (/^\w+$/.test(k) ? k : /^lower\((\w+)\)$/.test(k) ? k : "<expression>"));
      // The stand-in for a COLLATE NOCASE UNIQUE column: a unique index on lower(column) named as PostgreSQL names
      // a UNIQUE constraint.
      if (ix.unique && ix.predicate === null && keys.length === 1 && ix.name === `${name}_${/^lower\((\w+)\)$/.exec(keys[0]!)?.[1]}_key`) {
        unique.push(keys[0]!);
        continue;
      }
      indexes[ix.name] = { unique: ix.unique, keys, where: ix.predicate === null ? null : normalisePredicate(ix.predicate) };
    }
    const pk = constraints.find((c) => c.contype === "p");
    tables[name] = {
      columns,
      primaryKey: pk ? pk.cols : [],
      unique: unique.sort(),
      foreignKeys: constraints
        .filter((c) => c.contype === "f")
        .map((c) => `${c.cols.join(",")} -> ${c.ftable}(${c.fcols!.join(",")}) ON DELETE ${PG_ACTIONS[c.ondelete]} ON UPDATE ${PG_ACTIONS[c.onupdate]}`)
        .sort(),
      checks: constraints.filter((c) => c.contype === "c").length,
      indexes,
    };
  }
  const triggers: { tgname: string }[] = await sql`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`;
  return { tables, triggers: triggers.map((t) => t.tgname) };
}

/** Every difference between the two schemas, one line each; empty when they match. */
function compareSchemas(lite: Schema, pg: Schema): string[] {
  const out: string[] = [];
  const liteNames = Object.keys(lite.tables);
  const pgNames = Object.keys(pg.tables);
  for (const t of liteNames) if (!pg.tables[t]) out.push(`table ${t}: missing on PostgreSQL`);
  for (const t of pgNames) if (!lite.tables[t]) out.push(`table ${t}: missing on SQLite`);
  for (const t of liteNames) {
    const a = lite.tables[t]!;
    const b = pg.tables[t];
    if (!b) continue;
    const aCols = a.columns.map((c) => c.name);
    const bCols = b.columns.map((c) => c.name);
    for (const c of aCols) if (!bCols.includes(c)) out.push(`${t}.${c}: missing on PostgreSQL`);
    for (const c of bCols) if (!aCols.includes(c)) out.push(`${t}.${c}: missing on SQLite`);
    if (aCols.join(",") !== bCols.join(",")) out.push(`${t}: columns in another order: SQLite ${aCols.join(",")}; PostgreSQL ${bCols.join(",")}`);
    for (const ca of a.columns) {
      const cb = b.columns.find((c) => c.name === ca.name);
      if (!cb) continue;
      for (const key of ["type", "notNull", "default", "identity"] as const) {
        if (ca[key] !== cb[key]) out.push(`${t}.${ca.name} ${key}: SQLite ${JSON.stringify(ca[key])}, PostgreSQL ${JSON.stringify(cb[key])}`);
      }
    }
    for (const key of ["primaryKey", "unique", "foreignKeys", "checks"] as const) {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out.push(`${t} ${key}: SQLite ${JSON.stringify(a[key])}, PostgreSQL ${JSON.stringify(b[key])}`);
    }
    for (const ix of Object.keys(a.indexes)) {
      if (!b.indexes[ix]) out.push(`index ${ix} on ${t}: missing on PostgreSQL`);
      else if (JSON.stringify(a.indexes[ix]) !== JSON.stringify(b.indexes[ix])) {
        out.push(`index ${ix}: SQLite ${JSON.stringify(a.indexes[ix])}, PostgreSQL ${JSON.stringify(b.indexes[ix])}`);
      }
    }
    for (const ix of Object.keys(b.indexes)) if (!a.indexes[ix]) out.push(`index ${ix} on ${t}: missing on SQLite`);
  }
  if (JSON.stringify(lite.triggers) !== JSON.stringify(pg.triggers)) out.push(`triggers: SQLite ${lite.triggers.join(",")}; PostgreSQL ${pg.triggers.join(",")}`);
  return out;
}

let pg: PgServer;
let sql: SQL;
let lite: Database;
let cleanupDir: () => void;

/** A fresh PostgreSQL database with every shipped PostgreSQL migration applied in order (the list the server runs). */
async function schemaDatabase(): Promise<SQL> {
  const db = new SQL(await pg.createDatabase());
  for (const m of POSTGRES_MIGRATIONS) await db.unsafe(m.sql);
  return db;
}

beforeAll(async () => {
  pg = await sharedPostgres();
  sql = await schemaDatabase();
  const { dir, cleanup } = makeTempDir("latchkey-pg-schema-");
  cleanupDir = cleanup;
  lite = openMigratedDatabase(path.join(dir, "latchkey.db"));
});
afterAll(async () => {
  await sql?.close();
  lite?.close();
  cleanupDir?.();
});

describe("the PostgreSQL schema (migrations/postgres/)", () => {
  test("matches the migrated SQLite schema table by table", async () => {
    const a = sqliteSchema(lite);
    const b = await postgresSchema(sql);
    expect(Object.keys(a.tables).length).toBeGreaterThan(30);
    expect(compareSchemas(a, b)).toEqual([]);
  });

  test("the comparison sees a column missing on either side, an index renamed and a changed ON DELETE", async () => {
    const a = sqliteSchema(lite);
    const b = await postgresSchema(sql);

    // Missing on PostgreSQL: a real ALTER on another database, read back as the test reads the real one.
    const other = await schemaDatabase();
    try {
      await other.unsafe("ALTER TABLE oidc_clients DROP COLUMN jwks_uri");
      expect(compareSchemas(a, await postgresSchema(other))).toEqual(["oidc_clients.jwks_uri: missing on PostgreSQL", expect.stringContaining("oidc_clients: columns in another order")]);
      await other.unsafe("ALTER INDEX users_first_name RENAME TO users_first_name_ci");
      await other.unsafe("ALTER TABLE sessions DROP CONSTRAINT sessions_user_id_fkey, ADD FOREIGN KEY (user_id) REFERENCES users(id)");
      const diff = compareSchemas(a, await postgresSchema(other));
      expect(diff).toContain("index users_first_name on users: missing on PostgreSQL");
      expect(diff).toContain("index users_first_name_ci on users: missing on SQLite");
      expect(diff).toContainEqual(expect.stringMatching(/^sessions foreignKeys: .*ON DELETE CASCADE.*ON DELETE NO ACTION/));
    } finally {
      await other.close();
    }

    // Missing on SQLite: a copy of the template without users.locale.
    const { dir, cleanup } = makeTempDir("latchkey-pg-schema-");
    const copy = openMigratedDatabase(path.join(dir, "latchkey.db"));
    try {
      copy.exec("ALTER TABLE users DROP COLUMN locale");
      expect(compareSchemas(sqliteSchema(copy), b)).toEqual(["users.locale: missing on SQLite", expect.stringContaining("users: columns in another order")]);
    } finally {
      copy.close();
      cleanup();
    }
  });

  test("behaves as SQLite where the translation is not word for word", async () => {
    const db = await schemaDatabase();
    try {
      // NOCASE UNIQUE -> unique on lower(): usernames and emails differing only in case collide.
      await db`INSERT INTO users (id, username, email, created_at, updated_at) VALUES ('u1', 'Alice', 'Alice@Example.org', 1, 1)`;
      await expect(db`INSERT INTO users (id, username, created_at, updated_at) VALUES ('u2', 'alice', 1, 1)`).rejects.toThrow(/users_username_key/);
      await expect(db`INSERT INTO users (id, username, email, created_at, updated_at) VALUES ('u3', 'bob', 'alice@example.ORG', 1, 1)`).rejects.toThrow(/users_email_key/);
      // Emails are optional: any number of users without one.
      await db`INSERT INTO users (id, username, created_at, updated_at) VALUES ('u4', 'carol', 1, 1), ('u5', 'dave', 1, 1)`;

      // At most one current signing key (a unique partial index on an expression).
      await db`INSERT INTO oidc_signing_keys (kid, alg, public_jwk, private_jwk_sealed, created_at) VALUES ('k1', 'ES256', '{}', 's', 1)`;
      await expect(db`INSERT INTO oidc_signing_keys (kid, alg, public_jwk, private_jwk_sealed, created_at) VALUES ('k2', 'ES256', '{}', 's', 2)`).rejects.toThrow(
        /oidc_signing_keys_current/,
      );
      await db`UPDATE oidc_signing_keys SET retired_at = 5 WHERE kid = 'k1'`;
      await db`INSERT INTO oidc_signing_keys (kid, alg, public_jwk, private_jwk_sealed, created_at) VALUES ('k2', 'ES256', '{}', 's', 2)`;
      // Every changed signing-key row bumps the key set's change version (three rows changed above); a statement
      // that changes none bumps nothing.
      await db`DELETE FROM oidc_signing_keys WHERE kid = 'none'`;
      expect(await db`SELECT version::int AS v FROM change_versions WHERE name = 'signing_keys'`).toEqual([{ v: 3 }]);

      // The trigger: ending a session queues a back-channel logout for the clients that take one, numbered by the
      // identity column, and forgets the session's clients.
      await db`INSERT INTO oidc_clients (id, name, backchannel_logout_uri, created_at, updated_at) VALUES ('c1', 'With', 'https://rp.example/logout', 1, 1), ('c2', 'Without', NULL, 1, 1)`;
      await db`INSERT INTO sessions (id, token_hash, user_id, amr, csrf_token, created_at, authenticated_at, last_seen_at, expires_at)
               VALUES ('s1', 'h1', 'u1', '["phr"]', 'x', 1, 1, 1, 9)`;
      await db`INSERT INTO oidc_session_clients (session_id, client_id, user_id, created_at) VALUES ('s1', 'c1', 'u1', 1), ('s1', 'c2', 'u1', 1)`;
      await db`DELETE FROM users WHERE id = 'u1'`; // cascades to the session, which fires the trigger
      expect(await db`SELECT id, client_id, user_id, sid, attempts, next_attempt_at FROM oidc_backchannel_logouts`).toEqual([
        { id: "1", client_id: "c1", user_id: "u1", sid: "s1", attempts: "0", next_attempt_at: "0" },
      ]);
      expect(await db`SELECT count(*)::int AS n FROM oidc_session_clients`).toEqual([{ n: 0 }]);

      // Flags stay 0/1.
      await expect(db`UPDATE users SET is_admin = 2 WHERE id = 'u4'`).rejects.toThrow(/users_is_admin_check/);
    } finally {
      await db.close();
    }
  });
});
