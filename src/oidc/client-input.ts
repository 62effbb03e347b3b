/**
 * The settings of an OIDC client as an administrator, the admin API or the CLI give them, checked.
 * - Client id: generated (UUID) or chosen (2–128 characters of A–Z a–z 0–9 . _ -).
 * - Name required (≤ 100), description ≤ 1000; at least one callback URL, at most 50 per list, each
 *   passing src/oidc/redirect-uri.ts; launch, back-channel logout and JWKS URLs are http(s) URLs.
 * - Token lifetimes are whole minutes from 1 to 525 600 (a year).
 * - Protocol settings (issue 10): require PAR; back-channel logout URI; token endpoint auth method; the
 *   scopes the client may obtain for itself with client_credentials (names only, no identity scopes).
 * - private_key_jwt needs the client's public keys (a JWK Set without private members, or a JWKS URL,
 *   not both) and is for confidential clients only.
 * - Federated identities (federated-identities.ts): confidential clients only; undefined keeps the stored list.
 * - Every problem is reported at once, one message per field (FieldErrors → AppError validation_failed).
 */
import type { Database } from "../db/database.ts";
import { FieldErrors } from "../admin/validation.ts";
import { msg, type Text } from "../i18n/message.ts";
import { existingGroupIds, type ClientLocalSettings, type OidcClientSettings } from "../db/oidc-clients.ts";
import {
  DEFAULT_ACCESS_TOKEN_MINUTES,
  DEFAULT_REFRESH_TOKEN_MINUTES,
  EITHER_SECRET_METHOD,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type OidcClient,
  type TokenEndpointAuthMethod,
} from "./clients.ts";
import { callbackUrlProblem, httpUrlProblem } from "./redirect-uri.ts";
import { listFederatedIdentities } from "../db/federated-identities.ts";
import { validateFederatedIdentities, type FederatedIdentity } from "./federated-identities.ts";

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
  /** Pocket ID's credentials.federatedIdentities (objects, checked here); undefined: unchanged. */
  federatedIdentities?: unknown;
}

/** The editable settings of a client, checked; allowedGroupIds null = leave the groups as they are. */
export type ValidatedClient = OidcClientSettings & {
  allowedGroupIds: string[] | null;
  /** null = leave the stored list as it is. */
  federatedIdentities: FederatedIdentity[] | null;
};

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._-]{2,128}$/;
export const MAX_CALLBACK_URLS = 50;
const MAX_TOKEN_MINUTES = 525_600; // 365 days
const MAX_JWKS_LENGTH = 32_768;
const CREDENTIAL_SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/;
const IDENTITY_SCOPE_NAMES = new Set(["openid", "profile", "email", "groups", "offline_access"]);

/** A chosen client id, or null for a generated one. */
export function checkChosenClientId(id: string | null | undefined): string | null {
  if (id === undefined || id === null || id === "") return null;
  if (typeof id !== "string" || !CLIENT_ID_PATTERN.test(id)) {
    const errors = new FieldErrors();
    errors.add("id", msg("clients.errorIdPattern"));
    errors.throwIfAny();
  }
  return id;
}

function urlList(errors: FieldErrors, field: string, urls: unknown, required: boolean): string[] {
  if (urls === undefined || urls === null) urls = [];
  if (!Array.isArray(urls)) {
    errors.add(field, msg("clients.errorUrlList"));
    return [];
  }
  const list = urls.map((u) => (typeof u === "string" ? u.trim() : u));
  if (required && list.length === 0) {
    errors.add(field, msg("clients.errorCallbackRequired"));
    return [];
  }
  if (list.length > MAX_CALLBACK_URLS) {
    errors.add(field, msg("clients.errorTooManyUrls", { max: MAX_CALLBACK_URLS }));
    return [];
  }
  const seen = new Set<string>();
  for (const u of list) {
    const problem: Text | null = typeof u === "string" ? callbackUrlProblem(u) : msg("clients.errorNotUrl");
    if (problem) {
      errors.add(field, msg("clients.errorUrlProblem", { url: typeof u === "string" && u ? u : msg("clients.errorEmptyUrl"), problem }));
      return [];
    }
    seen.add(u as string);
  }
  return [...seen];
}

function minutes(errors: FieldErrors, field: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_TOKEN_MINUTES) {
    errors.add(field, msg("clients.errorMinutes", { max: MAX_TOKEN_MINUTES }));
    return fallback;
  }
  return value;
}

function boolean(errors: FieldErrors, field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") {
    errors.add(field, msg("validation.notBoolean"));
    return fallback;
  }
  return value;
}

function httpUrl(errors: FieldErrors, field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    errors.add(field, msg("clients.errorHttpUrl"));
    return null;
  }
  const v = value.trim();
  if (!v) return null;
  const problem = httpUrlProblem(v);
  if (problem) errors.add(field, problem);
  return problem ? null : v;
}

