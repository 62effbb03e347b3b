/**
 * Moving an instance between engines (issue 21): a rich SQLite instance → `latchkey export` → `latchkey import`
 * into a fresh PostgreSQL database → every table equal, row for row; → `latchkey export` from PostgreSQL →
 * `latchkey import` into a fresh SQLite folder → equal to the original again. A server started on the imported
 * PostgreSQL serves the same JWKS and accepts the old refresh token and browser session.
 * Also: identity sequences continue after the imported ids; a PostgreSQL database holding data is refused
 * unless --replace; an archive from a newer schema is refused; PostgreSQL's export reads one snapshot.
 * The CLI runs in-process (runCli), the server as `bun src/main.ts`, PostgreSQL is a real server (tests/helpers/postgres.ts).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database as SqliteDatabase } from "bun:sqlite";
import { SQL } from "bun";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import type { Database } from "../../src/db/database.ts";
import { insertApiKey } from "../../src/db/api-keys.ts";
import { upsertAppConfigEntries } from "../../src/db/app-config.ts";
import { saveAppImage } from "../../src/db/app-images.ts";
import { setClientLogo } from "../../src/db/client-logos.ts";
import { copyPostgresIntoSqliteFile, readAllRows, sqliteDataTables, type DataTable } from "../../src/db/engine-copy.ts";
import { connectPostgres } from "../../src/db/postgres/open.ts";
import { upsertProfilePicture } from "../../src/db/profile-pictures.ts";
import { insertCredential } from "../../src/db/webauthn.ts";
import { encodePng } from "../../src/lib/png.ts";
import { packTar, unpackTar } from "../../src/lib/tar.ts";
import { runCli } from "../../src/main.ts";
import { startSourceServer, type RunningBinary } from "../helpers/binary.ts";
import { CALLBACK, makeOidcWorld, VERIFIER, type OidcWorld } from "../helpers/oidc-flow.ts";
import { addUserToGroup, insertCustomClaim, insertTestGroup, insertTestUser, signIn } from "../helpers/oidc-fixtures.ts";
import { sharedPostgres, type PgServer } from "../helpers/postgres.ts";
import { makeTempDir, TEST_ENCRYPTION_KEY } from "../helpers/test-deps.ts";

setDefaultTimeout(120_000);
const APP_URL = "http://localhost:1411";
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const temp = () => {
  const t = makeTempDir("latchkey-engines-");
  cleanups.push(t.cleanup);
  return t.dir;
};

/** Runs the CLI in-process with only the given environment; answers the exit code and what it wrote. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((t: string) => ((out += t), true)) as typeof process.stdout.write;
  process.stderr.write = ((t: string) => ((err += t), true)) as typeof process.stderr.write;
  try {
    const code = await runCli(args, { PATH: process.env.PATH, TZ: "UTC", APP_URL, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, LOG_LEVEL: "warn", ...env }, temp());
    return { code, out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

/** Rows as comparable text: bytes as hex, integers as numbers; sorted, so the engines' row order does not matter. */
function normalise(rows: Record<string, unknown[][]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [t, rs] of Object.entries(rows)) {
    out[t] = rs
      .map((r) => JSON.stringify(r.map((v) => (v instanceof Uint8Array ? `hex:${Buffer.from(v).toString("hex")}` : typeof v === "bigint" ? Number(v) : v))))
      .sort();
  }
  return out;
}

function readSqliteFile(file: string, tables: DataTable[]): Record<string, string[]> {
  const db = new SqliteDatabase(file, { readonly: true, strict: true });
  try {
    return normalise(readAllRows(db as unknown as Database, tables));
  } finally {
    db.close();
  }
}

function withPostgres<T>(url: string, f: (db: Database) => T): T {
  const db = connectPostgres(url, { startupTimeoutSeconds: 5, warn: () => {} });
  try {
    return f(db);
  } finally {
    db.close();
  }
}

/** Everything but audit_logs equal; the audit log equal plus `extra` rows (the imports' own ADMIN_CHANGE records). */
function expectSameInstance(got: Record<string, string[]>, want: Record<string, string[]>, extraAuditRows: number): void {
  const { audit_logs: gotAudit, ...gotRest } = got;
  const { audit_logs: wantAudit, ...wantRest } = want;
  expect(gotRest).toEqual(wantRest);
  const added = gotAudit!.filter((r) => !wantAudit!.includes(r));
  expect(gotAudit!.length).toBe(wantAudit!.length + extraAuditRows);
  expect(added.length).toBe(extraAuditRows);
  for (const r of added) expect(r).toContain("export_archive");
}

