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

export const BUDGET_RULES = {
  /** 30 failed token requests at once, then one every 2 s — per IP and per client. */
  tokenFailures: { perSeconds: 2, burst: 30 },
  /** 10 failed passkey sign-ins at once, then one a minute — per IP and per credential. */
  passkeyFailures: { perSeconds: 60, burst: 10 },
  /** 300 admin API calls at once, then 20 a second — per API key (or per IP without one). */
  adminApi: { perSeconds: 0.05, burst: 300 },
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

  const failureBudget = async (name: string, rule: RateRule, subject: string | null): Promise<Settle> => {
    const keys = [`${name}:ip:${ip}`, ...(subject ? [`${name}:subject:${hashToken(subject).slice(0, 32)}`] : [])];
    const wait = Math.max(...keys.map((k) => buckets.peek(k, rule)));
    if (wait > 0) throw AppError.rateLimited(wait);
    return (status) => {
      if (status >= 400 && status < 500 && status !== 429) for (const k of keys) buckets.take(k, rule);
    };
  };

  if (TOKEN_PATHS.has(pathname)) {
    return failureBudget("token-failures", BUDGET_RULES.tokenFailures, basicClientId(request) ?? (await formClientId(request)));
  }
  if (pathname === "/api/webauthn/login/finish") {
    return failureBudget("passkey-failures", BUDGET_RULES.passkeyFailures, await credentialIdOf(request));
  }
  if (pathname.startsWith("/api/") && !NOT_ADMIN_API.test(pathname)) {
    const key = request.headers.get("x-api-key");
    const subject = key ? `key:${hashToken(key).slice(0, 32)}` : `ip:${ip}`;
    const wait = buckets.take(`admin-api:${subject}`, BUDGET_RULES.adminApi);
    if (wait > 0) throw AppError.rateLimited(wait);
  }
  return NOTHING;
}
