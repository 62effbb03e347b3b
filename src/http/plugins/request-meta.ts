/**
 * The facts every step of a request reads, and what they add to its answer.
 * - Request id: 12 random characters, sent back as X-Request-Id and written in the log and 500 pages.
 * - Client IP: the socket peer, or what a TRUST_PROXY proxy put in TRUSTED_PLATFORM's header or appended to X-Forwarded-For
 *   (src/http/client-ip.ts); whether the peer is such a proxy (forward-auth believes its headers only then).
 * - The answer gets the id, the security headers (security-headers.ts) and the Set-Cookie headers routes
 *   queued (addResponseCookie), whatever produced it: a handler, the error mapper or a pipeline step.
 */
import type { Config } from "../../config.ts";
import type { Deps } from "../../deps.ts";
import { randomToken } from "../../lib/random.ts";
import { createProxyTrust, resolveClientIp } from "../client-ip.ts";
import { initRequestMeta, type RequestMeta } from "../request-context.ts";
import { applySecurityHeaders } from "./security-headers.ts";

/** Returns the function that starts a request's meta (id, client IP, time, cookie queue). */
export function requestMetaStarter(deps: Deps): (request: Request, socketIp: string | null) => RequestMeta {
  const trusted = createProxyTrust(deps.config.trustProxy);
  const platform = deps.config.trustedPlatform;
  return (request, socketIp) =>
    initRequestMeta(request, {
      id: randomToken(deps.random, 9),
      ip: resolveClientIp(socketIp, request.headers.get("x-forwarded-for"), trusted, platform ? request.headers.get(platform) : null),
      peerTrusted: socketIp !== null && trusted(socketIp),
      startedAt: performance.now(),
      setCookies: [],
    });
}

/** The answer as sent: request id, security headers, queued cookies. */
export function finishResponse(response: Response, meta: RequestMeta, config: Config): Response {
  // Responses from fetch() or Response.redirect() have immutable headers: copy once.
  try {
    response.headers.set("X-Request-Id", meta.id);
  } catch {
    response = new Response(response.body, response);
    response.headers.set("X-Request-Id", meta.id);
  }
  applySecurityHeaders(response.headers, config);
  for (const cookie of meta.setCookies) response.headers.append("Set-Cookie", cookie);
  return response;
}