let pg: PgServer;
let world: OidcWorld;
let sqliteFile: string;
let archive: string;
let original: Record<string, string[]>;
let tables: DataTable[];
let refreshToken: string;
let sessionCookie: string;
let jwks: unknown;
const png = encodePng(3, 3, new Uint8Array(27).map((_, i) => (i * 37) & 255));

beforeAll(async () => {
  pg = await sharedPostgres();
  world = await makeOidcWorld({ name: "Moved App" });
  cleanups.push(() => world.cleanup());
  const { deps } = world;
  deps.clock.advanceMs(Date.now() - deps.clock.now()); // the server started later on the imported data runs on the real clock
  const now = deps.clock.now();
  const bob = insertTestUser(deps, { username: "bob", isAdmin: true, firstName: "Bob" });
  const group = insertTestGroup(deps, "staff");
  addUserToGroup(deps, world.user.id, group.id);
  addUserToGroup(deps, bob.id, group.id);
  insertCustomClaim(deps, { groupId: group.id }, "department", "ops");
  insertCustomClaim(deps, { userId: bob.id }, "desk", "7");
  insertCredential(deps.db, {
    id: crypto.randomUUID(),
    userId: bob.id,
    name: "YubiKey",
    credentialId: "Y3JlZC0x",
    publicKey: crypto.getRandomValues(new Uint8Array(77)),
    counter: 5,
    transports: ["usb"],
    aaguid: "00000000-0000-0000-0000-000000000000",
    deviceType: "multiDevice",
    backupEligible: true,
    backupState: false,
    createdAt: Math.floor(now / 1000),
    lastUsedAt: null,
  });
  upsertProfilePicture(deps.db, { userId: bob.id, data: png, contentType: "image/png", updatedAt: now });
  setClientLogo(deps.db, world.client.id, false, { data: png, type: "image/png" }, now);
  saveAppImage(deps.db, "logo-light", { type: "image/png", data: png, updatedAt: now });
  upsertAppConfigEntries(deps.db, [{ key: "appName", value: "Moved Latchkey" }], now);
  insertApiKey(deps.db, { id: crypto.randomUUID(), name: "ci", description: "", keyHash: "ab".repeat(32), prefix: "lk_ci", userId: bob.id, createdAt: now, expiresAt: now + 86_400_000, lastUsedAt: null });
  createClient(deps, CLI_ACTOR, { name: "Second", callbackUrls: ["https://second.example.com/cb"], unrestricted: false, allowedGroupIds: [group.id] });
  // Explicit ids in an identity column (SQLite's rowid alias): PostgreSQL's sequence must continue after them.
  deps.db.query("INSERT INTO oidc_backchannel_logouts (id, client_id, user_id, sid) VALUES (41, ?, ?, 'sid-41')").run(world.client.id, bob.id);
  sessionCookie = signIn(deps, bob.id).cookie;
  const code = await world.code({ scope: "openid profile offline_access" });
  const tokens = (await (await world.token({ grant_type: "authorization_code", code, redirect_uri: CALLBACK, code_verifier: VERIFIER })).json()) as { refresh_token?: string };
  if (!tokens.refresh_token) throw new Error(`no refresh token: ${JSON.stringify(tokens)}`);
  refreshToken = tokens.refresh_token;
  jwks = await (await world.call("/.well-known/jwks.json")).json();
  sqliteFile = deps.config.dbPath;
  deps.db.close(); // folds the WAL in: the file is the whole instance
  // The export opens the instance as every command does (which stores the key check the test world skips), then snapshots it.
  archive = path.join(temp(), "from-sqlite.tar.gz");
  const exported = await cli(["export", "--out", archive], { DB_CONNECTION_STRING: sqliteFile });
  if (exported.code !== 0) throw new Error(exported.err);
  const db = new SqliteDatabase(sqliteFile, { readonly: true, strict: true });
  tables = sqliteDataTables(db as unknown as Database);
  db.close();
  original = readSqliteFile(sqliteFile, tables);
});

test("the seeded instance is rich: the tables that matter hold rows", () => {
  const empty = ["users", "webauthn_credentials", "user_groups", "user_groups_users", "custom_claims", "oidc_clients", "oidc_client_secrets", "oidc_clients_allowed_user_groups", "oidc_signing_keys", "sessions", "oidc_refresh_tokens", "oidc_grants", "audit_logs", "app_config", "kv", "profile_pictures", "api_keys", "oidc_backchannel_logouts", "change_versions"].filter(
    (t) => tables.some((d) => d.name === t) && (original[t]?.length ?? 0) === 0,
  );
  expect(empty).toEqual([]);
  expect(original.oidc_clients!.some((r) => r.includes(`hex:${Buffer.from(png).toString("hex")}`))).toBe(true); // the logo
});

