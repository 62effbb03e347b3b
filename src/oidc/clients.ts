/**
 * OIDC clients: the domain functions behind the admin UI, the admin API and the CLI.
 * - Client id: generated (UUID) or chosen (2–128 characters of A–Z a–z 0–9 . _ -).
 * - Restricted by default: a client admits nobody until groups are allowed or it is marked unrestricted.
 * - Secrets are generated here or given by the caller (declarative, at least 32 printable ASCII characters),
 *   shown once, stored as "sha256:<hex>" with a 4-character prefix for recognition; up to 20 per client,
 *   each with an optional expiry. Public clients have none.
 * - Every validation failure is one AppError.validation with a message per field.
 * - Protocol settings (issue 10): require PAR; back-channel logout URI; token endpoint auth method; the
 *   scopes the client may obtain for itself with client_credentials (names only, no identity scopes).
 * - Token endpoint auth method (issue 17), enforced by src/oidc/client-auth.ts at every endpoint that
 *   authenticates clients (acceptedAuthMethods):
 *   - public client: `none` only (client_id, no secret);
 *   - not chosen (every client from before, and new ones created without a choice; input null or
 *     "client_secret"): its secret by client_secret_basic or client_secret_post, as Pocket ID allows;
 *   - client_secret_basic or client_secret_post chosen: that one only;
 *   - private_key_jwt: assertions only, with a JWKS or jwks_uri (never a private key). Such a client has
 *     no secrets: none is created with it, switching to it deletes its secrets, creating one is refused.
 */
import type { Database } from "bun:sqlite";
import { AppError } from "../errors.ts";
import {
  countClientSecrets,
  deleteAllClientSecretRows,
  deleteClientRow,
  deleteClientSecretRow,
  existingGroupIds,
  findClientRow,
  findClientSecretByHash,
  findLiveClientSecretByHash,
  listLiveBcryptSecretHashes,
  insertClient,
  insertClientSecret,
  isUserInAllowedGroup,
  listAllowedGroupIds,
  listClientRows,
  listClientSecretRows,
  replaceAllowedGroups,
  setClientGroupRestricted,
  touchClient,
  updateClientRow,
  type OidcClientRow,
} from "../db/oidc-clients.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { verifyImportedClientSecret } from "../pocket-id/crypto.ts";
import { ALPHANUMERIC, randomString, randomUuid, type Random } from "../lib/random.ts";
import { callbackUrlProblem, httpUrlProblem } from "./redirect-uri.ts";

export interface ClientDeps {
  db: Database;
  clock: Clock;
  random: Random;
}

export interface OidcClient {
  id: string;
  name: string;
  description: string;
  callbackUrls: string[];
  logoutCallbackUrls: string[];
  launchUrl: string | null;
  isPublic: boolean;
  pkceEnabled: boolean;
  requiresReauthentication: boolean;
  skipConsent: boolean;
  /** True when anyone with an account may use the client (no group restriction). */
  unrestricted: boolean;
  accessTokenDurationMinutes: number;
  refreshTokenDurationMinutes: number;
  /** RFC 9126: /authorize accepts only pushed requests (request_uri) from this client. */
  requirePar: boolean;
  backchannelLogoutUri: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Whether tokenEndpointAuthMethod was chosen (binding); when false a secret method is not pinned. */
  tokenEndpointAuthMethodFixed: boolean;
  /** The client's public keys for private_key_jwt, as a JWK Set (JSON text), or null. */
  jwks: string | null;
  jwksUri: string | null;
  /** Scopes the client may obtain for itself with the client_credentials grant. */
  credentialsScopes: string[];
  hasLogo: boolean;
  hasDarkLogo: boolean;
  allowedGroupIds: string[];
  createdById: string | null;
  createdAt: number;
  updatedAt: number;
}

export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt";
export const TOKEN_ENDPOINT_AUTH_METHODS: TokenEndpointAuthMethod[] = ["client_secret_basic", "client_secret_post", "private_key_jwt"];
/** Input value (besides null) for "either secret method", as the admin form sends it. */
export const EITHER_SECRET_METHOD = "client_secret";

