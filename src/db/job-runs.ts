/**
 * job_runs (migration 0016): which instance ran each period's run of a background job (src/cluster/job-claims.ts).
 * - A run is claimed by one statement: INSERT of (job, slot) that does nothing when the row exists, unless the
 *   row is a run left unfinished past its expiry (a dead instance's), which the same statement takes over.
 * - The claim is refused while another slot's run of the same job is still running and not expired, so a
 *   long run (LDAP sync, a backup) never overlaps the next period's run on another instance.
 * - Portable SQL: ON CONFLICT … DO UPDATE … WHERE and RETURNING exist in SQLite and PostgreSQL alike; the
 *   CASTs give PostgreSQL the parameters' types in the SELECT list (it cannot infer them there).
 */
import type { Database } from "./database.ts";

export type JobOutcome = "running" | "ok" | "failed";

export interface JobRun {
  job: string;
  /** Start of the period the run belongs to (ms since the epoch). */
  slot: number;
  instance: string;
  /** 1, or more when runs left unfinished by dead instances were taken over. */
  attempt: number;
  startedAt: number;
  expiresAt: number;
  finishedAt: number | null;
  outcome: JobOutcome;
  error: string | null;
}

type JobRunRow = {
  job: string;
  slot: number;
  instance: string;
  attempt: number;
  started_at: number;
  expires_at: number;
  finished_at: number | null;
  outcome: JobOutcome;
  error: string | null;
};

function toJobRun(r: JobRunRow): JobRun {
  return {
    job: r.job,
    slot: Number(r.slot),
    instance: r.instance,
    attempt: Number(r.attempt),
    startedAt: Number(r.started_at),
    expiresAt: Number(r.expires_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    outcome: r.outcome,
    error: r.error,
  };
}

/**
 * Claims the run of `job` for the period starting at `slot`; returns its attempt number, or null when another
 * instance has it (finished, or running and not expired) or another period's run is still running.
 */
export function claimJobRun(db: Database, run: { job: string; slot: number; instance: string; now: number; expiresAt: number }): number | null {
  const row = db
    .query<{ attempt: number }, [string, number, string, number, number]>(
      `INSERT INTO job_runs (job, slot, instance, attempt, started_at, expires_at, outcome)
       SELECT CAST(?1 AS TEXT), CAST(?2 AS BIGINT), CAST(?3 AS TEXT), 1, CAST(?4 AS BIGINT), CAST(?5 AS BIGINT), 'running'
       WHERE NOT EXISTS (SELECT 1 FROM job_runs WHERE job = ?1 AND slot <> ?2 AND outcome = 'running' AND expires_at > ?4)
       ON CONFLICT (job, slot) DO UPDATE SET instance = excluded.instance, attempt = job_runs.attempt + 1,
         started_at = excluded.started_at, expires_at = excluded.expires_at
       WHERE job_runs.outcome = 'running' AND job_runs.expires_at <= excluded.started_at
       RETURNING attempt`,
    )
    .get(run.job, run.slot, run.instance, run.now, run.expiresAt);
  return row ? Number(row.attempt) : null;
}

/** Records the end of a claimed run; false when the claim was taken over meanwhile (nothing is recorded then). */
export function finishJobRun(
  db: Database,
  run: { job: string; slot: number; instance: string; attempt: number; finishedAt: number; outcome: "ok" | "failed"; error: string | null },
): boolean {
  return (
    db
      .query(
        `UPDATE job_runs SET finished_at = ?, outcome = ?, error = ?
         WHERE job = ? AND slot = ? AND instance = ? AND attempt = ? AND outcome = 'running'`,
      )
      .run(run.finishedAt, run.outcome, run.error, run.job, run.slot, run.instance, run.attempt).changes === 1
  );
}

/** Runs of every job (or of one), oldest period first: which jobs ran, when and where. */
export function listJobRuns(db: Database, job?: string): JobRun[] {
  const rows =
    job === undefined
      ? db.query<JobRunRow, []>("SELECT * FROM job_runs ORDER BY slot, job").all()
      : db.query<JobRunRow, [string]>("SELECT * FROM job_runs WHERE job = ? ORDER BY slot").all(job);
  return rows.map(toJobRun);
}

/** Deletes runs started before `before` (ms); returns how many. */
export function deleteJobRunsBefore(db: Database, before: number): number {
  return db.query("DELETE FROM job_runs WHERE started_at < ?").run(before).changes;
}
