/** The tests' seeded randomness (tests/helpers/seeded-random.ts): replayable, in range, and a failure names its seed. */
import { expect, test } from "bun:test";
import { seededRandom, testSeed, withSeed } from "../../helpers/seeded-random.ts";

test("the same seed draws the same numbers; another seed other numbers", () => {
  const draw = (seed: number) => Array.from({ length: 8 }, seededRandom(seed).next);
  expect(draw(20261206)).toEqual(draw(20261206));
  expect(draw(20261206)).not.toEqual(draw(20261207));
  for (const x of draw(1)) expect(x >= 0 && x < 1).toBe(true);
});

test("int(min, max) stays within both bounds and reaches each of them", () => {
  const random = seededRandom(7);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(random.int(3, 9));
  expect([...seen].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9]);
});

test("TEST_SEED replays a seed; a malformed one is refused; without it each run draws a fresh seed", () => {
  expect(testSeed({ TEST_SEED: "42" })).toBe(42);
  expect(testSeed({ TEST_SEED: "4294967295" })).toBe(4294967295);
  for (const bad of ["-1", "4294967296", "1e3", "abc", " 42"]) expect(() => testSeed({ TEST_SEED: bad })).toThrow(/TEST_SEED must be an integer/);
  const fresh = new Set(Array.from({ length: 8 }, () => testSeed({})));
  expect(fresh.size).toBeGreaterThan(1);
});

test("a failing body's error names the seed and how to replay it; a passing body draws from that seed", async () => {
  let first: number | null = null;
  await withSeed((random) => {
    first = random.next();
  }, 99)();
  expect(first!).toBe(seededRandom(99).next());
  const failing = withSeed(() => {
    expect(1).toBe(2);
  }, 1234);
  await expect(failing()).rejects.toThrow("(random seed 1234; replay with TEST_SEED=1234)");
  await expect(withSeed(() => Promise.reject("not an Error"), 5)()).rejects.toThrow("not an Error\n(random seed 5; replay with TEST_SEED=5)");
});
