/**
 * A small job scheduler for background work (audit-log cleanup, GeoLite refresh, …).
 * - Timers come from the Clock it is given: the system clock's are unref'ed (a pending job never keeps
 *   the process alive); a test's FixedClock fires them when the test moves time, with no real waiting.
 * - A job never overlaps itself; a failing job is logged and runs again at its next tick.
 * - stop() clears every timer and waits for jobs that are running.
 * - With `claims` (the server: src/cluster/job-claims.ts), a job of scope "cluster" (the default) runs once per
 *   period across every instance sharing the database: periods are aligned to the epoch (a daily job's period
 *   is the UTC day), each instance checks every min(interval, checkEveryMs) and runs the job only when it
 *   claims the current period's run; "at start" means "this period's run, when no instance has done it yet".
 *   Jobs of scope "instance" (work on this process's own state, e.g. reloading a local file) run on every
 *   instance at their interval, as without claims.
 */
import type { Clock, TimerHandle } from "./clock.ts";
import type { Log } from "./log.ts";

/** A run this instance claimed: report how it ended. */
export interface ClaimedRun {
  attempt: number;
  finish(outcome: "ok" | "failed", error: string | null): void;
}

/** Cluster-wide claims of job runs (src/cluster/job-claims.ts). */
export interface RunClaims {
  readonly instanceId: string;
  /** Claims the run of `job` for the period starting at `slot` (ms), held for `leaseMs`; null when another instance has it. */
  claim(job: string, slot: number, leaseMs: number): ClaimedRun | null;
}

export interface JobOptions {
  /** Also run soon after start (with claims: unless this period's run was done already). */
  runAtStart?: boolean;
  /** "cluster" (default): once per period across instances when the scheduler has claims; "instance": on every instance. */
  scope?: "cluster" | "instance";
  /** How long a claimed run may take before another instance may take it over (default: the interval, at most 15 minutes). */
  leaseMs?: number;
}

export interface Scheduler {
  /** Runs `fn` every `intervalMs` (and once soon after start when `runAtStart`). */
  every(name: string, intervalMs: number, fn: () => unknown | Promise<unknown>, opts?: JobOptions): void;
  /** Runs one job now, on this instance and without a claim (tests, manual triggers); resolves when it finished. */
  runNow(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** How often an instance checks whether a cluster job's current period still needs its run. */
export const DEFAULT_CHECK_EVERY_MS = 60_000;
const MAX_DEFAULT_LEASE_MS = 15 * 60_000;

export function createScheduler({ log, clock, claims, checkEveryMs = DEFAULT_CHECK_EVERY_MS }: { log: Log; clock: Clock; claims?: RunClaims; checkEveryMs?: number }): Scheduler {
  const jobs = new Map<string, { run: () => Promise<void>; timers: TimerHandle[] }>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  const every: Scheduler["every"] = (name, intervalMs, fn, opts = {}) => {
    if (jobs.has(name)) throw new Error(`job ${name} is already scheduled`);
    const clustered = claims !== undefined && (opts.scope ?? "cluster") === "cluster";
    const leaseMs = opts.leaseMs ?? Math.min(intervalMs, MAX_DEFAULT_LEASE_MS);
    const slotAt = (ms: number) => Math.floor(ms / intervalMs) * intervalMs;
    // Without runAtStart, the first run is the next period's.
    let firstSlot = opts.runAtStart ? -Infinity : slotAt(clock.now()) + intervalMs;
    let current: Promise<void> | null = null;
    const start = (body: () => Promise<void>): Promise<void> => {
      current = body().finally(() => {
        running.delete(current!);
        current = null;
      });
      running.add(current);
      return current;
    };
    const attempt = async (): Promise<string | null> => {
      try {
        await fn();
        return null;
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        log.error(`background job ${name} failed`, { error });
        return error;
      }
    };
    const runHere = (): Promise<void> => current ?? start(async () => void (await attempt()));
    const runClaimed = (): Promise<void> => {
      if (current) return current;
      const slot = slotAt(clock.now());
      if (slot < firstSlot) return Promise.resolve();
      let claimed: ClaimedRun | null;
      try {
        claimed = claims!.claim(name, slot, leaseMs);
      } catch (e) {
        log.error(`background job ${name} could not be claimed`, { error: e instanceof Error ? e.message : String(e) });
        return Promise.resolve();
      }
      if (!claimed) return Promise.resolve();
      const run = claimed;
      return start(async () => {
        const error = await attempt();
        try {
          run.finish(error === null ? "ok" : "failed", error);
        } catch (e) {
          log.error(`background job ${name}: its end could not be recorded`, { error: e instanceof Error ? e.message : String(e) });
        }
      });
    };
    const tick = () => {
      if (!stopped) void (clustered ? runClaimed() : runHere());
    };
    const timers = [clock.setInterval(tick, clustered ? Math.min(intervalMs, checkEveryMs) : intervalMs)];
    if (opts.runAtStart) timers.push(clock.setTimeout(tick, 0));
    jobs.set(name, { run: runHere, timers });
  };

  return {
    every,
    async runNow(name) {
      const job = jobs.get(name);
      if (!job) throw new Error(`no job named ${name}`);
      await job.run();
    },
    async stop() {
      stopped = true;
      for (const job of jobs.values()) for (const t of job.timers) clock.clearTimer(t);
      await Promise.allSettled([...running]);
    },
  };
}
