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
 * PostgreSQL batches the same way, for a bigger reason: its COMMIT waits for the WAL's fsync, and the engine
 * waits for every statement on the event loop (src/db/postgres/connection.ts), so a commit per request would
 * serve one token request per flush. With group commit, the requests that arrived during one flush share the
 * next. The differences are in runOptimisticallyOnPostgres.
 *
 * Writes must be synchronous and must not await: they run inside the transaction. Each write still sees
 * the effects of the writes before it in the batch, so single-use rules checked inside a write
 * (UPDATE … WHERE consumed_at IS NULL) hold across a batch as across separate transactions.
 */
import { engineOf, type Database } from "./database.ts";
import type { PostgresDatabase } from "./postgres/connection.ts";
import { DatabaseUnavailableError } from "../errors.ts";

interface Job {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const queues = new WeakMap<Database, Job[]>();

export function commitSoon<T>(db: Database, write: () => T): Promise<T> {
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
    outcomes = (engineOf(db) === "postgres" ? runOptimisticallyOnPostgres(db as PostgresDatabase, jobs) : runOptimistically(db, jobs)) ?? runIsolated(db, jobs);
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

/** Thrown inside the PostgreSQL batch to roll it back for runIsolated. */
const REPLAY = Symbol("replay the batch write by write");

/**
 * The fast path on PostgreSQL, as runOptimistically, with PostgreSQL's rules: a statement PostgreSQL refuses (a
 * constraint) aborts the whole transaction, not only itself, so the batch is rolled back and replayed by
 * runIsolated, where each write has a savepoint to fall back to. A write that throws having changed nothing and
 * with no statement refused (the single-use checks) just rejects, as on SQLite: `totalChanges` counts the rows
 * written, as total_changes() does there. No savepoint on this path: each one that writes takes a
 * subtransaction id, and past 64 in one transaction every snapshot taken on the server gets slower.
 * A lost connection ends the batch: every write rejects with DatabaseUnavailableError (503).
 */
function runOptimisticallyOnPostgres(db: PostgresDatabase, jobs: Job[]): Outcome[] | null {
  const outcomes: Outcome[] = [];
  try {
    db.transaction(() => {
      let before = db.totalChanges;
      for (const job of jobs) {
        try {
          outcomes.push({ ok: true, value: job.write() });
        } catch (error) {
          if (error instanceof DatabaseUnavailableError) throw error;
          if (db.transactionAborted || db.totalChanges !== before) throw REPLAY;
          outcomes.push({ ok: false, error });
        }
        // A write that caught a refused statement and returned: the transaction cannot commit.
        if (db.transactionAborted) throw REPLAY;
        before = db.totalChanges;
      }
    })();
  } catch (error) {
    if (error === REPLAY) return null;
    throw error;
  }
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
