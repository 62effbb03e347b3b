/**
 * Forward-auth HTTP edge: what Caddy forward_auth, Traefik ForwardAuth and nginx auth_request call.
 * Trust model, one sentence per proxy (the app always comes from the URL path the admin's proxy config names):
 * - Caddy / Traefik → GET|any /api/forward-auth/verify/<app id>: X-Forwarded-Method/Proto/Host/Uri, which
 *   forward_auth / ForwardAuth set themselves (replacing a client's copies), believed only from TRUST_PROXY
 *   peers; X-Original-* is never read here. Not signed in: 302 to start.
 * - nginx → /api/forward-auth/verify/<app id>/nginx and /api/forward-auth/callback/<app id>: X-Original-URL
 *   and X-Original-Method, which the snippet sets with proxy_set_header (so a client's copy is dropped) and a
 *   host pinned in the snippet (never $http_host), believed only from TRUST_PROXY peers; X-Forwarded-Host/Uri
 *   are never read here. Not signed in: 401 with the start URL in Location (error_page turns it into a 302).
 * - The unbound /api/forward-auth/verify and /api/forward-auth/callback of earlier versions are gone: they
 *   chose the app from headers, and whether a header came from the proxy or the client cannot be told
 *   there. They answer 403 naming the fix (copy the new snippet).
 * - Signing in sets a state cookie on the app's host with the 302/401; its hash travels through start and
 *   the callback redeems a code only with that cookie (forward-auth.ts).
 * - Signed in but not allowed: 403 page. The app-host path /.latchkey/callback is the handshake's second leg.
 * - GET /api/forward-auth/start/<app id>?rd=&state=: on Latchkey's host; signs in, then shared cookie or code.
 * - Remote-* headers a client sends are never read: they are only ever response headers.
 * - Query parameters of a verify request are never read (Caddy's forward_auth passes the client's query on).
 */