/** The ways `client` may authenticate at the token, introspection, revocation, PAR and device endpoints. */
export function acceptedAuthMethods(client: Pick<OidcClient, "isPublic" | "tokenEndpointAuthMethod" | "tokenEndpointAuthMethodFixed">): ("none" | TokenEndpointAuthMethod)[] {
  if (client.isPublic) return ["none"];
  if (client.tokenEndpointAuthMethod === "private_key_jwt") return ["private_key_jwt"];
  if (client.tokenEndpointAuthMethodFixed) return [client.tokenEndpointAuthMethod];
  return ["client_secret_basic", "client_secret_post"];
}

export interface ClientInput {
  /** Only on create: a chosen client id; omitted = a generated UUID. */
  id?: string | null;
  name: string;
  description?: string;
  callbackUrls: string[];
  logoutCallbackUrls?: string[];
  launchUrl?: string | null;
  isPublic?: boolean;
  pkceEnabled?: boolean;
  requiresReauthentication?: boolean;
  skipConsent?: boolean;
  unrestricted?: boolean;
  allowedGroupIds?: string[];
  accessTokenDurationMinutes?: number;
  refreshTokenDurationMinutes?: number;
  requirePar?: boolean;
  backchannelLogoutUri?: string | null;
  /** A method of TOKEN_ENDPOINT_AUTH_METHODS; null or EITHER_SECRET_METHOD: either secret method; "none": public only; undefined: unchanged. */
  tokenEndpointAuthMethod?: string | null;
  jwks?: string | null;
  jwksUri?: string | null;
  credentialsScopes?: string[];
}

export interface ClientSecretInfo {
  id: string;
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  expired: boolean;
}

export interface CreatedClientSecret extends ClientSecretInfo {
  /** The plaintext secret. Shown once; only its hash is stored. */
  secret: string;
  /** True when the caller gave the value (declarative secret), false when it was generated here. */
  declared: boolean;
}

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._-]{2,128}$/;
export const MAX_SECRETS_PER_CLIENT = 20;
export const MAX_CALLBACK_URLS = 50;
const MAX_TOKEN_MINUTES = 525_600; // 365 days
const SECRET_LENGTH = 32;
const SECRET_PREFIX_LENGTH = 4;

export const DEFAULT_ACCESS_TOKEN_MINUTES = 60;
export const DEFAULT_REFRESH_TOKEN_MINUTES = 43_200;

function parseJsonList(text: string): string[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

function toClient(row: OidcClientRow, allowedGroupIds: string[] | (() => string[])): OidcClient {
  let groups = typeof allowedGroupIds === "function" ? null : allowedGroupIds;
  const loadGroups = allowedGroupIds as () => string[];
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    callbackUrls: parseJsonList(row.callback_urls),
    logoutCallbackUrls: parseJsonList(row.logout_callback_urls),
    launchUrl: row.launch_url,
    isPublic: row.is_public === 1,
    pkceEnabled: row.pkce_enabled === 1,
    requiresReauthentication: row.requires_reauthentication === 1,
    skipConsent: row.skip_consent === 1,
    unrestricted: row.is_group_restricted === 0,
    accessTokenDurationMinutes: row.access_token_duration_minutes,
    refreshTokenDurationMinutes: row.refresh_token_duration_minutes,
    requirePar: row.require_par === 1,
    backchannelLogoutUri: row.backchannel_logout_uri,
    tokenEndpointAuthMethod: (TOKEN_ENDPOINT_AUTH_METHODS as string[]).includes(row.token_endpoint_auth_method)
      ? (row.token_endpoint_auth_method as TokenEndpointAuthMethod)
      : "client_secret_basic",
    tokenEndpointAuthMethodFixed: row.token_endpoint_auth_method_fixed === 1,
    jwks: row.jwks,
    jwksUri: row.jwks_uri,
    credentialsScopes: parseJsonList(row.credentials_scopes),
    hasLogo: row.logo_light_type !== null,
    hasDarkLogo: row.logo_dark_type !== null,
    // Loaded on first read: the token endpoint's client authentication never needs them.
    get allowedGroupIds(): string[] {
      return (groups ??= loadGroups());
    },
    createdById: row.created_by_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// --- validation ----------------------------------------------------------------------------------

function validateUrlList(field: string, urls: unknown, fields: Record<string, string>, required: boolean): string[] {
  if (urls === undefined || urls === null) urls = [];
  if (!Array.isArray(urls)) {
    fields[field] = "Must be a list of URLs.";
    return [];
  }
  const list = urls.map((u) => (typeof u === "string" ? u.trim() : u));
  if (required && list.length === 0) {
    fields[field] = "Add at least one callback URL.";
    return [];
  }
  if (list.length > MAX_CALLBACK_URLS) {
    fields[field] = `At most ${MAX_CALLBACK_URLS} URLs.`;
    return [];
  }
  const seen = new Set<string>();
  for (const u of list) {
    const problem = typeof u === "string" ? callbackUrlProblem(u) : "Must be a URL.";
    if (problem) {
      fields[field] = `${typeof u === "string" ? u || "(empty)" : "value"}: ${problem}`;
      return [];
    }
    seen.add(u as string);
  }
  return [...seen];
}

function validateMinutes(field: string, value: unknown, fallback: number, fields: Record<string, string>): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_TOKEN_MINUTES) {
    fields[field] = `Enter a whole number of minutes between 1 and ${MAX_TOKEN_MINUTES}.`;
    return fallback;
  }
  return value;
}

