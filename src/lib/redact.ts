/**
 * What a log line may say about a request URL (issue 17, finding 8: login codes were logged in clear).
 * - Paths: below each declared secret route (/lc/<code>, /st/<token>, …) every segment is replaced by
 *   REDACTED. Segments are compared percent-decoded and case-insensitively, ignoring empty segments,
 *   so `//LC/%63ode` is recognised as well.
 * - Query: names and values are kept, except the values of secret parameters (codes, tokens, secrets,
 *   verifiers, assertions, hints that name a person, request objects), which become REDACTED. A
 *   parameter that carries another URL (redirect, redirect_uri, …) has that URL redacted by the same
 *   rules, since `/login?redirect=/device?code=…` nests one. `state`, `client_id`, `scope` stay readable.
 * - Free text (messages, error strings): redactText applies the path rules and the parameter rules to
 *   anything that looks like a path, `name=value` or a JSON member `"name": "value"` (request bodies are
 *   never logged, but a JSON body such as the admin API's `{"secret": …}` could end up quoted in an error
 *   string), as a net under the structured redaction.
 * The lists are declarations: a new route or parameter that carries a secret is added here.
 */

export const REDACTED = "REDACTED";

/** Routes whose trailing segments are secrets (one-time login codes, sign-up tokens, Pocket ID's exchange path). */
export const SECRET_PATH_PREFIXES: readonly (readonly string[])[] = [
  ["lc"],
  ["st"],
  ["api", "one-time-access-token"],
];

/** Query/body parameters whose values are secrets or personal data. Matched case-insensitively. */
export const SECRET_PARAMS: ReadonlySet<string> = new Set([
  "code",
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "id_token_hint",
  "logout_token",
  "device_code",
  "user_code",
  "login_code",
  "client_secret",
  "client_assertion",
  "code_verifier",
  "request",
  "request_uri",
  "login_hint",
  "api_key",
  "apikey",
  "x-api-key",
  "password",
  "otp",
  "secret",
  "signature",
  "key",
]);

/** Any parameter name with one of these words is treated as secret too (a new `*_token` is covered). */
const SECRET_NAME_PATTERN = /(token|secret|password|passwd|passcode|verifier|assertion|api[_-]?key|otp|jwt|bearer|credential|session|private[_-]?key|authorization)|code$/i;

/** Parameters whose value is itself a URL or path to redact. */
export const URL_PARAMS: ReadonlySet<string> = new Set(["redirect", "redirect_uri", "post_logout_redirect_uri", "return_url", "return_to", "rd", "next", "url"]);

const MAX_QUERY_LENGTH = 2048;

export function isSecretParam(name: string): boolean {
  // "code[]", "code ", "code\0", "Code" are all `code` to some parser: array brackets and anything that
  // is not a letter or digit at either end are dropped before the name is judged.
  const n = name.toLowerCase().replace(/\[[^\]]*\]/g, "").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  if (SECRET_PARAMS.has(n)) return true;
  // Names that describe a secret rather than carry one (client_assertion_type, token_type_hint, code_challenge_method).
  if (/_(type|type_hint|method|challenge)$/.test(n)) return false;
  return SECRET_NAME_PATTERN.test(n);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment).toLowerCase();
  } catch {
    return segment.toLowerCase();
  }
}

/** Up to three rounds of percent-decoding (each round must decode), for readings other parsers may make. */
function decodings(text: string): string[] {
  const out = [text];
  let v = text;
  for (let i = 0; i < 3 && /%[0-9a-f]{2}/i.test(v); i++) {
    try {
      v = decodeURIComponent(v);
    } catch {
      break;
    }
    out.push(v);
  }
  return out;
}