/** A JWK Set of public keys (no private members), at most 20 keys. */
function jwkSet(errors: FieldErrors, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    errors.add("jwks", msg("clients.errorJwksNotText"));
    return null;
  }
  const v = value.trim();
  if (!v) return null;
  if (v.length > MAX_JWKS_LENGTH) {
    errors.add("jwks", msg("clients.errorJwksTooLong", { max: MAX_JWKS_LENGTH }));
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    errors.add("jwks", msg("clients.errorJwksJson", { example: '{"keys": [{"kty": "RSA", …}]}' }));
    return null;
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 20) {
    errors.add("jwks", msg("clients.errorJwksKeys"));
    return null;
  }
  for (const k of keys) {
    if (typeof k !== "object" || k === null || typeof (k as { kty?: unknown }).kty !== "string") {
      errors.add("jwks", msg("clients.errorJwksKty"));
      return null;
    }
    if (["d", "p", "q", "dp", "dq", "qi", "k"].some((m) => m in (k as object))) {
      errors.add("jwks", msg("clients.errorJwksPrivate"));
      return null;
    }
  }
  return JSON.stringify({ keys });
}

/** Scope names for client_credentials; the most telling problem wins (identity scope, bad name, too many). */
function credentialsScopes(errors: FieldErrors, value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  const list = typeof value === "string" ? value.split(/[\s,]+/) : value;
  if (!Array.isArray(list) || list.some((x) => typeof x !== "string")) {
    errors.add("credentialsScopes", msg("clients.errorScopesList"));
    return [];
  }
  const names = [...new Set((list as string[]).map((x) => x.trim()).filter(Boolean))];
  const identity = names.find((n) => IDENTITY_SCOPE_NAMES.has(n));
  if (identity) errors.add("credentialsScopes", msg("clients.errorScopeIdentity", { scope: identity }));
  const bad = names.find((n) => !CREDENTIAL_SCOPE.test(n));
  if (bad) errors.add("credentialsScopes", msg("clients.errorScopeName", { scope: bad.slice(0, 40) }));
  if (names.length > 50) errors.add("credentialsScopes", msg("clients.errorScopesTooMany"));
  return names;
}

/** Existing user group ids, each once. */
export function groupIdList(db: Database, errors: FieldErrors, ids: unknown, field = "allowedGroupIds"): string[] {
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== "string")) {
    errors.add(field, msg("clients.errorGroupList"));
    return [];
  }
  const unique = [...new Set(ids as string[])];
  const existing = existingGroupIds(db, unique);
  const missing = unique.filter((id) => !existing.has(id));
  if (missing.length) {
    errors.add(field, msg("clients.errorUnknownGroup", { id: missing[0]! }));
    return [];
  }
  return unique;
}

/** The token endpoint auth method asked for; `problem` when the value is not one. */
function authMethodOf(requested: unknown, isPublic: boolean, current: OidcClient | null): { method: TokenEndpointAuthMethod; fixed: boolean; problem: Text | null } {
  const kept = { method: current?.tokenEndpointAuthMethod ?? "client_secret_basic", fixed: current?.tokenEndpointAuthMethodFixed ?? false };
  if (requested === null || requested === EITHER_SECRET_METHOD) return { method: "client_secret_basic", fixed: false, problem: null };
  if (requested === undefined) return { ...kept, problem: null };
  // What a public client's DTO shows; accepted back only for a public client.
  if (requested === "none") {
    return { ...kept, problem: isPublic ? null : msg("clients.errorAuthNoneConfidential") };
  }
  if (typeof requested === "string" && (TOKEN_ENDPOINT_AUTH_METHODS as string[]).includes(requested)) return { method: requested as TokenEndpointAuthMethod, fixed: true, problem: null };
  return { ...kept, problem: msg("clients.errorAuthUnknown") };
}

/**
 * Checks `input` for a new client (`current` null) or an update; fields left undefined keep `current`'s value.
 * `allowInsecureUrls` (ALLOW_INSECURE_CALLBACK_URLS) admits http federated issuers.
 */
/** The settings that stay the administrator's for every client, a metadata document's included (Pocket ID's list). */
export type LocalClientSettings = ClientLocalSettings & { allowedGroupIds: string[] | null };

