/**
 * Group commit (src/db/group-commit.ts): one commit per turn, each write isolated, nothing half-written. Runs on
 * the pass's engine: SQLite, or a real PostgreSQL with LATCHKEY_TEST_ENGINE=postgres (tests/run.sh).
 */
import { afterEach, expect, test } from "bun:test";
import type { Database } from "../../../src/db/database.ts";
import path from "node:path";
import { commitSoon } from "../../../src/db/group-commit.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { DatabaseUnavailableError, PostgresDatabase } from "../../../src/db/postgres/connection.ts";
import { sharedPostgres } from "../../helpers/postgres.ts";
import { testEngine } from "../../helpers/template-database.ts";
import { makeTempDir } from "../../helpers/test-deps.ts";

const onPostgres = testEngine() === "postgres";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

interface Setup {
  db: Database;
  /** A second connection. */
  observer: Database;
  /**
   * Transactions that committed rows into t: SQLite's data_version counts the first connection's commits; on
   * PostgreSQL the rows' distinct xmin (the id of the transaction that wrote each), so only rows still there count.
   */
  commits: () => number;
  rows: () => string[];
}

/** The database (tables parent, t, codes), and a second connection that watches the first's commits. */
async function setup(): Promise<Setup> {
  const schema = (strict: string) => `CREATE TABLE parent (id TEXT PRIMARY KEY)${strict};
     CREATE TABLE t (v TEXT NOT NULL UNIQUE, parent TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)${strict};
     CREATE TABLE codes (code TEXT PRIMARY KEY, consumed_at INTEGER)${strict};
     INSERT INTO parent VALUES ('p');
     INSERT INTO codes VALUES ('c', NULL);`;
  const rows = (observer: Database) => () => observer.query<{ v: string }, []>("SELECT v FROM t ORDER BY v").all().map((r) => r.v);
  if (onPostgres) {
    const url = await (await sharedPostgres()).createDatabase();
    const db = new PostgresDatabase(url, { connectTimeoutSeconds: 2 });
    const observer = new PostgresDatabase(url, { connectTimeoutSeconds: 2 });
    cleanups.push(() => db.close(), () => observer.close());
    db.exec(schema(""));
    return {
      db,
      observer,
      commits: () => observer.query<{ n: number }, []>("SELECT COUNT(DISTINCT xmin::text) AS n FROM t").get()!.n,
      rows: rows(observer),
    };
  }
  const { dir, cleanup } = makeTempDir("latchkey-group-commit-");
  const file = path.join(dir, "g.db");
  const db = openDatabase(file);
  db.exec(schema(" STRICT"));
  const observer = openDatabase(file);
  cleanups.push(cleanup, () => db.close(), () => observer.close());
  const base = observer.query<{ data_version: number }, []>("PRAGMA data_version").get()!.data_version;
  return {
    db,
    observer,
    commits: () => observer.query<{ data_version: number }, []>("PRAGMA data_version").get()!.data_version - base,
    rows: rows(observer),
  };
}

test("writes queued in one turn commit together, once, and each promise gets its write's result", async () => {
  const { db, commits, rows } = await setup();
  const insert = (v: string) => () => db.query("INSERT INTO t (v) VALUES (?)").run(v).changes;
  const results = await Promise.all([commitSoon(db, insert("a")), commitSoon(db, insert("b")), commitSoon(db, insert("c"))]);
  expect(results).toEqual([1, 1, 1]);
  expect(rows()).toEqual(["a", "b", "c"]);
  expect(commits()).toBe(1);
  // A later turn is another commit.
  await commitSoon(db, insert("d"));
  expect(commits()).toBe(2);
});