function validateBool(field: string, value: unknown, fallback: boolean, fields: Record<string, string>): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") {
    fields[field] = "Must be true or false.";
    return fallback;
  }
  return value;
}

/** The editable settings of a client, checked; allowedGroupIds null = leave the groups as they are. */
type ValidatedClient = Omit<OidcClient, "id" | "hasLogo" | "hasDarkLogo" | "allowedGroupIds" | "createdById" | "createdAt" | "updatedAt"> & {
  allowedGroupIds: string[] | null;
};

function validateHttpUrl(field: string, value: unknown, fields: Record<string, string>): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    fields[field] = "Enter an http(s) URL.";
    return null;
  }
  const v = value.trim();
  if (!v) return null;
  const problem = httpUrlProblem(v);
  if (problem) fields[field] = problem;
  return problem ? null : v;
}

const MAX_JWKS_LENGTH = 32_768;

/** A JWK Set of public keys (no private members), at most 20 keys. */
function validateJwks(value: unknown, fields: Record<string, string>): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    fields.jwks = "Paste a JSON Web Key Set.";
    return null;
  }
  const v = value.trim();
  if (!v) return null;
  if (v.length > MAX_JWKS_LENGTH) {
    fields.jwks = `At most ${MAX_JWKS_LENGTH} characters.`;
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    fields.jwks = 'Not valid JSON. Paste a JWK Set such as {"keys": [{"kty": "RSA", …}]}.';
    return null;
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 20) {
    fields.jwks = 'A JWK Set has a "keys" list with 1 to 20 keys.';
    return null;
  }
  for (const k of keys) {
    if (typeof k !== "object" || k === null || typeof (k as { kty?: unknown }).kty !== "string") {
      fields.jwks = 'Every key needs a "kty".';
      return null;
    }
    if (["d", "p", "q", "dp", "dq", "qi", "k"].some((m) => m in (k as object))) {
      fields.jwks = "Paste public keys only: this key set contains private or symmetric key material.";
      return null;
    }
  }
  return JSON.stringify({ keys });
}

const CREDENTIAL_SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/;
const IDENTITY_SCOPE_NAMES = new Set(["openid", "profile", "email", "groups", "offline_access"]);

function validateCredentialsScopes(value: unknown, fields: Record<string, string>): string[] | null {
  if (value === undefined || value === null) return null;
  const list = typeof value === "string" ? value.split(/[\s,]+/) : value;
  if (!Array.isArray(list) || list.some((x) => typeof x !== "string")) {
    fields.credentialsScopes = "Must be a list of scope names.";
    return [];
  }
  const names = [...new Set((list as string[]).map((x) => x.trim()).filter(Boolean))];
  if (names.length > 50) fields.credentialsScopes = "At most 50 scopes.";
  const bad = names.find((n) => !CREDENTIAL_SCOPE.test(n));
  if (bad) fields.credentialsScopes = `"${bad.slice(0, 40)}" is not a valid scope name (no spaces, quotes or backslashes).`;
  const identity = names.find((n) => IDENTITY_SCOPE_NAMES.has(n));
  if (identity) fields.credentialsScopes = `"${identity}" is about a person; a client acting for itself cannot have it.`;
  return names;
}

