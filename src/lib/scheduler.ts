/**
 * A small job scheduler for background work (audit-log cleanup, GeoLite refresh, …).
 * - Timers come from the Clock it is given: the system clock's are unref'ed (a pending job never keeps
 *   the process alive); a test's FixedClock fires them when the test moves time, with no real waiting.
 * - A job never overlaps itself; a failing job is logged and runs again at its next tick.
 * - stop() clears every timer and waits for jobs that are running.
 */
import type { Clock, TimerHandle } from "./clock.ts";
import type { Log } from "./log.ts";

export interface Scheduler {
  /** Runs `fn` every `intervalMs` (and once soon after start when `runAtStart`). */
  every(name: string, intervalMs: number, fn: () => unknown | Promise<unknown>, opts?: { runAtStart?: boolean }): void;
  /** Runs one job now (tests, manual triggers); resolves when it finished. */
  runNow(name: string): Promise<void>;
  stop(): Promise<void>;
}

export function createScheduler({ log, clock }: { log: Log; clock: Clock }): Scheduler {
  const jobs = new Map<string, { run: () => Promise<void>; timers: TimerHandle[] }>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  const every: Scheduler["every"] = (name, intervalMs, fn, opts = {}) => {
    if (jobs.has(name)) throw new Error(`job ${name} is already scheduled`);
    let current: Promise<void> | null = null;
    const run = (): Promise<void> => {
      if (current) return current;
      current = (async () => {
        try {
          await fn();
        } catch (e) {
          log.error(`background job ${name} failed`, { error: e instanceof Error ? e.message : String(e) });
        }
      })().finally(() => {
        running.delete(current!);
        current = null;
      });
      running.add(current);
      return current;
    };
    const tick = () => {
      if (!stopped) void run();
    };
    const timers = [clock.setInterval(tick, intervalMs)];
    if (opts.runAtStart) timers.push(clock.setTimeout(tick, 0));
    jobs.set(name, { run, timers });
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