test("single use holds inside one batch: of two writes consuming one code, exactly one wins, and it alone writes", async () => {
  const { db, commits, rows } = await setup();
  // As the token endpoint consumes a code: UPDATE … WHERE consumed_at IS NULL, then throw when no row matched.
  const exchange = (v: string) => () => {
    if (db.query("UPDATE codes SET consumed_at = 1 WHERE code = 'c' AND consumed_at IS NULL").run().changes === 0) throw new Error("the code was already used");
    db.query("INSERT INTO t (v) VALUES (?)").run(v);
    return v;
  };
  const other = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('other')").run().changes);
  const settled = await Promise.allSettled([commitSoon(db, exchange("first")), commitSoon(db, exchange("second")), other]);
  expect(settled.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  expect(String((settled[1] as PromiseRejectedResult).reason)).toContain("already used");
  expect(rows()).toEqual(["first", "other"]);
  // The refused write changed nothing, so the batch was not replayed: one commit.
  expect(commits()).toBe(1);
});

test("a write that throws is rolled back alone; the others commit; its promise rejects with its error", async () => {
  const { db, rows } = await setup();
  const ok = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('a')").run());
  const failing = commitSoon(db, () => {
    db.query("INSERT INTO t (v) VALUES ('half')").run();
    throw new Error("refused after a first insert");
  });
  // Sees the first write of the batch: single-use checks hold inside a batch as across transactions.
  const duplicate = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('a')").run());
  const later = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('b')").run());
  const settled = await Promise.allSettled([ok, failing, duplicate, later]);
  expect(settled.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
  expect(String((settled[1] as PromiseRejectedResult).reason)).toContain("refused after a first insert");
  expect(String((settled[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE|duplicate key/);
  expect(rows()).toEqual(["a", "b"]);
});

test("a write whose later statement breaks a constraint keeps nothing of its earlier statements", async () => {
  const { db, commits, rows } = await setup();
  const first = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('a')").run());
  // Its first insert succeeds, its second collides with the batch's first write: the batch must be replayed
  // without this write's first insert (SQLite undoes only the failing statement; PostgreSQL aborts the whole
  // transaction).
  const broken = commitSoon(db, () => {
    db.query("INSERT INTO t (v) VALUES ('x')").run();
    db.query("INSERT INTO t (v) VALUES ('a')").run();
  });
  // A write that fails on its first statement changed nothing: it is simply refused.
  const refused = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('a')").run());
  const last = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('z')").run());
  const settled = await Promise.allSettled([first, broken, refused, last]);
  expect(settled.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
  expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE|duplicate key/);
  expect(rows()).toEqual(["a", "z"]);
  // One commit; on PostgreSQL the replay gives each write a savepoint, whose rows carry their own xmin.
  if (!onPostgres) expect(commits()).toBe(1);
  expect(db.inTransaction).toBe(false);
  // The next batch takes the fast path again.
  await Promise.all([commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('n1')").run()), commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('n2')").run())]);
  expect(rows()).toEqual(["a", "n1", "n2", "z"]);
});

test("when the commit itself fails, every write of the batch is rolled back and every promise rejects", async () => {
  const { db, commits, rows } = await setup();
  const good = commitSoon(db, () => db.query("INSERT INTO t (v, parent) VALUES ('good', 'p')").run());
  // A deferred foreign key: the savepoint is released, the COMMIT refuses.
  const dangling = commitSoon(db, () => db.query("INSERT INTO t (v, parent) VALUES ('dangling', 'nope')").run());
  const settled = await Promise.allSettled([good, dangling]);
  expect(settled.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  for (const r of settled) expect(String((r as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY|foreign key/);
  expect(rows()).toEqual([]);
  expect(commits()).toBe(0);
  expect(db.inTransaction).toBe(false);
  // The connection is usable afterwards.
  await commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('after')").run());
  expect(rows()).toEqual(["after"]);
});

test.if(onPostgres)("PostgreSQL: a write that catches a refused statement cannot commit the aborted batch; it alone is refused", async () => {
  const { db, rows } = await setup();
  const before = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('a')").run());
  const swallowing = commitSoon(db, () => {
    try {
      db.query("INSERT INTO t (v) VALUES ('a')").run();
    } catch {
      // PostgreSQL has aborted the transaction: a COMMIT now would roll everything back and report success.
    }
    return "claims success";
  });
  const after = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('b')").run());
  const settled = await Promise.allSettled([before, swallowing, after]);
  expect(settled.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  expect(rows()).toEqual(["a", "b"]);
});

test.if(onPostgres)("PostgreSQL: the connection lost in the middle of a batch rejects every write with DatabaseUnavailableError, keeps nothing, and the next batch reconnects", async () => {
  const { db, observer, rows } = await setup();
  const pid = db.query<{ pid: number }, []>("SELECT pg_backend_pid() AS pid").get()!.pid;
  const first = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('a')").run());
  const cut = commitSoon(db, () => {
    // As if PostgreSQL restarted or the network dropped: the server ends this connection's backend.
    observer.query("SELECT pg_terminate_backend(?, 5000)").get(pid);
    db.query("INSERT INTO t (v) VALUES ('b')").run();
  });
  const last = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('c')").run());
  const settled = await Promise.allSettled([first, cut, last]);
  expect(settled.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
  for (const r of settled) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseUnavailableError);
  expect(rows()).toEqual([]);
  expect(db.inTransaction).toBe(false);
  await commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('after')").run());
  expect(rows()).toEqual(["after"]);
});
