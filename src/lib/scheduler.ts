/**
 * A small job scheduler for background work (audit-log cleanup, GeoLite refresh, …).
 * - Timers are unref'ed: a pending job never keeps the process alive.
 * - A job never overlaps itself; a failing job is logged and runs again at its next tick.
 * - stop() clears every timer and waits for jobs that are running.
 */
import type { Log } from "./log.ts";

export interface Scheduler {
  /** Runs `fn` every `intervalMs` (and once soon after start when `runAtStart`). */
  every(name: string, intervalMs: number, fn: () => unknown | Promise<unknown>, opts?: { runAtStart?: boolean }): void;
  /** Runs one job now (tests, manual triggers); resolves when it finished. */
  runNow(name: string): Promise<void>;
  stop(): Promise<void>;
}

export function createScheduler(log: Log): Scheduler {
  const jobs = new Map<string, { run: () => Promise<void>; timers: ReturnType<typeof setTimeout>[] }>();
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
    const interval = setInterval(tick, intervalMs);
    interval.unref?.();
    const timers: ReturnType<typeof setTimeout>[] = [interval];
    if (opts.runAtStart) {
      const first = setTimeout(tick, 0);
      first.unref?.();
      timers.push(first);
    }
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
      for (const job of jobs.values()) for (const t of job.timers) clearTimeout(t);
      await Promise.allSettled([...running]);
    },
  };
}