function validateClientInput(db: Database, input: ClientInput, current: OidcClient | null): ValidatedClient {
  const fields: Record<string, string> = {};
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (!name) fields.name = "Enter a name.";
  else if (name.length > 100) fields.name = "At most 100 characters.";
  const description = typeof input.description === "string" ? input.description.trim() : (current?.description ?? "");
  if (description.length > 1000) fields.description = "At most 1000 characters.";
  const callbackUrls = validateUrlList("callbackUrls", input.callbackUrls, fields, true);
  const logoutCallbackUrls = validateUrlList("logoutCallbackUrls", input.logoutCallbackUrls ?? current?.logoutCallbackUrls ?? [], fields, false);
  let launchUrl: string | null = input.launchUrl === undefined ? (current?.launchUrl ?? null) : input.launchUrl;
  if (typeof launchUrl === "string") {
    launchUrl = launchUrl.trim() || null;
    if (launchUrl) {
      // Linked from My apps and the consent page: the same URL rules as callback URLs (no wildcards).
      const problem = httpUrlProblem(launchUrl);
      if (problem) fields.launchUrl = problem;
    }
  } else if (launchUrl !== null) {
    fields.launchUrl = "Enter an http(s) URL.";
    launchUrl = null;
  }
  const isPublic = validateBool("isPublic", input.isPublic, current?.isPublic ?? false, fields);
  const pkceEnabled = validateBool("pkceEnabled", input.pkceEnabled, current?.pkceEnabled ?? false, fields);
  const requiresReauthentication = validateBool("requiresReauthentication", input.requiresReauthentication, current?.requiresReauthentication ?? false, fields);
  const skipConsent = validateBool("skipConsent", input.skipConsent, current?.skipConsent ?? false, fields);
  const unrestricted = validateBool("unrestricted", input.unrestricted, current?.unrestricted ?? false, fields);
  const accessTokenDurationMinutes = validateMinutes("accessTokenDurationMinutes", input.accessTokenDurationMinutes, current?.accessTokenDurationMinutes ?? DEFAULT_ACCESS_TOKEN_MINUTES, fields);
  const refreshTokenDurationMinutes = validateMinutes("refreshTokenDurationMinutes", input.refreshTokenDurationMinutes, current?.refreshTokenDurationMinutes ?? DEFAULT_REFRESH_TOKEN_MINUTES, fields);
  const requirePar = validateBool("requirePar", input.requirePar, current?.requirePar ?? false, fields);
  const backchannelLogoutUri =
    input.backchannelLogoutUri === undefined ? (current?.backchannelLogoutUri ?? null) : validateHttpUrl("backchannelLogoutUri", input.backchannelLogoutUri, fields);
  let tokenEndpointAuthMethod: TokenEndpointAuthMethod = current?.tokenEndpointAuthMethod ?? "client_secret_basic";
  let tokenEndpointAuthMethodFixed = current?.tokenEndpointAuthMethodFixed ?? false;
  const requestedMethod = input.tokenEndpointAuthMethod;
  if (requestedMethod === null || requestedMethod === EITHER_SECRET_METHOD) {
    tokenEndpointAuthMethod = "client_secret_basic";
    tokenEndpointAuthMethodFixed = false;
  } else if (requestedMethod === "none") {
    // What a public client's DTO shows; accepted back only for a public client.
    if (!isPublic) fields.tokenEndpointAuthMethod = "none is for public clients: mark the client public, or choose client_secret_basic, client_secret_post or private_key_jwt.";
  } else if (requestedMethod !== undefined) {
    if (typeof requestedMethod === "string" && (TOKEN_ENDPOINT_AUTH_METHODS as string[]).includes(requestedMethod)) {
      tokenEndpointAuthMethod = requestedMethod as TokenEndpointAuthMethod;
      tokenEndpointAuthMethodFixed = true;
    } else {
      fields.tokenEndpointAuthMethod = "Choose client_secret_basic, client_secret_post, private_key_jwt, or null for either secret method.";
    }
  }
  const jwks = input.jwks === undefined ? (current?.jwks ?? null) : validateJwks(input.jwks, fields);
  const jwksUri = input.jwksUri === undefined ? (current?.jwksUri ?? null) : validateHttpUrl("jwksUri", input.jwksUri, fields);
  const credentialsScopes = validateCredentialsScopes(input.credentialsScopes, fields) ?? current?.credentialsScopes ?? [];
  if (tokenEndpointAuthMethod === "private_key_jwt") {
    if (isPublic) fields.tokenEndpointAuthMethod = "A public client has no credentials; private_key_jwt is for confidential clients.";
    else if (!jwks && !jwksUri && !fields.jwks && !fields.jwksUri) fields.jwks = "private_key_jwt needs the client's public keys: a JWK Set or a JWKS URL.";
  }
  if (jwks && jwksUri) fields.jwksUri = "Give either a JWK Set or a JWKS URL, not both.";
  let allowedGroupIds: string[] | null = null;
  if (input.allowedGroupIds !== undefined) {
    allowedGroupIds = validateGroupIds(db, input.allowedGroupIds, fields);
  }
  if (Object.keys(fields).length) throw AppError.validation("Please correct the highlighted fields.", fields);
  return {
    name,
    description,
    callbackUrls,
    logoutCallbackUrls,
    launchUrl,
    isPublic,
    pkceEnabled,
    requiresReauthentication,
    skipConsent,
    unrestricted,
    allowedGroupIds,
    accessTokenDurationMinutes,
    refreshTokenDurationMinutes,
    requirePar,
    backchannelLogoutUri,
    tokenEndpointAuthMethod,
    tokenEndpointAuthMethodFixed,
    jwks,
    jwksUri,
    credentialsScopes,
  };
}

