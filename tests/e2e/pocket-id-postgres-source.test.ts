/**
 * `latchkey import-pocket-id postgres://…` reads a Pocket ID database on PostgreSQL (issue 21). The tests' Pocket ID
 * fixture (tests/helpers/pocket-id-fixture.ts, v2.14 layout) is loaded into a real PostgreSQL whose schema is Pocket
 * ID's own PostgreSQL migrations (tests/fixtures/pocket-id-postgres-v2.14.sql: timestamptz, boolean, uuid, citext,
 * jsonb, bytea), each value converted to its column's type; the import from it must give exactly what the import
 * of the SQLite fixture gives. A dirty migration state is refused naming the connection without its password.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database as SqliteDatabase } from "bun:sqlite";
import { SQL } from "bun";
import path from "node:path";
import type { Database } from "../../src/db/database.ts";
import { readAllRows, sqliteDataTables } from "../../src/db/engine-copy.ts";
import { runCli } from "../../src/main.ts";
import schemaSql from "../fixtures/pocket-id-postgres-v2.14.sql" with { type: "text" };
import { buildPocketIdDataFolder, POCKET_ID_SCHEMA_VERSION, type PocketIdFixture } from "../helpers/pocket-id-fixture.ts";
import { sharedPostgres, type PgServer } from "../helpers/postgres.ts";
import { makeTempDir, TEST_ENCRYPTION_KEY } from "../helpers/test-deps.ts";

setDefaultTimeout(120_000);
const PID_KEY = "pocket-id-encryption-key-0123456789";
const APP_URL = "http://localhost:1411";
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const temp = () => {
  const t = makeTempDir("latchkey-pid-pg-");
  cleanups.push(t.cleanup);
  return t.dir;
};

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((t: string) => ((out += t), true)) as typeof process.stdout.write;
  process.stderr.write = ((t: string) => ((err += t), true)) as typeof process.stderr.write;
  try {
    const code = await runCli(args, { PATH: process.env.PATH, TZ: "UTC", APP_URL, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, POCKET_ID_ENCRYPTION_KEY: PID_KEY, LOG_LEVEL: "warn", ...env }, temp());
    return { code, out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

/** Loads a Pocket ID SQLite database into `url` (schema applied), each value as its PostgreSQL column's type wants it. */
async function loadIntoPostgres(sqliteFile: string, url: string, migration: { version: number; dirty: boolean }): Promise<void> {
  const sql = new SQL(url);
  try {
    await sql.unsafe(schemaSql);
    const src = new SqliteDatabase(sqliteFile, { readonly: true });
    try {
      const types = new Map<string, string>();
      for (const r of await sql`SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'`) types.set(`${r.table_name}.${r.column_name}`, r.data_type);
      await sql.begin(async (tx) => {
        await tx`SET LOCAL session_replication_role = replica`; // rows in any order: foreign keys are not checked
        const tables = src.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations'").all();
        for (const { name } of tables) {
          const rows = src.query<Record<string, unknown>, []>(`SELECT * FROM "${name}"`).all();
          for (const row of rows) {
            const cols = Object.keys(row);
            const missing = cols.filter((c) => !types.has(`${name}.${c}`));
            if (missing.length > 0) throw new Error(`${name}.${missing.join(",")} is not in Pocket ID's PostgreSQL schema`);
            const values = cols.map((c) => toPostgres(types.get(`${name}.${c}`)!, row[c]));
            // The fixture's deliberately broken audit data ("{not json") cannot exist in a jsonb column.
            if (cols.some((c, i) => types.get(`${name}.${c}`) === "jsonb" && values[i] !== null && !isJson(values[i] as string))) continue;
            const placeholders = cols.map((c, i) => {
              const t = types.get(`${name}.${c}`)!;
              return t === "timestamp with time zone" ? `to_timestamp($${i + 1}::bigint)` : t === "jsonb" ? `($${i + 1}::text)::jsonb` : t === "inet" ? `$${i + 1}::inet` : `$${i + 1}`;
            });
            await tx.unsafe(`INSERT INTO "${name}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${placeholders.join(", ")})`, values);
          }
        }
        await tx`INSERT INTO schema_migrations (version, dirty) VALUES (${migration.version}, ${migration.dirty})`;
      });
    } finally {
      src.close();
    }
  } finally {
    await sql.close();
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function toPostgres(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const text = () => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));
  if (type === "boolean") return Number(v) !== 0;
  if (type === "bytea") return v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(String(v), "utf8");
  if (type === "timestamp with time zone" || type === "bigint") return Number(v);
  return text();
}

