/**
 * Local paths to continue to after a sign-in or a re-authentication (`?redirect=`, `redirectPath`).
 * - Only an absolute path on this origin: "/…", never "//…" or "/\…" (both leave the origin).
 * - Printable ASCII only: no control characters, whitespace (the WHATWG parser strips tabs and
 *   newlines, so "/\t/evil.test" would become "//evil.test"), backslashes or non-ASCII.
 * - It must re-serialise to itself against a dummy origin (path + query + fragment), so dot
 *   segments ("/./" "/%2e%2e/"), which browsers resolve away, and anything the parser rewrites are refused.
 */
const PROBE_ORIGIN = "http://x.invalid";

export function safeLocalPath(value: unknown): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > 4096) return null;
  if (!value.startsWith("/") || value.startsWith("//")) return null;
  if (!/^[\x21-\x7e]*$/.test(value) || value.includes("\\")) return null;
  let parsed: URL;
  try {
    parsed = new URL(value, PROBE_ORIGIN);
  } catch {
    return null;
  }
  if (parsed.origin !== PROBE_ORIGIN || parsed.pathname.startsWith("//")) return null;
  if (parsed.pathname + parsed.search + parsed.hash !== value) return null;
  return value;
}
