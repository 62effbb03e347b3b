/**
 * Which protected app a request belongs to, and which return URLs may be redirected to.
 * - Host patterns are exact ("app.example.com", optionally with ":port") or one leading wildcard
 *   label ("*.apps.example.com" matches "a.apps.example.com" and "a.b.apps.example.com", never the bare parent).
 * - A pattern without a port matches any port; with a port, only that port.
 * - The original URI is a path only: everything before the first "?". It is never parsed as a URL, so
 *   "//admin/x" is the path /admin/x, not the host "admin".
 * - Canonical path: %XX of unreserved characters (A-Z a-z 0-9 - . _ ~) decoded, other escapes upper-cased,
 *   raw non-ASCII percent-encoded (a header's bytes, read as Latin-1, as themselves; other text as UTF-8),
 *   runs of "/" merged into one.
 * - Refused (fail closed, 403) wherever the path could decide an app (some app on the host has a path
 *   prefix): "\", ";", "#", whitespace or control characters, a malformed "%", an encoded "/" "\" ";" "%" or
 *   control character (NUL included), a "." or ".." segment (raw or encoded), a "?" or "#" that decoding
 *   reveals, and any path whose lenient reading (fully decoded, NFKC-folded, accents and invisible
 *   characters dropped, case-folded, Cyrillic/Greek look-alikes read as Latin, slash look-alikes as "/",
 *   segments trimmed of whitespace, "+", trailing dots and ":…" stream suffixes) falls under another
 *   app than its canonical reading.
 * - A path prefix matches whole segments, ASCII case-insensitively: "/admin" covers "/admin", "/ADMIN/x",
 *   "/%61dmin/x", never "/administrator".
 * - The most specific app wins: exact host over wildcard, then the longest path prefix. A request asked
 *   about through one app's verify URL is also held to the rules of the most specific app for its path.
 * - A return URL must be absolute http(s) with a plain host[:port] authority (no userinfo, "%", "\",
 *   whitespace or control characters) that the WHATWG parser reads the same way, on a host of the app
 *   whose verify URL sent the browser: never an open redirect, never another app.
 */

import { isPublicSuffix } from "../lib/public-suffix.ts";

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
  // Nor one in front of a public suffix ("*.co.uk", "*.github.io"): other people's domains.
  if (v.startsWith("*.") && isPublicSuffix(v.slice(2).split(":")[0]!)) return null;
  return v;
}

/**
 * A normalised path prefix ("/" or "/a/b", lower-case, no trailing slash), or null. Segments hold only
 * unreserved characters and the sub-delimiters that are not ";" (plus ":" and "@"): what a prefix means
 * must not depend on who decodes it. Lower-case because matching ignores ASCII case.
 */
