/**
 * Resource indicators (RFC 8707): a client names an admin-defined API with `resource` and gets an access token
 * for it, as Pocket ID v2.10+ does.
 * - `resource` is one absolute URI without a fragment (RFC 8707 2); anything else, an API that does not exist,
 *   or one the client was not granted (for this subject type): invalid_target. Sent more than once:
 *   invalid_target (one API per token, as Pocket ID).
 * - A trailing slash is not significant: the resource is matched, and stamped into `aud`, without it.
 * - Subject types: "user" for tokens acting for a person (authorization code, device, refresh), "client" for
 *   client_credentials. Each sees only its own grants.
 * - Scopes with a resource: the standard identity scopes, plus the requested scopes that are permissions
 *   granted to the client on that API; any other scope is invalid_scope (Pocket ID: "not available for the
 *   requested resource"). client_credentials without a scope gets every permission granted to the client.
 * - Without a resource, a scope naming one of the client's API permissions is invalid_scope (it only means
 *   something with its API); other unknown scopes are ignored as before.
 * - Consent is kept per API: `<audience>\x1f<permission>` for each permission and `<audience>\x1f` for the API
 *   itself (Pocket ID's keys), so a consent to one API's permission never covers another API's.
 */
import type { Database } from "../db/database.ts";
import { findApiByAudience, findClientAccessToAudience, findPermissionsByKeys, listPermissionKeysOfClient, type ApiPermission, type SubjectType } from "../db/apis.ts";
import { OAuthError } from "../errors.ts";
import type { ProtocolParams } from "./params.ts";
import { SUPPORTED_SCOPES } from "./scopes.ts";

export const MAX_RESOURCE_LENGTH = 2048;

const STANDARD = new Set<string>(SUPPORTED_SCOPES);

export function isStandardScope(scope: string): boolean {
  return STANDARD.has(scope);
}

/** Why `value` is not an RFC 8707 resource (absolute URI, no fragment, no whitespace), or null when it is one. */
export function resourceUriProblem(value: string): string | null {
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return "must not contain whitespace or control characters";
  if (value.includes("#")) return "must not contain a fragment (#…)";
  // RFC 3986 4.3: an absolute URI starts with a scheme.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return "must be an absolute URI (with a scheme, such as https://)";
  try {
    new URL(value);
  } catch {
    return "is not a valid URI";
  }
  return null;
}

/** The stored form of a resource: without trailing slashes (Pocket ID's canonical audience). */
export function canonicalResource(value: string): string {
  return value.replace(/\/+$/, "");
}

/** The `resource` parameter, checked and canonical, or null when absent. */
export function readResourceParam(params: ProtocolParams): string | null {
  const values = params.all("resource");
  if (values.length > 1) throw OAuthError.invalidTarget("Only one resource may be requested per token (RFC 8707): send the resource parameter once.");
  const value = values[0] ?? "";
  if (value === "") return null;
  if (value.length > MAX_RESOURCE_LENGTH) throw OAuthError.invalidTarget(`The resource parameter is too long (at most ${MAX_RESOURCE_LENGTH} characters).`);
  const problem = resourceUriProblem(value);
  if (problem) throw OAuthError.invalidTarget(`The resource ${problem} (RFC 8707 2).`);
  return canonicalResource(value);
}

/** An API a token is issued for: its audience and the permissions granted in that token. */
export interface ResolvedResource {
  audience: string;
  /** The API's name, as people read it. */
  name: string;
  permissions: ApiPermission[];
}

/** The outcome of a request's resource and scopes: the API (or null) and the permission keys to grant. */
export interface ResourceGrant {
  resource: ResolvedResource | null;
  /** The API permission keys to put in the token's scope (standard scopes are the caller's). */
  permissionKeys: string[];
}

/**
 * Resolves a request's resource against the client's grants for `subject`. `requested` is every scope token the
 * client sent (null when it sent no scope parameter at all).
 */
