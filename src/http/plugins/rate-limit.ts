/**
 * In-memory token buckets, as Pocket ID does, with rules that keep them from being flushed or turned
 * against the people they protect:
 * - A rule allows `burst` requests at once and refills one token every `perSeconds`.
 * - One store per named limit: traffic on one limit (say, random X-API-Key values) can never push
 *   another limit's buckets (say, the login-code one) out of memory.
 * - Keys are chosen by us, never by the caller: a client IP (an IPv6 /64 counts as one client, see
 *   ipBucketKey), or an identity that exists (a user id, a registered client, a passkey). A key that
 *   merely appears in a request gets no bucket of its own.
 * - Bounded memory without resets: a store holds at most `maxBuckets`. Past that, only idle buckets
 *   (refilled to full: dropping one loses nothing, a new bucket starts full) are dropped. When every
 *   bucket still carries information, a new key is refused (fail closed for that limit) rather than
 *   one being reset.
 * - Buckets live per app instance (keyed by its database handle), so tests never share them.
 * - DISABLE_RATE_LIMITING=true turns every check off.
 */
import type { Clock } from "../../lib/clock.ts";
import { AppError } from "../../errors.ts";
import { ipBucketKey } from "../client-ip.ts";
import { requestMeta } from "../request-context.ts";
import type { WebDeps } from "../web-deps.ts";

export interface RateRule {
  /** One token is added back every `perSeconds` seconds. */
  perSeconds: number;
  /** Bucket size: how many requests may come at once. */
  burst: number;
}

/** Pocket ID's limits for the flows in this area. */
export const RATE_RULES = {
  webauthnLogin: { perSeconds: 5, burst: 10 },
  reauthenticate: { perSeconds: 10, burst: 5 },
  oneTimeAccess: { perSeconds: 10, burst: 5 },
  setup: { perSeconds: 30, burst: 10 },
  /** "Email me a login code": per IP, and per address (src/http/routes/email.ts). */
  emailLoginCodePerIp: { perSeconds: 60, burst: 5 },
  emailLoginCodePerAddress: { perSeconds: 300, burst: 3 },
} satisfies Record<string, RateRule>;

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

const perApp = new WeakMap<object, RateLimiter>();

/** This app's limits (one set per database handle, so tests never share them). */
export function bucketsFor(web: WebDeps): RateLimiter {
  let limiter = perApp.get(web.db);
  if (!limiter) {
    limiter = new RateLimiter(web.clock);
    perApp.set(web.db, limiter);
  }
  return limiter;
}

/** The bucket key of this request's client: its IP (an IPv6 /64 as one), or "unknown" in-process. */
export function clientKey(request: Request): string {
  const ip = requestMeta(request).ip;
  return ip ? ipBucketKey(ip) : "unknown";
}

/**
 * Throws a 429 with Retry-After (the app's error shape: these are UI and API routes; protocol endpoints
 * are limited in request-budgets.ts with OAuth-shaped 429s) when `name` is over its rule for this
 * client, or for `subject` when given. A subject must be an identity we know exists (a signed-in
 * user's id), never a string the caller made up; take the IP's limit first.
 */
export function rateLimit(web: WebDeps, request: Request, name: string, rule: RateRule, subject?: string): void {
  if (web.config.disableRateLimiting) return;
  const wait = bucketsFor(web).store(name, rule).take(subject ?? clientKey(request));
  if (wait > 0) throw AppError.rateLimited(wait);
}
