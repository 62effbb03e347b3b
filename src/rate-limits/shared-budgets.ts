/**
 * Rate-limit budgets shared by every instance on one database, so spreading requests over instances buys nothing:
 * - The budget of a key is its row in rate_limit_buckets (src/db/rate-limit-buckets.ts): a token bucket kept as
 *   one number, taken with one atomic statement, with exactly the burst and refill of the in-memory buckets it
 *   replaces (a single instance behaves as before).
 * - Each instance keeps its token buckets (src/rate-limits/token-buckets.ts) as a local view, set to the shared
 *   state after every statement. A local bucket never holds fewer tokens than the shared one (it is only charged
 *   when the shared one is), so a local refusal is always right and costs no query: a flood from one client is
 *   refused from memory. The bounds of the local store (at most MAX_BUCKETS per limit, fail closed when every one
 *   is busy) hold as before.
 * - `take` (a request that spends a token whatever happens: passkey ceremony starts, login codes, the admin API,
 *   failed client authentications) asks the database each time the local view lets it through.
 * - `peek` (the failure budgets checked before every token, userinfo and passkey-finish request) asks the database
 *   only for a key this instance charged and whose local bucket is not full again. A client that never failed
 *   here costs no query, so the hot paths gain none. Spreading failures over N instances buys at most one attempt
 *   per instance each time that instance's local bucket has refilled (burst × interval: a minute for the
 *   protocol budget), against the budget's own refill of one per interval.
 * - Idle rows (buckets full again) are deleted by the cleanup job; deleting one loses nothing.
 */
import type { Database } from "../db/database.ts";
import { countRateLimitBuckets, findRateLimitTat, takeRateLimitToken } from "../db/rate-limit-buckets.ts";
import type { Clock } from "../lib/clock.ts";
import { MAX_BUCKETS, RateLimiter, type RateRule, type TokenBuckets } from "./token-buckets.ts";

/** One named limit's shared budget, with this instance's local view in front of it. */
export class SharedBuckets {
  private readonly interval: number;
  private readonly tolerance: number;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    readonly name: string,
    readonly rule: RateRule,
    private readonly local: TokenBuckets,
  ) {
    this.interval = Math.max(1, Math.round(rule.perSeconds * 1000));
    this.tolerance = (rule.burst - 1) * this.interval;
  }

  /** Keys of this limit with a row in the database, across every instance. */
  get size(): number {
    return countRateLimitBuckets(this.db, this.name);
  }

  private nowMs(): number {
    return Math.floor(this.clock.now());
  }

  /** Tokens the shared bucket holds at `now`, given its tat. */
  private tokensAt(tat: number, now: number): number {
    return tat <= now ? this.rule.burst : this.rule.burst - (tat - now) / this.interval;
  }

  /** Takes one token; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const localWait = this.local.peek(key);
    if (localWait > 0) return localWait;
    const now = this.nowMs();
    const limit = now + this.tolerance;
    const { tat, allowed } = takeRateLimitToken(this.db, { name: this.name, key, now, interval: this.interval, limit });
    this.local.sync(key, this.tokensAt(tat, now));
    return allowed ? 0 : (tat - limit) / 1000;
  }

  /**
   * Only looks: 0 when a token is there, else the wait. Creates nothing. Asks the database only when this
   * instance charged the key lately and has not seen its bucket full again (see the header).
   */
  peek(key: string): number {
    const level = this.local.level(key);
    if (level === null || level < 1) return this.local.peek(key);
    if (level >= this.rule.burst) return 0;
    const now = this.nowMs();
    const tat = findRateLimitTat(this.db, this.name, key);
    if (tat === null) {
      this.local.sync(key, this.rule.burst);
      return 0;
    }
    this.local.sync(key, this.tokensAt(tat, now));
    return Math.max(0, tat - now - this.tolerance) / 1000;
  }
}

/** Every named limit of one instance. A name stands for one rule: reusing it with another is a bug. */
export class SharedRateLimiter {
  private readonly local: RateLimiter;
  private readonly stores = new Map<string, SharedBuckets>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    maxBuckets = MAX_BUCKETS,
  ) {
    this.local = new RateLimiter(clock, maxBuckets);
  }

  store(name: string, rule: RateRule): SharedBuckets {
    const local = this.local.store(name, rule);
    let s = this.stores.get(name);
    if (!s) {
      s = new SharedBuckets(this.db, this.clock, name, local.rule, local);
      this.stores.set(name, s);
    }
    return s;
  }
}
