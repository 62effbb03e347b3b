/**
 * Callback URL registration and matching (Pocket ID compatible).
 * - A redirect_uri matches a registered URL exactly (character for character: a trailing slash, http vs
 *   https or another port is a different URL), or a registered pattern:
 *   `*` matches one host label, a port, one path segment (or part of it) or part of a query value;
 *   `**` in the path matches any number of segments; a lone `*` matches any URL.
 * - RFC 8252 7.3: for http loopback redirect URIs (localhost, 127.0.0.1, [::1]) the port is ignored.
 * - RFC 6749 3.1.2: a redirect URI never carries a fragment.
 * - Registered URLs: absolute, no fragment, no credentials; http(s) or a private-use scheme for native
 *   apps; never javascript:, data:, vbscript: or file:.
 */

const FORBIDDEN_SCHEMES = new Set(["javascript", "data", "vbscript", "file", "blob", "about"]);
const MAX_URL_LENGTH = 2048;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

interface UrlParts {
  scheme: string;
  host: string; // lower-cased, without port
  port: string; // "" when absent
  path: string;
  query: string | null; // without "?"
}

/** Splits a URL (or pattern) into parts without normalising anything. */
function splitUrl(url: string): UrlParts | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?$/.exec(url);
  if (!m) return null;
  const authority = m[2] ?? "";
  if (authority.includes("@")) return null;
  let host = authority;
  let port = "";
  const portMatch = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/.exec(authority);
  if (!portMatch) return null;
  host = portMatch[1]!;
  port = portMatch[2] ?? "";
  return { scheme: m[1]!.toLowerCase(), host: host.toLowerCase(), port, path: m[3] ?? "", query: m[4] ?? null };
}

/** Why a callback URL cannot be registered, or null when it is fine. */
export function callbackUrlProblem(url: string): string | null {
  if (typeof url !== "string" || url.trim() === "") return "Enter a URL.";
  if (url !== url.trim()) return "Remove the spaces around the URL.";
  if (url.length > MAX_URL_LENGTH) return `A URL may be at most ${MAX_URL_LENGTH} characters long.`;
  if (url === "*") return null;
  if (/[\s<>"\\^`{|}]/.test(url) || /[\u0000-\u001f\u007f]/.test(url)) return "The URL contains characters that are not allowed.";
  if (url.includes("#")) return "A callback URL must not contain a fragment (#…).";
  const parts = splitUrl(url);
  if (!parts) return "Enter an absolute URL such as https://app.example.com/callback.";
  if (FORBIDDEN_SCHEMES.has(parts.scheme)) return `The ${parts.scheme}: scheme is not allowed.`;
  if (parts.scheme === "http" || parts.scheme === "https") {
    if (!parts.host) return "The URL needs a host name.";
    // Parse with the wildcards replaced to catch malformed hosts and ports.
    try {
      const probe = new URL(url.replace(/\*\*/g, "x").replace(/\*/g, "x").replace(/:x(?=[/?]|$)/, ":1"));
      if (probe.username || probe.password) return "A callback URL must not contain credentials.";
    } catch {
      return "Enter an absolute URL such as https://app.example.com/callback.";
    }
  }
  return null;
}

export function isLoopbackHttp(url: string): boolean {
  const p = splitUrl(url);
  return p !== null && p.scheme === "http" && LOOPBACK_HOSTS.has(p.host);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function globToRegex(pattern: string, any: string, doubleStar: string | null): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === "*") {
      if (doubleStar !== null && pattern[i + 1] === "*") {
        // "/**/" also matches "/"
        if (out.endsWith("/") && pattern[i + 2] === "/") {
          out = out.slice(0, -1) + "(?:/.*)?";
          i += 1;
          continue;
        }
        out += doubleStar;
        i += 1;
      } else {
        out += any;
      }
    } else {
      out += escapeRegex(pattern[i]!);
    }
  }
  return new RegExp(`^${out}$`);
}

function matchesPattern(pattern: string, candidate: string, ignorePort: boolean): boolean {
  if (pattern === "*") return true;
  const p = splitUrl(pattern);
  const c = splitUrl(candidate);
  if (!p || !c) return false;
  if (p.scheme !== c.scheme) return false;
  if (!globToRegex(p.host, "[^./:]+", null).test(c.host)) return false;
  if (!ignorePort && !globToRegex(p.port, "[0-9]+", null).test(c.port)) return false;
  if (!globToRegex(p.path, "[^/]*", ".*").test(c.path)) return false;
  if ((p.query === null) !== (c.query === null)) return false;
  if (p.query !== null && !globToRegex(p.query, "[^&]*", null).test(c.query!)) return false;
  return true;
}

function withoutPort(url: string): string {
  const p = splitUrl(url)!;
  return `${p.scheme}://${p.host}${p.path}${p.query === null ? "" : `?${p.query}`}`;
}

/**
 * The registered URL a redirect_uri matches, or null. Never normalises the candidate: only what the
 * administrator registered (or a pattern of it) is accepted.
 */
export function matchRedirectUri(registered: string[], candidate: string): string | null {
  if (!candidate || candidate.length > MAX_URL_LENGTH || candidate.includes("#")) return null;
  const c = splitUrl(candidate);
  if (!c) return null;
  const loopback = isLoopbackHttp(candidate);
  for (const r of registered) {
    if (r === candidate) return r;
    if (loopback && isLoopbackHttp(r) && !r.includes("*") && withoutPort(r) === withoutPort(candidate)) return r;
    if (r.includes("*") && matchesPattern(r, candidate, loopback && isLoopbackHttp(r))) return r;
  }
  return null;
}
