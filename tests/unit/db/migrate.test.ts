import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { checkSchemaVersion, latestSchemaVersion, migrate, MigrationError, MIGRATIONS, schemaVersion } from "../../../src/db/migrate.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { openMigratedSqliteDatabase as openMigratedDatabase } from "../../helpers/template-database.ts";
import { makeTempDir } from "../../helpers/test-deps.ts";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});
function freshDb(): { db: Database; file: string } {
  const { dir, cleanup } = makeTempDir("latchkey-migrate-");
  const file = path.join(dir, "latchkey.db");
  const db = openDatabase(file);
  cleanups.push(cleanup, () => db.close());
  return { db, file };
}

/** Table and index definitions, as SQLite stores them: what "the same schema" means. */
function schemaOf(db: import("../../../src/db/database.ts").Database): string[] {
  return db
    .query<{ type: string; name: string; sql: string | null }, []>("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all()
    .map((r) => `${r.type} ${r.name}: ${(r.sql ?? "").replace(/\s+/g, " ")}`);
}

describe("the migration list", () => {
  test("versions strictly increase and every file in migrations/ is listed exactly once, by number and name", () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    // No hole but 2, which was never used. A migration slotted into a hole later would be skipped on every
    // database already past it, since only versions above user_version run.
    const ALLOWED_HOLES = new Set([2]);
    const latest = versions.at(-1)!;
    expect(versions).toEqual(Array.from({ length: latest }, (_, i) => i + 1).filter((v) => !ALLOWED_HOLES.has(v) || versions.includes(v)));
    const dir = path.resolve(import.meta.dir, "../../../src/db/migrations");
    const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
    expect(files.map((f) => /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(f) !== null)).toEqual(files.map(() => true));
    expect(MIGRATIONS.map((m) => `${String(m.version).padStart(4, "0")}_${m.name}.sql`)).toEqual(files);
    for (const m of MIGRATIONS) {
      expect(m.sql).toBe(readFileSync(path.join(dir, `${String(m.version).padStart(4, "0")}_${m.name}.sql`), "utf8"));
    }
  });
});

describe("migrate", () => {
  test("a fresh database gets every migration, in order, and ends at the latest version", () => {
    const { db } = freshDb();
    expect(schemaVersion(db)).toBe(0);
    expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(schemaVersion(db)).toBe(latestSchemaVersion());
    const tables = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name);
    for (const t of ["users", "webauthn_credentials", "sessions", "oidc_clients", "audit_logs", "kv", "app_config"]) expect(tables).toContain(t);
    expect(db.query<{ foreign_key_check: unknown }, []>("PRAGMA foreign_key_check").all()).toEqual([]);
  });

  test("running again applies nothing", () => {
    const { db } = freshDb();
    migrate(db);
    const before = schemaOf(db);
    expect(migrate(db)).toEqual([]);
    expect(schemaOf(db)).toEqual(before);
  });

  // Iterates over MIGRATIONS, so every future migration is covered: upgrading from each earlier
  // version must give exactly the schema a fresh install gets, and keep the data written before.
  test.each(MIGRATIONS.slice(0, -1).map((m, i) => [m.version, i] as const))("upgrade from version %d to the latest", (version, index) => {
    const reference = freshDb().db;
    migrate(reference);
    const { db } = freshDb();
    migrate(db, MIGRATIONS.slice(0, index + 1));
    expect(schemaVersion(db)).toBe(version);
    db.query("INSERT INTO kv (key, value) VALUES ('written-before-upgrade', 'kept')").run();
    expect(migrate(db)).toEqual(MIGRATIONS.slice(index + 1).map((m) => m.version));
    expect(schemaVersion(db)).toBe(latestSchemaVersion());
    expect(schemaOf(db)).toEqual(schemaOf(reference));
    expect(db.query<{ value: string }, []>("SELECT value FROM kv WHERE key = 'written-before-upgrade'").get()?.value).toBe("kept");
  });

  test("a failing migration rolls back completely (its statements and the version bump)", () => {
    const { db } = freshDb();
    const broken = [...MIGRATIONS, { version: latestSchemaVersion() + 1, name: "broken", sql: "CREATE TABLE half_done (x); SELECT * FROM no_such_table;" }];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(latestSchemaVersion());
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeNull();
  });

  test("a database from a newer version is refused with a clear message", () => {
    const { db } = freshDb();
    migrate(db);
    db.exec(`PRAGMA user_version = ${latestSchemaVersion() + 1}`);
    const expected =
      `The database is at schema version ${latestSchemaVersion() + 1}, written by a newer Latchkey; this version knows up to ${latestSchemaVersion()}. ` +
      "Upgrade Latchkey (or restore a backup taken before the upgrade). The database was not changed.";
    expect(() => checkSchemaVersion(db)).toThrow(new MigrationError(expected));
    expect(() => migrate(db)).toThrow(MigrationError);
    expect(schemaVersion(db)).toBe(latestSchemaVersion() + 1);
  });
});

