/** Group commit (src/db/group-commit.ts): one commit per turn, each write isolated, nothing half-written. */
import { afterEach, expect, test } from "bun:test";
import type { Database } from "../../../src/db/database.ts";
import path from "node:path";
import { commitSoon } from "../../../src/db/group-commit.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { makeTempDir } from "../../helpers/test-deps.ts";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

/** The database, and a second connection whose data_version counts the commits of the first. */
function setup(): { db: Database; commits: () => number; rows: () => string[] } {
  const { dir, cleanup } = makeTempDir("latchkey-group-commit-");
  const file = path.join(dir, "g.db");
  const db = openDatabase(file);
  db.exec(`CREATE TABLE parent (id TEXT PRIMARY KEY) STRICT;
           CREATE TABLE t (v TEXT NOT NULL UNIQUE, parent TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED) STRICT;
           INSERT INTO parent VALUES ('p');`);
  const observer = openDatabase(file);
  cleanups.push(cleanup, () => db.close(), () => observer.close());
  const base = observer.query<{ data_version: number }, []>("PRAGMA data_version").get()!.data_version;
  return {
    db,
    commits: () => observer.query<{ data_version: number }, []>("PRAGMA data_version").get()!.data_version - base,
    rows: () => observer.query<{ v: string }, []>("SELECT v FROM t ORDER BY v").all().map((r) => r.v),
  };
}

test("writes queued in one turn commit together, once, and each promise gets its write's result", async () => {
  const { db, commits, rows } = setup();
  const insert = (v: string) => () => db.query("INSERT INTO t (v) VALUES (?)").run(v).changes;
  const results = await Promise.all([commitSoon(db, insert("a")), commitSoon(db, insert("b")), commitSoon(db, insert("c"))]);
  expect(results).toEqual([1, 1, 1]);
  expect(rows()).toEqual(["a", "b", "c"]);
  expect(commits()).toBe(1);
  // A later turn is another commit.
  await commitSoon(db, insert("d"));
  expect(commits()).toBe(2);
});

test("a write that throws is rolled back alone; the others commit; its promise rejects with its error", async () => {
  const { db, rows } = setup();
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
  expect(String((settled[2] as PromiseRejectedResult).reason)).toContain("UNIQUE");
  expect(rows()).toEqual(["a", "b"]);
});

test("a write whose later statement breaks a constraint keeps nothing of its earlier statements", async () => {
  const { db, commits, rows } = setup();
  const first = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('a')").run());
  // Its first insert succeeds, its second collides with the batch's first write: SQLite undoes only the
  // failing statement, so the batch must be replayed without this write's first insert.
  const broken = commitSoon(db, () => {
    db.query("INSERT INTO t (v) VALUES ('x')").run();
    db.query("INSERT INTO t (v) VALUES ('a')").run();
  });
  // A write that fails on its first statement changed nothing: it is simply refused.
  const refused = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('a')").run());
  const last = commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('z')").run());
  const settled = await Promise.allSettled([first, broken, refused, last]);
  expect(settled.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
  expect(String((settled[1] as PromiseRejectedResult).reason)).toContain("UNIQUE");
  expect(rows()).toEqual(["a", "z"]);
  expect(commits()).toBe(1);
  expect(db.inTransaction).toBe(false);
});

test("when the commit itself fails, every write of the batch is rolled back and every promise rejects", async () => {
  const { db, commits, rows } = setup();
  const good = commitSoon(db, () => db.query("INSERT INTO t (v, parent) VALUES ('good', 'p')").run());
  // A deferred foreign key: the savepoint is released, the COMMIT refuses.
  const dangling = commitSoon(db, () => db.query("INSERT INTO t (v, parent) VALUES ('dangling', 'nope')").run());
  const settled = await Promise.allSettled([good, dangling]);
  expect(settled.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  for (const r of settled) expect(String((r as PromiseRejectedResult).reason)).toContain("FOREIGN KEY");
  expect(rows()).toEqual([]);
  expect(commits()).toBe(0);
  expect(db.inTransaction).toBe(false);
  // The connection is usable afterwards.
  await commitSoon(db, () => db.query("INSERT INTO t (v) VALUES ('after')").run());
  expect(rows()).toEqual(["after"]);
});
