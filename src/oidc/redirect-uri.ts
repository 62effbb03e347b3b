/**
 * Callback URL registration and matching (Pocket ID compatible wildcards, WHATWG-parsed).
 *
 * The requested URI (redirect_uri, post_logout_redirect_uri) — checked before any comparison:
 * - 1–2048 characters of printable ASCII only: no control characters, whitespace (the WHATWG parser
 *   silently strips tabs and newlines), non-ASCII, `\`, `"`, `<`, `>`, `^`, `` ` ``, `{`, `|`, `}`;
 *   RFC 6749 3.1.2: no fragment. Never a javascript:, data:, vbscript:, file:, blob: or about: URL.
 * - The authority holds no `@` (userinfo), `%` or `\`; a host has no trailing dot.
 * - The path holds no dot segment, raw or percent-encoded in any case (`.`, `..`, `%2e`, `.%2E`, …,
 *   also double-encoded or with a `;` path parameter), no overlong UTF-8 escape (`%c0%ae`), and no
 *   empty segment (`//`).
 * - It re-serialises to itself: `new URL(x).href === x`. The one difference allowed on purpose: a
 *   special-scheme URL with an empty path (`https://app.example.com`, `…com?x=1`), which WHATWG writes
 *   with `/`; it is the same URL and browsers navigate to the same place. So upper-case schemes or
 *   hosts, default ports (`:443`), IDN in Unicode, dot segments, `%2e`-tricks all fail here.
 *
 * Matching a registered URL:
 * - Exact: character for character (a trailing slash, http vs https or another port is another URL).
 * - RFC 8252 7.3: for http loopback URIs (localhost, 127.0.0.1, [::1]) the port is ignored.
 * - A lone `*` matches any requested URI that passes the checks above.
 * - Otherwise a pattern, compared with the parsed (canonical) URI, component by component:
 *   scheme equal; host label by label — `*` inside a label stands for letters, digits and hyphens
 *   only (never `.`, `%`, `\`, `@`, `:`), so it can never leave its label; port equal, or `*` = any
 *   explicit port; path: `*` = part of one segment, `**` = any number of whole segments, neither
 *   ever matching `/`-like escapes (`%2F`, `%5C`, `%252F`, … at any depth) — dot segments were refused
 *   already; query: `*` = part of one parameter (never `&` or `;`). The candidate's query is present exactly when the pattern's is.
 *
 * ALLOW_INSECURE_CALLBACK_URLS=false (Pocket ID's, after fosite's IsRedirectURISecure): a matched redirect_uri that is
 * plain http is still refused unless its host is localhost, a *.localhost name or a loopback address. Other schemes
 * (https, private-use schemes of native apps) are unaffected, and matching stays exact either way.
 *
 * Registration (callbackUrlProblem) refuses what could never match safely or is ambiguous, with a
 * message saying what to change: the same character rules, canonical form, wildcards in the scheme,
 * a wildcard host without two fixed labels after it (`*.com`) or in front of a public suffix (`*.co.uk`,
 * `*.github.io`), wildcards in IP addresses or partial
 * ports, `***`, default ports, dot segments.
 */

import { msg, type Message } from "../i18n/message.ts";
import { isPublicSuffix } from "../lib/public-suffix.ts";

const FORBIDDEN_SCHEMES = new Set(["javascript", "data", "vbscript", "file", "blob", "about", "filesystem"]);
/** WHATWG special schemes (host required, host lower-cased and punycoded, `\` read as `/`). */
const SPECIAL_SCHEMES = new Set(["http", "https", "ws", "wss", "ftp"]);
const DEFAULT_PORTS: Record<string, string> = { http: "80", https: "443", ws: "80", wss: "443", ftp: "21" };
const MAX_URL_LENGTH = 2048;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Printable ASCII minus the characters WHATWG would escape or reinterpret, and the fragment mark. */
const URI_CHARS = /^[!$-;=?-\[\]_a-z~]*$/;

interface RawParts {
  scheme: string; // lower-cased
  authority: string | null; // null when there is no "//"
  host: string;
  port: string; // "" when absent
  path: string;
  query: string | null; // without "?"
}