function validateGroupIds(db: Database, ids: unknown, fields: Record<string, string>): string[] {
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== "string")) {
    fields.allowedGroupIds = "Must be a list of group ids.";
    return [];
  }
  const unique = [...new Set(ids as string[])];
  const existing = existingGroupIds(db, unique);
  const missing = unique.filter((id) => !existing.has(id));
  if (missing.length) {
    fields.allowedGroupIds = `Unknown group: ${missing[0]}.`;
    return [];
  }
  return unique;
}

// --- clients -------------------------------------------------------------------------------------

/**
 * Creates a client. Confidential clients get a first secret, returned here in plaintext once: generated,
 * or `opts.secret` when given (declarative, same rules as createClientSecret; refused for clients that
 * have no secrets). Throws AppError.validation (fields: id, name, callbackUrls, secret, …); nothing is
 * written when anything is refused.
 */
export function createClient(
  deps: ClientDeps,
  input: ClientInput,
  opts: { createdById?: string | null; secret?: string | null } = {},
): { client: OidcClient; secret: CreatedClientSecret | null } {
  const v = validateClientInput(deps.db, input, null);
  const secretless = v.isPublic || v.tokenEndpointAuthMethod === "private_key_jwt";
  if (secretless && opts.secret) {
    const message = v.isPublic ? "Public clients have no secrets." : "A private_key_jwt client has no secrets: it authenticates with signed assertions.";
    throw AppError.validation(message, { secret: message });
  }
  let id: string;
  if (input.id === undefined || input.id === null || input.id === "") {
    id = randomUuid(deps.random);
  } else if (typeof input.id !== "string" || !CLIENT_ID_PATTERN.test(input.id)) {
    throw AppError.validation("Please correct the highlighted fields.", {
      id: "A client id has 2–128 characters: letters, digits, dot, underscore or hyphen.",
    });
  } else {
    id = input.id;
  }
  const now = nowSeconds(deps.clock);
  return deps.db.transaction(() => {
    if (findClientRow(deps.db, id)) {
      throw AppError.validation("Please correct the highlighted fields.", { id: "This client id is already in use." });
    }
    insertClient(deps.db, {
      id,
      ...clientColumns(v),
      created_by_id: opts.createdById ?? null,
      created_at: now,
      updated_at: now,
    });
    if (v.allowedGroupIds) replaceAllowedGroups(deps.db, id, v.allowedGroupIds);
    // A private_key_jwt client never gets a secret: it could not use one.
    // The transaction: a refused given secret leaves no client behind.
    const secret = secretless ? null : createClientSecret(deps, id, { secret: opts.secret ?? null });
    return { client: findClientById(deps.db, id)!, secret };
  }).immediate();
}

