/**
 * The PostgreSQL engine (src/db/postgres/) against a real PostgreSQL (tests/helpers/postgres.ts): the dialect
 * rewrite, values coming back as SQLite returns them, transactions, errors, migrations under the advisory lock,
 * a server that goes away and comes back, and start-up's precise refusals. Runs in every pass (the engine is
 * tested on its own, whatever LATCHKEY_TEST_ENGINE says).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { engineOf, tableExists } from "../../../src/db/database.ts";
import { checkSchemaVersion, latestSchemaVersion, migrate, MigrationError, MIGRATIONS, POSTGRES_MIGRATIONS, schemaVersion } from "../../../src/db/migrate.ts";
import { DatabaseUnavailableError, PostgresDatabase, PostgresQueryError } from "../../../src/db/postgres/connection.ts";
import { connectionStringProblems, describeTarget, redactConnectionString } from "../../../src/db/postgres/connection-string.ts";
import { bindArguments, DialectError, toPostgres } from "../../../src/db/postgres/dialect.ts";
import { connectPostgres, explainConnectionFailure, PostgresStartupError } from "../../../src/db/postgres/open.ts";
import { acquireMaintenanceLock, ServerLockError } from "../../../src/db/server-lock.ts";
import { sharedPostgres, type PgServer } from "../../helpers/postgres.ts";

describe("SQLite's dialect rewritten for PostgreSQL", () => {
  test.each([
    ["SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2", [0, 1]],
    ["SELECT * FROM t WHERE a = ?2 OR b = ?1 OR c = ?", "SELECT * FROM t WHERE a = $2 OR b = $1 OR c = $3", [0, 1, 2]],
    ["INSERT INTO t (a, b) VALUES ($a, :b) RETURNING @a", "INSERT INTO t (a, b) VALUES ($1, $2) RETURNING $1", ["a", "b"]],
    ["INSERT OR IGNORE INTO t (a) VALUES (?)", "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING", [0]],
    ["INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a", "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a", [0]],
    ["SELECT name FROM t WHERE name LIKE ? ESCAPE '\\' ORDER BY t.name COLLATE NOCASE, id", "SELECT name FROM t WHERE name ILIKE $1 ESCAPE '\\' ORDER BY lower(t.name), id", [0]],
    ["SELECT json_extract(data, '$.clientId') AS clientId FROM a", `SELECT (data::jsonb ->> 'clientId') AS "clientId" FROM a`, []],
    ["SELECT CAST(x AS INTEGER) AS n, max(a, b) AS m, MAX(c) AS c FROM t", "SELECT CAST(x AS BIGINT) AS n, GREATEST(a, b) AS m, MAX(c) AS c FROM t", []],
    ["SELECT value FROM kv WHERE value GLOB 'lk[0-9].*'", "SELECT value FROM kv WHERE value ~ '^lk[0-9]\\..*$'", []],
    ["SELECT 1 FROM users WHERE ?1 IS NOT NULL AND +username > ?2", "SELECT 1 FROM users WHERE $1::text IS NOT NULL AND username > $2", [0, 1]],
    ["SELECT 'it''s ? LIKE $x' AS s, \"a?\" FROM t -- ? in a comment", "SELECT 'it''s ? LIKE $x' AS s, \"a?\" FROM t -- ? in a comment", []],
    ["SELECT a::text FROM t WHERE b = ?", "SELECT a::text FROM t WHERE b = $1", [0]],
    [
      "SELECT id FROM users WHERE username = ? OR (?2 IS NOT NULL AND u.email = ?2 COLLATE NOCASE)",
      "SELECT id FROM users WHERE lower(username) = lower(CAST($1 AS text)) OR ($2::text IS NOT NULL AND lower(u.email) = lower(CAST($2 AS text)))",
      [0, 1],
    ],
    ["UPDATE users SET username = $username, email = $email WHERE id = $id", "UPDATE users SET username = $1, email = $2 WHERE id = $3", ["username", "email", "id"]],
    ["SELECT rowid AS rowid, a.rowid FROM a ORDER BY rowid", "SELECT ctid AS rowid, a.ctid FROM a ORDER BY ctid", []],
    ["INSERT INTO k (v) VALUES (x'00ff')", "INSERT INTO k (v) VALUES ('\\x00ff'::bytea)", []],
    [
      "SELECT (SELECT json_group_array(g.name) FROM g) AS groups FROM u WHERE u.id IN (SELECT value FROM json_each(?))",
      "SELECT (SELECT CAST(COALESCE(json_agg(g.name), '[]'::json) AS text) FROM g) AS groups FROM u WHERE u.id IN (SELECT value FROM json_array_elements_text(CAST(CAST($1 AS text) AS json)) AS j(value))",
      [0],
    ],
  ] as [string, string, (number | string)[]][])("%s", (sqlite, postgres, plan) => {
    const translated = toPostgres(sqlite);
    expect(translated.text).toBe(postgres);
    expect(translated.plan).toEqual(plan);
  });

  test("INSERT OR REPLACE is refused: PostgreSQL needs the conflict target it leaves unsaid", () => {
    expect(() => toPostgres("INSERT OR REPLACE INTO t (a) VALUES (?)")).toThrow(DialectError);
  });

  test("arguments bind as bun:sqlite binds them: positional, an array, a named object; booleans as 1/0", () => {
    expect(bindArguments([0, 1], ["a", true])).toEqual(["a", 1]);
    expect(bindArguments([0, 1], [["a", false]])).toEqual(["a", 0]);
    expect(bindArguments(["id", "n"], [{ id: "x", n: undefined }])).toEqual(["x", null]);
    expect(bindArguments(["id"], [{ $id: "y" }])).toEqual(["y"]);
    expect(() => bindArguments(["id"], ["not an object"])).toThrow(DialectError);
  });
});

describe("connection strings", () => {
  test("the password never appears in what is shown", () => {
    const url = "postgres://latchkey:s3cr3t%21@db.internal:6543/idp?sslmode=require&password=other";
    const shown = redactConnectionString(url);
    expect(shown).not.toContain("s3cr3t");
    expect(shown).not.toContain("other");
    expect(shown).toContain("db.internal:6543/idp");
    expect(describeTarget(url)).toBe("db.internal:6543/idp");
  });

  test("a string without host or database, or with an unknown sslmode, is refused with the reason", () => {
    expect(connectionStringProblems("postgres://u:p@db/idp")).toEqual([]);
    expect(connectionStringProblems("postgres://u:p@db")[0]).toContain("must name a database");
    expect(connectionStringProblems("postgres://u:p@db/idp?sslmode=maybe")[0]).toContain('sslmode "maybe"');
  });
});

describe("the engine against a real PostgreSQL", () => {
  let pg: PgServer;
  let db: PostgresDatabase;
  const opened: PostgresDatabase[] = [];
  const open = (url: string) => {
    const d = new PostgresDatabase(url, { connectTimeoutSeconds: 2 });
    opened.push(d);
    return d;
  };

  beforeAll(async () => {
    pg = await sharedPostgres();
    db = open(await pg.createDatabase());
    db.exec("CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL, b BYTEA, flag BIGINT NOT NULL DEFAULT 0); CREATE TABLE u (name TEXT NOT NULL)");
  });
  afterAll(() => {
    for (const d of opened) d.close();
  });

  test("values come back as SQLite returns them: numbers, 1/0, Uint8Array, null for no row", () => {
    const at = 1_796_000_000_123;
    expect(engineOf(db)).toBe("postgres");
    db.query("INSERT INTO t (id, n, b) VALUES ($id, $n, $b)").run({ id: "a", n: at, b: new Uint8Array([1, 2, 255]) });
    const row = db.query<Record<string, unknown>, [string]>("SELECT t.*, n > 0 AS positive, COUNT(*) OVER () AS total FROM t WHERE id = ?").get("a")!;
    expect(row).toEqual({ id: "a", n: at, b: new Uint8Array([1, 2, 255]), flag: 0, positive: 1, total: 1 });
    expect(db.query("SELECT * FROM t WHERE id = ?").get("missing")).toBeNull();
    expect(db.query("SELECT id, n FROM t").values()).toEqual([["a", at]]);
    expect(db.query("UPDATE t SET flag = ? WHERE id = ?").run(true, "a").changes).toBe(1);
    expect(db.query("INSERT OR IGNORE INTO t (id, n) VALUES (?, ?)").run("a", 1).changes).toBe(0);
    expect(db.query("SELECT value FROM json_each(?) ORDER BY value").all(JSON.stringify(["b", "a"]))).toEqual([{ value: "a" }, { value: "b" }]);
    expect(db.query("SELECT json_group_array(id) AS ids FROM t WHERE id = ?").get("none")).toEqual({ ids: "[]" });
    expect(tableExists(db, "t")).toBe(true);
    expect(tableExists(db, "nope")).toBe(false);
  });

  test("a transaction commits whole or not at all; nested ones are savepoints", () => {
    db.exec("DELETE FROM u");
    expect(() =>
      db.transaction(() => {
        db.query("INSERT INTO u (name) VALUES (?)").run("kept only if all commits");
        throw new Error("boom");
      })(),
    ).toThrow("boom");
    expect(db.query("SELECT COUNT(*) AS n FROM u").get()).toEqual({ n: 0 });
    expect(db.inTransaction).toBe(false);
    db.transaction(() => {
      db.query("INSERT INTO u (name) VALUES (?)").run("outer");
      expect(db.inTransaction).toBe(true);
      expect(() =>
        db.transaction(() => {
          db.query("INSERT INTO u (name) VALUES (?)").run("inner");
          throw new Error("inner fails");
        })(),
      ).toThrow("inner fails");
    })();
    expect(db.query("SELECT name FROM u").all()).toEqual([{ name: "outer" }]);
  });

  test("a statement PostgreSQL refuses is a PostgresQueryError with its SQLSTATE, and nothing of it is kept", () => {
    let error: unknown;
    try {
      db.transaction(() => {
        db.query("INSERT INTO u (name) VALUES (?)").run("before the duplicate");
        db.query("INSERT INTO t (id, n) VALUES (?, ?)").run("a", 2);
      })();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PostgresQueryError);
    expect((error as PostgresQueryError).code).toBe("23505");
    expect(db.query("SELECT COUNT(*) AS n FROM u WHERE name = ?").get("before the duplicate")).toEqual({ n: 0 });
    expect(() => db.run("BEGIN")).toThrow("use db.transaction");
  });

  test("a refused statement caught inside a transaction: the transaction throws, it does not report a commit PostgreSQL turned into a rollback", () => {
    db.exec("DELETE FROM u");
    let error: unknown;
    try {
      db.transaction(() => {
        db.query("INSERT INTO u (name) VALUES (?)").run("lost with the transaction");
        try {
          db.query("INSERT INTO t (id, n) VALUES (?, ?)").run("a", 3);
        } catch {
          expect(db.transactionAborted).toBe(true);
        }
      })();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PostgresQueryError);
    expect(String(error)).toContain("rolled it back instead of committing");
    expect(db.transactionAborted).toBe(false);
    expect(db.query("SELECT COUNT(*) AS n FROM u").get()).toEqual({ n: 0 });
    // A savepoint rolled back clears it: the outer transaction commits.
    db.transaction(() => {
      db.query("INSERT INTO u (name) VALUES (?)").run("outer");
      expect(() => db.transaction(() => db.query("INSERT INTO t (id, n) VALUES (?, ?)").run("a", 3))()).toThrow(PostgresQueryError);
      expect(db.transactionAborted).toBe(false);
    })();
    expect(db.query("SELECT name FROM u").all()).toEqual([{ name: "outer" }]);
  });

  test("totalChanges counts the rows INSERT, UPDATE and DELETE changed, as SQLite's total_changes(); reads count none", () => {
    const before = db.totalChanges;
    db.query("INSERT INTO u (name) VALUES (?), (?)").run("c1", "c2");
    db.query("UPDATE u SET name = name WHERE name IN (?, ?)").run("c1", "c2");
    db.query("UPDATE u SET name = name WHERE name = ?").run("no such row");
    db.query("SELECT * FROM u").all();
    expect(db.totalChanges - before).toBe(4);
    db.query("DELETE FROM u WHERE name IN (?, ?)").run("c1", "c2");
    expect(db.totalChanges - before).toBe(6);
    // PostgreSQL tags a SELECT whose WITH clause writes as SELECT, with no count of the rows written: it counts
    // as a change, never as none (group commit must not take a write that changed rows for one that did not).
    db.query("INSERT INTO u (name) VALUES (?)").run("c3");
    const beforeCte = db.totalChanges;
    expect(db.query("WITH d AS (DELETE FROM u WHERE name = ? RETURNING name) SELECT COUNT(*) AS n FROM d").get("c3")).toEqual({ n: 1 });
    expect(db.totalChanges).toBeGreaterThan(beforeCte);
    const beforeScript = db.totalChanges;
    db.exec("INSERT INTO u (name) VALUES ('c4'); DELETE FROM u WHERE name = 'c4'");
    expect(db.totalChanges).toBeGreaterThan(beforeScript);
  });

  test("the connection ended while a transaction is open: its next statement fails with DatabaseUnavailableError, nothing of it commits", async () => {
    const url = await pg.createDatabase();
    const [d, other] = [open(url), open(url)];
    d.exec("CREATE TABLE k (v TEXT)");
    const pid = d.query<{ pid: number }, []>("SELECT pg_backend_pid() AS pid").get()!.pid;
    expect(() =>
      d.transaction(() => {
        d.query("INSERT INTO k (v) VALUES (?)").run("before");
        other.query("SELECT pg_terminate_backend(?, 5000)").get(pid);
        // The client would dial again by itself: this must not run, alone, on the new connection.
        d.query("INSERT INTO k (v) VALUES (?)").run("after");
      })(),
    ).toThrow(DatabaseUnavailableError);
    expect(other.query("SELECT v FROM k").all()).toEqual([]);
    // The next call dials again.
    d.query("INSERT INTO k (v) VALUES (?)").run("later");
    expect(other.query("SELECT v FROM k").all()).toEqual([{ v: "later" }]);
  });

  test("instances starting together apply the migrations once, under the advisory lock", async () => {
    const url = await pg.createDatabase();
    const root = path.resolve(import.meta.dir, "../../..");
    const script = `import { migrate } from ${JSON.stringify(path.join(root, "src/db/migrate.ts"))};
      import { PostgresDatabase } from ${JSON.stringify(path.join(root, "src/db/postgres/connection.ts"))};
      const db = new PostgresDatabase(process.env.URL);
      console.log(JSON.stringify(migrate(db)));
      db.close();`;
    const runs = await Promise.all(
      [1, 2, 3].map(async () => {
        const proc = Bun.spawn([process.execPath, "-e", script], { env: { ...process.env, URL: url }, stdout: "pipe", stderr: "pipe" });
        const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
        if (code !== 0) throw new Error(err);
        return JSON.parse(out) as number[];
      }),
    );
    expect(runs.flat().sort((x, y) => x - y)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    expect(runs.filter((r) => r.length === 0)).toHaveLength(2);
    const a = open(url);
    expect(schemaVersion(a)).toBe(latestSchemaVersion(POSTGRES_MIGRATIONS));
  });

  test("a schema from a newer Latchkey is refused untouched", async () => {
    const url = await pg.createDatabase();
    const [a, b] = [open(url), open(url)];
    migrate(a);
    a.query("UPDATE latchkey_schema SET version = ?").run(999);
    expect(() => checkSchemaVersion(b)).toThrow(MigrationError);
    expect(() => migrate(b)).toThrow("schema version 999");
    expect(schemaVersion(a)).toBe(999);
  });

  test("from version 15 on, every SQLite migration has a PostgreSQL twin with the same number", () => {
    expect(POSTGRES_MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.filter((m) => m.version >= 15).map((m) => m.version));
    expect(latestSchemaVersion(POSTGRES_MIGRATIONS)).toBe(latestSchemaVersion(MIGRATIONS));
  });

  test("PostgreSQL stopped: calls fail fast with DatabaseUnavailableError; once it is back the same connection object serves again", async () => {
    const url = await pg.createDatabase();
    const d = open(url);
    d.exec("CREATE TABLE k (v BIGINT)");
    d.query("INSERT INTO k (v) VALUES (?)").run(1);
    await pg.stop("fast");
    try {
      const started = performance.now();
      expect(() => d.query("SELECT v FROM k").all()).toThrow(DatabaseUnavailableError);
      expect(() => d.transaction(() => d.query("INSERT INTO k (v) VALUES (?)").run(2))()).toThrow(DatabaseUnavailableError);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await pg.start();
    }
    expect(d.query("SELECT v FROM k").all()).toEqual([{ v: 1 }]);
    d.query("INSERT INTO k (v) VALUES (?)").run(3);
    expect(d.query("SELECT COUNT(*) AS n FROM k").get()).toEqual({ n: 2 });
  });

  test("start-up names the host and the cause, retries what can recover for a bounded time, and refuses what cannot", async () => {
    const warnings: string[] = [];
    let clock = 0;
    const options = { startupTimeoutSeconds: 3, warn: (m: string) => warnings.push(m), sleep: (ms: number) => void (clock += ms), now: () => clock };
    const missing = pg.url("no_such_database");
    expect(() => connectPostgres(missing, options)).toThrow(new PostgresStartupError(`Cannot use PostgreSQL at 127.0.0.1:${pg.port}/no_such_database: database "no_such_database" does not exist (create it: createdb no_such_database). Nothing was written.`));
    expect(warnings).toEqual([]);
    const refused = "postgres://latchkey:hunter2@127.0.0.1:1/idp";
    let error: Error | null = null;
    try {
      connectPostgres(refused, options);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(PostgresStartupError);
    expect(error!.message).toContain("Cannot reach PostgreSQL at 127.0.0.1:1/idp: connection refused or host unreachable");
    expect(error!.message).toContain("gave up after 3 s (DB_STARTUP_TIMEOUT=3)");
    // Backoff 0.5 s, 1 s, then what is left: the last attempt is made at the deadline, not before it.
    expect(clock).toBe(3000);
    expect(warnings.map((w) => /retrying in (\S+) s/.exec(w)![1])).toEqual(["0.5", "1.0", "1.5"]);
    expect([error!.message, ...warnings].join("\n")).not.toContain("hunter2");
  });

  test("maintenance commands run alone: refused while an instance serves the database, and instances wait while one runs", async () => {
    const url = await pg.createDatabase();
    const serving = new PostgresDatabase(url, { instance: true });
    serving.query("SELECT 1 AS ok").get(); // a serving instance's connection holds the instance lock shared
    const cli = open(url);
    expect(() => acquireMaintenanceLock(cli, "db")).toThrow(new ServerLockError("Latchkey instances are serving the PostgreSQL database db. Stop every instance first: this command must run alone. Nothing was changed."));
    serving.close();
    await Bun.sleep(100); // the server ends the closed connection's session, and its lock with it
    const lock = acquireMaintenanceLock(cli, "db");
    const starting = new PostgresDatabase(url, { instance: true, connectTimeoutSeconds: 2 });
    opened.push(starting);
    expect(() => starting.query("SELECT 1 AS ok").get()).toThrow(DatabaseUnavailableError);
    expect(explainConnectionFailure(new DatabaseUnavailableError("x", "LATCHKEY_MAINTENANCE"), url)).toEqual({ cause: "a maintenance command (latchkey encryption-key-rotate or import) is running on this database", retry: true });
    lock.release();
    expect(starting.query("SELECT 1 AS ok").get()).toEqual({ ok: 1 });
    // Its connection ended while idle (the client dials again by itself): the new connection takes the lock again.
    const pid = starting.query<{ pid: number }, []>("SELECT pg_backend_pid() AS pid").get()!.pid;
    cli.query("SELECT pg_terminate_backend(?, 5000)").get(pid);
    expect(starting.query<{ pid: number }, []>("SELECT pg_backend_pid() AS pid").get()!.pid).not.toBe(pid);
    expect(() => acquireMaintenanceLock(cli, "db")).toThrow(ServerLockError);
  });

  test("a wrong password is refused at once, naming the user, without the password", async () => {
    const admin = open(pg.url("postgres"));
    admin.exec("DROP ROLE IF EXISTS lk_pw; CREATE ROLE lk_pw LOGIN PASSWORD 'right-password'");
    const hba = path.join(pg.dir, "data", "pg_hba.conf");
    const before = readFileSync(hba, "utf8");
    writeFileSync(hba, `host all lk_pw 127.0.0.1/32 scram-sha-256\n${before}`);
    admin.query("SELECT pg_reload_conf() AS ok").get();
    try {
      const url = `postgres://lk_pw:wrong-password@127.0.0.1:${pg.port}/postgres`;
      let error: Error | null = null;
      try {
        connectPostgres(url, { startupTimeoutSeconds: 30, warn: () => {} });
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toBe(`Cannot use PostgreSQL at 127.0.0.1:${pg.port}/postgres: the password for user "lk_pw" was refused. Nothing was written.`);
      const good = connectPostgres(`postgres://lk_pw:right-password@127.0.0.1:${pg.port}/postgres`, { startupTimeoutSeconds: 5, warn: () => {} });
      opened.push(good);
      expect(good.query("SELECT current_user AS u").get()).toEqual({ u: "lk_pw" });
    } finally {
      writeFileSync(hba, before);
      admin.query("SELECT pg_reload_conf() AS ok").get();
    }
  });
});