/** Splits a URL or pattern into its raw parts without normalising anything but the scheme's case. */
function splitRaw(url: string): RawParts | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?$/.exec(url);
  if (!m) return null;
  const authority = m[2] ?? null;
  let host = "";
  let port = "";
  if (authority !== null) {
    const hp = /^(\[[^\]]*\]|[^:\[\]]*)(?::([^:]*))?$/.exec(authority);
    if (!hp) return null;
    host = hp[1]!;
    port = hp[2] ?? "";
  }
  return { scheme: m[1]!.toLowerCase(), authority, host, port, path: m[3] ?? "", query: m[4] ?? null };
}

/**
 * True for `.`, `..` and their percent-encoded spellings (`%2e`, `.%2E`, `%2e%2e`, …), also with a
 * path parameter (`..;x`, `..%3b`), which some servers (Tomcat, Jetty) strip before resolving.
 */
function isDotSegment(segment: string): boolean {
  // Also double-encoded (%252e): an application that decodes twice would see "..".
  let s = segment;
  for (let i = 0; i < 3 && /%25/i.test(s); i++) s = s.replace(/%25/gi, "%");
  s = s.replace(/%2e/gi, ".").replace(/(?:;|%3b).*$/i, "");
  return s === "." || s === "..";
}

/** Overlong UTF-8 escapes (%c0%ae = "." and %c0%af = "/" to lenient decoders); never valid UTF-8. */
const OVERLONG_ESCAPE = /%c[01]|%e0%[89]|%f0%8/i;

function hasDotSegment(path: string): boolean {
  return path.split("/").some(isDotSegment);
}

/**
 * `href` equals `url`, allowing only the empty path of a special-scheme URL that WHATWG writes as "/".
 */
function reserialisesToItself(url: string, parsed: URL): boolean {
  if (parsed.href === url) return true;
  const scheme = parsed.protocol.slice(0, -1);
  if (!SPECIAL_SCHEMES.has(scheme) || parsed.pathname !== "/") return false;
  const prefix = `${parsed.protocol}//${parsed.host}`;
  return parsed.href.startsWith(`${prefix}/`) && url === prefix + parsed.href.slice(prefix.length + 1);
}

// --- the requested URI ---------------------------------------------------------------------------

/** A requested URI that passed every check, in its parsed (and, by the round-trip, literal) form. */
export interface RequestedUri {
  href: string;
  scheme: string;
  hasAuthority: boolean; // written with "//"
  host: string; // WHATWG hostname: lower-case, punycode, IPv6 in brackets
  port: string; // "" when absent (default ports cannot appear: they do not round-trip)
  path: string;
  query: string | null;
  loopbackHttp: boolean;
}

type Inspected = { problem: string; uri?: undefined } | { problem?: undefined; uri: RequestedUri };

/** Runs the checks on a requested URI; parses it once. */
function inspectRequestedUri(candidate: string): Inspected {
  const refuse = (problem: string): Inspected => ({ problem });
  if (typeof candidate !== "string" || candidate === "") return refuse("empty");
  if (candidate.length > MAX_URL_LENGTH) return refuse("too long");
  if (!URI_CHARS.test(candidate)) return refuse("characters that are not allowed (control, whitespace, non-ASCII, \\, #, quotes or brackets)");
  const raw = splitRaw(candidate);
  if (!raw) return refuse("not an absolute URI");
  if (FORBIDDEN_SCHEMES.has(raw.scheme)) return refuse(`the ${raw.scheme}: scheme`);
  if (raw.authority !== null && /[@%\\]/.test(raw.authority)) return refuse("userinfo or escapes in the authority");
  if (hasDotSegment(raw.path)) return refuse("a dot segment in the path");
  if (raw.path.includes("//")) return refuse("an empty path segment");
  if (OVERLONG_ESCAPE.test(raw.path)) return refuse("an overlong UTF-8 escape in the path");
  let u: URL;
  try {
    u = new URL(candidate);
  } catch {
    return refuse("not a URL");
  }
  if (u.username || u.password) return refuse("userinfo");
  if (!reserialisesToItself(candidate, u)) return refuse("not in canonical form");
  const scheme = u.protocol.slice(0, -1);
  if (SPECIAL_SCHEMES.has(scheme)) {
    const host = u.hostname;
    if (host === "" || host.endsWith(".")) return refuse("an empty host or a host with a trailing dot");
    // Letters, digits, hyphens, underscores and dots, or an IPv6 literal: never `*`, `!`, `$`, `'`, …
    if (!/^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$/.test(host)) return refuse("a host name with characters other than letters, digits, hyphens and dots");
  } else if (raw.authority !== null && raw.authority.includes("*")) {
    return refuse("a wildcard in the authority");
  }
  const q = u.href.indexOf("?");
  return {
    uri: {
      href: u.href,
      scheme,
      hasAuthority: raw.authority !== null,
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      query: q === -1 ? null : u.href.slice(q + 1),
      loopbackHttp: scheme === "http" && LOOPBACK_HOSTS.has(u.hostname),
    },
  };
}

