import { expect, test } from "bun:test";
import type { Log } from "../../../src/lib/log.ts";
import { createScheduler } from "../../../src/lib/scheduler.ts";

function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string, f?: Record<string, unknown>) => void lines.push(`${level} ${m} ${JSON.stringify(f ?? {})}`);
  return { lines, debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") };
}

test("jobs run at their interval and at start when asked; stop() ends them", async () => {
  const s = createScheduler(memoryLog());
  let a = 0;
  let b = 0;
  s.every("a", 20, () => void a++);
  s.every("b", 60_000, () => void b++, { runAtStart: true });
  await Bun.sleep(75);
  expect(a).toBeGreaterThanOrEqual(2);
  expect(b).toBe(1);
  await s.stop();
  const after = a;
  await Bun.sleep(50);
  expect(a).toBe(after);
});

test("a job never overlaps itself; runNow waits for it", async () => {
  const s = createScheduler(memoryLog());
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  s.every("slow", 5, async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await Bun.sleep(30);
    running--;
    runs++;
  });
  await Bun.sleep(80);
  await s.runNow("slow");
  expect(maxRunning).toBe(1);
  expect(runs).toBeGreaterThanOrEqual(2);
  await s.stop();
  expect(running).toBe(0);
});

test("a failing job is logged and runs again; duplicate and unknown names are refused", async () => {
  const log = memoryLog();
  const s = createScheduler(log);
  let tries = 0;
  s.every("flaky", 60_000, () => {
    tries++;
    throw new Error("disk full");
  });
  await s.runNow("flaky");
  await s.runNow("flaky");
  expect(tries).toBe(2);
  expect(log.lines).toEqual(['error background job flaky failed {"error":"disk full"}', 'error background job flaky failed {"error":"disk full"}']);
  expect(() => s.every("flaky", 1000, () => {})).toThrow("job flaky is already scheduled");
  await expect(s.runNow("nope")).rejects.toThrow("no job named nope");
  await s.stop();
});

test("timers are unref'ed: a scheduled job does not keep the process alive", async () => {
  const p = Bun.spawn(["bun", "-e", `import { createScheduler } from "${import.meta.dir}/../../../src/lib/scheduler.ts"; const s = createScheduler(console); s.every("x", 3_600_000, () => {}, { runAtStart: true }); console.log("scheduled");`], { stdout: "pipe" });
  const exited = await Promise.race([p.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
  if (!exited) p.kill();
  expect(exited).toBe(true);
  expect(await new Response(p.stdout).text()).toBe("scheduled\n");
});
