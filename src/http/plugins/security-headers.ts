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

export function applySecurityHeaders(headers: Headers, config: Config): void {
  if (!headers.has("Content-Security-Policy")) headers.set("Content-Security-Policy", contentSecurityPolicy());
  headers.set("X-Frame-Options", "DENY");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
  if (config.secureCookies) headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
}
