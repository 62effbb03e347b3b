/**
 * Which protected app a URL belongs to, and which return URLs may be redirected to.
 * - Host patterns are exact ("app.example.com", optionally with ":port") or one leading wildcard
 *   label ("*.apps.example.com" matches "a.apps.example.com" and "a.b.apps.example.com", never the bare parent).
 * - A pattern without a port matches any port; with a port, only that port.
 * - The path prefix matches whole segments ("/admin" matches "/admin" and "/admin/x", not "/administrator");
 *   dot segments (also %2e) are resolved first by the WHATWG URL parser.
 * - The most specific app wins: exact host over wildcard, then the longest path prefix.
 * - A return URL must be absolute http(s), without userinfo, backslashes, whitespace or control characters,
 *   and must itself belong to a protected app: never an open redirect.
 */

export interface AppPatterns {
  id: string;
  hosts: string[];
  pathPrefix: string;
}

const HOST_RE = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/;

/** A normalised host pattern, or null when it is not one. */
export function normaliseHostPattern(input: string): string | null {
  const v = input.trim().toLowerCase().replace(/\.$/, "");
  if (!v || v.length > 260 || !HOST_RE.test(v)) return null;
  const port = v.split(":")[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  // A wildcard needs at least two labels after it ("*.com" would cover a whole TLD).
  if (v.startsWith("*.") && v.slice(2).split(":")[0]!.split(".").length < 2) return null;
  return v;
}

/** A normalised path prefix ("/" or "/a/b" without a trailing slash), or null. */
export function normalisePathPrefix(input: string): string | null {
  const v = input.trim() || "/";
  if (!v.startsWith("/") || v.startsWith("//") || /[\s\\?#%\u0000-\u001f\u007f]/.test(v) || v.length > 200) return null;
  if (v.split("/").some((s) => s === "." || s === "..")) return null;
  return v === "/" ? "/" : v.replace(/\/+$/, "") || "/";
}

/** The request host as a browser sent it ("Host:" syntax), lowercased; null when malformed. */
export function normaliseRequestHost(input: string | null | undefined): string | null {
  if (!input) return null;
  const v = input.split(",")[0]!.trim().toLowerCase().replace(/\.(?=:|$)/, "");
  if (!v || v.length > 260 || v.startsWith("*") || !HOST_RE.test(v)) return null;
  return v;
}

function splitHost(h: string): [string, string | null] {
  const i = h.indexOf(":");
  return i < 0 ? [h, null] : [h.slice(0, i), h.slice(i + 1)];
}

/** 2 for an exact match, 1 for a wildcard match, 0 for none. */
export function matchHost(pattern: string, host: string): 0 | 1 | 2 {
  const [pName, pPort] = splitHost(pattern);
  const [hName, hPort] = splitHost(host);
  if (pPort !== null && pPort !== hPort) return 0;
  if (pName.startsWith("*.")) return hName.endsWith(pName.slice(1)) && hName.length > pName.length - 1 ? 1 : 0;
  return pName === hName ? 2 : 0;
}

export function matchPath(prefix: string, path: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
}

/** The protected app a request for `host` + `path` belongs to, or null. */
export function findAppFor<T extends AppPatterns>(apps: T[], host: string, path: string): T | null {
  let best: { app: T; score: number } | null = null;
  for (const app of apps) {
    if (!matchPath(app.pathPrefix, path)) continue;
    const hostScore = Math.max(0, ...app.hosts.map((p) => matchHost(p, host)));
    if (hostScore === 0) continue;
    const score = hostScore * 10_000 + app.pathPrefix.length;
    if (!best || score > best.score) best = { app, score };
  }
  return best?.app ?? null;
}

/** The path of a request URI after dot-segment resolution, or null when it is not a path. */
export function pathOfUri(uri: string): string | null {
  if (!uri.startsWith("/") || /[\u0000-\u001f\u007f]/.test(uri)) return null;
  try {
    return new URL(uri, "http://x.invalid").pathname;
  } catch {
    return null;
  }
}

export interface ReturnTarget<T> {
  url: URL;
  host: string;
  app: T;
}

/** Validates a return URL against the protected apps: the target and its app, or null. */
export function validateReturnUrl<T extends AppPatterns>(raw: unknown, apps: T[]): ReturnTarget<T> | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 4096) return null;
  // Whitespace, control characters and backslashes are refused outright: browsers and parsers disagree on them.
  if (/[\s\u0000-\u001f\u007f\\]/.test(raw)) return null;
  if (!/^https?:\/\/[^/]/i.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const authority = raw.slice(raw.indexOf("//") + 2).split(/[/?#]/)[0]!;
  if (url.username !== "" || url.password !== "" || authority.includes("@")) return null;
  const host = normaliseRequestHost(url.host);
  if (!host) return null;
  const app = findAppFor(apps, host, url.pathname);
  if (!app) return null;
  return { url, host, app };
}
