/**
 * Security headers on every response.
 * - CSP: scripts only from our own origin, no inline script or event handlers, no framing.
 *   (form_post responses may widen form-action; they set their own CSP.)
 * - HSTS only when APP_URL is https.
 */
import type { Config } from "../../config.ts";

export function contentSecurityPolicy(extra: { formAction?: string } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${extra.formAction ?? "'self'"}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The default policy, built once: most responses carry exactly this. */
const DEFAULT_CSP = contentSecurityPolicy();

/** The fixed headers per configuration, built once (applied to every response). */
const fixedHeaders = new WeakMap<Config, [string, string][]>();

function fixedHeadersFor(config: Config): [string, string][] {
  let list = fixedHeaders.get(config);
  if (!list) {
    list = [
      ["X-Frame-Options", "DENY"],
      ["X-Content-Type-Options", "nosniff"],
      ["Referrer-Policy", "strict-origin-when-cross-origin"],
      ["Cross-Origin-Opener-Policy", "same-origin"],
      ["Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"],
    ];
    if (config.secureCookies) list.push(["Strict-Transport-Security", "max-age=63072000; includeSubDomains"]);
    fixedHeaders.set(config, list);
  }
  return list;
}

export function applySecurityHeaders(headers: Headers, config: Config): void {
  if (!headers.has("Content-Security-Policy")) headers.set("Content-Security-Policy", DEFAULT_CSP);
  for (const [name, value] of fixedHeadersFor(config)) headers.set(name, value);
}