describe("the test databases' template (tests/helpers/template-database.ts)", () => {
  test("a copy of it is what a fresh migration gives: schema, version, pragmas and rows", () => {
    const reference = freshDb().db;
    migrate(reference);
    const { dir, cleanup } = makeTempDir("latchkey-migrate-");
    const copy = openMigratedDatabase(path.join(dir, "latchkey.db"));
    cleanups.push(cleanup, () => copy.close());
    expect(schemaOf(copy)).toEqual(schemaOf(reference));
    expect(schemaVersion(copy)).toBe(schemaVersion(reference));
    for (const pragma of ["journal_mode", "foreign_keys", "busy_timeout", "synchronous", "wal_autocheckpoint", "journal_size_limit", "page_size", "auto_vacuum", "encoding"]) {
      expect([pragma, copy.query(`PRAGMA ${pragma}`).get()]).toEqual([pragma, reference.query(`PRAGMA ${pragma}`).get()]);
    }
    const tables = reference.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    for (const { name } of tables) expect([name, copy.query(`SELECT * FROM "${name}"`).all()]).toEqual([name, reference.query(`SELECT * FROM "${name}"`).all()]);
    expect(copy.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
  });

  test("it never overwrites an existing file", () => {
    const { file, db } = freshDb();
    db.exec("CREATE TABLE mine (x)");
    expect(() => openMigratedDatabase(file)).toThrow(/EEXIST|exists/);
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'mine'").get()).toEqual({ name: "mine" });
  });
});

describe("openDatabase", () => {
  test("sets WAL, foreign keys, busy timeout and synchronous=NORMAL", () => {
    const { db } = freshDb();
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    expect(db.query<{ foreign_keys: number }, []>("PRAGMA foreign_keys").get()!.foreign_keys).toBe(1);
    expect(db.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()!.timeout).toBe(5000);
    expect(db.query<{ synchronous: number }, []>("PRAGMA synchronous").get()!.synchronous).toBe(1);
    expect(db.query<{ wal_autocheckpoint: number }, []>("PRAGMA wal_autocheckpoint").get()!.wal_autocheckpoint).toBe(8000);
    expect(db.query<{ journal_size_limit: number }, []>("PRAGMA journal_size_limit").get()!.journal_size_limit).toBe(64 * 1024 * 1024);
  });
});

/** A database migrated up to just before `version`, with user u1 and client c1 for the rows a test adds. */
function migratedBefore(version: number): Database {
  const { db } = freshDb();
  migrate(db, MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.version === version)));
  db.exec(`
    INSERT INTO users (id, username, email, first_name, last_name, display_name, is_admin, created_at, updated_at) VALUES ('u1', 'alice', 'a@example.com', 'A', 'E', 'A E', 0, 1, 1);
    INSERT INTO oidc_clients (id, name, callback_urls, created_at, updated_at) VALUES ('c1', 'App', '[]', 1, 1);
  `);
  return db;
}

describe("0011: consumed codes marked in place", () => {
  test("a tombstone whose grant lives becomes a consumed code row (a replay still finds the grant); one without is dropped", async () => {
    const { findConsumedCode, findUsableAuthorizationCode } = await import("../../../src/db/oidc-grants.ts");
    const db = migratedBefore(11);
    db.exec(`
      INSERT INTO oidc_grants (id, client_id, user_id, session_id, scope, auth_time, amr, created_at) VALUES ('g1', 'c1', 'u1', NULL, 'openid', 100, '["phr"]', 110);
      INSERT INTO oidc_consumed_codes (code_hash, grant_id, expires_at) VALUES ('h-live', 'g1', 5300), ('h-revoked', 'gone', 5300);
    `);
    migrate(db);
    expect(findConsumedCode(db, "h-live")).toEqual({ grantId: "g1" });
    expect(findConsumedCode(db, "h-revoked")).toBeNull();
    // Marked consumed: it can never be exchanged.
    expect(findUsableAuthorizationCode(db, "h-live", "c1")).toBeNull();
    const row = db.query<{ expires_at: number; consumed_at: number }, []>("SELECT expires_at, consumed_at FROM oidc_authorization_codes WHERE code_hash = 'h-live'").get()!;
    expect(row).toEqual({ expires_at: 1700, consumed_at: 110 });
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'oidc_consumed_codes'").get()).toBeNull();
  });
});

