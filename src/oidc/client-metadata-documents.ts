/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, as Pocket ID v2.13 has them): a client_id
 * that is an https URL names a JSON document describing the client. Rules, in the order they apply:
 * - A registered (standard) client with that id always wins; the document is never fetched for it.
 * - The id must be a client identifier URL: https, a host, a path, no userinfo, query or fragment, no dot segments,
 *   canonical (it re-serialises to itself), at most 256 characters.
 * - It must match the allowlist (app config cimdUrlAllowlist / CIMD_URL_ALLOWLIST: callback URL patterns); an empty
 *   list turns the feature off. A stored CIMD client whose URL left the allowlist is refused too.
 * - A stored document is used until metadata_expires_at; then (or when there is none) it is fetched again through the
 *   safe fetcher (src/lib/outbound-fetch.ts: public addresses only, pinned, no redirects, 5 KiB, 15 s, JSON). A failed
 *   fetch refuses the client: a stale document is not used.
 * - The document: client_id equal to the URL; no client_secret; token_endpoint_auth_method given and `none` (public,
 *   PKCE) or `private_key_jwt` with jwks or jwks_uri (not both; public keys only; a jwks_uri is fetched through the
 *   same fetcher and its keys stored with the document) — Pocket ID accepts only `none`; grant_types default
 *   authorization_code, those Latchkey does not implement are dropped, and authorization_code or device_code must
 *   remain; response_types only code; redirect_uris (required for authorization_code) and post_logout_redirect_uris
 *   without wildcards, each a URI /authorize would accept; client_name (else the URL's host), at most 100 characters,
 *   without control or bidirectional formatting characters (the consent page shows it).
 * - Cache lifetime (fosite's policy in Pocket ID): Cache-Control s-maxage or max-age, else Expires − Date, else 1 hour;
 *   at most 24 hours; minus the response's age; no-store or no-cache: 0 (fetched again on next use).
 * - Storing: a new client is unrestricted (as Pocket ID: the allowlist is the administrator's gate; people consent) and
 *   never skips consent; a refresh changes only the document's fields (an administrator's later restriction stays).
 *   A change to anything but the name forgets every consent to the client (people are asked again), as Pocket ID does.
 * - Concurrent resolutions of one URL share one fetch.
 */
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import { findClient, saveClientMetadata, type ClientMetadata, type TokenEndpointAuthMethod } from "../db/oidc-clients.ts";
import { deleteAuthorizedClientsOfClient } from "../db/oidc-grants.ts";
import { readAppConfig } from "../admin/app-config.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { fetchOutbound, OutboundFetchError, policyFor, type OutboundPolicy, type OutboundRequest } from "../lib/outbound-fetch.ts";
import { matchRedirectUri, requestedUriProblem } from "./redirect-uri.ts";
import type { OidcClient } from "./clients.ts";

export interface ClientMetadataDeps {
  db: Database;
  clock: Clock;
  config: Pick<Config, "uiConfigDisabled" | "appConfigEnv" | "localIpv6Ranges">;
  /** Tests only: the address policy of outbound fetches (src/lib/outbound-fetch.ts). */
  outbound?: OutboundPolicy;
  log?: Log;
}

export const MAX_DOCUMENT_BYTES = 5 * 1024; // the draft's recommendation, fosite's default
const MAX_JWKS_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 15_000;
const DEFAULT_TTL_SECONDS = 3600;
const MAX_TTL_SECONDS = 24 * 3600;
const MAX_ID_LENGTH = 256;
const MAX_NAME_LENGTH = 100;
const MAX_URIS = 50;
const USER_AGENT = "latchkey/oidc-client-metadata-fetcher";

/** RFC 8628's grant type (spelled out: device-flow.ts authenticates clients, which resolves documents). */
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** The grant types a metadata client may declare that Latchkey implements (others are dropped, as Pocket ID does). */
const SUPPORTED_GRANTS = ["authorization_code", "refresh_token", DEVICE_CODE_GRANT];

export class ClientMetadataRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "ClientMetadataRefused";
  }
}

/** Looks like a client identifier URL (https with a host): such an id goes through the document rules. */
export function looksLikeClientIdUrl(id: string): boolean {
  return typeof id === "string" && /^https:\/\/[^/?#]/i.test(id);
}

/** Why `id` is not a usable client identifier URL (draft section 3), or null. */
export function clientIdUrlProblem(id: string): string | null {
  if (id.length > MAX_ID_LENGTH) return `The client_id URL is longer than ${MAX_ID_LENGTH} characters.`;
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    return "The client_id is not a URL.";
  }
  if (url.protocol !== "https:") return "The client_id URL must use https.";
  if (id.includes("#")) return "The client_id URL must not have a fragment.";
  if (id.includes("?")) return "The client_id URL must not have a query.";
  if (url.username || url.password || id.includes("@")) return "The client_id URL must not contain credentials.";
  const problem = requestedUriProblem(id);
  if (problem) return `The client_id URL is not acceptable: ${problem}.`;
  // A path is required, and the URL must be written canonically (lower-case host, no default port, …).
  if (url.href !== id) return "The client_id URL must have a path and be written in canonical form.";
  return null;
}