/** Why a requested redirect URI is refused before any comparison, or null when it may be compared. */
export function requestedUriProblem(candidate: string): string | null {
  return inspectRequestedUri(candidate).problem ?? null;
}

/** True for an http URI whose host is not localhost, *.localhost or a loopback address (fosite's IsRedirectURISecure, negated). */
export function isInsecureRedirectUri(uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.protocol !== "http:") return false;
  const host = u.hostname;
  const loopback = host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  return !loopback;
}

// --- patterns ------------------------------------------------------------------------------------

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** One path-segment character: anything but `/`, `\` and the escapes of `/` and `\` (also escaped again, at any depth). */
const SEGMENT_CHAR = "(?:[^/\\\\%]|%(?!(?:25)*(?:2[Ff]|5[Cc]))[0-9A-Fa-f]{2})";

function pathRegex(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch !== "*") {
      out += escapeRegex(ch);
      continue;
    }
    if (pattern[i + 1] === "*") {
      i += 1;
      // "/**/" also matches "/": the segments and their leading slash are optional together.
      if (pattern[i - 2] === "/" && pattern[i + 1] === "/") {
        out = out.slice(0, -escapeRegex("/").length) + `(?:/${SEGMENT_CHAR}+)*`;
      } else {
        out += `(?:${SEGMENT_CHAR}|/)*`;
      }
    } else {
      out += `${SEGMENT_CHAR}*`;
    }
  }
  return new RegExp(`^${out}$`);
}

function queryRegex(pattern: string): RegExp {
  // Never across a parameter separator: "&", and ";" which some servers also split on.
  return new RegExp(`^${pattern.split("*").map(escapeRegex).join("[^&;#]*")}$`);
}

/** A host label with `*` → a regex over one label: `*` = one or more letters, digits or hyphens. */
function labelRegex(label: string): RegExp {
  return new RegExp(`^${label.split("*").map(escapeRegex).join("[a-z0-9-]+")}$`);
}

interface CompiledPattern {
  scheme: string;
  /** One entry per label: a literal label or a regex for a label with a wildcard. */
  hostLabels: (string | RegExp)[] | null; // null: no authority
  port: string | "*";
  loopbackHttp: boolean;
  path: RegExp;
  query: RegExp | null;
}

const compiled = new Map<string, CompiledPattern | null>();
const MAX_COMPILED = 1000;

/** Compiles a registered pattern (null when it cannot be matched safely). Cached by pattern text. */
function compilePattern(pattern: string): CompiledPattern | null {
  const hit = compiled.get(pattern);
  if (hit !== undefined) return hit;
  const result = patternProblem(pattern) === null ? compileChecked(pattern) : null;
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(pattern, result);
  return result;
}

function compileChecked(pattern: string): CompiledPattern | null {
  const p = splitRaw(pattern)!;
  const special = SPECIAL_SCHEMES.has(p.scheme);
  let hostLabels: (string | RegExp)[] | null = null;
  if (p.authority !== null) {
    const host = special ? p.host.toLowerCase() : p.host;
    hostLabels = host.split(".").map((label) => (label.includes("*") ? labelRegex(label) : label));
  }
  let port = p.port;
  if (port === DEFAULT_PORTS[p.scheme]) port = "";
  const path = special && p.path === "" ? "/" : p.path;
  return {
    scheme: p.scheme,
    hostLabels,
    port,
    loopbackHttp: p.scheme === "http" && LOOPBACK_HOSTS.has(p.host.toLowerCase()),
    path: pathRegex(path),
    query: p.query === null ? null : queryRegex(p.query),
  };
}

function hostMatches(labels: (string | RegExp)[], host: string): boolean {
  const candidate = host.split(".");
  if (candidate.length !== labels.length) return false;
  return labels.every((l, i) => {
    const c = candidate[i]!;
    if (typeof l === "string") return l === c;
    // A label a wildcard produced must still be a DNS label: 1–63 letters, digits, inner hyphens.
    return c.length <= 63 && !c.startsWith("-") && !c.endsWith("-") && l.test(c);
  });
}

function patternMatches(p: CompiledPattern, c: RequestedUri): boolean {
  if (p.scheme !== c.scheme) return false;
  if (p.hostLabels === null) {
    // com.example.app:/cb never matches com.example.app:///cb or com.example.app://host/cb.
    if (c.hasAuthority || c.host !== "" || c.port !== "") return false;
  } else if (!hostMatches(p.hostLabels, c.host)) {
    return false;
  }
  const ignorePort = p.loopbackHttp && c.loopbackHttp;
  if (!ignorePort) {
    if (p.port === "*" ? c.port === "" : p.port !== c.port) return false;
  }
  if (!p.path.test(c.path)) return false;
  if ((p.query === null) !== (c.query === null)) return false;
  if (p.query !== null && !p.query.test(c.query!)) return false;
  return true;
}

/** Same URL as `registered` but for the port (RFC 8252 7.3), both http loopback. */
function sameLoopbackUrl(registered: string, c: RequestedUri): boolean {
  if (!c.loopbackHttp || registered.includes("*")) return false;
  let r: URL;
  try {
    r = new URL(registered);
  } catch {
    return false;
  }
  if (r.protocol !== "http:" || !LOOPBACK_HOSTS.has(r.hostname) || r.username || r.password || r.hash) return false;
  const u = new URL(c.href);
  r.port = "";
  u.port = "";
  return r.href === u.href;
}

/**
 * The registered URL a requested redirect URI matches, or null. The requested URI must pass the checks
 * in the header first; it is never normalised into a match.
 */
export function matchRedirectUri(registered: string[], candidate: string): string | null {
  const c = inspectRequestedUri(candidate).uri;
  if (!c) return null;
  for (const r of registered) {
    if (typeof r !== "string") continue;
    if (r === "*" || r === candidate) return r;
    if (sameLoopbackUrl(r, c)) return r;
    if (r.includes("*")) {
      const p = compilePattern(r);
      if (p && patternMatches(p, c)) return r;
    }
  }
  return null;
}

// --- registration --------------------------------------------------------------------------------

const HOST_CHARS = /^[a-z0-9.*-]+$/;
const EXAMPLE = msg("callbackUrls.example");

/** Why a host pattern with wildcards is unsafe or ambiguous, or null. `host` is lower-case ASCII. */
function wildcardHostProblem(host: string, special: boolean): Message | null {
  if (host.startsWith("[") || (/^[0-9.*]+$/.test(host) && /[0-9]/.test(host))) return msg("callbackUrls.ipWildcard");
  if (!HOST_CHARS.test(host)) return msg("callbackUrls.wildcardHostChars");
  const labels = host.split(".");
  if (labels.some((l) => l.includes("**"))) return msg("callbackUrls.hostDoubleStar");
  // A private-use scheme's host is the app's own namespace; only web hosts need a fixed domain.
  if (!special) return null;
  let lastWildcard = -1;
  labels.forEach((l, i) => {
    if (l.includes("*")) lastWildcard = i;
  });
  const fixedAfter = labels.length - 1 - lastWildcard;
  const needed = labels[labels.length - 1] === "localhost" ? 1 : 2;
  if (fixedAfter < needed) {
    return msg("callbackUrls.wildcardFixedLabels");
  }
  const fixed = labels.slice(lastWildcard + 1).join(".");
  if (needed === 2 && isPublicSuffix(fixed)) {
    return msg("callbackUrls.publicSuffix", { suffix: fixed });
  }
  return null;
}

/** The URL with each wildcard replaced by a harmless placeholder, for the WHATWG parser. */
function probeOf(p: RawParts): string {
  const host = p.host.replace(/\*/g, "w");
  const port = p.port === "*" ? ":1" : p.port ? `:${p.port}` : "";
  const authority = p.authority === null ? "" : `//${host}${port}`;
  const path = p.path.replace(/\*/g, "w");
  const query = p.query === null ? "" : `?${p.query.replace(/\*/g, "w")}`;
  return `${p.scheme}:${authority}${path}${query}`;
}