/** When the imports ran: times an import stamps with its own clock (ms or s) are compared as "<now>". */
const importWindow = { from: 0, to: Number.MAX_SAFE_INTEGER };
const stampedNow = (v: unknown) =>
  typeof v === "number" && ((v >= importWindow.from && v <= importWindow.to) || (v >= Math.floor(importWindow.from / 1000) && v <= Math.ceil(importWindow.to / 1000)));

function latchkeyRows(file: string): Record<string, string[]> {
  const db = new SqliteDatabase(file, { readonly: true, strict: true }) as unknown as Database;
  try {
    const rows = readAllRows(db, sqliteDataTables(db));
    // Made afresh by each import: grant ids (random) and sealed values (random nonces).
    const grantIds = new Set(rows.oidc_grants!.map((r) => r[0] as string));
    const out: Record<string, string[]> = {};
    for (const [t, rs] of Object.entries(rows)) {
      const value = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : typeof v === "string" && grantIds.has(v) ? "<grant>" : typeof v === "string" && /^lk\d\./.test(v) ? "<sealed>" : stampedNow(v) ? "<now>" : v);
      out[t] = rs.map((r) => JSON.stringify(r.map(value))).sort();
    }
    return out;
  } finally {
    (db as unknown as SqliteDatabase).close();
  }
}

let pg: PgServer;
let fx: PocketIdFixture;
beforeAll(async () => {
  pg = await sharedPostgres();
  fx = await buildPocketIdDataFolder({ layout: "v2.14", dataDir: path.join(temp(), "pocket-id"), encryptionKey: PID_KEY, appUrl: APP_URL, now: Math.floor(Date.now() / 1000) });
});

test("a Pocket ID database on PostgreSQL imports exactly as the same database on SQLite", async () => {
  const url = await pg.createDatabase();
  await loadIntoPostgres(fx.dbPath, url, { version: POCKET_ID_SCHEMA_VERSION["v2.14"], dirty: false });

  const fromSqlite = path.join(temp(), "latchkey.db");
  importWindow.from = Date.now();
  const a = await cli(["import-pocket-id", fx.dbPath, "--no-audit-log"], { DB_CONNECTION_STRING: fromSqlite });
  expect([a.code, a.err]).toEqual([0, ""]);
  const fromPostgres = path.join(temp(), "latchkey.db");
  const withPassword = url.replace("postgres@", "postgres:pw-not-shown@");
  // Pocket ID's uploads (logos, profile pictures) are on disk, as with FILE_BACKEND=filesystem: --data-dir names them.
  const b = await cli(["import-pocket-id", withPassword, "--data-dir", fx.dataDir, "--no-audit-log"], { DB_CONNECTION_STRING: fromPostgres });
  expect([b.code, b.err]).toEqual([0, ""]);
  importWindow.to = Date.now();
  expect(b.out).not.toContain("pw-not-shown");
  expect(b.out).toContain("users: 2");
  expect(b.out).toContain(`signing key kid: ${fx.signingJwk.kid}`);

  // Every table of the two Latchkey databases, but the rows an import stamps with its own time, ids or random salts.
  const stamped = new Set(["audit_logs", "kv", "oidc_signing_keys"]);
  const strip = (rows: Record<string, string[]>) => Object.fromEntries(Object.entries(rows).filter(([t]) => !stamped.has(t)));
  expect(strip(latchkeyRows(fromPostgres))).toEqual(strip(latchkeyRows(fromSqlite)));
  const got = latchkeyRows(fromPostgres);
  expect([got.users!.length, got.webauthn_credentials!.length, got.profile_pictures!.length, got.oidc_refresh_tokens!.length]).toEqual([2, 1, 1, 1]);

  // Without --data-dir the files on disk are out of reach: the import says what it could not bring.
  const c = await cli(["import-pocket-id", url, "--dry-run"], { DB_CONNECTION_STRING: path.join(temp(), "latchkey.db") });
  expect(c.out).toContain("users: 2");
  expect(c.out).toContain("profile pictures: 0");
  expect(c.out).toContain("the logo file is missing from uploads/oidc-client-images");
  expect(latchkeyRows(fromSqlite).profile_pictures!.length).toBe(1);
});

test("a dirty migration state on PostgreSQL is refused, naming the database without its password", async () => {
  const url = await pg.createDatabase();
  await loadIntoPostgres(fx.dbPath, url, { version: POCKET_ID_SCHEMA_VERSION["v2.14"], dirty: true });
  const r = await cli(["import-pocket-id", url.replace("postgres@", "postgres:pw-not-shown@")], { DB_CONNECTION_STRING: path.join(temp(), "latchkey.db") });
  expect(r.code).toBe(1);
  expect(r.err).toContain("is marked dirty at schema version 20260814120000");
  expect(r.err).toContain("postgres://postgres:***@");
  expect(r.err).not.toContain("pw-not-shown");
});