/** Does any reading of `path` (decoded; "\\", "?" and "#" as separators; ";…" path parameters cut off) start with a secret route? */
function hidesSecretRoute(path: string): boolean {
  return decodings(path).some((reading) => {
    const segments = reading
      .split(/[/\\?#]/)
      .map((seg) => seg.replace(/;.*$/, "").toLowerCase())
      .filter((seg) => seg !== "");
    return SECRET_PATH_PREFIXES.some((prefix) => segments.length > prefix.length && prefix.every((p, k) => segments[k] === p));
  });
}

/** The path with every segment below a secret route replaced by REDACTED. */
export function redactPath(path: string): string {
  const segments = path.split("/");
  const meaningful = segments.map((s, i) => ({ s: decodeSegment(s), i })).filter((x) => x.s !== "");
  for (const prefix of SECRET_PATH_PREFIXES) {
    if (meaningful.length <= prefix.length) continue;
    if (!prefix.every((p, k) => meaningful[k]!.s === p)) continue;
    for (const { i } of meaningful.slice(prefix.length)) segments[i] = REDACTED;
    return segments.join("/");
  }
  // Another reader's path ("/lc%2F<code>", "/lc;x/<code>", "/%256cc/<code>"): withhold all of it.
  return hidesSecretRoute(path) ? `/${REDACTED}` : path;
}

/** A parameter value as the log may show it: URLs and paths redacted, nested `name=value` pairs too, at every decoding depth. */
function redactValue(name: string, value: string, depth: number): string {
  // URL-valued by name, or by shape: a path, or something with a scheme.
  const urlLike = URL_PARAMS.has(name.toLowerCase()) || /^(?:\/|[a-z][a-z0-9+.-]*:\/\/)/i.test(value);
  let out = urlLike && depth < 3 ? redactUrlText(value, depth + 1) : value;
  out = redactText(out);
  // Encoded again ("%252Flc%252F…", "code%253D…"): when a deeper reading would be redacted, withhold the value.
  for (const deeper of decodings(value).slice(1)) {
    if (redactText(deeper) !== deeper || hidesSecretRoute(deeper.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, ""))) return REDACTED;
  }
  return out;
}

/** A query string (without `?`) with secret values replaced; nested URLs redacted too. */
export function redactQuery(query: string, depth = 0): string {
  if (!query) return "";
  const out: string[] = [];
  // ";" separates parameters too for some servers (and old Python, Java servlet containers).
  for (const part of query.split(/[&;]/)) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, " "));
      value = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " "));
    } catch {
      // Undecodable: keep nothing of the value; the name only if it is not itself odd.
      out.push(`${encodeURIComponent(rawName.slice(0, 64))}=${REDACTED}`);
      continue;
    }
    if (eq < 0) {
      // A bare name may itself be "code=…" ("code%3D…"): judged like a pair.
      const inner = name.indexOf("=");
      if (inner >= 0 && isSecretParam(name.slice(0, inner))) out.push(`${encodeURIComponent(name.slice(0, inner))}%3D${REDACTED}`);
      else out.push(encodeURIComponent(redactValue("", name, depth)));
    } else if (isSecretParam(name)) out.push(`${encodeURIComponent(name)}=${REDACTED}`);
    else out.push(`${encodeURIComponent(name)}=${encodeURIComponent(redactValue(name, value, depth))}`);
  }
  const joined = out.join("&");
  return joined.length > MAX_QUERY_LENGTH ? `${joined.slice(0, MAX_QUERY_LENGTH)}…` : joined;
}

/** A path, path?query or absolute URL, redacted. Anything unparseable is replaced whole. */
export function redactUrlText(text: string, depth = 0): string {
  const hash = text.indexOf("#");
  const noFragment = hash < 0 ? text : text.slice(0, hash);
  const q = noFragment.indexOf("?");
  const head = q < 0 ? noFragment : noFragment.slice(0, q);
  const query = q < 0 ? "" : noFragment.slice(q + 1);
  // An absolute URL: redact only its path part.
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)(.*)$/i.exec(head);
  const redactedHead = m ? `${m[1]}${redactPath(m[2]!)}` : redactPath(head);
  // A fragment can carry tokens too (implicit-flow style); it is never needed in a log.
  return `${redactedHead}${q < 0 ? "" : `?${redactQuery(query, depth)}`}${hash < 0 ? "" : `#${REDACTED}`}`;
}

/** The request target for the access log: the redacted path and, when present, the redacted query. */
export function redactRequestTarget(url: URL): { path: string; query?: string } {
  const query = url.search.length > 1 ? redactQuery(url.search.slice(1)) : "";
  return query ? { path: redactPath(url.pathname), query } : { path: redactPath(url.pathname) };
}

/** A secret route in free text, also with encoded or doubled separators ("/lc%2F…", "/lc;x/…", "%2Flc%2F…"). */
const TEXT_PATH = /((?:\/|%2f|%252f)+)(lc|st|api(?:\/|%2f|%252f)+one-time-access-token)(?:(?:\/|%2f|%252f|%3f|%253f|\\|%5c)+|;[^\s/]*\/)[^\s?#"'<>&]+/gi;
/** `name=value` in free text; the name may carry brackets, escapes or "+" ("code[]=", "%63ode=", "code+="). */
const TEXT_PARAM = /([?&;\s"']|^)([A-Za-z0-9_.\-[\]%+]+)=([^&\s#"'<>]*)/g;
/** A JSON member `"name": "value"` in free text (an admin API body quoted in an error string). */
const JSON_MEMBER = /"([A-Za-z0-9_.-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;

function decodeLoosely(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** Free text (a message, an error string): secret paths and `name=value` pairs redacted. */
export function redactText(text: string): string {
  return text
    .replace(JSON_MEMBER, (all, name: string, colon: string) => (isSecretParam(name) ? `"${name}"${colon}"${REDACTED}"` : all))
    .replace(TEXT_PATH, (_all, slash: string, route: string) => `${slash}${route}/${REDACTED}`)
    .replace(TEXT_PARAM, (all, lead: string, name: string, value: string) => {
      if (isSecretParam(name) || isSecretParam(decodeLoosely(name))) return `${lead}${name}=${REDACTED}`;
      if (!URL_PARAMS.has(name.toLowerCase())) return all;
      // A URL-valued parameter (redirect=%2Flc%2F…) carries its own secrets, percent-encoded.
      try {
        return `${lead}${name}=${encodeURIComponent(redactUrlText(decodeURIComponent(value.replace(/\+/g, " ")), 1))}`;
      } catch {
        return `${lead}${name}=${REDACTED}`;
      }
    });
}