import { Elysia } from "elysia";
import {
  browserState,
  CALLBACK_PATH,
  completeForwardAuthHandshake,
  originalUrl,
  parseOriginalRequest,
  startForwardAuth,
  STATE_TTL,
  verifyForwardAuth,
  type OriginalRequest,
} from "../../forward-auth/forward-auth.ts";
import { rawPathOf } from "../../forward-auth/patterns.ts";
import { readAppConfig } from "../../admin/app-config.ts";
import { ErrorPage } from "../../../templates/pages/error-page.tsx";
import { ForwardAuthDeniedPage } from "../../../templates/pages/forward-auth/denied-page.tsx";
import { currentPathAndQuery } from "../browser-session.ts";
import { readCookie } from "../cookies.ts";
import { buildPageContext, requestTranslator } from "../page-context.ts";
import { msg, type Message } from "../../i18n/message.ts";
import { rateLimit, type RateRule } from "../plugins/rate-limit.ts";
import { routePolicy } from "../plugins/route-policy.ts";
import { addResponseCookie, auditOrigin, currentSession, requestMeta } from "../request-context.ts";
import { htmlResponse, redirectResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

/** Hit on every proxied request (assets included): generous, per client IP (X-Forwarded-For from trusted proxies). */
const VERIFY_RULE: RateRule = { perSeconds: 0.01, burst: 1000 };
const BROWSER_RULE: RateRule = { perSeconds: 1, burst: 30 };

export const FA_COOKIE = "latchkey_fa";
export const FA_SHARED_COOKIE = "latchkey_fa_shared";
export const FA_STATE_COOKIE = "latchkey_fa_state";

/** Which proxy family a verify URL serves, hence which headers describe the original request. */
export type ProxyMode = "forwarded" | "nginx";

/**
 * Host-only cookie on the app's host: `__Host-` (hence Secure, Path=/, no Domain) when the app is https.
 * Browsers share cookies across ports of one host, so an explicit port is part of the name: two apps on
 * app.example.com:8080 and :9090 then keep their own sessions instead of overwriting each other's.
 */
export function hostCookieName(original: { proto: "http" | "https"; host: string }, base = FA_COOKIE): string {
  const port = original.host.split(":")[1];
  const name = port ? `${base}_${port}` : base;
  return original.proto === "https" ? `__Host-${name}` : name;
}

/** The sign-in state cookie on the app's host (same naming rules as the session cookie there). */
export function stateCookieName(original: { proto: "http" | "https"; host: string }): string {
  return hostCookieName(original, FA_STATE_COOKIE);
}

export function sharedCookieName(secure: boolean): string {
  return secure ? `__Secure-${FA_SHARED_COOKIE}` : FA_SHARED_COOKIE;
}

function faCookie(name: string, value: string, opts: { secure: boolean; domain?: string; maxAge?: number }): string {
  // A browser-session cookie: the server-side row (idle timeout, tied to the Latchkey session) is the real limit.
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  if (opts.maxAge !== undefined) parts.push(`Max-Age=${opts.maxAge}`);
  if (opts.domain) parts.push(`Domain=${opts.domain}`);
  if (opts.secure) parts.push("Secure");
  return parts.join("; ");
}

/** The original request as the proxy describes it in `mode`'s headers, or null (untrusted peer, or nothing usable). */
export function originalRequestOf(request: Request, mode: ProxyMode): OriginalRequest | null {
  if (!requestMeta(request).peerTrusted) return null;
  const h = request.headers;
  if (mode === "nginx") {
    const url = h.get("x-original-url");
    return url === null ? null : parseOriginalRequest({ url, method: h.get("x-original-method") ?? request.method });
  }
  return parseOriginalRequest({
    method: h.get("x-forwarded-method") ?? request.method,
    proto: h.get("x-forwarded-proto"),
    host: h.get("x-forwarded-host"),
    uri: h.get("x-forwarded-uri"),
  });
}

/** The `code` parameter of the original request's query (the handshake callback on the app host). */
function codeOf(uri: string): string | null {
  const q = uri.indexOf("?");
  return q < 0 ? null : new URLSearchParams(uri.slice(q + 1)).get("code");
}

export function forwardAuthRoutes(web: WebDeps) {
  const appName = () => readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv }).appName;

  /** A refusal page served on the app's host: absolute URLs to Latchkey, and a CSP that allows only them. */
  const deniedPage = (request: Request, status: number, title: Message, message: Message, username?: string) =>
    htmlResponse(
      ForwardAuthDeniedPage({
        i18n: requestTranslator(web, request),
        appName: appName(),
        latchkeyUrl: web.config.appUrl,
        cssUrl: web.config.appUrl + web.assets.url("app.css"),
        title,
        message,
        username,
        status,
      }),
      {
        status,
        headers: {
          "Content-Security-Policy": `default-src 'none'; style-src ${web.config.appUrl}; img-src ${web.config.appUrl} data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        },
      },
    );

  const latchkeyPage = (request: Request, status: number, title: Message, message: Message) => {
    const ctx = buildPageContext(web, web.assets, request);
    return htmlResponse(ErrorPage({ ctx, status, title: ctx.text(title), message: ctx.text(message) }), { status });
  };

  const startUrl = (appId: string, o: OriginalRequest, stateHash: string) =>
    `${web.config.appUrl}/api/forward-auth/start/${encodeURIComponent(appId)}?rd=${encodeURIComponent(originalUrl(o))}&state=${stateHash}`;

  const invalidCode = (request: Request) => deniedPage(request, 400, msg("forwardAuth.linkExpiredTitle"), msg("forwardAuth.linkExpired"));

  const notProtected = (request: Request, message: Message) => deniedPage(request, 403, msg("forwardAuth.notProtectedTitle"), message);

  /** The handshake's second leg on the app's host: one-time code + state cookie → host-only cookie → the original URL. */
  const callback = (request: Request, appId: string, original: OriginalRequest): Response => {
    rateLimit(web, request, "forward-auth-callback", BROWSER_RULE);
    if (original.method !== "GET" && original.method !== "HEAD") return invalidCode(request);
    const r = completeForwardAuthHandshake(web, { appId, code: codeOf(original.uri), stateNonce: readCookie(request, stateCookieName(original)), host: original.host });
    if (r.kind === "invalid_code") return invalidCode(request);
    const secure = original.proto === "https";
    addResponseCookie(request, faCookie(hostCookieName(original), r.token, { secure }));
    // The state has done its job: a hash of it that leaked (history, a log) can no longer bind a code to this browser.
    addResponseCookie(request, faCookie(stateCookieName(original), "", { secure, maxAge: 0 }));
    return redirectResponse(r.location, 302);
  };

  const untrusted = (request: Request) => notProtected(request, msg("forwardAuth.untrusted", { setting: "TRUST_PROXY" }));

  const verify = (request: Request, appId: string, mode: ProxyMode): Response => {
    rateLimit(web, request, "forward-auth-verify", VERIFY_RULE);
    const original = originalRequestOf(request, mode);
    if (!original) return untrusted(request);
    if (rawPathOf(original.uri) === CALLBACK_PATH) {
      // nginx proxies this path to /api/forward-auth/callback/<id>: auth_request could not pass the 302 on.
      return mode === "forwarded" ? callback(request, appId, original) : invalidCode(request);
    }
    const outcome = verifyForwardAuth(web, {
      appId,
      original,
      tokens: {
        hostOnly: readCookie(request, hostCookieName(original)),
        shared: web.config.forwardAuthCookieDomain ? readCookie(request, sharedCookieName(web.config.secureCookies)) : null,
      },
      cookieDomain: web.config.forwardAuthCookieDomain,
      origin: auditOrigin(request),
    });
    switch (outcome.kind) {
      case "allow":
        return new Response(null, { status: 200, headers: { ...outcome.headers, "Cache-Control": "no-store" } });
      case "public":
        // Empty identity headers, not none: Caddy 2.6's copy_headers otherwise sends its own placeholder text upstream.
        return new Response(null, { status: 200, headers: { ...Object.fromEntries(outcome.app.passHeaders.map((h) => [h, ""])), "Cache-Control": "no-store" } });
      case "sign_in": {
        // The state cookie goes to the app's host with this answer; only its hash leaves for Latchkey.
        const state = browserState(web, readCookie(request, stateCookieName(original)));
        addResponseCookie(request, faCookie(stateCookieName(original), state.nonce, { secure: original.proto === "https", maxAge: STATE_TTL }));
        const location = startUrl(outcome.app.id, original, state.hash);
        // nginx's auth_request only understands 2xx/401/403: it turns the 401 into a redirect via error_page.
        return mode === "nginx"
          ? new Response(null, { status: 401, headers: { Location: location, "Cache-Control": "no-store" } })
          : redirectResponse(location, 302);
      }
      case "forbidden":
        return deniedPage(request, 403, msg("forwardAuth.forbiddenTitle"), msg("forwardAuth.forbidden", { app: outcome.app.name }), outcome.identity.username);
      case "unknown_app":
        return notProtected(request, msg("forwardAuth.unknownApp"));
      case "wrong_host":
        return notProtected(request, msg("forwardAuth.wrongHost", { app: outcome.app.name, host: original.host }));
      case "refused_path":
        return deniedPage(request, 403, msg("forwardAuth.refusedPathTitle"), msg("forwardAuth.refusedPath", { examples: "%2F, ;, \\, .." }));
    }
  };

  /** The unbound URLs of earlier versions: they took the app from headers. Refused with the fix named. */
  const legacy = ({ request }: { request: Request }) => {
    rateLimit(web, request, "forward-auth-verify", VERIFY_RULE);
    return notProtected(request, msg("forwardAuth.legacy"));
  };

  return new Elysia({ name: "forward-auth" })
    .use(routePolicy(web))
    // No CSRF token on the verify URLs: the proxy's subrequests keep the original method (nginx's auth_request
    // POSTs too) and carry no page token; only a TRUST_PROXY peer's headers are read, and the handshake leg
    // they may complete is bound to the browser by its state cookie. The unbound URL is refused anyway.
    .all("/api/forward-auth/verify", legacy, { csrf: false })
    .get("/api/forward-auth/callback", legacy)
    .all("/api/forward-auth/verify/:appId", ({ request, params }) => verify(request, params.appId, "forwarded"), { csrf: false })
    .all("/api/forward-auth/verify/:appId/nginx", ({ request, params }) => verify(request, params.appId, "nginx"), { csrf: false })
    .get("/api/forward-auth/callback/:appId", ({ request, params }) => {
      const original = originalRequestOf(request, "nginx");
      if (!original || rawPathOf(original.uri) !== CALLBACK_PATH) return invalidCode(request);
      return callback(request, params.appId, original);
    })
    .get("/api/forward-auth/start", ({ request }) =>
      latchkeyPage(request, 400, msg("forwardAuth.startOutdatedTitle"), msg("forwardAuth.startOutdated")),
    )
    .get("/api/forward-auth/start/:appId", ({ request, query, params }) => {
      rateLimit(web, request, "forward-auth-start", BROWSER_RULE);
      const outcome = startForwardAuth(web, {
        appId: params.appId,
        rd: query.rd,
        state: query.state,
        session: currentSession(web, request),
        cookieDomain: web.config.forwardAuthCookieDomain,
        origin: auditOrigin(request),
      });
      switch (outcome.kind) {
        case "invalid_return_url":
          return latchkeyPage(request, 400, msg("forwardAuth.badReturnTitle"), msg("forwardAuth.badReturn"));
        case "invalid_state":
          return latchkeyPage(request, 400, msg("forwardAuth.incompleteTitle"), msg("forwardAuth.incomplete"));
        case "sign_in": {
          const here = encodeURIComponent(currentPathAndQuery(request));
          return redirectResponse(outcome.reauthenticate ? `/reauthenticate?redirect=${here}` : `/login?redirect=${here}`, 302);
        }
        case "forbidden":
          return latchkeyPage(request, 403, msg("forwardAuth.forbiddenTitle"), msg("forwardAuth.forbiddenAsk", { app: outcome.app.name }));
        case "shared_cookie":
          addResponseCookie(request, faCookie(sharedCookieName(web.config.secureCookies), outcome.token, { secure: web.config.secureCookies, domain: web.config.forwardAuthCookieDomain! }));
          return redirectResponse(outcome.location, 302);
        case "handshake":
          return redirectResponse(outcome.location, 302);
      }
    });
}
