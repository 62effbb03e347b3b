/**
 * Background jobs run once across every instance sharing the database (issue 21): the scheduler
 * (src/lib/scheduler.ts) asks these claims before each run, and they answer from job_runs (src/db/job-runs.ts).
 * - One run per job and period, cluster-wide: the first instance whose check falls in a period claims it.
 * - A run left unfinished past its lease (its instance died) is taken over by the next check of another
 *   instance, so a killed instance delays a job by at most the lease and the check interval.
 * - Each claimed run is logged at debug level with the instance id; job_runs keeps the outcome for a week.
 */
import type { Database } from "../db/database.ts";
import { claimJobRun, deleteJobRunsBefore, finishJobRun } from "../db/job-runs.ts";
import type { Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import type { RunClaims } from "../lib/scheduler.ts";

/** How long job_runs rows are kept (pruned by the expired-rows cleanup). */
export const JOB_RUNS_KEPT_MS = 7 * 24 * 3600 * 1000;

export function createJobClaims(deps: { db: Database; clock: Clock; log: Log }, instanceId: string): RunClaims {
  const { db, clock, log } = deps;
  return {
    instanceId,
    claim(job, slot, leaseMs) {
      const now = clock.now();
      const attempt = claimJobRun(db, { job, slot, instance: instanceId, now, expiresAt: now + leaseMs });
      if (attempt === null) return null;
      if (attempt > 1) log.warn("background job run taken over from an instance that did not finish it", { job, slot: new Date(slot).toISOString(), instance: instanceId, attempt });
      else log.debug("background job run claimed", { job, slot: new Date(slot).toISOString(), instance: instanceId });
      return {
        attempt,
        finish(outcome, error) {
          const recorded = finishJobRun(db, { job, slot, instance: instanceId, attempt, finishedAt: clock.now(), outcome, error });
          if (!recorded) log.warn("background job run finished after another instance took it over", { job, slot: new Date(slot).toISOString(), instance: instanceId });
        },
      };
    },
  };
}

/** Deletes job_runs rows older than JOB_RUNS_KEPT_MS (called by the expired-rows cleanup). */
export function pruneJobRuns(deps: { db: Database; clock: Clock }): number {
  return deleteJobRunsBefore(deps.db, deps.clock.now() - JOB_RUNS_KEPT_MS);
}