/** The allowlist in force (an empty list: the feature is off). */
export function clientMetadataAllowlist(deps: Pick<ClientMetadataDeps, "db" | "config">): string[] {
  return readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv }).cimdUrlAllowlist;
}

/** Pocket ID's MatchesAnyURLPattern: callback URL wildcard rules; an empty list matches nothing. */
export function isClientIdAllowlisted(allowlist: string[], id: string): boolean {
  return allowlist.length > 0 && matchRedirectUri(allowlist, id) !== null;
}

// --- the document ----------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function stringList(doc: Json, field: string): string[] | null {
  const v = doc[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new ClientMetadataRefused(`${field} must be a list of strings.`);
  if (v.length > MAX_URIS) throw new ClientMetadataRefused(`${field} has more than ${MAX_URIS} entries.`);
  return v as string[];
}

function optionalString(doc: Json, field: string): string | null {
  const v = doc[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new ClientMetadataRefused(`${field} must be a string.`);
  return v;
}

function checkRedirectUris(field: string, uris: string[]): void {
  for (const uri of uris) {
    if (uri.includes("*")) throw new ClientMetadataRefused(`${field} entry "${uri.slice(0, 100)}" must not contain a wildcard.`);
    const problem = requestedUriProblem(uri);
    if (problem) throw new ClientMetadataRefused(`${field} entry "${uri.slice(0, 100)}" is not acceptable: ${problem}.`);
  }
}

/** C0 and C1 controls, and the bidirectional marks, embeddings, overrides and isolates. */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

/** A JWK Set of 1–20 public keys, re-serialised; refuses private or symmetric key material. */
export function publicKeySet(value: unknown, where: string): string {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== "object" || value === null || !Array.isArray(keys) || keys.length === 0 || keys.length > 20) {
    throw new ClientMetadataRefused(`${where} must be a JWK Set with 1 to 20 keys.`);
  }
  for (const k of keys) {
    if (typeof k !== "object" || k === null || typeof (k as { kty?: unknown }).kty !== "string") throw new ClientMetadataRefused(`${where} has a key without kty.`);
    if (PRIVATE_JWK_MEMBERS.some((m) => Object.hasOwn(k, m))) throw new ClientMetadataRefused(`${where} must not contain private or symmetric key material.`);
  }
  return JSON.stringify({ keys });
}

/** What a valid document says, before its jwks_uri (if any) is fetched. */
export interface ParsedDocument {
  metadata: Omit<ClientMetadata, "expiresAt">;
  jwksUri: string | null;
}

/** Validates a document fetched from `clientId`; throws ClientMetadataRefused with the first problem. */
export function parseClientMetadataDocument(clientId: string, body: Uint8Array): ParsedDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw new ClientMetadataRefused("The document is not valid JSON.");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new ClientMetadataRefused("The document is not a JSON object.");
  const d = doc as Json;
  if (typeof d.client_id !== "string" || d.client_id === "") throw new ClientMetadataRefused("The document has no client_id.");
  if (d.client_id !== clientId) throw new ClientMetadataRefused("The document's client_id is not the URL it was fetched from.");
  if (Object.hasOwn(d, "client_secret") || Object.hasOwn(d, "client_secret_expires_at")) throw new ClientMetadataRefused("The document must not contain a client secret.");

  const method = optionalString(d, "token_endpoint_auth_method");
  if (!method) throw new ClientMetadataRefused("The document must set token_endpoint_auth_method (none or private_key_jwt).");
  if (method !== "none" && method !== "private_key_jwt") {
    throw new ClientMetadataRefused(`token_endpoint_auth_method "${method.slice(0, 40)}" is not supported for metadata documents; use none or private_key_jwt.`);
  }
  const jwksUri = optionalString(d, "jwks_uri");
  const hasJwks = d.jwks !== undefined && d.jwks !== null;
  if (hasJwks && jwksUri) throw new ClientMetadataRefused("The document must not contain both jwks and jwks_uri.");
  const jwks = hasJwks ? publicKeySet(d.jwks, "jwks") : null;
  if (method === "private_key_jwt" && !jwks && !jwksUri) throw new ClientMetadataRefused("private_key_jwt requires jwks or jwks_uri.");

  // RFC 7591 2: an omitted grant_types means authorization_code. Unknown grant types are dropped (Pocket ID 2.14).
  const declared = stringList(d, "grant_types")!;
  const grantTypes = declared.length === 0 ? ["authorization_code"] : SUPPORTED_GRANTS.filter((g) => declared.includes(g));
  if (!grantTypes.includes("authorization_code") && !grantTypes.includes(DEVICE_CODE_GRANT)) {
    throw new ClientMetadataRefused("The document must enable authorization_code or device_code.");
  }
  const responseTypes = stringList(d, "response_types")!;
  const odd = responseTypes.find((r) => r !== "code");
  if (odd !== undefined) throw new ClientMetadataRefused(`response_type "${odd.slice(0, 40)}" is not supported; only code.`);

  const redirectUris = stringList(d, "redirect_uris")!;
  if (grantTypes.includes("authorization_code") && redirectUris.length === 0) throw new ClientMetadataRefused("The document must list redirect_uris.");
  checkRedirectUris("redirect_uris", redirectUris);
  const logoutUris = stringList(d, "post_logout_redirect_uris")!;
  checkRedirectUris("post_logout_redirect_uris", logoutUris);

  let name = (optionalString(d, "client_name") ?? "").trim();
  if (name.length > MAX_NAME_LENGTH) throw new ClientMetadataRefused(`client_name is longer than ${MAX_NAME_LENGTH} characters.`);
  // The name is shown on the consent page: no control characters, and no bidirectional overrides to disguise it.
  if (UNSHOWABLE.test(name)) throw new ClientMetadataRefused("client_name must not contain control or bidirectional formatting characters.");
  if (!name) name = new URL(clientId).host;

  const authMethod: TokenEndpointAuthMethod = method === "none" ? "client_secret_basic" : "private_key_jwt";
  return {
    metadata: { name, callbackUrls: redirectUris, logoutCallbackUrls: logoutUris, isPublic: method === "none", tokenEndpointAuthMethod: authMethod, jwks, grantTypes },
    jwksUri: method === "private_key_jwt" ? jwksUri : null,
  };
}