/** The settings columns of a client row, from validated input (shared by create and update). */
function clientColumns(v: ValidatedClient) {
  return {
    name: v.name,
    description: v.description,
    callback_urls: JSON.stringify(v.callbackUrls),
    logout_callback_urls: JSON.stringify(v.logoutCallbackUrls),
    launch_url: v.launchUrl,
    is_public: v.isPublic ? 1 : 0,
    pkce_enabled: v.pkceEnabled ? 1 : 0,
    requires_reauthentication: v.requiresReauthentication ? 1 : 0,
    skip_consent: v.skipConsent ? 1 : 0,
    is_group_restricted: v.unrestricted ? 0 : 1,
    access_token_duration_minutes: v.accessTokenDurationMinutes,
    refresh_token_duration_minutes: v.refreshTokenDurationMinutes,
    require_par: v.requirePar ? 1 : 0,
    backchannel_logout_uri: v.backchannelLogoutUri,
    token_endpoint_auth_method: v.tokenEndpointAuthMethod,
    token_endpoint_auth_method_fixed: v.tokenEndpointAuthMethodFixed ? 1 : 0,
    jwks: v.jwks,
    jwks_uri: v.jwksUri,
    credentials_scopes: JSON.stringify(v.credentialsScopes),
  };
}

/** Updates a client's settings (the id never changes). Fields left undefined keep their value. */
export function updateClient(deps: ClientDeps, clientId: string, input: ClientInput): OidcClient {
  const current = findClientById(deps.db, clientId);
  if (!current) throw AppError.notFound("This client does not exist.");
  const v = validateClientInput(deps.db, input, current);
  const now = nowSeconds(deps.clock);
  deps.db.transaction(() => {
    updateClientRow(deps.db, {
      id: clientId,
      ...clientColumns(v),
      updated_at: now,
    });
    if (v.allowedGroupIds) replaceAllowedGroups(deps.db, clientId, v.allowedGroupIds);
    // Switching to private_key_jwt: the secrets go, so switching back cannot revive a leaked one.
    if (v.tokenEndpointAuthMethod === "private_key_jwt" && current.tokenEndpointAuthMethod !== "private_key_jwt") deleteAllClientSecretRows(deps.db, clientId);
  }).immediate();
  return findClientById(deps.db, clientId)!;
}

export function findClientById(db: Database, clientId: string): OidcClient | null {
  if (typeof clientId !== "string" || clientId.length === 0 || clientId.length > 256) return null;
  const row = findClientRow(db, clientId);
  return row ? toClient(row, () => listAllowedGroupIds(db, clientId)) : null;
}

export function listClients(db: Database): OidcClient[] {
  return listClientRows(db).map((row) => toClient(row, listAllowedGroupIds(db, row.id)));
}

/** A stored URL of a client that today's rules refuse (saved by an older version): it matches nothing now. */
export interface OutdatedClientUrl {
  clientId: string;
  clientName: string;
  field: "callbackUrls" | "logoutCallbackUrls" | "launchUrl";
  url: string;
  problem: string;
}

/**
 * Every stored callback, logout callback and launch URL that the rules of src/oidc/redirect-uri.ts refuse
 * today (issue 17 made matching strict: an upper-case host, `:443`, `*.com` or `*.co.uk` saved earlier
 * silently stopped matching). The server logs them at start so the administrator learns why an app broke.
 */
export function findOutdatedClientUrls(db: Database): OutdatedClientUrl[] {
  const out: OutdatedClientUrl[] = [];
  for (const c of listClients(db)) {
    const fields: [OutdatedClientUrl["field"], string[], (url: string) => string | null][] = [
      ["callbackUrls", c.callbackUrls, callbackUrlProblem],
      ["logoutCallbackUrls", c.logoutCallbackUrls, callbackUrlProblem],
      ["launchUrl", c.launchUrl ? [c.launchUrl] : [], httpUrlProblem],
    ];
    for (const [field, urls, problemOf] of fields) {
      for (const url of urls) {
        const problem = problemOf(url);
        if (problem) out.push({ clientId: c.id, clientName: c.name, field, url, problem });
      }
    }
  }
  return out;
}

