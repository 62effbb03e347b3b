/**
 * Rate limits a route declares (`budget`, src/http/plugins/route-policy.ts), applied by the request pipeline
 * before the router, beside the ones route handlers take themselves (passkey ceremony starts, one-time codes,
 * email codes, sign-up, setup, device codes: see rateLimit's callers). Rules:
 * - The client IP's budget comes first. A request it refuses is answered 429 before anything is read
 *   or charged, so it spends no client's or credential's budget.
 * - "protocol" (token, introspect, revoke, PAR, device authorization) and "userinfo": failures only.
 *   Each failed answer (4xx, except the device flow's authorization_pending/slow_down, and except a
 *   confidential client's own errors after it authenticated) spends a token of the client IP; while the
 *   IP's bucket is empty the endpoint answers 429 before checking anything.
 *   The success path peeks one bucket and parses nothing.
 * - Per-client ("protocol": the endpoints that authenticate the client) and per-passkey ("passkey": the
 *   passkey sign-in finish) budgets count failed authentications (invalid_client; failed passkey finishes)
 *   naming a client or passkey that EXISTS (a made-up id gets no bucket) and only ever change
 *   such a failed answer into a 429: they are never checked before the attempt, so a correct secret or
 *   a correct passkey assertion is served however many failures others caused. (Guessing is bounded by
 *   the per-IP budgets and by the secrets' entropy.)
 * - "admin-api" (the JSON REST API): per API key when the X-API-Key authenticates, else per client IP (no
 *   key, unknown or wrong key): a made-up key never gets a bucket of its own.
 * - 429s carry Retry-After; on protocol endpoints in RFC 6749 shape (OAuthError.rateLimited), elsewhere
 *   in the app's error shape. DISABLE_RATE_LIMITING=true turns all of it off.
 */
import { AppError, OAuthError } from "../../errors.ts";
import { findClientById, type OidcClient } from "../../oidc/clients.ts";
import { apiKeyPrincipalOf } from "../admin-auth.ts";
import { requestMeta } from "../request-context.ts";
import type { WebDeps } from "../web-deps.ts";
import { bucketsFor, clientKey, type RateRule } from "./rate-limit.ts";
import type { Budget } from "./route-policy.ts";

/**
 * Per-account budgets are wider than per-IP ones: anyone who knows a client_id or a credential id can
 * spend them, so they only mark distributed guessing (their failures become 429s) and lock nobody out.
 */
export const BUDGET_RULES = {
  /** Failed protocol requests: 30 at once, then one every 2 s, per IP. */
  tokenFailuresPerIp: { perSeconds: 2, burst: 30 },
  /** Failed protocol requests naming one client: 300 at once, then 5 a second, from all IPs together. */
  tokenFailuresPerClient: { perSeconds: 0.2, burst: 300 },
  /** Failed passkey sign-ins: 10 at once, then one a minute, per IP. */
  passkeyFailuresPerIp: { perSeconds: 60, burst: 10 },
  /** Failed passkey sign-ins with one credential: 60 at once, then one every 6 s, from all IPs together. */
  passkeyFailuresPerCredential: { perSeconds: 6, burst: 60 },
  /** 500 admin API calls at once, then 50 a second — per authenticated API key, or per IP otherwise. Scripts honour Retry-After. */
  adminApi: { perSeconds: 0.02, burst: 500 },
} satisfies Record<string, RateRule>;

/** RFC 8628 3.5: a device polling as told is not failing. */
const NOT_FAILURES = new Set(["authorization_pending", "slow_down"]);

/** Called with the final status: charges failure budgets; returns an error to answer instead (a 429), or null. */
export type Settle = (status: number) => Error | null;
const NOTHING: Settle = () => null;

function isFailure(status: number, request: Request): boolean {
  if (status < 400 || status >= 500 || status === 429) return false;
  const code = requestMeta(request).oauthErrorCode;
  return !(code && NOT_FAILURES.has(code));
}

