/** The background job scheduler, driven by a FixedClock: exact run counts, no real waiting. */
import { expect, test } from "bun:test";
import { FixedClock } from "../../../src/lib/clock.ts";
import type { Log } from "../../../src/lib/log.ts";
import { createScheduler } from "../../../src/lib/scheduler.ts";

function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string, f?: Record<string, unknown>) => void lines.push(`${level} ${m} ${JSON.stringify(f ?? {})}`);
  return { lines, debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") };
}

/** Lets a job's promise chain settle (its run ends a few promise jobs after its body). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test("jobs run at their interval and at start when asked; stop() ends them", async () => {
  const clock = new FixedClock();
  const s = createScheduler({ log: memoryLog(), clock });
  let a = 0;
  let b = 0;
  s.every("a", 20, () => void a++);
  s.every("b", 60_000, () => void b++, { runAtStart: true });
  expect([a, b]).toEqual([0, 0]); // nothing runs inside every()
  await clock.tick(0);
  expect([a, b]).toEqual([0, 1]); // "at start": on the next turn
  await clock.tick(75);
  expect([a, b]).toEqual([3, 1]); // at 20, 40 and 60 ms
  await clock.tick(60_000 - 75);
  expect(b).toBe(2);
  expect(a).toBe(3000);
  await s.stop();
  expect(clock.pendingTimers).toBe(0);
  await clock.tick(3_600_000);
  expect([a, b]).toEqual([3000, 2]);
});

test("a job never overlaps itself: ticks while it runs start nothing; runNow joins the run in progress", async () => {
  const clock = new FixedClock();
  const s = createScheduler({ log: memoryLog(), clock });
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  let release = () => {};
  s.every("slow", 5, async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise<void>((resolve) => (release = resolve));
    running--;
    runs++;
  });
  await clock.tick(5);
  expect(running).toBe(1);
  await clock.tick(50); // ten more ticks while it runs
  expect([running, maxRunning, runs]).toEqual([1, 1, 0]);
  const joined = s.runNow("slow");
  release();
  await joined;
  expect([running, runs]).toEqual([0, 1]);
  await clock.tick(5); // the next tick starts the next run
  expect(running).toBe(1);
  release();
  await s.runNow("slow");
  expect([maxRunning, runs, running]).toEqual([1, 2, 0]);
  await s.stop();
});

test("stop() clears the timers and waits for a running job", async () => {
  const clock = new FixedClock();
  const s = createScheduler({ log: memoryLog(), clock });
  let release = () => {};
  let finished = false;
  s.every("slow", 1_000, async () => {
    await new Promise<void>((resolve) => (release = resolve));
    finished = true;
  });
  await clock.tick(1_000);
  let stopped = false;
  const stopping = s.stop().then(() => (stopped = true));
  await settle();
  expect([stopped, finished, clock.pendingTimers]).toEqual([false, false, 0]);
  release();
  await stopping;
  expect([stopped, finished]).toEqual([true, true]);
});

test("a failing job is logged and runs again at its next tick; duplicate and unknown names are refused", async () => {
  const log = memoryLog();
  const clock = new FixedClock();
  const s = createScheduler({ log, clock });
  let tries = 0;
  s.every("flaky", 60_000, () => {
    tries++;
    throw new Error("disk full");
  });
  await s.runNow("flaky");
  await clock.tick(60_000);
  expect(tries).toBe(2);
  expect(log.lines).toEqual(['error background job flaky failed {"error":"disk full"}', 'error background job flaky failed {"error":"disk full"}']);
  expect(() => s.every("flaky", 1000, () => {})).toThrow("job flaky is already scheduled");
  await expect(s.runNow("nope")).rejects.toThrow("no job named nope");
  await s.stop();
});

test("with the system clock, a scheduled job does not keep the process alive", async () => {
  const dir = `${import.meta.dir}/../../../src/lib`;
  const p = Bun.spawn(["bun", "-e", `import { createScheduler } from "${dir}/scheduler.ts"; import { systemClock } from "${dir}/clock.ts"; const s = createScheduler({ log: console, clock: systemClock }); s.every("x", 3_600_000, () => {}, { runAtStart: true }); console.log("scheduled");`], { stdout: "pipe" });
  // Exits by itself once its script ran; a ref'ed timer would keep it alive for an hour (the test's timeout ends that).
  expect(await p.exited).toBe(0);
  expect(await new Response(p.stdout).text()).toBe("scheduled\n");
});
