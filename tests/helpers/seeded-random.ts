/**
 * Seeded pseudo-randomness for tests that draw their inputs at random (e.g. when the crash test kills the server):
 * - The seed is TEST_SEED when set, else a fresh one from crypto.getRandomValues; a failing test names it, so
 *   `TEST_SEED=<seed> bun test <file>` draws the same numbers again.
 * - mulberry32: small, fast and well spread; for choosing test inputs only, never for secrets.
 */

export interface SeededRandom {
  readonly seed: number;
  /** A float in [0, 1), like Math.random. */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed: seed >>> 0, next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

/** TEST_SEED, or a fresh seed. */
export function testSeed(env: Record<string, string | undefined> = process.env): number {
  const given = env.TEST_SEED;
  if (given !== undefined && given !== "") {
    if (!/^\d+$/.test(given) || Number(given) > 0xffffffff) throw new Error(`TEST_SEED must be an integer from 0 to ${0xffffffff}, not ${JSON.stringify(given)}`);
    return Number(given);
  }
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/**
 * Wraps a test body that draws from a SeededRandom: when the body fails, the error names the seed.
 *   test("…", withSeed(async (random) => { … random.int(200, 1200) … }));
 */
export function withSeed(body: (random: SeededRandom) => Promise<void> | void, seed: number = testSeed()): () => Promise<void> {
  return async () => {
    try {
      await body(seededRandom(seed));
    } catch (e) {
      const note = `(random seed ${seed}; replay with TEST_SEED=${seed})`;
      if (e instanceof Error) {
        e.message = `${e.message}\n${note}`;
        throw e;
      }
      throw new Error(`${String(e)}\n${note}`);
    }
  };
}
