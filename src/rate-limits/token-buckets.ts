/**
 * In-memory token buckets, as Pocket ID keeps them, with rules that keep them from being flushed or turned
 * against the people they protect. Each instance holds one set; src/rate-limits/shared-budgets.ts puts the
 * database's shared budgets behind them (they are that store's local fast path).
 * - A rule allows `burst` requests at once and refills one token every `perSeconds`.
 * - One store per named limit: traffic on one limit (say, random X-API-Key values) can never push
 *   another limit's buckets (say, the login-code one) out of memory.
 * - Bounded memory without resets: a store holds at most `maxBuckets`. Past that, only idle buckets
 *   (refilled to full: dropping one loses nothing, a new bucket starts full) are dropped. When every
 *   bucket still carries information, a new key is refused (fail closed for that limit) rather than
 *   one being reset.
 */
import type { Clock } from "../lib/clock.ts";

export interface RateRule {
  /** One token is added back every `perSeconds` seconds. */
  perSeconds: number;
  /** Bucket size: how many requests may come at once. */
  burst: number;
}

/** At most this many buckets per named limit (a few MB each at most: bounded memory under many IPs). */
export const MAX_BUCKETS = 20_000;

interface Bucket {
  tokens: number;
  /** Seconds (clock time) of the last refill. */
  at: number;
}

/** Seconds until the bucket is full again: 0 means idle (it can be dropped without losing anything). */
function untilFull(b: Bucket, rule: RateRule, now: number): number {
  return Math.max(0, (rule.burst - b.tokens) * rule.perSeconds - (now - b.at));
}

/** The buckets of one named limit, all under one rule. */
export class TokenBuckets {
  /** Insertion order = recency: every touch moves a bucket to the end, so idle ones gather at the front. */
  private readonly buckets = new Map<string, Bucket>();
  /** No bucket can be idle before this time (seconds): until then a full store refuses new keys in O(1). */
  private nextSweepAt = 0;

  constructor(
    private readonly clock: Clock,
    readonly rule: RateRule,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  private now(): number {
    return this.clock.now() / 1000;
  }

  private refill(b: Bucket, now: number): void {
    b.tokens = Math.min(this.rule.burst, b.tokens + Math.max(0, now - b.at) / this.rule.perSeconds);
    b.at = now;
  }

  /**
   * Makes room for one more bucket by dropping idle ones; returns 0 when there is room, else the
   * seconds until some bucket may be idle (the store is full of buckets that still carry information).
   */
  private makeRoom(now: number): number {
    if (this.buckets.size < this.maxBuckets) return 0;
    // Cheap path: the least recently touched buckets are at the front; drop them while they are idle.
    for (const [key, b] of this.buckets) {
      if (untilFull(b, this.rule, now) > 0) break;
      this.buckets.delete(key);
    }
    if (this.buckets.size < this.maxBuckets) return 0;
    if (now < this.nextSweepAt) return this.nextSweepAt - now;
    // Full sweep, at most once per refill period (1 s to 60 s) and not before a bucket can be idle:
    // drops every idle bucket and remembers when the next one can be (taking a token only delays it).
    let soonest = Infinity;
    for (const [key, b] of this.buckets) {
      const wait = untilFull(b, this.rule, now);
      if (wait === 0) this.buckets.delete(key);
      else if (wait < soonest) soonest = wait;
    }
    this.nextSweepAt = now + Math.max(soonest === Infinity ? 0 : soonest, Math.min(Math.max(this.rule.perSeconds, 1), 60));
    return this.buckets.size < this.maxBuckets ? 0 : this.nextSweepAt - now;
  }

  /** Takes one token; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const now = this.now();
    let b = this.buckets.get(key);
    if (b) {
      this.refill(b, now);
      this.buckets.delete(key);
    } else {
      const wait = this.makeRoom(now);
      if (wait > 0) return wait; // fail closed: no bucket is reset to make room
      b = { tokens: this.rule.burst, at: now };
    }
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) * this.rule.perSeconds;
  }

  /**
   * Only looks: 0 when a token is there, else the wait (for budgets charged on failure only). An unknown
   * key has a full bucket and creates nothing, unless the store is full of busy buckets (then the wait
   * until there could be room: a key that could not be charged is not let through for free).
   */
  peek(key: string): number {
    const now = this.now();
    const b = this.buckets.get(key);
    if (!b) return this.buckets.size < this.maxBuckets ? 0 : this.makeRoom(now);
    this.refill(b, now);
    return b.tokens >= 1 ? 0 : (1 - b.tokens) * this.rule.perSeconds;
  }
  /** The tokens the bucket of `key` holds now (refilled), or null when there is none (a full bucket). */
  level(key: string): number | null {
    const b = this.buckets.get(key);
    if (!b) return null;
    this.refill(b, this.now());
    return b.tokens;
  }

  /**
   * Sets the bucket of `key` to what the shared budget says it holds (never more than the burst). A full
   * bucket is dropped (it carries nothing); a new key finds no room in a store full of busy buckets and is
   * left out, as `take` would leave it out.
   */
  sync(key: string, tokens: number): void {
    const now = this.now();
    const b = this.buckets.get(key);
    if (b) this.buckets.delete(key);
    if (tokens >= this.rule.burst) return;
    if (!b && this.makeRoom(now) > 0) return;
    this.buckets.set(key, { tokens: Math.max(0, tokens), at: now });
  }
}

/** Every named limit's store for one app. A name stands for one rule: reusing it with another is a bug. */
export class RateLimiter {
  private readonly stores = new Map<string, TokenBuckets>();
  constructor(
    private readonly clock: Clock,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {}

  store(name: string, rule: RateRule): TokenBuckets {
    let s = this.stores.get(name);
    if (!s) {
      s = new TokenBuckets(this.clock, rule, this.maxBuckets);
      this.stores.set(name, s);
    } else if (s.rule !== rule && (s.rule.burst !== rule.burst || s.rule.perSeconds !== rule.perSeconds)) {
      throw new Error(`rate limit "${name}" is used with two different rules`);
    }
    return s;
  }

  /** Buckets held across all limits (for the memory test). */
  get size(): number {
    let n = 0;
    for (const s of this.stores.values()) n += s.size;
    return n;
  }
}