function localSettingsOf(db: Database, errors: FieldErrors, input: ClientInput, current: OidcClient | null): LocalClientSettings {
  const description = typeof input.description === "string" ? input.description.trim() : (current?.description ?? "");
  if (description.length > 1000) errors.add("description", msg("clients.errorDescriptionTooLong"));
  let launchUrl: string | null = input.launchUrl === undefined ? (current?.launchUrl ?? null) : input.launchUrl;
  if (typeof launchUrl === "string") {
    launchUrl = launchUrl.trim() || null;
    if (launchUrl) {
      // Linked from My apps and the consent page: the same URL rules as callback URLs (no wildcards).
      const problem = httpUrlProblem(launchUrl);
      if (problem) errors.add("launchUrl", problem);
    }
  } else if (launchUrl !== null) {
    errors.add("launchUrl", msg("clients.errorHttpUrl"));
    launchUrl = null;
  }
  return {
    description,
    launchUrl,
    requiresReauthentication: boolean(errors, "requiresReauthentication", input.requiresReauthentication, current?.requiresReauthentication ?? false),
    skipConsent: boolean(errors, "skipConsent", input.skipConsent, current?.skipConsent ?? false),
    unrestricted: boolean(errors, "unrestricted", input.unrestricted, current?.unrestricted ?? false),
    accessTokenDurationMinutes: minutes(errors, "accessTokenDurationMinutes", input.accessTokenDurationMinutes, current?.accessTokenDurationMinutes ?? DEFAULT_ACCESS_TOKEN_MINUTES),
    refreshTokenDurationMinutes: minutes(errors, "refreshTokenDurationMinutes", input.refreshTokenDurationMinutes, current?.refreshTokenDurationMinutes ?? DEFAULT_REFRESH_TOKEN_MINUTES),
    requirePar: boolean(errors, "requirePar", input.requirePar, current?.requirePar ?? false),
    allowedGroupIds: input.allowedGroupIds === undefined ? null : groupIdList(db, errors, input.allowedGroupIds),
  };
}

/**
 * The administrator's settings of a client registered by its metadata document: everything else (name, redirect URIs,
 * authentication, keys) is the document's and is ignored here, as Pocket ID does.
 */
export function validateLocalClientInput(db: Database, input: ClientInput, current: OidcClient): LocalClientSettings {
  const errors = new FieldErrors();
  const local = localSettingsOf(db, errors, input, current);
  errors.throwIfAny();
  return local;
}

export function validateClientInput(db: Database, input: ClientInput, current: OidcClient | null, opts: { allowInsecureUrls?: boolean } = {}): ValidatedClient {
  const errors = new FieldErrors();
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (!name) errors.add("name", msg("clients.errorNameRequired"));
  else if (name.length > 100) errors.add("name", msg("clients.errorNameTooLong"));
  const local = localSettingsOf(db, errors, input, current);
  const callbackUrls = urlList(errors, "callbackUrls", input.callbackUrls, true);
  const logoutCallbackUrls = urlList(errors, "logoutCallbackUrls", input.logoutCallbackUrls ?? current?.logoutCallbackUrls ?? [], false);
  const isPublic = boolean(errors, "isPublic", input.isPublic, current?.isPublic ?? false);
  const pkceEnabled = boolean(errors, "pkceEnabled", input.pkceEnabled, current?.pkceEnabled ?? false);
  const backchannelLogoutUri = input.backchannelLogoutUri === undefined ? (current?.backchannelLogoutUri ?? null) : httpUrl(errors, "backchannelLogoutUri", input.backchannelLogoutUri);
  const auth = authMethodOf(input.tokenEndpointAuthMethod, isPublic, current);
  const jwks = input.jwks === undefined ? (current?.jwks ?? null) : jwkSet(errors, input.jwks);
  const jwksUri = input.jwksUri === undefined ? (current?.jwksUri ?? null) : httpUrl(errors, "jwksUri", input.jwksUri);
  const scopes = credentialsScopes(errors, input.credentialsScopes) ?? current?.credentialsScopes ?? [];
  if (auth.method === "private_key_jwt") {
    if (isPublic) errors.add("tokenEndpointAuthMethod", msg("clients.errorAuthPublicKeyJwt"));
    else if (!jwks && !jwksUri && !Object.hasOwn(errors.fields, "jwks") && !Object.hasOwn(errors.fields, "jwksUri")) {
      errors.add("jwks", msg("clients.errorJwksNeeded"));
    }
  }
  if (auth.problem) errors.add("tokenEndpointAuthMethod", auth.problem);
  if (jwks && jwksUri) errors.add("jwksUri", msg("clients.errorJwksBoth"));
  const federatedIdentities =
    input.federatedIdentities === undefined
      ? null
      : validateFederatedIdentities(errors, input.federatedIdentities, { clientId: current?.id ?? (typeof input.id === "string" && input.id ? input.id : null), allowInsecure: opts.allowInsecureUrls ?? false });
  // An assertion authenticates a confidential client; a public one has nothing to prove.
  if (isPublic && (federatedIdentities ?? (current ? listFederatedIdentities(db, current.id) : [])).length > 0) {
    errors.add(federatedIdentities ? "federatedIdentities" : "isPublic", msg("federated.errorPublic"));
  }
  errors.throwIfAny();
  return {
    name,
    ...local,
    callbackUrls,
    logoutCallbackUrls,
    isPublic,
    pkceEnabled,
    backchannelLogoutUri,
    tokenEndpointAuthMethod: auth.method,
    tokenEndpointAuthMethodFixed: auth.fixed,
    jwks,
    jwksUri,
    credentialsScopes: scopes,
    federatedIdentities,
  };
}
