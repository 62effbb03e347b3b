/**
 * Rate limits the app wrapper applies by path, beside the ones route handlers take themselves
 * (passkey ceremony starts, one-time codes, email codes, sign-up, setup: see RATE_RULES' users).
 *
 * - Token endpoints (token, introspect, revoke, PAR, device authorization): failures only. Each 4xx
 *   answer spends a token per client IP and per client_id; while either bucket is empty the endpoint
 *   answers 429 before checking anything, so guessing secrets, codes or refresh tokens is slow while
 *   well-behaved clients are never limited.
 * - Passkey sign-in: each failed /api/webauthn/login/finish spends a token per IP and per credential
 *   id (the account under attack), beside the per-IP limit on ceremony starts.
 * - Admin API (X-API-Key or any /api/ route that is not a protocol endpoint): per key (or per IP).
 * - Every 429 carries Retry-After; DISABLE_RATE_LIMITING=true turns all of it off.
 */
import { hashToken } from "../../lib/hash.ts";
import { AppError } from "../../errors.ts";
import { requestMeta } from "../request-context.ts";
import type { WebDeps } from "../web-deps.ts";
import { bucketsFor, type RateRule } from "./rate-limit.ts";

/**
 * Per-account budgets are wider than per-IP ones: anyone who knows a client_id or a credential id can
 * spend them, so they only cap distributed guessing and must not hand out a cheap lockout.
 */
export const BUDGET_RULES = {
  /** Failed token requests: 30 at once, then one every 2 s, per IP. */
  tokenFailuresPerIp: { perSeconds: 2, burst: 30 },
  /** Failed token requests naming one client: 300 at once, then 5 a second, from all IPs together. */
  tokenFailuresPerClient: { perSeconds: 0.2, burst: 300 },
  /** Failed passkey sign-ins: 10 at once, then one a minute, per IP. */
  passkeyFailuresPerIp: { perSeconds: 60, burst: 10 },
  /** Failed passkey sign-ins with one credential: 60 at once, then one every 6 s, from all IPs together. */
  passkeyFailuresPerCredential: { perSeconds: 6, burst: 60 },
  /** 500 admin API calls at once, then 50 a second — per API key (or per IP without one). Scripts honour Retry-After. */
  adminApi: { perSeconds: 0.02, burst: 500 },
} satisfies Record<string, RateRule>;

const TOKEN_PATHS = new Set(["/api/oidc/token", "/api/oidc/introspect", "/api/oidc/revoke", "/api/oidc/par", "/api/oidc/device/authorize"]);
/** /api/ routes that are protocol or browser endpoints, not the administration API. */
const NOT_ADMIN_API = /^\/api\/(?:oidc\/(?:token|introspect|revoke|par|device|userinfo|end-session)|webauthn\/|forward-auth\/|openapi\.json$|application-images\/[^/]+$|users\/[^/]+\/profile-picture\.png$|oidc\/clients\/[^/]+\/(?:logo|meta)$)/;

/** Called after the answer: charges failure budgets with the final status. */
export type Settle = (status: number) => void;
const NOTHING: Settle = () => {};

function basicClientId(request: Request): string | null {
  const h = request.headers.get("authorization");
  if (!h || !/^basic /i.test(h)) return null;
  try {
    const decoded = Buffer.from(h.slice(6).trim(), "base64").toString("utf8");
    const i = decoded.indexOf(":");
    return i > 0 ? decodeURIComponent(decoded.slice(0, i)) : null;
  } catch {
    return null;
  }
}

async function formClientId(request: Request): Promise<string | null> {
  if (!(request.headers.get("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) return null;
  try {
    return new URLSearchParams(await request.clone().text()).get("client_id");
  } catch {
    return null;
  }
}

async function credentialIdOf(request: Request): Promise<string | null> {
  try {
    const body = (await request.clone().json()) as { id?: unknown };
    return typeof body?.id === "string" && body.id.length <= 1024 ? body.id : null;
  } catch {
    return null;
  }
}

/**
 * Throws 429 when this request is over one of its budgets; returns the function that charges the
 * failure budgets once the status is known.
 */
export async function checkRequestBudgets(web: WebDeps, request: Request, pathname: string): Promise<Settle> {
  if (web.config.disableRateLimiting) return NOTHING;
  const buckets = bucketsFor(web);
  const ip = requestMeta(request).ip ?? "unknown";

  const failureBudget = (name: string, perIp: RateRule, perSubject: RateRule, subject: string | null): Settle => {
    const keys: [string, RateRule][] = [[`${name}:ip:${ip}`, perIp], ...(subject ? [[`${name}:subject:${hashToken(subject).slice(0, 32)}`, perSubject] as [string, RateRule]] : [])];
    const wait = Math.max(...keys.map(([k, rule]) => buckets.peek(k, rule)));
    if (wait > 0) throw AppError.rateLimited(wait);
    return (status) => {
      if (status >= 400 && status < 500 && status !== 429) for (const [k, rule] of keys) buckets.take(k, rule);
    };
  };

  if (TOKEN_PATHS.has(pathname)) {
    return failureBudget("token-failures", BUDGET_RULES.tokenFailuresPerIp, BUDGET_RULES.tokenFailuresPerClient, basicClientId(request) ?? (await formClientId(request)));
  }
  if (pathname === "/api/webauthn/login/finish") {
    return failureBudget("passkey-failures", BUDGET_RULES.passkeyFailuresPerIp, BUDGET_RULES.passkeyFailuresPerCredential, await credentialIdOf(request));
  }
  if (pathname.startsWith("/api/") && !NOT_ADMIN_API.test(pathname)) {
    const key = request.headers.get("x-api-key");
    const subject = key ? `key:${hashToken(key).slice(0, 32)}` : `ip:${ip}`;
    const wait = buckets.take(`admin-api:${subject}`, BUDGET_RULES.adminApi);
    if (wait > 0) throw AppError.rateLimited(wait);
  }
  return NOTHING;
}
