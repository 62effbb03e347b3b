/** Cookie names and attributes. `__Host-` prefix and Secure only when APP_URL is https (browsers refuse them on http). */
import type { Config } from "../config.ts";

export function cookieName(config: Config, base: string): string {
  return config.secureCookies ? `__Host-${base}` : base;
}

/**
 * A cookie scoped to one path (`__Host-` demands Path=/): `__Secure-` + Secure on https, no prefix on http, as
 * Pocket ID names its path-bound cookies (`__Secure-device_login_token`).
 */
export function pathCookieName(config: Config, base: string): string {
  return config.secureCookies ? `__Secure-${base}` : base;
}

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function serializeCookie(
  config: Config,
  name: string,
  value: string,
  options: { maxAge?: number; sameSite?: "Lax" | "Strict"; httpOnly?: boolean; path?: string } = {},
): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path ?? "/"}`];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`);
  if (options.httpOnly !== false) parts.push("HttpOnly");
  parts.push(`SameSite=${options.sameSite ?? "Lax"}`);
  if (config.secureCookies) parts.push("Secure");
  return parts.join("; ");
}

export function clearCookie(config: Config, name: string, path = "/"): string {
  return serializeCookie(config, name, "", { maxAge: 0, path });
}