/** Deletes a client with its secrets, consents, codes and tokens. Returns false when it did not exist. */
export function deleteClient(db: Database, clientId: string): boolean {
  return deleteClientRow(db, clientId);
}

/** Replaces the groups whose members may use the client. */
export function setAllowedGroups(deps: ClientDeps, clientId: string, groupIds: string[]): OidcClient {
  if (!findClientRow(deps.db, clientId)) throw AppError.notFound("This client does not exist.");
  const fields: Record<string, string> = {};
  const ids = validateGroupIds(deps.db, groupIds, fields);
  if (Object.keys(fields).length) throw AppError.validation("Please correct the highlighted fields.", fields);
  deps.db.transaction(() => {
    replaceAllowedGroups(deps.db, clientId, ids);
    touchClient(deps.db, clientId, nowSeconds(deps.clock));
  }).immediate();
  return findClientById(deps.db, clientId)!;
}

/** Unrestricted: every user may use the client, whatever their groups. */
export function setUnrestricted(deps: ClientDeps, clientId: string, unrestricted: boolean): OidcClient {
  if (!setClientGroupRestricted(deps.db, clientId, !unrestricted, nowSeconds(deps.clock))) {
    throw AppError.notFound("This client does not exist.");
  }
  return findClientById(deps.db, clientId)!;
}

/** May this user sign in to this client? Unrestricted, or a member of an allowed group. */
export function isUserAllowedForClient(db: Database, client: OidcClient, userId: string): boolean {
  return client.unrestricted || isUserInAllowedGroup(db, client.id, userId);
}

// --- secrets -------------------------------------------------------------------------------------

export function hashClientSecret(secret: string): string {
  return `sha256:${hashToken(secret)}`;
}

/**
 * Declarative secrets (Pocket ID v2.12): an admin or automation may give the value instead of having one
 * generated, so Terraform, Ansible or GitOps can keep the secret it already holds. Rules for a given value:
 * - at least 32 characters (a generated secret has 32 alphanumerics; a given one must not be weaker), at
 *   most 512 (verifyClientSecret refuses longer presented values, so a longer secret could never work);
 * - printable ASCII without spaces, "!" (0x21) to "~" (0x7E): clients send the secret in a Basic
 *   Authorization header and in form bodies, where spaces, control characters and non-ASCII characters
 *   are not carried reliably (trimmed, or encoded in a charset the other side does not expect);
 * - not equal to a secret this client already has (live: it would be the same credential twice; expired:
 *   revoke that one first), nor to another client's secret (each client needs its own; stored hashes are
 *   unique). The value is stored only as its hash, with its first 4 characters as the prefix.
 */
export const MIN_GIVEN_SECRET_LENGTH = 32;
export const MAX_GIVEN_SECRET_LENGTH = 512;

/** What is wrong with a given secret value, or null. The message never repeats the value. */
export function givenSecretProblem(value: string): string | null {
  if (value.length < MIN_GIVEN_SECRET_LENGTH) {
    return `A client secret must have at least ${MIN_GIVEN_SECRET_LENGTH} characters (this one has ${value.length}).`;
  }
  if (value.length > MAX_GIVEN_SECRET_LENGTH) {
    return `A client secret must have at most ${MAX_GIVEN_SECRET_LENGTH} characters (this one has ${value.length}).`;
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) {
      return (
        `A client secret may contain only printable ASCII characters without spaces ("!" to "~"); character ${i + 1} is not one. ` +
        "Clients send the secret in a Basic Authorization header and in form bodies, where spaces, control and non-ASCII characters are not carried reliably."
      );
    }
  }
  return null;
}

/**
 * Adds a secret to a confidential client: generated (32 alphanumerics), or the given `secret` value (see
 * the rules above). The plaintext is returned once; only its hash is stored. `declared` tells which.
 * Throws AppError: not_found; validation_failed (public or private_key_jwt client, value, expiry, limit);
 * conflict (the value is already a secret of this or another client).
 */
