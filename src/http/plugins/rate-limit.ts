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
} satisfies Record<string, RateRule>;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly clock: Clock) {}

  /** Takes one token; returns 0 when allowed, else the seconds until the next token. */
  take(key: string, rule: RateRule): number {
    const now = this.clock.now() / 1000;
    const b = this.buckets.get(key) ?? { tokens: rule.burst, at: now };
    b.tokens = Math.min(rule.burst, b.tokens + (now - b.at) / rule.perSeconds);
    b.at = now;
    if (this.buckets.size > 10_000) this.prune(now, rule);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.buckets.set(key, b);
      return 0;
    }
    this.buckets.set(key, b);
    return (1 - b.tokens) * rule.perSeconds;
  }

  private prune(now: number, rule: RateRule): void {
    for (const [k, v] of this.buckets) if (now - v.at > rule.perSeconds * rule.burst) this.buckets.delete(k);
  }
}

const perApp = new WeakMap<object, TokenBuckets>();

/** Throws AppError.rateLimited (429 with Retry-After) when `name` is over its rule for this client. */
export function rateLimit(web: WebDeps, request: Request, name: string, rule: RateRule): void {
  if (web.config.disableRateLimiting) return;
  let buckets = perApp.get(web.db);
  if (!buckets) {
    buckets = new TokenBuckets(web.clock);
    perApp.set(web.db, buckets);
  }
  const wait = buckets.take(`${name}:${requestMeta(request).ip ?? "unknown"}`, rule);
  if (wait > 0) throw AppError.rateLimited(wait);
}
