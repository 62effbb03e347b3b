/**
 * In-memory token buckets per key (usually route name + client IP), as Pocket ID does.
 * - A rule allows `burst` requests at once and refills one token every `perSeconds`.
 * - Buckets live per app instance (keyed by its database handle), so tests never share them.
 * - DISABLE_RATE_LIMITING=true turns every check off.
 */
import type { Clock } from "../../lib/clock.ts";
import { AppError } from "../../errors.ts";
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

/** At most this many buckets per app: past it the least recently used one is dropped (bounded memory under many IPs). */
export const MAX_BUCKETS = 20_000;

export class TokenBuckets {
  /** Insertion order = recency: every touch moves a bucket to the end, eviction takes from the front. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly clock: Clock,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string, rule: RateRule): { tokens: number; at: number } {
    const now = this.clock.now() / 1000;
    const b = this.buckets.get(key) ?? { tokens: rule.burst, at: now };
    b.tokens = Math.min(rule.burst, b.tokens + Math.max(0, now - b.at) / rule.perSeconds);
    b.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxBuckets) this.evictOldest();
    return b;
  }

  /** Drops the least recently used tenth in one pass (one eviction per insert would be quadratic). */
  private evictOldest(): void {
    let excess = this.buckets.size - Math.floor(this.maxBuckets * 0.9);
    for (const k of this.buckets.keys()) {
      if (excess-- <= 0) break;
      this.buckets.delete(k);
    }
  }

  /** Takes one token; returns 0 when allowed, else the seconds until the next token. */
  take(key: string, rule: RateRule): number {
    const b = this.refill(key, rule);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) * rule.perSeconds;
  }

  /** Like take, but only looks: 0 when a token is there, else the wait (for budgets charged on failure only). */
  peek(key: string, rule: RateRule): number {
    const b = this.refill(key, rule);
    return b.tokens >= 1 ? 0 : (1 - b.tokens) * rule.perSeconds;
  }
}

const perApp = new WeakMap<object, TokenBuckets>();

/** This app's buckets (one set per database handle, so tests never share them). */
export function bucketsFor(web: WebDeps): TokenBuckets {
  let buckets = perApp.get(web.db);
  if (!buckets) {
    buckets = new TokenBuckets(web.clock);
    perApp.set(web.db, buckets);
  }
  return buckets;
}

/**
 * Throws AppError.rateLimited (429 with Retry-After) when `name` is over its rule for this client
 * (or for `subject`, e.g. an email address, when given).
 */
export function rateLimit(web: WebDeps, request: Request, name: string, rule: RateRule, subject?: string): void {
  if (web.config.disableRateLimiting) return;
  const wait = bucketsFor(web).take(`${name}:${subject ?? requestMeta(request).ip ?? "unknown"}`, rule);
  if (wait > 0) throw AppError.rateLimited(wait);
}
