/**
 * Client ids in URL paths. A client registered by its metadata document has an https URL as its id, whose `/` and `:`
 * do not survive every proxy inside one path segment (some decode `%2F`). As Pocket ID does, such an id travels as
 * `~` + base64url(id): `~` is unreserved (proxies leave it alone) and never starts an ordinary client id
 * ([A-Za-z0-9._-]) or a UUID, so unprefixed values pass through unchanged.
 */
import { decodeBase64Url, encodeBase64Url } from "../lib/base64url.ts";

const PLAIN_ID = /^[A-Za-z0-9._-]+$/;

/** The path segment for a client id: the id itself when plain, else `~` + base64url. */
export function clientPathSegment(id: string): string {
  return PLAIN_ID.test(id) ? id : `~${encodeBase64Url(new TextEncoder().encode(id))}`;
}

/** The client id a path segment names: `~` + base64url decoded (valid UTF-8 only), anything else as it is. */
export function clientIdFromPath(segment: string): string {
  if (!segment.startsWith("~")) return segment;
  const bytes = decodeBase64Url(segment.slice(1));
  if (!bytes) return segment;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return segment;
  }
}

/** For Elysia's onTransform: decodes the `id` and `clientId` path parameters in place (Pocket ID's ClientIDParamMiddleware). */
export function decodeClientIdParams({ params }: { params?: Record<string, string> }): void {
  if (!params) return; // a route without path parameters
  for (const name of ["id", "clientId"]) {
    if (typeof params[name] === "string") params[name] = clientIdFromPath(params[name]);
  }
}
