/**
 * Shared rate-limit budgets (src/rate-limits/shared-budgets.ts) over a real database:
 * - one instance answers exactly as the in-memory token buckets did (same allowances and waits, random sequences);
 * - two instances (two connections) spend one budget;
 * - the local view: a refusal it can make and a check for a key this instance never charged cost no query;
 * - spreading failures over instances buys at most one attempt per instance per refill of its local bucket;
 * - rows of full buckets are removed by the cleanup job.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Database } from "../../../src/db/database.ts";
import { openSecondConnection } from "../../helpers/two-instances.ts";
import { FixedClock } from "../../../src/lib/clock.ts";
import { cleanupExpiredRows } from "../../../src/maintenance/cleanup.ts";
import { SharedRateLimiter } from "../../../src/rate-limits/shared-budgets.ts";
import { TokenBuckets, type RateRule } from "../../../src/rate-limits/token-buckets.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
const opened: Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  deps?.cleanup();
});

/** Another instance's connection to the test database. */
function secondConnection(): Database {
  const db = openSecondConnection(deps);
  opened.push(db);
  return db;
}

/** The database with every statement counted (a real connection underneath). */
function counted(db: Database): { db: Database; statements: () => number } {
  let n = 0;
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "query" || prop === "prepare" || prop === "run" || prop === "exec") {
        return (...args: unknown[]) => {
          n++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: proxy, statements: () => n };
}

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s;
  };
}

describe("one instance behaves as the in-memory buckets did", () => {
  test.each([
    [{ perSeconds: 2, burst: 30 }],
    [{ perSeconds: 0.2, burst: 300 }],
    [{ perSeconds: 60, burst: 10 }],
    [{ perSeconds: 5, burst: 1 }],
  ] as [RateRule][])("%o: the same allowances and waits over 3,000 random takes, peeks and pauses", (rule) => {
    deps = makeTestDeps();
    const before = new TokenBuckets(new FixedClock(deps.clock.now()), rule);
    const oldClock = (before as unknown as { clock: FixedClock }).clock;
    const shared = new SharedRateLimiter(deps.db, deps.clock).store("test", rule);
    const rand = prng(7);
    for (let i = 0; i < 3000; i++) {
      const key = `k${rand() % 3}`;
      const op = rand() % 3;
      if (op === 0) expect(shared.take(key)).toBeCloseTo(before.take(key), 6);
      else if (op === 1) expect(shared.peek(key)).toBeCloseTo(before.peek(key), 6);
      else {
        const ms = rand() % Math.ceil(rule.perSeconds * 1500);
        deps.clock.advanceMs(ms);
        oldClock.advanceMs(ms);
      }
    }
  });
});

describe("two instances spend one budget", () => {
  test("takes alternate between two connections: the burst once, then one per interval in all", () => {
    deps = makeTestDeps();
    const rule = { perSeconds: 10, burst: 4 };
    const a = new SharedRateLimiter(deps.db, deps.clock).store("x", rule);
    const b = new SharedRateLimiter(secondConnection(), deps.clock).store("x", rule);
    expect([a.take("ip"), b.take("ip"), a.take("ip"), b.take("ip")]).toEqual([0, 0, 0, 0]);
    expect(a.take("ip")).toBe(10);
    expect(b.take("ip")).toBe(10);
    deps.clock.advance(10);
    expect(b.take("ip")).toBe(0);
    expect(a.take("ip")).toBe(10);
    expect(a.size).toBe(1);
  });

  test("a failure budget peeked before each attempt: spreading over two instances buys no second budget", () => {
    deps = makeTestDeps();
    const rule = { perSeconds: 60, burst: 10 };
    const a = new SharedRateLimiter(deps.db, deps.clock).store("failures", rule);
    const b = new SharedRateLimiter(secondConnection(), deps.clock).store("failures", rule);
    // An attacker alternates; each attempt is let through while peek says 0, and charged after it failed.
    let attempts = 0;
    for (let i = 0; i < 100; i++) {
      const at = i % 2 ? b : a;
      if (at.peek("ip") > 0) continue;
      attempts++;
      at.take("ip");
    }
    // At most one attempt per instance beyond the burst (see the module's header); here none.
    expect(attempts).toBe(rule.burst);
    // Both refuse now, whichever the attacker picks.
    expect(a.peek("ip")).toBeGreaterThan(0);
    expect(b.peek("ip")).toBeGreaterThan(0);
  });
});

describe("the local view keeps the hot paths free of queries", () => {
  test("peeking a key this instance never charged, or whose local bucket is full again, runs no statement", () => {
    deps = makeTestDeps();
    const rule = { perSeconds: 2, burst: 30 };
    const { db, statements } = counted(deps.db);
    const budget = new SharedRateLimiter(db, deps.clock).store("protocol", rule);
    for (let i = 0; i < 100; i++) expect(budget.peek(`client-${i}`)).toBe(0);
    expect(statements()).toBe(0);
    budget.take("client-1"); // a failure: one statement
    expect(statements()).toBe(1);
    expect(budget.peek("client-1")).toBe(0); // charged lately here: the shared state is read
    expect(statements()).toBe(2);
    deps.clock.advance(rule.perSeconds); // refilled: nothing left to learn
    expect(budget.peek("client-1")).toBe(0);
    expect(statements()).toBe(2);
  });

  test("a client refused by the local view is refused without a statement", () => {
    deps = makeTestDeps();
    const rule = { perSeconds: 5, burst: 3 };
    const { db, statements } = counted(deps.db);
    const budget = new SharedRateLimiter(db, deps.clock).store("starts", rule);
    for (let i = 0; i < 3; i++) expect(budget.take("ip")).toBe(0);
    const spent = statements();
    for (let i = 0; i < 50; i++) expect(budget.take("ip")).toBe(5);
    expect(budget.peek("ip")).toBe(5);
    expect(statements()).toBe(spent);
  });
});

test("the cleanup job removes the rows of full buckets only", () => {
  deps = makeTestDeps();
  const rule = { perSeconds: 10, burst: 2 };
  const budget = new SharedRateLimiter(deps.db, deps.clock).store("x", rule);
  budget.take("idle-soon");
  deps.clock.advance(5);
  budget.take("busy");
  budget.take("busy");
  expect(budget.size).toBe(2);
  deps.clock.advance(5); // "idle-soon" is full again; "busy" is not
  cleanupExpiredRows(deps);
  expect(budget.size).toBe(1);
  expect(budget.take("busy")).toBe(5); // its state survived the cleanup
  deps.clock.advance(5);
  expect(budget.take("busy")).toBe(0);
  expect(budget.take("busy")).toBe(10);
});
