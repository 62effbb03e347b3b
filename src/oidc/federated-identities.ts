/**
 * Federated client credentials (Pocket ID's `credentials.federatedIdentities`): the rules for the list an
 * administrator gives, and the defaults an identity falls back to. Authentication is federated-client-auth.ts.
 * - At most 20 identities per client (as many as secrets); only confidential clients have them.
 * - issuer: required, ≤ 1024 characters, an https URL without user name, query or fragment, written as the
 *   WHATWG parser writes it (it is compared character for character with the token's `iss`; only the empty
 *   path's "/" may be left out). http only while ALLOW_INSECURE_CALLBACK_URLS is on (Pocket ID's default).
 * - subject, audience: optional text ≤ 512 characters without control characters; empty = the default (the
 *   client id; APP_URL).
 * - jwks: optional https URL ≤ 2048 characters, without whitespace or control characters, stored as the WHATWG
 *   parser writes it (what is fetched); empty = the issuer + /.well-known/jwks.json. The keys decide who
 *   may act as the client, so they are never fetched over plain http, except from a loopback host while insecure
 *   URLs are allowed (a development issuer on the same machine). An http issuer therefore needs an https jwks.
 * - replayProtection: a boolean (absent = false, as Pocket ID's JSON).
 * - No two identities share both issuer and effective subject (the second could never be the one used).
 * - Problems are reported per field, as `federatedIdentities[i].issuer` and so on.
 */
import type { Database } from "../db/database.ts";
import { listFederatedIdentities, type FederatedIdentity } from "../db/federated-identities.ts";
import { FieldErrors, isRecord } from "../admin/validation.ts";
import { msg } from "../i18n/message.ts";

export type { FederatedIdentity };

export const MAX_FEDERATED_IDENTITIES = 20;

/** A client's identities in the administrator's order (for its admin page). */
export function federatedIdentitiesOf(db: Database, clientId: string): FederatedIdentity[] {
  return listFederatedIdentities(db, clientId);
}
const MAX_ISSUER_LENGTH = 1024;
const MAX_CLAIM_LENGTH = 512;
const MAX_JWKS_URL_LENGTH = 2048;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Where Pocket ID looks for an identity's keys when none is given. */
export function defaultJwksUrl(issuer: string): string {
  return issuer.replace(/\/+$/, "") + "/.well-known/jwks.json";
}

/** The effective values of an identity for `clientId` on a server whose issuer is `appUrl`. */
export function effectiveIdentity(identity: FederatedIdentity, clientId: string, appUrl: string) {
  return {
    issuer: identity.issuer,
    subject: identity.subject ?? clientId,
    audience: identity.audience ?? appUrl,
    jwksUrl: identity.jwksUrl ?? defaultJwksUrl(identity.issuer),
    replayProtection: identity.replayProtection,
  };
}

/** Parses an absolute http(s) URL without user name or fragment; null when it is none. */
function parseHttpUrl(value: string): URL | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (url.username || url.password || value.includes("#")) return null;
  return url;
}

/**
 * May keys be fetched from this URL? https always; http only from a loopback host and only while insecure URLs
 * are allowed. Checked again before every fetch, so turning ALLOW_INSECURE_CALLBACK_URLS off takes effect at once.
 */
export function isFetchableJwksUrl(value: string, allowInsecure: boolean): boolean {
  const url = parseHttpUrl(value);
  if (!url) return false;
  return url.protocol === "https:" || (allowInsecure && LOOPBACK_HOSTS.has(url.hostname));
}

function optionalText(errors: FieldErrors, field: string, value: unknown, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    errors.add(field, msg("federated.errorText"));
    return null;
  }
  const v = value.trim();
  if (v.length > max) errors.add(field, msg("federated.errorTooLong", { max }));
  else if (CONTROL_CHARACTERS.test(v)) errors.add(field, msg("federated.errorText"));
  return v || null;
}

function issuerOf(errors: FieldErrors, field: string, value: unknown, allowInsecure: boolean): string | null {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
    errors.add(field, msg("federated.errorIssuerRequired"));
    return null;
  }
  if (typeof value !== "string") {
    errors.add(field, msg("federated.errorIssuerUrl"));
    return null;
  }
  const v = value.trim();
  if (v.length > MAX_ISSUER_LENGTH) {
    errors.add(field, msg("federated.errorTooLong", { max: MAX_ISSUER_LENGTH }));
    return null;
  }
  const url = parseHttpUrl(v);
  if (!url || url.search || v.includes("?")) {
    errors.add(field, msg("federated.errorIssuerUrl"));
    return null;
  }
  // The token's iss is compared as text: a form the parser would rewrite could never match what issuers send.
  if (url.href !== v && !(url.pathname === "/" && url.href === v + "/")) {
    errors.add(field, msg("federated.errorIssuerCanonical", { canonical: url.pathname === "/" ? url.href.slice(0, -1) : url.href }));
    return null;
  }
  if (url.protocol === "http:" && !allowInsecure) {
    errors.add(field, msg("federated.errorIssuerHttp"));
    return null;
  }
  return v;
}