test("SQLite → PostgreSQL → SQLite keeps every row; a server on the imported PostgreSQL serves the same keys, tokens and sessions", async () => {
  expect(JSON.parse(new TextDecoder().decode(unpackTar(gunzipSync(readFileSync(archive))).get("manifest.json")!))).toMatchObject({ format: "latchkey-export/1", engine: "sqlite" });

  // trust authentication ignores the password: it is there to show the output redacts it.
  const pgUrl = (await pg.createDatabase()).replace("postgres@", "postgres:pw-not-shown@");
  const imported = await cli(["import", archive], { DB_CONNECTION_STRING: pgUrl });
  expect([imported.code, imported.err]).toEqual([0, ""]);
  expect(imported.out).not.toContain("pw-not-shown");
  expect(JSON.parse(imported.out)).toMatchObject({ users: 2, keyInstalled: false });
  expectSameInstance(withPostgres(pgUrl, (db) => normalise(readAllRows(db, tables))), original, 1);

  // The identity sequence continues after the largest imported id.
  expect(withPostgres(pgUrl, (db) => db.query<{ id: number }, [string]>("INSERT INTO oidc_backchannel_logouts (client_id, user_id, sid) VALUES (?, 'u', 's') RETURNING id").get(world.client.id)!.id)).toBe(42);
  withPostgres(pgUrl, (db) => db.query("DELETE FROM oidc_backchannel_logouts WHERE id = 42").run());

  // Back: PostgreSQL → archive → a fresh SQLite folder, equal to the original but for the two import records.
  const back = path.join(temp(), "from-postgres.tar.gz");
  const exportedPg = await cli(["export", "--out", back, "--include-key"], { DB_CONNECTION_STRING: pgUrl });
  expect([exportedPg.code]).toEqual([0]);
  expect(JSON.parse(new TextDecoder().decode(unpackTar(gunzipSync(readFileSync(back))).get("manifest.json")!))).toMatchObject({ engine: "postgres", includesKey: true });
  const folder = temp();
  const intoSqlite = await cli(["import", back], { DB_CONNECTION_STRING: path.join(folder, "latchkey.db"), ENCRYPTION_KEY: "" });
  expect([intoSqlite.code, intoSqlite.err]).toEqual([0, ""]);
  expect(JSON.parse(intoSqlite.out)).toMatchObject({ users: 2, keyInstalled: true });
  expectSameInstance(readSqliteFile(path.join(folder, "latchkey.db"), tables), original, 2);

  // A server on the imported PostgreSQL: the same JWKS, the old refresh token and browser session still work.
  const server: RunningBinary = await startSourceServer({ env: { DB_CONNECTION_STRING: pgUrl, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } });
  cleanups.push(() => server.cleanup());
  expect(await (await fetch(`${server.url}/.well-known/jwks.json`)).json()).toEqual(jwks);
  const refreshed = await fetch(`${server.url}/api/oidc/token`, {
    method: "POST",
    headers: { authorization: world.basic, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString(),
  });
  expect(refreshed.status).toBe(200);
  expect(((await refreshed.json()) as { refresh_token: string }).refresh_token).toBeString();
  const account = await fetch(`${server.url}/settings/account`, { headers: { cookie: sessionCookie }, redirect: "manual" });
  expect([account.status, account.status === 200 ? "" : server.stderr().slice(-3000)]).toEqual([200, ""]);
  expect(await account.text()).toContain("bob@example.com");
  const anonymous = await fetch(`${server.url}/settings/account`, { redirect: "manual" });
  expect(anonymous.status).not.toBe(200);
  expect(await server.stop()).toBe(0);
});

test("PostgreSQL: a database that holds data is refused untouched unless --replace; a newer schema is refused", async () => {
  const pgUrl = await pg.createDatabase();
  expect((await cli(["import", archive], { DB_CONNECTION_STRING: pgUrl })).code).toBe(0);
  const before = withPostgres(pgUrl, (db) => normalise(readAllRows(db, tables)));

  const again = await cli(["import", archive], { DB_CONNECTION_STRING: pgUrl });
  expect(again.code).toBe(1);
  expect(again.err).toContain("already holds data (");
  expect(again.err).toContain("--replace");
  expect(withPostgres(pgUrl, (db) => normalise(readAllRows(db, tables)))).toEqual(before);

  const replaced = await cli(["import", archive, "--replace"], { DB_CONNECTION_STRING: pgUrl });
  expect([replaced.code, replaced.err]).toEqual([0, ""]);
  // Everything replaced: the original rows plus this import's record (the first import's record is gone).
  expectSameInstance(withPostgres(pgUrl, (db) => normalise(readAllRows(db, tables))), original, 1);

  // An archive whose database is from a newer Latchkey.
  const files = unpackTar(gunzipSync(readFileSync(archive)));
  const work = temp();
  const dbFile = path.join(work, "latchkey.db");
  writeFileSync(dbFile, files.get("latchkey.db")!);
  const db = new SqliteDatabase(dbFile, { strict: true });
  db.exec("PRAGMA user_version = 999");
  db.close();
  const newer = path.join(work, "newer.tar.gz");
  writeFileSync(newer, gzipSync(packTar([{ name: "manifest.json", data: files.get("manifest.json")! }, { name: "latchkey.db", data: new Uint8Array(readFileSync(dbFile)) }])));
  const fresh = await pg.createDatabase();
  const refused = await cli(["import", newer], { DB_CONNECTION_STRING: fresh });
  expect(refused.code).toBe(1);
  expect(refused.err).toContain("newer Latchkey (schema 999");
  const sql = new SQL(fresh);
  expect(await sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`).toEqual([{ n: 0 }]);
  await sql.close();
});

test("PostgreSQL's export reads every table from one snapshot, even while another connection writes", async () => {
  const pgUrl = await pg.createDatabase();
  expect((await cli(["import", archive], { DB_CONNECTION_STRING: pgUrl })).code).toBe(0);
  const writer = connectPostgres(pgUrl, { startupTimeoutSeconds: 5, warn: () => {} });
  const reader = connectPostgres(pgUrl, { startupTimeoutSeconds: 5, warn: () => {} });
  try {
    // After the export has read its first table, another instance writes to every table it has not read yet that it can.
    let wrote = false;
    const racing = new Proxy(reader, {
      get(target, prop, receiver) {
        if (prop !== "query") return Reflect.get(target, prop, receiver);
        return (sql: string) => {
          const statement = target.query(sql);
          if (!wrote && /^SELECT .* FROM "[a-z_]+"$/.test(sql)) {
            return new Proxy(statement, {
              get(s, p, r) {
                if (p !== "values") return Reflect.get(s, p, r);
                return (...args: never[]) => {
                  const rows = s.values(...args);
                  wrote = true;
                  writer.query("INSERT INTO kv (key, value) VALUES ('written-during-export', 'x')").run();
                  writer.query("UPDATE users SET first_name = 'Changed'").run();
                  return rows;
                };
              },
            });
          }
          return statement;
        };
      },
    }) as Database;
    const file = path.join(temp(), "snapshot.db");
    copyPostgresIntoSqliteFile(racing, file);
    expect(wrote).toBe(true);
    const snap = readSqliteFile(file, tables);
    expect(snap.kv!.some((r) => r.includes("written-during-export"))).toBe(false);
    expect(snap.users!.some((r) => r.includes("Changed"))).toBe(false);
    // The write did land: a later export sees it.
    const later = path.join(temp(), "later.db");
    copyPostgresIntoSqliteFile(reader, later);
    expect(readSqliteFile(later, tables).kv!.some((r) => r.includes("written-during-export"))).toBe(true);
  } finally {
    writer.close();
    reader.close();
  }
});

test("PostgreSQL: `latchkey backup` and `latchkey restore` are refused and name pg_dump and export/import; nothing is written", async () => {
  const pgUrl = await pg.createDatabase();
  expect((await cli(["import", archive], { DB_CONNECTION_STRING: pgUrl })).code).toBe(0);
  const before = withPostgres(pgUrl, (db) => normalise(readAllRows(db, tables)));
  const out = path.join(temp(), "b.db");
  const backup = await cli(["backup", "--out", out], { DB_CONNECTION_STRING: pgUrl });
  expect([backup.code, backup.err]).toEqual([1, expect.stringContaining("use pg_dump and pg_restore, or `latchkey export` and `latchkey import`")]);
  expect(existsSync(out)).toBe(false);
  const backupFile = path.join(temp(), "sqlite-backup.db");
  expect((await cli(["backup", "--out", backupFile], { DB_CONNECTION_STRING: sqliteFile })).code).toBe(0);
  const restore = await cli(["restore", backupFile], { DB_CONNECTION_STRING: pgUrl });
  expect([restore.code, restore.err]).toEqual([1, expect.stringContaining("use pg_dump and pg_restore")]);
  expect(withPostgres(pgUrl, (db) => normalise(readAllRows(db, tables)))).toEqual(before);
});