/** Why a registered pattern (or exact URL) is unsafe, ambiguous or not in canonical form; null if fine. */
function patternProblem(url: string): Message | null {
  if (!/^[\x21-\x7e]*$/.test(url)) {
    return /[^\x00-\x7f]/.test(url)
      ? msg("callbackUrls.notAscii")
      : msg("callbackUrls.spacesOrControl");
  }
  if (/["<>\\^`{|}]/.test(url)) return msg("callbackUrls.forbiddenChars", { chars: '\\ " < > ^ ` { | }' });
  if (url.includes("#")) return msg("callbackUrls.fragment");
  if (/^[^:/?]*\*[^:/?]*:/.test(url)) return msg("callbackUrls.schemeWildcard");
  const p = splitRaw(url);
  if (!p) return EXAMPLE;
  if (FORBIDDEN_SCHEMES.has(p.scheme)) return msg("callbackUrls.schemeForbidden", { scheme: p.scheme });
  if (url.slice(0, p.scheme.length) !== p.scheme) return msg("callbackUrls.schemeCase");
  const special = SPECIAL_SCHEMES.has(p.scheme);
  if (special && (p.authority === null || p.host === "")) return msg("callbackUrls.hostMissing");
  if (p.authority !== null) {
    if (p.authority.includes("@")) return msg("callbackUrls.credentialsUserinfo");
    if (p.authority.includes("%")) return msg("callbackUrls.hostPercent");
    if (special && p.host !== p.host.toLowerCase()) return msg("callbackUrls.hostCase");
    if (p.host.endsWith(".")) return msg("callbackUrls.hostTrailingDot");
    if (special && !p.host.startsWith("[")) {
      if (!/^[a-z0-9._*-]+$/.test(p.host)) return msg("callbackUrls.hostChars");
      if (p.host.split(".").includes("")) return msg("callbackUrls.hostEmptyLabel");
    }
    if (p.host.includes("*")) {
      const problem = wildcardHostProblem(p.host, special);
      if (problem) return problem;
    }
    if (p.authority.includes(":") && !p.authority.endsWith("]") && p.port === "") return msg("callbackUrls.portEmpty");
    if (p.port !== "" && p.port !== "*") {
      if (!/^[0-9]{1,5}$/.test(p.port) || Number(p.port) > 65535 || /^0./.test(p.port)) return msg("callbackUrls.portNumber");
      if (p.port === DEFAULT_PORTS[p.scheme]) return msg("callbackUrls.portDefault", { port: p.port });
    }
  } else if (p.host.includes("*") || p.port.includes("*")) {
    return EXAMPLE;
  }
  if (p.path.includes("\\")) return msg("callbackUrls.pathBackslash");
  if (hasDotSegment(p.path)) return msg("callbackUrls.pathDots");
  if (OVERLONG_ESCAPE.test(p.path)) return msg("callbackUrls.pathOverlong");
  if (p.path.includes("//")) return msg("callbackUrls.pathEmptySegment");
  if (p.path.includes("***")) return msg("callbackUrls.pathTripleStar");
  if (p.query?.includes("**")) return msg("callbackUrls.queryDoubleStar");
  const probe = probeOf(p);
  let parsed: URL;
  try {
    parsed = new URL(probe);
  } catch {
    return EXAMPLE;
  }
  if (parsed.username || parsed.password) return msg("callbackUrls.credentials");
  if (!reserialisesToItself(probe, parsed)) {
    return url.includes("*")
      ? msg("callbackUrls.canonicalPattern", { href: parsed.href })
      : msg("callbackUrls.canonical", { href: parsed.href });
  }
  return null;
}

/** Why a callback URL cannot be registered, or null when it is fine. */
export function callbackUrlProblem(url: string): Message | null {
  if (typeof url !== "string" || url.trim() === "") return msg("callbackUrls.empty");
  if (url !== url.trim()) return msg("callbackUrls.spacesAround");
  if (url.length > MAX_URL_LENGTH) return msg("callbackUrls.tooLong", { max: MAX_URL_LENGTH });
  if (url === "*") return null;
  return patternProblem(url);
}

/**
 * Why an http(s) URL an administrator enters for a link or a server-side call (launch URL,
 * back-channel logout URI, JWKS URI) is refused, or null: same character rules and canonical form as
 * callback URLs, no wildcards, no credentials, no fragment.
 */
export function httpUrlProblem(url: string): Message | null {
  if (url.length > MAX_URL_LENGTH) return msg("callbackUrls.tooLong", { max: MAX_URL_LENGTH });
  if (url.includes("*")) return msg("callbackUrls.wildcardNotAllowed");
  const p = splitRaw(url);
  if (!p || (p.scheme !== "http" && p.scheme !== "https")) return msg("callbackUrls.httpOnly");
  return patternProblem(url);
}