export function normalisePathPrefix(input: string): string | null {
  const v = input.trim() || "/";
  if (v === "/") return "/";
  if (v.length > 200 || !/^(?:\/[A-Za-z0-9\-._~!$&'()*+,=:@]+)+\/?$/.test(v)) return null;
  if (v.split("/").some((s) => s === "." || s === "..")) return null;
  return v.replace(/\/$/, "").toLowerCase();
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

/** "/admin" covers "/admin" and "/admin/…" (whole segments). Both arguments are canonical and lower-cased. */
export function matchPath(prefix: string, path: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
}

/** The matching key of a stored prefix: canonical and lower-cased (prefixes saved before these rules included). */
function prefixKey(prefix: string): string {
  return (canonicalPath(prefix) ?? prefix).toLowerCase();
}

/** The protected app a request for `host` + `path` (canonical) belongs to, or null. */
export function findAppFor<T extends AppPatterns>(apps: T[], host: string, path: string): T | null {
  const key = path.toLowerCase();
  let best: { app: T; score: number } | null = null;
  for (const app of apps) {
    if (!matchPath(prefixKey(app.pathPrefix), key)) continue;
    const hostScore = Math.max(0, ...app.hosts.map((p) => matchHost(p, host)));
    if (hostScore === 0) continue;
    const score = hostScore * 10_000 + app.pathPrefix.length;
    if (!best || score > best.score) best = { app, score };
  }
  return best?.app ?? null;
}

export function claimsHost(app: AppPatterns, host: string): boolean {
  return app.hosts.some((p) => matchHost(p, host) > 0);
}

/** The raw path of an origin-form request URI (everything before "?"), or null when it is not one. */
export function rawPathOf(uri: string): string | null {
  if (!uri.startsWith("/")) return null;
  const q = uri.indexOf("?");
  return q < 0 ? uri : uri.slice(0, q);
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** Escapes refused outright: "/", "\\", ";", "%" (double encoding), and control characters (NUL … 0x1F, DEL). */
const REFUSED_ESCAPE = /^(?:2F|5C|3B|25|[01][0-9A-F]|7F)$/;

/** The canonical form of a raw path (see the rules above), or null when it holds something readers disagree on. */
export function canonicalPath(raw: string): string | null {
  if (!raw.startsWith("/") || raw.length > 8192) return null;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const code = c.charCodeAt(0);
    if (c === "%") {
      const hex = raw.slice(i + 1, i + 3).toUpperCase();
      if (!/^[0-9A-F]{2}$/.test(hex) || REFUSED_ESCAPE.test(hex)) return null;
      const ch = String.fromCharCode(parseInt(hex, 16));
      out += UNRESERVED.test(ch) ? ch : `%${hex}`;
      i += 2;
    } else if (code <= 0x20 || code === 0x7f || c === "\\" || c === ";" || c === "#") {
      return null;
    } else if (code <= 0xff && code > 0x7e) {
      // Header values are bytes (read as Latin-1): a raw UTF-8 byte is encoded as itself.
      out += `%${code.toString(16).toUpperCase()}`;
    } else if (code > 0xff) {
      const cp = raw.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      try {
        out += encodeURIComponent(ch); // UTF-8, upper-case hex; a lone surrogate throws
      } catch {
        return null;
      }
      i += ch.length - 1;
    } else {
      out += c;
    }
  }
  const merged = out.replace(/\/{2,}/g, "/");
  if (merged.split("/").some((s) => s === "." || s === "..")) return null;
  return merged;
}

/**
 * How a lenient upstream might read a canonical path: every escape decoded (UTF-8), Unicode compatibility
 * forms folded (fullwidth "／" is "/", "ａ" is "a"), combining marks dropped ("İ" is "I"), case folded,
 * whitespace around a segment and trailing dots dropped, slashes merged. Null when that reading is itself
 * hostile (a separator, "\\", ";", control character or dot segment appears) or undecodable.
 */
function lenientReading(canonical: string): string | null {
  let v: string;
  try {
    v = decodeURIComponent(canonical);
  } catch {
    return null;
  }
  // Compatibility forms, accents stripped, invisible characters (zero-width space, soft hyphen, joiners)
  // dropped, case folded both ways ("ı" and "ſ" upper-case to "I" and "S"), then Cyrillic and Greek letters
  // that look like Latin ones read as those ("/аdmin" with a Cyrillic а).
  v = v.normalize("NFKD").replace(/\p{M}|\p{Default_Ignorable_Code_Point}/gu, "").toUpperCase().toLowerCase().normalize("NFKC");
  v = v.replace(/[\u0370-\u03ff\u0400-\u052f]/g, (ch) => LOOK_ALIKES[ch] ?? ch);
  // Slashes NFKC leaves alone (fraction slash, division slash, big solidus, and the backslash look-alikes).
  v = v.replace(/[\u2044\u2215\u29f8]/g, "/").replace(/[\u2216\u29f5\u29f9\ufe68]/g, "\\");
  // A decoded "?" ends the path for whoever re-parses it ("/admin%3F/x" is "/admin" to a second hop).
  if (/[\\;#?\u0000-\u001f\u007f]/.test(v) || /%[0-9a-f]{2}/i.test(v)) return null;
  // Some servers drop whitespace around a segment, trailing dots, an NTFS stream suffix ("admin::$DATA",
  // "admin:x" on Windows/IIS), and read "+" as a space (form decoding misapplied to paths).
  const segments = v.split("/").map((seg) => seg.replace(/:.*$/, "").replace(/\+/g, " ").trim());
  if (segments.some((seg) => /^\.+$/.test(seg))) return null; // ". ", "..%20", "...": a dot segment to someone
  return segments.map((seg) => seg.replace(/\.+$/, "")).join("/").replace(/\/{2,}/g, "/");
}

/** Lower-case Cyrillic and Greek letters that render like a Latin letter (after case folding). */
const LOOK_ALIKES: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k",
  "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "г": "r", "ѕ": "s", "т": "t", "ц": "u", "ѵ": "v",
  "ԝ": "w", "х": "x", "у": "y", "з": "3",
  "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
  "χ": "x", "γ": "y", "ω": "w", "μ": "u",
});

export type PathDecision<T> = { kind: "refuse" } | { kind: "apps"; apps: T[] };

/**
 * The apps whose rules govern `uri` on `host` when the proxy asked through `bound`'s verify URL: `bound`
 * when the path lies under its prefix, and the most specific app claiming host + path when that is another
 * one (a header can add an app's rules, never remove them). An empty list: no app guards this path.
 * The caller has checked that `bound` claims `host`.
 */
export function governingApps<T extends AppPatterns>(apps: T[], bound: T, host: string, uri: string): PathDecision<T> {
  const onHost = apps.filter((a) => a.id !== bound.id && claimsHost(a, host));
  onHost.push(bound);
  const prefixed = onHost.some((a) => a.pathPrefix !== "/");
  const raw = rawPathOf(uri);
  const canonical = raw === null ? null : canonicalPath(raw);
  let path = "/";
  if (canonical === null) {
    // Every app on this host covers every path: the path cannot change the answer.
    if (prefixed) return { kind: "refuse" };
  } else {
    path = canonical.toLowerCase();
    if (prefixed) {
      const lenient = lenientReading(canonical);
      if (lenient === null) return { kind: "refuse" };
      if (findAppFor(onHost, host, lenient) !== findAppFor(onHost, host, path)) return { kind: "refuse" };
      if (matchPath(prefixKey(bound.pathPrefix), lenient) !== matchPath(prefixKey(bound.pathPrefix), path)) return { kind: "refuse" };
    }
  }
  const out: T[] = [];
  if (matchPath(prefixKey(bound.pathPrefix), path)) out.push(bound);
  const best = findAppFor(onHost, host, path);
  if (best && best.id !== bound.id) out.push(best);
  return { kind: "apps", apps: out };
}

/** Browsers leave the scheme's default port out; so do we, so one host has one spelling. */
export function withoutDefaultPort(proto: "http" | "https", host: string): string {
  const [name, port] = splitHost(host);
  return (proto === "https" && port === "443") || (proto === "http" && port === "80") ? name : host;
}

export interface AbsoluteUrl {
  proto: "http" | "https";
  /** Lowercase "host[:port]", default port dropped. */
  host: string;
  /** The raw path and query, exactly as written (fragment dropped). */
  uri: string;
  /** The WHATWG serialisation: what a browser would be sent to. */
  href: string;
}

/**
 * Splits an absolute http(s) URL into scheme, host and raw path + query, or null. The authority must be a
 * plain host[:port] and the WHATWG parser must read the same host from the whole string: userinfo, "%",
 * "\\", whitespace, control characters and numeric-host tricks never get through.
 */
export function splitAbsoluteUrl(raw: unknown): AbsoluteUrl | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 8192) return null;
  if (/[\s\u0000-\u001f\u007f\\]/.test(raw)) return null;
  const m = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(raw);
  if (!m) return null;
  const proto = m[1]!.toLowerCase() as "http" | "https";
  const authority = m[2]!;
  if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?$/.test(authority)) return null;
  const host = normaliseRequestHost(authority);
  if (!host) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const h = withoutDefaultPort(proto, host);
  if (url.protocol !== `${proto}:` || url.username !== "" || url.password !== "" || url.host !== h) return null;
  let rest = m[3]!;
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  return { proto, host: h, uri: rest.startsWith("/") ? rest : `/${rest}`, href: url.href };
}

export interface ReturnTarget<T> {
  url: AbsoluteUrl;
  /** The apps whose rules govern the return URL's path (see governingApps). */
  apps: T[];
}

/** Validates a return URL for `bound`'s sign-in: on one of its hosts, a path the matcher accepts. Null otherwise. */
export function validateReturnUrl<T extends AppPatterns>(raw: unknown, bound: T, apps: T[]): ReturnTarget<T> | null {
  if (typeof raw !== "string" || raw.length > 4096) return null;
  const url = splitAbsoluteUrl(raw);
  if (!url || !claimsHost(bound, url.host)) return null;
  const decision = governingApps(apps, bound, url.host, url.uri);
  if (decision.kind === "refuse") return null;
  return { url, apps: decision.apps };
}
