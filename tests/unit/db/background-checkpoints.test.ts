/** Background WAL checkpoints (src/db/background-checkpoints.ts): started by writes, copied off-thread, stopped. */
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { startBackgroundCheckpoints, type BackgroundCheckpoints, type CheckpointResult } from "../../../src/db/background-checkpoints.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { silentLog, type Log } from "../../../src/lib/log.ts";
import { makeTempDir } from "../../helpers/test-deps.ts";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const FAST = { tickMs: 20, busyChangesPerTick: 50, idleTicks: 5, workerPollMs: 10 };

function setup(): { db: Database; file: string; dir: string } {
  const { dir, cleanup } = makeTempDir("latchkey-checkpoints-");
  const file = path.join(dir, "c.db");
  const db = openDatabase(file);
  // No autocheckpoint: whatever reaches the database file was copied by the worker.
  db.exec("PRAGMA wal_autocheckpoint = 0");
  db.exec("CREATE TABLE t (v INTEGER NOT NULL) STRICT");
  cleanups.push(cleanup, () => {
    if (existsSync(file)) db.close();
  });
  return { db, file, dir };
}

function insert(db: Database, n: number, from = 0): void {
  db.transaction(() => {
    for (let i = 0; i < n; i++) db.query("INSERT INTO t (v) VALUES (?)").run(from + i);
  })();
}

/**
 * Rows found in the database file alone, without its WAL: what checkpoints have copied. -1 while the table
 * has not been copied yet, or when the copy caught a checkpoint half-way.
 */
let copies = 0;
function rowsInDatabaseFile(file: string, dir: string): number {
  const copy = path.join(dir, `copy-${++copies}.db`);
  copyFileSync(file, copy);
  let db: Database | null = null;
  try {
    db = new Database(copy, { readonly: true });
    return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM t").get()!.n;
  } catch {
    return -1;
  } finally {
    db?.close();
  }
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

function start(db: Database, file: string, extra: { onCheckpoint?: (r: CheckpointResult) => void; log?: Log } = {}): BackgroundCheckpoints {
  const checkpoints = startBackgroundCheckpoints(db, file, extra.log ?? silentLog, { ...FAST, onCheckpoint: extra.onCheckpoint });
  cleanups.push(() => checkpoints.stop());
  return checkpoints;
}

test("a write-heavy connection gets a worker that copies its commits into the database file", async () => {
  const { db, file, dir } = setup();
  expect(rowsInDatabaseFile(file, dir)).toBe(-1); // the table itself is still only in the WAL
  const results: CheckpointResult[] = [];
  const checkpoints = start(db, file, { onCheckpoint: (r) => results.push(r) });
  expect(checkpoints.running).toBe(false);
  insert(db, 200);
  await until(() => checkpoints.running, "the worker to start");
  await until(() => rowsInDatabaseFile(file, dir) === 200, "the rows to reach the database file");
  // The worker reports a checkpoint by message after it has copied the pages: the rows can be seen in the file first.
  await until(() => results.some((r) => r.checkpointed > 0 && r.busy === 0), "the worker to report a complete checkpoint");
  // Later commits are copied too, without another start.
  insert(db, 100, 200);
  await until(() => rowsInDatabaseFile(file, dir) === 300, "the later rows to reach the database file");
});

test("an idle connection never starts a worker, and a quiet one has it stopped", async () => {
  const { db, file } = setup();
  const checkpoints = start(db, file);
  insert(db, 10); // below busyChangesPerTick
  await Bun.sleep(FAST.tickMs * 4);
  expect(checkpoints.running).toBe(false);
  insert(db, 200);
  await until(() => checkpoints.running, "the worker to start");
  await until(() => !checkpoints.running, "the worker to stop after the quiet ticks");
});

test("stop() closes the worker's connection: closing the database then removes the WAL", async () => {
  const { db, file } = setup();
  const checkpoints = start(db, file);
  insert(db, 200);
  await until(() => checkpoints.running, "the worker to start");
  await checkpoints.stop();
  expect(checkpoints.running).toBe(false);
  expect(existsSync(`${file}-wal`)).toBe(true);
  db.close();
  // SQLite deletes the WAL only when the last connection to the file closes.
  expect(existsSync(`${file}-wal`)).toBe(false);
});

test("a worker that cannot checkpoint reports it; the server's writes go on", async () => {
  const { db, file, dir } = setup();
  const warnings: string[] = [];
  const log: Log = { ...silentLog, warn: (m) => warnings.push(m) };
  // A path that is not a database: the worker's first query fails.
  const bogus = path.join(dir, "not-a-database");
  await Bun.write(bogus, "this is not SQLite ".repeat(100));
  const checkpoints = start(db, bogus, { log });
  insert(db, 200);
  await until(() => warnings.length > 0, "a warning");
  expect(warnings[0]).toContain("background WAL checkpoint failed");
  insert(db, 10, 200);
  expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM t").get()!.n).toBe(210);
  await checkpoints.stop();
  void file;
});
