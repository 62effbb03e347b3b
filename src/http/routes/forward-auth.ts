/**
 * Forward-auth HTTP edge: what Caddy forward_auth, Traefik ForwardAuth and nginx auth_request call.
 * - GET|any /api/forward-auth/verify: the proxy's subrequest. X-Forwarded-Method/Proto/Host/Uri (Caddy,
 *   Traefik) or X-Original-URL/X-Original-Method (nginx) are believed ONLY from TRUST_PROXY peers.
 *   200 + Remote-* identity headers; not signed in: 302 to start (Caddy, Traefik) or 401 with the same
 *   Location (nginx: X-Original-URL present or ?mode=nginx); signed in but not allowed: 403 page.
 *   The app-host path /.latchkey/callback is the handshake's second leg and answers 302 + Set-Cookie.
 * - GET /api/forward-auth/callback: the same second leg for nginx (auth_request cannot pass a 302 on).
 * - GET /api/forward-auth/start?rd=: on Latchkey's host; signs in, then shared cookie or one-time code.
 * - Remote-* headers a client sends are never read: they are only ever response headers.
 */
import { Elysia } from "elysia";
import {
  CALLBACK_PATH,
  completeForwardAuthHandshake,
  originalUrl,
  parseOriginalRequest,
  startForwardAuth,
  verifyForwardAuth,
  type OriginalRequest,
} from "../../forward-auth/forward-auth.ts";
import { pathOfUri } from "../../forward-auth/patterns.ts";
import { readAppConfig } from "../../admin/app-config.ts";
import { ErrorPage } from "../../../templates/pages/error-page.tsx";
import { ForwardAuthDeniedPage } from "../../../templates/pages/forward-auth/denied-page.tsx";
import { currentPathAndQuery } from "../browser-session.ts";
import { readCookie } from "../cookies.ts";
import { buildPageContext } from "../page-context.ts";
import { rateLimit, type RateRule } from "../plugins/rate-limit.ts";
import { addResponseCookie, auditOrigin, currentSession, requestMeta } from "../request-context.ts";
import { htmlResponse, redirectResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

/** Hit on every proxied request (assets included): generous, per client IP (X-Forwarded-For from trusted proxies). */
const VERIFY_RULE: RateRule = { perSeconds: 0.01, burst: 1000 };
const BROWSER_RULE: RateRule = { perSeconds: 1, burst: 30 };

export const FA_COOKIE = "latchkey_fa";
export const FA_SHARED_COOKIE = "latchkey_fa_shared";

/**
 * Host-only cookie on the app's host: `__Host-` (hence Secure, Path=/, no Domain) when the app is https.
 * Browsers share cookies across ports of one host, so an explicit port is part of the name: two apps on
 * app.example.com:8080 and :9090 then keep their own sessions instead of overwriting each other's.
 */
export function hostCookieName(original: { proto: "http" | "https"; host: string }): string {
  const port = original.host.split(":")[1];
  const base = port ? `${FA_COOKIE}_${port}` : FA_COOKIE;
  return original.proto === "https" ? `__Host-${base}` : base;
}

export function sharedCookieName(secure: boolean): string {
  return secure ? `__Secure-${FA_SHARED_COOKIE}` : FA_SHARED_COOKIE;
}

function faCookie(name: string, value: string, opts: { secure: boolean; domain?: string }): string {
  // A browser-session cookie: the server-side row (idle timeout, tied to the Latchkey session) is the real limit.
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  if (opts.domain) parts.push(`Domain=${opts.domain}`);
  if (opts.secure) parts.push("Secure");
  return parts.join("; ");
}

/** The original request as the proxy describes it, or null (untrusted peer, or nothing usable). */
export function originalRequestOf(request: Request): OriginalRequest | null {
  if (!requestMeta(request).peerTrusted) return null;
  const h = request.headers;
  const xurl = h.get("x-original-url");
  if (xurl) return parseOriginalRequest({ url: xurl, method: h.get("x-original-method") ?? request.method });
  return parseOriginalRequest({
    method: h.get("x-forwarded-method") ?? request.method,
    proto: h.get("x-forwarded-proto"),
    host: h.get("x-forwarded-host") ?? h.get("host"),
    uri: h.get("x-forwarded-uri") ?? "/",
  });
}

function isNginx(request: Request, query: Record<string, unknown>): boolean {
  return query.mode === "nginx" || request.headers.has("x-original-url");
}

export function forwardAuthRoutes(web: WebDeps) {
  const appName = () => readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv }).appName;

  /** A refusal page served on the app's host: absolute URLs to Latchkey, and a CSP that allows only them. */
  const deniedPage = (status: number, title: string, message: string, username?: string) =>
    htmlResponse(
      ForwardAuthDeniedPage({ appName: appName(), latchkeyUrl: web.config.appUrl, cssUrl: web.config.appUrl + web.assets.url("app.css"), title, message, username, status }),
      {
        status,
        headers: {
          "Content-Security-Policy": `default-src 'none'; style-src ${web.config.appUrl}; img-src ${web.config.appUrl} data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        },
      },
    );

  const latchkeyPage = (request: Request, status: number, title: string, message: string) =>
    htmlResponse(ErrorPage({ ctx: buildPageContext(web, web.assets, request), status, title, message }), { status });

  const startUrl = (o: OriginalRequest) => `${web.config.appUrl}/api/forward-auth/start?rd=${encodeURIComponent(originalUrl(o))}`;

  const invalidCode = () => deniedPage(400, "This sign-in link has expired", "It was already used or is more than a minute old. Open the app again to sign in.");

  /** The handshake's second leg on the app's host: one-time code → host-only cookie → the original URL. */
  const callback = (request: Request, original: OriginalRequest, code: unknown): Response => {
    rateLimit(web, request, "forward-auth-callback", BROWSER_RULE);
    const r = completeForwardAuthHandshake(web, { code, host: original.host });
    if (r.kind === "invalid_code") return invalidCode();
    addResponseCookie(request, faCookie(hostCookieName(original), r.token, { secure: original.proto === "https" }));
    return redirectResponse(r.location, 302);
  };

  const verify = ({ request, query }: { request: Request; query: Record<string, unknown> }): Response => {
    rateLimit(web, request, "forward-auth-verify", VERIFY_RULE);
    const original = originalRequestOf(request);
    if (!original) {
      return deniedPage(403, "Not a protected address", "Latchkey could not tell which app this request is for. If Latchkey sits behind a reverse proxy, list that proxy in TRUST_PROXY.");
    }
    if (pathOfUri(original.uri) === CALLBACK_PATH) {
      return callback(request, original, new URL(original.uri, "http://x.invalid").searchParams.get("code"));
    }
    const outcome = verifyForwardAuth(web, {
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
      case "sign_in":
        // nginx's auth_request only understands 2xx/401/403: it turns the 401 into a redirect via error_page.
        return isNginx(request, query)
          ? new Response(null, { status: 401, headers: { Location: startUrl(original), "Cache-Control": "no-store" } })
          : redirectResponse(startUrl(original), 302);
      case "forbidden":
        return deniedPage(403, "You don't have access to this app", `${outcome.app.name} is limited to certain groups.`, outcome.identity.username);
      case "unknown_app":
        return deniedPage(403, "Not a protected address", `No protected app is set up for ${original.host}. An administrator can add it under Administration → Protected apps.`);
    }
  };

  return new Elysia({ name: "forward-auth" })
    .all("/api/forward-auth/verify", verify)
    .get("/api/forward-auth/callback", ({ request, query }) => {
      const original = originalRequestOf(request);
      if (!original) return invalidCode();
      return callback(request, original, query.code);
    })
    .get("/api/forward-auth/start", ({ request, query }) => {
      rateLimit(web, request, "forward-auth-start", BROWSER_RULE);
      const outcome = startForwardAuth(web, {
        rd: query.rd,
        session: currentSession(web, request),
        cookieDomain: web.config.forwardAuthCookieDomain,
        origin: auditOrigin(request),
      });
      switch (outcome.kind) {
        case "invalid_return_url":
          return latchkeyPage(request, 400, "Unknown return address", "The address to return to is not one of the protected apps, so Latchkey will not send you there.");
        case "sign_in": {
          const here = encodeURIComponent(currentPathAndQuery(request));
          return redirectResponse(outcome.reauthenticate ? `/reauthenticate?redirect=${here}` : `/login?redirect=${here}`, 302);
        }
        case "forbidden":
          return latchkeyPage(request, 403, "You don't have access to this app", `${outcome.app.name} is limited to certain groups. Ask an administrator to add you to one of them.`);
        case "shared_cookie":
          addResponseCookie(request, faCookie(sharedCookieName(web.config.secureCookies), outcome.token, { secure: web.config.secureCookies, domain: web.config.forwardAuthCookieDomain! }));
          return redirectResponse(outcome.location, 302);
        case "handshake":
          return redirectResponse(outcome.location, 302);
      }
    });
}