export function createClientSecret(
  deps: ClientDeps,
  clientId: string,
  opts: { expiresAt?: number | null; secret?: string | null } = {},
): CreatedClientSecret {
  const row = findClientRow(deps.db, clientId);
  if (!row) throw AppError.notFound("This client does not exist.");
  if (row.is_public === 1) throw AppError.validation("Public clients have no secrets.", { secret: "Public clients have no secrets." });
  if (row.token_endpoint_auth_method === "private_key_jwt") {
    const message = "This client authenticates with private_key_jwt and cannot use a secret. Change its client authentication to a secret method first.";
    throw AppError.validation(message, { secret: message });
  }
  const now = nowSeconds(deps.clock);
  const given = opts.secret === undefined || opts.secret === null || opts.secret === "" ? null : opts.secret;
  const fields: Record<string, string> = {};
  const valueProblem = given === null ? null : givenSecretProblem(given);
  if (valueProblem) fields.secret = valueProblem;
  const expiresAt = opts.expiresAt ?? null;
  if (expiresAt !== null && (!Number.isInteger(expiresAt) || expiresAt <= now)) fields.expiresAt = "The expiry must be in the future.";
  if (Object.keys(fields).length) {
    throw AppError.validation(valueProblem && Object.keys(fields).length === 1 ? valueProblem : "Please correct the highlighted fields.", fields);
  }
  if (countClientSecrets(deps.db, clientId) >= MAX_SECRETS_PER_CLIENT) {
    throw AppError.validation(`A client can have at most ${MAX_SECRETS_PER_CLIENT} secrets. Revoke one first.`, {
      secret: `At most ${MAX_SECRETS_PER_CLIENT} secrets.`,
    });
  }
  const secret = given ?? randomString(deps.random, SECRET_LENGTH, ALPHANUMERIC);
  const hash = hashClientSecret(secret);
  if (given !== null) {
    const same = findClientSecretByHash(deps.db, hash);
    if (same && same.client_id === clientId && (same.expires_at === null || same.expires_at > now)) {
      throw AppError.conflict(`This value is already a live secret of this client (secret ${same.id}); the existing secret keeps working.`);
    }
    if (same && same.client_id === clientId) {
      throw AppError.conflict(`This value is an expired secret of this client (secret ${same.id}); revoke that secret first to reuse the value.`);
    }
    if (same) throw AppError.conflict("This value is already the secret of another client; every client needs its own secret.");
  }
  const info = { id: randomUuid(deps.random), prefix: secret.slice(0, SECRET_PREFIX_LENGTH), createdAt: now, expiresAt };
  insertClientSecret(deps.db, {
    id: info.id,
    client_id: clientId,
    hash,
    prefix: info.prefix,
    created_at: now,
    expires_at: expiresAt,
  });
  return { ...info, expired: false, secret, declared: given !== null };
}

export function listClientSecrets(deps: { db: Database; clock: Clock }, clientId: string): ClientSecretInfo[] {
  const now = nowSeconds(deps.clock);
  return listClientSecretRows(deps.db, clientId).map((r) => ({
    id: r.id,
    prefix: r.prefix,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    expired: r.expires_at !== null && r.expires_at <= now,
  }));
}

/** Revokes one secret. Returns false when the client has no such secret. */
export function revokeClientSecret(db: Database, clientId: string, secretId: string): boolean {
  return deleteClientSecretRow(db, clientId, secretId);
}

/**
 * verifyClientSecret, then the client's bcrypt secrets imported from Pocket ID (migration 0015): bcrypt is slow by
 * design, so it is tried only when no sha256 secret matched, and off the event loop.
 */
export async function verifyClientSecretOrImported(deps: { db: Database; clock: Clock }, clientId: string, secret: string): Promise<boolean> {
  if (verifyClientSecret(deps, clientId, secret)) return true;
  if (typeof secret !== "string" || secret.length === 0 || secret.length > 512) return false;
  for (const hash of listLiveBcryptSecretHashes(deps.db, clientId, nowSeconds(deps.clock))) {
    if (await verifyImportedClientSecret("bcrypt", hash, secret)) return true;
  }
  return false;
}

/** True when `secret` is one of the client's live (unexpired) secrets. */
export function verifyClientSecret(deps: { db: Database; clock: Clock }, clientId: string, secret: string): boolean {
  if (typeof secret !== "string" || secret.length === 0 || secret.length > 512) return false;
  // The lookup is by hash of the presented value: no timing signal about stored secrets.
  return findLiveClientSecretByHash(deps.db, clientId, hashClientSecret(secret), nowSeconds(deps.clock)) !== null;
}