// --- caching ---------------------------------------------------------------------------------------

function directives(headers: Headers): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (headers.get("cache-control") ?? "").split(",")) {
    const [name, value] = part.trim().split("=", 2);
    if (name) out.set(name.toLowerCase(), (value ?? "").trim().replace(/^"|"$/g, ""));
  }
  return out;
}

function seconds(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : null;
}

function httpDate(value: string | null): number | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
}

/** How long a fetched document stays fresh, in seconds (0: fetch again on next use). */
export function freshnessSeconds(headers: Headers, now: number): number {
  const d = directives(headers);
  if (d.has("no-store") || d.has("no-cache")) return 0;
  let freshness = DEFAULT_TTL_SECONDS;
  const maxAge = seconds(d.get("s-maxage")) ?? seconds(d.get("max-age"));
  const date = httpDate(headers.get("date"));
  if (maxAge !== null) freshness = maxAge;
  else {
    const expires = httpDate(headers.get("expires"));
    if (expires !== null) freshness = expires - (date ?? now);
  }
  freshness = Math.min(Math.max(freshness, 0), MAX_TTL_SECONDS);
  let age = Math.min(seconds(headers.get("age") ?? undefined) ?? 0, MAX_TTL_SECONDS);
  if (date !== null && now - date > age) age = now - date;
  return Math.max(0, freshness - age);
}

// --- resolving ---------------------------------------------------------------------------------------

/** A JSON fetch of a document or key set: no redirects; no Content-Type, application/json or application/*+json. */
function jsonRequest(acceptHeader: string, maxBytes: number): OutboundRequest {
  const accept = (t: string) => t === "" || t === "application/json" || (t.startsWith("application/") && t.endsWith("+json"));
  return { accept, acceptHeader, maxBytes, timeoutMs: FETCH_TIMEOUT_MS, maxRedirects: 0, userAgent: USER_AGENT };
}

function describe(e: unknown): string {
  if (e instanceof OutboundFetchError || e instanceof ClientMetadataRefused) return e.message;
  throw e;
}

async function fetchDocument(deps: ClientMetadataDeps, clientId: string): Promise<ClientMetadata> {
  const policy = policyFor(deps);
  let response;
  try {
    response = await fetchOutbound(policy, clientId, jsonRequest("application/json", MAX_DOCUMENT_BYTES));
  } catch (e) {
    throw new ClientMetadataRefused(`The client metadata document could not be fetched: ${describe(e)}`);
  }
  const parsed = parseClientMetadataDocument(clientId, response.body);
  let jwks = parsed.metadata.jwks;
  if (parsed.jwksUri) {
    try {
      const keys = await fetchOutbound(policy, parsed.jwksUri, jsonRequest("application/jwk-set+json, application/json", MAX_JWKS_BYTES));
      jwks = publicKeySet(JSON.parse(new TextDecoder().decode(keys.body)), "The document's jwks_uri");
    } catch (e) {
      if (e instanceof SyntaxError) throw new ClientMetadataRefused("The document's jwks_uri did not return JSON.");
      throw new ClientMetadataRefused(`The document's jwks_uri could not be used: ${describe(e)}`);
    }
  }
  const now = nowSeconds(deps.clock);
  return { ...parsed.metadata, jwks, expiresAt: now + freshnessSeconds(response.headers, now) };
}