/** The client_id of a Basic header (RFC 6749 2.3.1: form-encoded), or null. Only read after a failure. */
function basicClientId(request: Request): string | null {
  const h = request.headers.get("authorization");
  if (!h || !/^basic /i.test(h)) return null;
  try {
    const decoded = Buffer.from(h.slice(6).trim(), "base64").toString("utf8");
    const i = decoded.indexOf(":");
    return i > 0 ? decodeURIComponent(decoded.slice(0, i).replace(/\+/g, " ")) : null;
  } catch {
    return null;
  }
}

/** The form's client_id as the route read it, or null (absent, repeated or too long). */
function formClientId(request: Request): string | null {
  try {
    return requestMeta(request).protocolParams?.get("client_id", 256) ?? null;
  } catch {
    return null;
  }
}

/** The registered client a failed request named (Basic header, else the form's client_id), or null. */
function namedClient(web: WebDeps, request: Request): OidcClient | null {
  const id = basicClientId(request) ?? formClientId(request);
  return id ? findClientById(web.db, id) : null;
}

/**
 * Throws 429 when this request is over its route's budget; returns the function that charges the
 * failure budgets once the status is known.
 */
export function checkRequestBudgets(web: WebDeps, request: Request, budget: Budget | undefined): Settle {
  if (budget === undefined || web.config.disableRateLimiting) return NOTHING;
  const limiter = bucketsFor(web);

  if (budget === "protocol" || budget === "userinfo") {
    const perIp = limiter.store("protocol-failures:ip", BUDGET_RULES.tokenFailuresPerIp);
    const ip = clientKey(request);
    const wait = perIp.peek(ip);
    if (wait > 0) throw OAuthError.rateLimited(wait);
    return (status) => {
      if (!isFailure(status, request)) return null;
      const clientFailed = requestMeta(request).oauthErrorCode === "invalid_client";
      // Userinfo authenticates a bearer token, never a client: no client is named there.
      const client = budget === "protocol" ? namedClient(web, request) : null;
      // Every "protocol" endpoint authenticates the client before it looks at a code, token or device code.
      // So a confidential client's failure other than invalid_client tested no secret of anyone's: it is
      // that client's own (an expired refresh token, a code used twice) and must not spend its server's
      // IP budget, or a busy relying party would be refused its next correct request.
      if (client && !client.isPublic && !clientFailed) return null;
      perIp.take(ip);
      // Only failed client authentication counts against (and is answered for) the client: a client's
      // own grant errors (an expired refresh token: invalid_grant) must reach it as they are.
      if (!client || !clientFailed) return null;
      const over = limiter.store("protocol-failures:client", BUDGET_RULES.tokenFailuresPerClient).take(client.id);
      return over > 0 ? OAuthError.rateLimited(over) : null;
    };
  }

  if (budget === "passkey") {
    const perIp = limiter.store("passkey-failures:ip", BUDGET_RULES.passkeyFailuresPerIp);
    const ip = clientKey(request);
    const wait = perIp.peek(ip);
    if (wait > 0) throw AppError.rateLimited(wait);
    return (status) => {
      if (!isFailure(status, request)) return null;
      perIp.take(ip);
      // Set by the route only for a passkey that exists (src/http/routes/webauthn-api.ts).
      const credential = requestMeta(request).failedCredentialId;
      if (!credential) return null;
      const over = limiter.store("passkey-failures:credential", BUDGET_RULES.passkeyFailuresPerCredential).take(credential);
      return over > 0 ? AppError.rateLimited(over) : null;
    };
  }

  // "admin-api"
  const principal = request.headers.has("x-api-key") ? apiKeyPrincipalOf(web, request) : null;
  const wait = principal
    ? limiter.store("admin-api:key", BUDGET_RULES.adminApi).take(principal.apiKeyId ?? "static-api-key")
    : limiter.store("admin-api:ip", BUDGET_RULES.adminApi).take(clientKey(request));
  if (wait > 0) throw AppError.rateLimited(wait);
  return NOTHING;
}
