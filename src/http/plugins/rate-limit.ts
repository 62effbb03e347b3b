/**
 * Rate limits route handlers take themselves (passkey ceremony starts, one-time codes, email codes, sign-up,
 * setup, device codes), over the budgets every instance shares (src/rate-limits/shared-budgets.ts: token buckets
 * as Pocket ID keeps them, held in the database with a local view in front):
 * - Keys are chosen by us, never by the caller: a client IP (an IPv6 /64 counts as one client, see
 *   ipBucketKey), or an identity that exists (a user id, a registered client, a passkey). A key that
 *   merely appears in a request gets no bucket of its own.
 * - The local views live per app instance (keyed by its database handle), so tests never share them; the
 *   budgets themselves are the database's, so two instances on one database spend one budget.
 * - DISABLE_RATE_LIMITING=true turns every check off.
 */
import { AppError } from "../../errors.ts";
import { ipBucketKey } from "../client-ip.ts";
import { requestMeta } from "../request-context.ts";
import type { WebDeps } from "../web-deps.ts";
import { SharedRateLimiter } from "../../rate-limits/shared-budgets.ts";
import type { RateRule } from "../../rate-limits/token-buckets.ts";

export type { RateRule };

/** Pocket ID's limits for the flows in this area. */
export const RATE_RULES = {
  webauthnLogin: { perSeconds: 5, burst: 10 },
  reauthenticate: { perSeconds: 10, burst: 5 },
  oneTimeAccess: { perSeconds: 10, burst: 5 },
  setup: { perSeconds: 30, burst: 10 },
  /** Sign in with another device (src/http/routes/device-login.ts): asking, exchanging, and inspecting or deciding. */
  deviceLoginCreate: { perSeconds: 10, burst: 5 },
  deviceLoginExchange: { perSeconds: 2, burst: 10 },
  deviceLoginVerification: { perSeconds: 10, burst: 5 },
  /** "Email me a login code": per IP, and per address (src/http/routes/email.ts). */
  emailLoginCodePerIp: { perSeconds: 60, burst: 5 },
  emailLoginCodePerAddress: { perSeconds: 300, burst: 3 },
  // Pocket ID: send email verification 2 per 10 min, burst 1; verify email 1 per 10 s, burst 5.
  sendEmailVerification: { perSeconds: 300, burst: 1 },
  verifyEmail: { perSeconds: 10, burst: 5 },
} satisfies Record<string, RateRule>;

const perApp = new WeakMap<object, SharedRateLimiter>();

/** This app's limits (one local view per database handle, so tests never share them). */
export function bucketsFor(web: WebDeps): SharedRateLimiter {
  let limiter = perApp.get(web.db);
  if (!limiter) {
    limiter = new SharedRateLimiter(web.db, web.clock);
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
