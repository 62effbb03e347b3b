/** The clocks: the system clock's timers never keep the process alive; a FixedClock fires its timers when moved. */
import { expect, test } from "bun:test";
import { FixedClock } from "../../../src/lib/clock.ts";

test("a FixedClock fires due timers in order of due time, with now() at each one's due time", () => {
  const clock = new FixedClock(1_000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20); // same instant as b: creation order
  clock.advanceMs(9);
  expect(fired).toEqual([]);
  clock.advanceMs(11);
  expect(fired).toEqual(["a@1010", "b@1020", "c@1020"]);
  expect(clock.now()).toBe(1_020);
  expect(clock.pendingTimers).toBe(0);
});

test("an interval fires once per period passed, until cleared; a cleared timeout never fires", () => {
  const clock = new FixedClock(0);
  const at: number[] = [];
  const interval = clock.setInterval(() => at.push(clock.now()), 1_000);
  const never = clock.setTimeout(() => at.push(-1), 500);
  clock.clearTimer(never);
  clock.advance(3.5); // seconds
  expect(at).toEqual([1_000, 2_000, 3_000]);
  clock.clearTimer(interval);
  clock.advance(10);
  expect(at).toEqual([1_000, 2_000, 3_000]);
  expect(clock.pendingTimers).toBe(0);
});

test("timers set by a firing timer fire in the same move when due; a timeout of 0 fires at the next move", () => {
  const clock = new FixedClock(0);
  const fired: number[] = [];
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 5);
  }, 10);
  clock.advanceMs(100);
  expect(fired).toEqual([10, 15]);
  clock.setTimeout(() => fired.push(clock.now()), 0);
  expect(fired).toEqual([10, 15]);
  clock.advanceMs(0);
  expect(fired).toEqual([10, 15, 100]);
});

test("set() forward fires due timers; set() back fires none and keeps them pending", () => {
  const clock = new FixedClock(10_000);
  let fired = 0;
  clock.setTimeout(() => fired++, 1_000);
  clock.set(5_000);
  expect(fired).toBe(0);
  clock.set(10_999);
  expect(fired).toBe(0);
  clock.set(11_000);
  expect(fired).toBe(1);
});

test("tick() lets promise jobs settle after each timer, as the event loop does between real timers", async () => {
  const clock = new FixedClock(0);
  const log: string[] = [];
  let busy = false;
  clock.setInterval(() => {
    if (busy) return void log.push(`skipped@${clock.now()}`);
    busy = true;
    log.push(`started@${clock.now()}`);
    void Promise.resolve().then(() => (busy = false));
  }, 10);
  clock.advanceMs(20); // back to back: the first run's promise job has not run before the second tick
  expect(log).toEqual(["started@10", "skipped@20"]);
  await clock.tick(20);
  expect(log).toEqual(["started@10", "skipped@20", "started@30", "started@40"]);
  expect(clock.now()).toBe(40);
});

test("a timer that re-arms itself at the same instant forever is reported, not looped on", () => {
  const clock = new FixedClock(0);
  const again = () => void clock.setTimeout(again, 0);
  clock.setTimeout(again, 0);
  expect(() => clock.advanceMs(1)).toThrow("timers fired in one move");
});

test("the system clock's timers are unref'ed: a pending one does not keep the process alive", async () => {
  const clockModule = `${import.meta.dir}/../../../src/lib/clock.ts`;
  const p = Bun.spawn(["bun", "-e", `import { systemClock } from "${clockModule}"; systemClock.setInterval(() => {}, 3_600_000); systemClock.setTimeout(() => {}, 3_600_000); console.log("armed");`], { stdout: "pipe" });
  // Exits by itself once its script ran; a ref'ed timer would keep it alive for an hour (the test's timeout ends that).
  expect(await p.exited).toBe(0);
  expect(await new Response(p.stdout).text()).toBe("armed\n");
});