function jwksUrlOf(errors: FieldErrors, field: string, value: unknown, allowInsecure: boolean): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    errors.add(field, msg("federated.errorJwksUrl"));
    return null;
  }
  const v = value.trim();
  if (!v) return null;
  if (v.length > MAX_JWKS_URL_LENGTH) {
    errors.add(field, msg("federated.errorTooLong", { max: MAX_JWKS_URL_LENGTH }));
    return null;
  }
  const url = /\s/.test(v) || CONTROL_CHARACTERS.test(v) ? null : parseHttpUrl(v);
  if (!url) {
    errors.add(field, msg("federated.errorJwksUrl"));
    return null;
  }
  if (!isFetchableJwksUrl(v, allowInsecure)) {
    errors.add(field, msg("federated.errorJwksHttp"));
    return null;
  }
  // Stored as it is fetched (backslashes, dot segments and case resolved); an empty path may stay without "/".
  return url.href === v + "/" ? v : url.href;
}

function replayProtectionOf(errors: FieldErrors, field: string, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  if (value === "on" || value === "true") return true;
  if (value === "off" || value === "false") return false;
  errors.add(field, msg("validation.notBoolean"));
  return false;
}

/**
 * Checks the list an administrator gave (Pocket ID's JSON objects, or the admin form's rows converted to them).
 * `clientId` is null for a client whose id is generated: subjects cannot default to it yet, so duplicates are
 * compared on the given subject only.
 */
export function validateFederatedIdentities(
  errors: FieldErrors,
  value: unknown,
  opts: { clientId: string | null; allowInsecure: boolean },
): FederatedIdentity[] {
  const field = "federatedIdentities";
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.add(field, msg("federated.errorList"));
    return [];
  }
  if (value.length > MAX_FEDERATED_IDENTITIES) {
    errors.add(field, msg("federated.errorTooMany", { max: MAX_FEDERATED_IDENTITIES }));
    return [];
  }
  const out: FederatedIdentity[] = [];
  const seen = new Map<string, number>();
  value.forEach((entry, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(entry)) {
      errors.add(at, msg("federated.errorEntry"));
      return;
    }
    const issuer = issuerOf(errors, `${at}.issuer`, entry.issuer, opts.allowInsecure);
    const subject = optionalText(errors, `${at}.subject`, entry.subject, MAX_CLAIM_LENGTH);
    const audience = optionalText(errors, `${at}.audience`, entry.audience, MAX_CLAIM_LENGTH);
    // Pocket ID's name is `jwks` (a URL); `jwksUrl` is accepted too.
    const jwksUrl = jwksUrlOf(errors, `${at}.jwks`, entry.jwks ?? entry.jwksUrl, opts.allowInsecure);
    const replayProtection = replayProtectionOf(errors, `${at}.replayProtection`, entry.replayProtection);
    if (issuer === null) return;
    if (jwksUrl === null && !Object.hasOwn(errors.fields, `${at}.jwks`) && !isFetchableJwksUrl(defaultJwksUrl(issuer), opts.allowInsecure)) {
      errors.add(`${at}.jwks`, msg("federated.errorJwksDerivedHttp", { url: defaultJwksUrl(issuer) }));
    }
    const key = `${issuer}\n${subject ?? opts.clientId ?? ""}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) errors.add(`${at}.issuer`, msg("federated.errorDuplicate", { n: earlier + 1 }));
    else seen.set(key, i);
    out.push({ issuer, subject, audience, jwksUrl, replayProtection });
  });
  return out;
}

/** Pocket ID's JSON for one identity (its omitted fields left out, replayProtection always present). */
export function federatedIdentityJson(f: FederatedIdentity) {
  return {
    issuer: f.issuer,
    ...(f.subject !== null ? { subject: f.subject } : {}),
    ...(f.audience !== null ? { audience: f.audience } : {}),
    ...(f.jwksUrl !== null ? { jwks: f.jwksUrl } : {}),
    replayProtection: f.replayProtection,
  };
}
