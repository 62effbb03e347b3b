/**
 * Background WAL checkpoints (src/db/background-checkpoints.ts): started by writes, copied off-thread, stopped.
 * The main thread's tick runs on a FixedClock (moved by the test); the worker thread reports each checkpoint.
 */
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { startBackgroundCheckpoints, type BackgroundCheckpoints, type CheckpointResult } from "../../../src/db/background-checkpoints.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { FixedClock } from "../../../src/lib/clock.ts";
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

/** Checkpoint reports, and a wait for the next one that matches (the worker thread runs in real time). */
function reports() {
  const seen: CheckpointResult[] = [];
  let waiter: { match: (r: CheckpointResult) => boolean; resolve: (r: CheckpointResult) => void } | null = null;
  return {
    seen,
    onCheckpoint(r: CheckpointResult) {
      seen.push(r);
      if (waiter?.match(r)) {
        waiter.resolve(r);
        waiter = null;
      }
    },
    next(match: (r: CheckpointResult) => boolean): Promise<CheckpointResult> {
      return new Promise((resolve) => (waiter = { match, resolve }));
    },
  };
}

/** A checkpoint that copied every frame of the WAL: the database file holds every commit made before it. */
const complete = (r: CheckpointResult) => r.busy === 0 && r.log > 0 && r.checkpointed === r.log;

/** The main thread's tick runs on a FixedClock: `clock.advanceMs(FAST.tickMs)` is one tick, at once. */
function start(db: Database, file: string, extra: { onCheckpoint?: (r: CheckpointResult) => void; log?: Log } = {}): { checkpoints: BackgroundCheckpoints; clock: FixedClock } {
  const clock = new FixedClock();
  const checkpoints = startBackgroundCheckpoints(db, file, extra.log ?? silentLog, { ...FAST, onCheckpoint: extra.onCheckpoint, clock });
  cleanups.push(() => checkpoints.stop());
  return { checkpoints, clock };
}

test("a write-heavy connection gets a worker that copies its commits into the database file", async () => {
  const { db, file, dir } = setup();
  expect(rowsInDatabaseFile(file, dir)).toBe(-1); // the table itself is still only in the WAL
  const r = reports();
  const { checkpoints, clock } = start(db, file, { onCheckpoint: r.onCheckpoint });
  expect(checkpoints.running).toBe(false);
  insert(db, 200);
  const first = r.next(complete);
  clock.advanceMs(FAST.tickMs);
  expect(checkpoints.running).toBe(true);
  // The worker reports a checkpoint by message after it has copied the pages.
  await first;
  expect(rowsInDatabaseFile(file, dir)).toBe(200);
  // Later commits are copied too, without another start: the worker sees the new data_version by itself.
  // (A report already on its way may predate the insert: each complete one is looked at until the rows are in.)
  insert(db, 100, 200);
  while (rowsInDatabaseFile(file, dir) !== 300) await r.next(complete);
});

test("an idle connection never starts a worker, and a quiet one has it stopped", async () => {
  const { db, file } = setup();
  const { checkpoints, clock } = start(db, file);
  insert(db, 10); // below busyChangesPerTick
  clock.advanceMs(FAST.tickMs * 4);
  expect(checkpoints.running).toBe(false);
  insert(db, 200);
  clock.advanceMs(FAST.tickMs);
  expect(checkpoints.running).toBe(true);
  clock.advanceMs(FAST.tickMs * (FAST.idleTicks - 1));
  expect(checkpoints.running).toBe(true);
  clock.advanceMs(FAST.tickMs); // the last quiet tick
  expect(checkpoints.running).toBe(false);
});

test("stop() closes the worker's connection: closing the database then removes the WAL", async () => {
  const { db, file } = setup();
  const { checkpoints, clock } = start(db, file);
  insert(db, 200);
  clock.advanceMs(FAST.tickMs);
  expect(checkpoints.running).toBe(true);
  await checkpoints.stop();
  expect(checkpoints.running).toBe(false);
  expect(clock.pendingTimers).toBe(0);
  expect(existsSync(`${file}-wal`)).toBe(true);
  db.close();
  // SQLite deletes the WAL only when the last connection to the file closes.
  expect(existsSync(`${file}-wal`)).toBe(false);
});

test("a worker that cannot checkpoint reports it; the server's writes go on", async () => {
  const { db, file, dir } = setup();
  const warnings: string[] = [];
  const warned = Promise.withResolvers<void>();
  const log: Log = { ...silentLog, warn: (m) => void (warnings.push(m), warned.resolve()) };
  // A path that is not a database: the worker's first query fails.
  const bogus = path.join(dir, "not-a-database");
  await Bun.write(bogus, "this is not SQLite ".repeat(100));
  const { checkpoints, clock } = start(db, bogus, { log });
  insert(db, 200);
  clock.advanceMs(FAST.tickMs);
  await warned.promise;
  expect(warnings[0]).toContain("background WAL checkpoint failed");
  insert(db, 10, 200);
  expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM t").get()!.n).toBe(210);
  await checkpoints.stop();
  void file;
});
