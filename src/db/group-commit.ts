/**
 * Group commit for the token endpoint's writes.
 *
 * `commitSoon(db, write)` queues a synchronous write; at the end of this turn of the event loop (setImmediate)
 * every queued write runs in ONE immediate transaction, and the transaction commits once. The promise settles
 * after the commit: it resolves with the write's result, or rejects with what the write threw — nothing of
 * that write is kept, and the other writes are not affected (see runOptimistically for how). If the commit
 * itself fails, every write of the batch is rolled back and every promise rejects: nothing is half-written.
 *
 * Why: a commit writes every B-tree page the transaction changed to the WAL, one frame each. Each token
 * request adds a few rows to the same tables, so N requests committed together write their shared leaf pages
 * once instead of N times, and pay the commit's fixed cost once (bench/README.md). An idle server gains no
 * latency: the batch runs on the next turn, not after a timer.
 *
 * Writes must be synchronous and must not await: they run inside the transaction. Each write still sees
 * the effects of the writes before it in the batch, so single-use rules checked inside a write
 * (UPDATE … WHERE consumed_at IS NULL) hold across a batch as across separate transactions.
 */
import { engineOf, type Database } from "./database.ts";

interface Job {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const queues = new WeakMap<Database, Job[]>();

export function commitSoon<T>(db: Database, write: () => T): Promise<T> {
  // PostgreSQL: a statement that fails aborts its whole transaction, so writes cannot share one the way they
  // do here; each commits alone, now (a commit there is a round trip, not a WAL frame per page).
  if (engineOf(db) === "postgres") {
    try {
      return Promise.resolve(db.transaction(write)());
    } catch (error) {
      return Promise.reject(error);
    }
  }
  let queue = queues.get(db);
  if (!queue) {
    queue = [];
    queues.set(db, queue);
  }
  const promise = new Promise<T>((resolve, reject) => queue.push({ write, resolve: resolve as (value: unknown) => void, reject }));
  if (queue.length === 1) setImmediate(() => flush(db));
  return promise;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function flush(db: Database): void {
  const jobs = queues.get(db) ?? [];
  queues.delete(db);
  if (jobs.length === 0) return;
  let outcomes: Outcome[];
  try {
    outcomes = runOptimistically(db, jobs) ?? runIsolated(db, jobs);
  } catch (error) {
    // A failed COMMIT (a deferred constraint, a full disk) leaves the transaction open: end it.
    try {
      if (db.inTransaction) db.run("ROLLBACK");
    } catch {
      // The connection is gone; nothing was committed.
    }
    for (const job of jobs) job.reject(error);
    return;
  }
  jobs.forEach((job, i) => {
    const outcome = outcomes[i]!;
    if (outcome.ok) job.resolve(outcome.value);
    else job.reject(outcome.error);
  });
}

/**
 * The fast path: the writes run one after the other in one transaction, without savepoints (a savepoint
 * copies every page a write first touches to the statement journal, ~a quarter of an exchange's write cost).
 * A write that throws having changed nothing (a single-use check that found the value used, a constraint
 * its first statement broke, which SQLite undoes by itself) just rejects. A write that throws after
 * changing rows would leave half its work in the batch: then the whole batch is rolled back and null
 * returned, for `runIsolated` to replay.
 */
function runOptimistically(db: Database, jobs: Job[]): Outcome[] | null {
  const changes = db.query<{ n: number }, []>("SELECT total_changes() AS n");
  const outcomes: Outcome[] = [];
  db.run("BEGIN IMMEDIATE");
  let before = changes.get()!.n;
  for (const job of jobs) {
    try {
      outcomes.push({ ok: true, value: job.write() });
    } catch (error) {
      if (db.inTransaction && changes.get()!.n === before) {
        outcomes.push({ ok: false, error });
        continue;
      }
      if (db.inTransaction) db.run("ROLLBACK");
      return null;
    }
    before = changes.get()!.n;
  }
  db.run("COMMIT");
  return outcomes;
}

/** The slow path, after a write failed half-way: each write in its own savepoint, rolled back alone. */
function runIsolated(db: Database, jobs: Job[]): Outcome[] {
  const outcomes: Outcome[] = [];
  db.transaction(() => {
    for (const job of jobs) {
      try {
        outcomes.push({ ok: true, value: db.transaction(job.write)() });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
  }).immediate();
  return outcomes;
}