describe("0012: the access token on its grant row", () => {
  test("each grant keeps its newest access token; the old table is gone; the token is found, revoked and replaced", async () => {
    const { findAccessToken, deleteAccessToken, replaceAccessToken, findGrant } = await import("../../../src/db/oidc-grants.ts");
    const db = migratedBefore(12);
    db.exec(`
      INSERT INTO oidc_grants (id, client_id, user_id, session_id, scope, auth_time, amr, created_at) VALUES
        ('g1', 'c1', 'u1', NULL, 'openid profile', 100, '["phr"]', 110),
        ('g2', 'c1', 'u1', NULL, 'openid', 100, '["phr"]', 120);
      INSERT INTO oidc_access_tokens (jti, grant_id, client_id, user_id, scope, created_at, expires_at) VALUES
        ('old', 'g1', 'c1', 'u1', 'openid profile', 110, 3710),
        ('new', 'g1', 'c1', 'u1', 'openid', 200, 3800);
    `);
    migrate(db);
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'oidc_access_tokens'").get()).toBeNull();
    expect(findAccessToken(db, "new")).toEqual({ jti: "new", grantId: "g1", clientId: "c1", userId: "u1", scope: "openid", createdAt: 200, expiresAt: 3800 });
    expect(findAccessToken(db, "old")).toBeNull();
    // A grant without an access token keeps none.
    expect(db.query<{ access_jti: string | null }, []>("SELECT access_jti FROM oidc_grants WHERE id = 'g2'").get()!.access_jti).toBeNull();
    // The grant itself reads as before.
    expect({ ...findGrant(db, "g1") }).toEqual({ id: "g1", clientId: "c1", userId: "u1", sessionId: null, scope: "openid profile", authTime: 100, amr: ["phr"], createdAt: 110, resource: null });
    // Replacing: the previous token is no longer found; a gone grant takes none.
    expect(replaceAccessToken(db, { jti: "newer", grantId: "g1", clientId: "c1", userId: "u1", scope: "openid", createdAt: 300, expiresAt: 3900 })).toBe(true);
    expect(findAccessToken(db, "new")).toBeNull();
    expect(findAccessToken(db, "newer")?.expiresAt).toBe(3900);
    expect(replaceAccessToken(db, { jti: "orphan", grantId: "gone", clientId: "c1", userId: "u1", scope: "openid", createdAt: 300, expiresAt: 3900 })).toBe(false);
    // Revoking the token leaves the grant.
    expect(deleteAccessToken(db, "newer")).toBe(true);
    expect(deleteAccessToken(db, "newer")).toBe(false);
    expect(findAccessToken(db, "newer")).toBeNull();
    expect(findGrant(db, "g1")).not.toBeNull();
    // One jti cannot belong to two grants.
    expect(replaceAccessToken(db, { jti: "same", grantId: "g1", clientId: "c1", userId: "u1", scope: "openid", createdAt: 300, expiresAt: 3900 })).toBe(true);
    expect(() => replaceAccessToken(db, { jti: "same", grantId: "g2", clientId: "c1", userId: "u1", scope: "openid", createdAt: 300, expiresAt: 3900 })).toThrow(/UNIQUE/);
  });
});

describe("0014: a chosen token endpoint auth method is binding", () => {
  test("existing clients keep accepting either secret method (basic or post) and private_key_jwt stays binding", async () => {
    const { findClientById, acceptedAuthMethods } = await import("../../../src/oidc/clients.ts");
    const db = migratedBefore(14);
    db.exec(`
      UPDATE oidc_clients SET token_endpoint_auth_method = 'client_secret_post' WHERE id = 'c1';
      INSERT INTO oidc_clients (id, name, callback_urls, created_at, updated_at) VALUES ('c2', 'Default', '[]', 1, 1);
      INSERT INTO oidc_clients (id, name, callback_urls, token_endpoint_auth_method, jwks, created_at, updated_at) VALUES ('c3', 'Signed', '[]', 'private_key_jwt', '{"keys":[]}', 1, 1);
      INSERT INTO oidc_clients (id, name, callback_urls, is_public, created_at, updated_at) VALUES ('c4', 'Public', '[]', 1, 1, 1);
    `);
    migrate(db);
    expect(["c1", "c2", "c3", "c4"].map((id) => acceptedAuthMethods(findClientById(db, id)!))).toEqual([
      ["client_secret_basic", "client_secret_post"],
      ["client_secret_basic", "client_secret_post"],
      ["private_key_jwt"],
      ["none"],
    ]);
    expect(() => db.exec("UPDATE oidc_clients SET token_endpoint_auth_method_fixed = 2 WHERE id = 'c1'")).toThrow(/CHECK/);
  });
});