/** The document's fields that decide what people consented to (all but the name). */
function consentRelevantChange(before: OidcClient, after: ClientMetadata): boolean {
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return (
    !same(before.callbackUrls, after.callbackUrls) ||
    !same(before.logoutCallbackUrls, after.logoutCallbackUrls) ||
    before.isPublic !== after.isPublic ||
    before.tokenEndpointAuthMethod !== after.tokenEndpointAuthMethod ||
    before.jwks !== after.jwks ||
    !same(before.metadataGrantTypes, after.grantTypes)
  );
}

/** Fetches, validates and stores the document of `clientId`; returns the stored client. */
async function refreshFromDocument(deps: ClientMetadataDeps, clientId: string): Promise<OidcClient> {
  const metadata = await fetchDocument(deps, clientId);
  const now = nowSeconds(deps.clock);
  const outcome = deps.db.transaction(() => {
    const before = findClient(deps.db, clientId);
    if (before && before.clientType !== "cimd") return "registered" as const;
    if (!saveClientMetadata(deps.db, clientId, metadata, now)) return "registered" as const;
    const forgotten = before && consentRelevantChange(before, metadata) ? deleteAuthorizedClientsOfClient(deps.db, clientId) : 0;
    return { created: before === null, forgotten };
  }).immediate();
  if (outcome === "registered") throw new ClientMetadataRefused("A client with this id is registered by an administrator.");
  if (outcome.created) deps.log?.info("Client registered from its metadata document", { clientId });
  if (outcome.forgotten > 0) deps.log?.warn("Client metadata document changed: consents to the client were revoked", { clientId, consents: outcome.forgotten });
  return findClient(deps.db, clientId)!;
}

const inFlight = new WeakMap<Database, Map<string, Promise<OidcClient>>>();

/** One fetch per URL at a time: concurrent callers share its outcome. */
function sharedRefresh(deps: ClientMetadataDeps, clientId: string): Promise<OidcClient> {
  let running = inFlight.get(deps.db);
  if (!running) inFlight.set(deps.db, (running = new Map()));
  const existing = running.get(clientId);
  if (existing) return existing;
  const work = refreshFromDocument(deps, clientId).finally(() => running.delete(clientId));
  running.set(clientId, work);
  return work;
}

export type Resolution = { kind: "not-metadata" } | { kind: "client"; client: OidcClient } | { kind: "refused"; reason: string };

/**
 * Makes sure the client named by `clientId` is usable: a registered client or an ordinary id is left to the
 * caller ("not-metadata"); a client identifier URL is checked, and its document used from storage while fresh or
 * fetched again. Never throws for the client's faults: "refused" says why.
 */
export async function resolveClientMetadata(deps: ClientMetadataDeps, clientId: string | null): Promise<Resolution> {
  if (!clientId || !looksLikeClientIdUrl(clientId)) return { kind: "not-metadata" };
  const stored = findClient(deps.db, clientId);
  if (stored && stored.clientType !== "cimd") return { kind: "not-metadata" };
  const problem = clientIdUrlProblem(clientId);
  if (problem) return { kind: "refused", reason: problem };
  if (!isClientIdAllowlisted(clientMetadataAllowlist(deps), clientId)) {
    return { kind: "refused", reason: "This client_id URL is not on the server's allowlist for client metadata documents." };
  }
  if (stored && stored.metadataExpiresAt !== null && nowSeconds(deps.clock) < stored.metadataExpiresAt) return { kind: "client", client: stored };
  try {
    return { kind: "client", client: await sharedRefresh(deps, clientId) };
  } catch (e) {
    if (!(e instanceof ClientMetadataRefused)) throw e;
    deps.log?.info("Client metadata document refused", { clientId, reason: e.reason });
    return { kind: "refused", reason: e.reason };
  }
}

/** Admin "refresh": fetches the document of a stored CIMD client now, whatever its freshness. Throws ClientMetadataRefused. */
export async function refreshClientMetadata(deps: ClientMetadataDeps, clientId: string): Promise<OidcClient> {
  const stored = findClient(deps.db, clientId);
  if (!stored || stored.clientType !== "cimd") throw new ClientMetadataRefused("This client is not registered by a metadata document.");
  if (!isClientIdAllowlisted(clientMetadataAllowlist(deps), clientId)) {
    throw new ClientMetadataRefused("This client_id URL is no longer on the allowlist for client metadata documents.");
  }
  return sharedRefresh(deps, clientId);
}