export function resolveResource(db: Database, clientId: string, resource: string | null, requested: readonly string[] | null, subject: SubjectType): ResourceGrant {
  const custom = [...new Set((requested ?? []).filter((s) => !isStandardScope(s)))];
  if (resource === null) {
    if (custom.length > 0) {
      const keys = listPermissionKeysOfClient(db, clientId);
      const named = custom.find((s) => keys.has(s));
      if (named !== undefined) {
        throw OAuthError.invalidScope(`The scope "${named.slice(0, 100)}" is a permission of an API: request it together with that API's resource parameter (RFC 8707).`);
      }
    }
    return { resource: null, permissionKeys: [] };
  }
  const access = findClientAccessToAudience(db, clientId, resource, subject);
  if (!access || !access.hasAccess) {
    throw OAuthError.invalidTarget(
      subject === "client"
        ? `The resource "${resource.slice(0, 200)}" is not an API this client may obtain client_credentials tokens for.`
        : `The resource "${resource.slice(0, 200)}" is not an API this client may request tokens for.`,
    );
  }
  const granted = new Map(access.permissions.map((p) => [p.key, p]));
  const refused = custom.find((s) => !granted.has(s));
  if (refused !== undefined) throw OAuthError.invalidScope(`The scope "${refused.slice(0, 100)}" is not available for the requested resource.`);
  // client_credentials without a scope parameter: every permission granted to the client on the API.
  const keys = subject === "client" && requested === null ? [...granted.keys()] : custom;
  return { resource: { audience: access.api.audience, name: access.api.name, permissions: keys.map((k) => granted.get(k)!) }, permissionKeys: keys };
}

/**
 * Re-checks a stored grant (refresh): the API still exists, the client still has access for "user", and each
 * permission in `scopes` is still granted. Throws invalid_target / invalid_scope like a new request would.
 */
export function revalidateResource(db: Database, clientId: string, resource: string | null, scopes: readonly string[]): ResourceGrant {
  return resolveResource(db, clientId, resource, scopes, "user");
}

/** A `resource` sent at the token endpoint for a code or refresh token must name the API the grant is for. */
export function checkResourceMatches(params: ProtocolParams, granted: string | null): void {
  const sent = readResourceParam(params);
  if (sent !== null && sent !== granted) {
    throw OAuthError.invalidTarget(granted === null ? "This grant was not issued for a resource; request a new authorization with it." : "The resource differs from the one this grant was issued for.");
  }
}

const CONSENT_SEPARATOR = "\x1f";

/** The keys a person consents to for a request: the standard scopes, each permission and the API itself. */
export function consentKeys(standardScopes: readonly string[], resource: ResolvedResource | null): string[] {
  if (!resource) return [...standardScopes];
  return [...standardScopes, ...resource.permissions.map((p) => resource.audience + CONSENT_SEPARATOR + p.key), resource.audience + CONSENT_SEPARATOR];
}

/** Consent keys as people read them (My apps): an API permission by its key, the API itself not at all. */
export function readableConsentScopes(keys: readonly string[]): string[] {
  return [...new Set(keys.map((k) => (k.includes(CONSENT_SEPARATOR) ? k.slice(k.indexOf(CONSENT_SEPARATOR) + 1) : k)).filter((k) => k !== ""))];
}

/** The API and the permissions named in a stored scope string (the device page), or null without a resource. */
export function describeStoredResource(db: Database, resource: string | null, scope: string): ResolvedResource | null {
  if (resource === null) return null;
  const keys = scope.split(" ").filter((s) => s !== "" && !isStandardScope(s));
  return { audience: resource, name: findApiByAudience(db, resource)?.name ?? resource, permissions: findPermissionsByKeys(db, resource, keys) };
}

/** Every token of a stored (trusted) scope string, standard and permission keys alike. */
export function storedScopes(scope: string): string[] {
  return scope.split(" ").filter(Boolean);
}
