/**
 * The authorization endpoint, as an ordered list of small named checks.
 *
 * Request checks (no person involved yet), after checkClientMetadata (async: a client_id that is an https URL has its
 * metadata document used or fetched, src/oidc/client-metadata-documents.ts; refused: our error page):
 *   checkClient → checkRequestObject → checkPushedRequest → checkRedirectUri (+ ALLOW_INSECURE_CALLBACK_URLS) → checkRequestUri → checkResponseType → checkResponseMode →
 *   checkScope → checkResource → checkPkce → checkPrompt → checkMaxAge → checkLengths
 * Hint check (async, once the redirect URI is verified): id_token_hint must be an ID token issued here, to
 *   this client (src/oidc/id-token-hint.ts; expired is fine), else invalid_request back to the client.
 * Person checks (the signed-in session):
 *   checkSession → checkHintedPerson → checkAllowedGroups → checkConsent → checkReauthentication → issue the code
 *   (OIDC Core 3.1.2.1: when id_token_hint names someone other than the signed-in person: login_required).
 *
 * Rules:
 * - RFC 6749 4.1.2.1: until client_id and redirect_uri are verified, errors are shown on our own page,
 *   never redirected. Afterwards they go back to the client with `state` and `iss` (RFC 9207).
 * - When the person must act (sign in, consent, re-authenticate), the validated request is stored as an
 *   expiring interaction and the flow resumes at /authorize?interaction=<id> — so POSTed requests
 *   survive the round trip.
 * - Codes: 256-bit random, stored as SHA-256, 10 minutes, single use.
 * - A client with no allowed groups that is not unrestricted admits nobody ("not allowed" page).
 * - PAR (RFC 9126): request_uri=urn:ietf:params:oauth:request_uri:… is consumed (single use, 90 s, only by
 *   the client that pushed it) and its parameters replace the query's (they are authoritative). A client
 *   with "require PAR" gets invalid_request for anything else. Other request_uri values: invalid_request_uri.
 * - Request objects (OIDC Core 6.1), as Pocket ID: `request=` an unsigned JWT (alg none) whose parameters replace
 *   the query's (src/oidc/request-object.ts), at /authorize and in a push; used only when the query's scope has
 *   openid (otherwise ignored, as Pocket ID's fosite does); with request_uri as well: invalid_request. A signed,
 *   expired or malformed object, or one whose client_id differs: invalid_request_object, sent to the query's
 *   redirect_uri when that is verified, else shown on our page.
 * - Resource indicators (RFC 8707, src/oidc/resources.ts): `resource` names an API the client was granted for
 *   people's tokens, else invalid_target; scopes naming its permissions must be granted, else invalid_scope.
 *   The code carries the API's audience; consent covers each permission and the API itself.
 */
import type { Database } from "../db/database.ts";
import type { Session } from "../account/sessions.ts";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import type { Config } from "../config.ts";
import {
  deleteExpiredOidcState,
  deleteInteraction,
  findLiveInteraction,
  insertAuthorizationCode,
  insertInteraction,
  markInteractionConsented,
  type Interaction,
} from "../db/oidc-grants.ts";
import { findUserById } from "../db/users.ts";
import { OAuthError, type OAuthErrorCode } from "../errors.ts";
import { msg, type Message } from "../i18n/message.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomToken, type Random } from "../lib/random.ts";
import { findConsentedScopes, recordConsent } from "./authorized-clients.ts";
import { findClientById, isUserAllowedForClient, type OidcClient } from "./clients.ts";
import { resolveClientMetadata } from "./client-metadata-documents.ts";
import type { Log } from "../lib/log.ts";
import type { OutboundPolicy } from "../lib/outbound-fetch.ts";
import { IdTokenHintInvalid, verifyIdTokenHint } from "./id-token-hint.ts";
import { ProtocolParamError, ProtocolParams } from "./params.ts";
import { consumePushedRequest } from "../db/oidc-protocols.ts";
import { isInsecureRedirectUri, matchRedirectUri } from "./redirect-uri.ts";
import { mergeRequestObject, REQUEST_OBJECT_MAX_LENGTH } from "./request-object.ts";
import { consentKeys, readResourceParam, resolveResource, type ResolvedResource } from "./resources.ts";
import { isSubset, parseScopes, scopeString, type Scope } from "./scopes.ts";

export interface AuthorizeDeps {
  db: Database;
  clock: Clock;
  random: Random;
  config: Config;
  /** Tests only: the outbound address policy for client metadata documents. */
  outbound?: OutboundPolicy;
  log?: Log;
}

export const AUTHORIZATION_CODE_SECONDS = 600;
export const INTERACTION_SECONDS = 3600;
/** A passkey assertion this recent counts as fresh for clients that require re-authentication. */
export const FRESH_ASSERTION_SECONDS = 60;

/** The parameters an authorization request may carry; only these are stored in an interaction. */
export const AUTHORIZATION_PARAMS = [
  "client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce", "code_challenge",
  "code_challenge_method", "prompt", "max_age", "login_hint", "id_token_hint", "ui_locales", "acr_values", "display",
  "resource",
] as const;

export type ResponseMode = "query" | "fragment" | "form_post";
export type Prompt = "none" | "login" | "consent" | "select_account";

/** Where and how to answer the client. */
export interface ClientResponse {
  redirectUri: string;
  mode: ResponseMode;
  params: Record<string, string>;
}

export type AuthorizeOutcome =
  | { kind: "client-response"; response: ClientResponse }
  | { kind: "error-page"; status: number; title: Message; message: Message; clientName?: string; redirectUri?: string; oauth?: { code: OAuthErrorCode; description: string } }
  | { kind: "not-allowed"; client: OidcClient }
  | { kind: "login"; interactionId: string; loginHint: string | null }
  | { kind: "reauthenticate"; interactionId: string }
  | { kind: "consent"; interactionId: string; client: OidcClient; scopes: Scope[]; resource: ResolvedResource | null; userId: string; redirectUri: string };

/** A validated authorization request. */
export interface AuthorizationRequest {
  client: OidcClient;
  redirectUri: string;
  responseMode: ResponseMode;
  scopes: Scope[];
  /** The API the token is for (RFC 8707) with the permissions requested and granted, or null. */
  resource: ResolvedResource | null;
  /** The permission keys that go into the token's scope beside `scopes`. */
  permissionKeys: string[];
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: "S256" | null;
  prompt: Set<Prompt>;
  maxAge: number | null;
  loginHint: string | null;
  raw: Record<string, string>;
}

/** Thrown before the redirect URI is verified: shown on our own error page, in the person's language. */
class UnverifiedRequestError extends Error {
  constructor(
    readonly title: Message,
    readonly text: Message,
    /** `oauth`: the error a JSON endpoint (PAR) answers instead of the page's invalid_request. */
    readonly extra: { clientName?: string; redirectUri?: string; oauth?: { code: OAuthErrorCode; description: string } } = {},
  ) {
    super(text.key);
  }
}

const REQUEST_INVALID = msg("oidc.requestInvalidTitle");

/** Thrown after verification: sent back to the client. */
class ClientFacingError extends Error {
  constructor(readonly code: OAuthErrorCode, readonly description: string) {
    super(description);
  }
}

interface Ctx {
  deps: AuthorizeDeps;
  params: ProtocolParams;
  request: Partial<AuthorizationRequest> & { raw: Record<string, string> };
  /** The parameters came from a pushed request (or are being pushed, or resume one that was). */
  pushed: boolean;
}

export const PAR_REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:";
/** Stored with an interaction that began as a pushed request; never read from a fresh request. */
const PUSHED_MARKER = "__pushed";

type RequestCheck = (ctx: Ctx) => void;

function param(ctx: Ctx, name: string, max?: number): string | null {
  try {
    return ctx.params.get(name, max);
  } catch (e) {
    if (e instanceof OAuthError) {
      if (ctx.request.redirectUri) throw new ClientFacingError(e.code, e.description);
      throw new UnverifiedRequestError(REQUEST_INVALID, e instanceof ProtocolParamError ? e.text : msg("oidc.requestUnreadable"));
    }
    throw e;
  }
}

// --- request checks ------------------------------------------------------------------------------

const checkClient: RequestCheck = (ctx) => {
  const clientId = param(ctx, "client_id", 256);
  if (!clientId) throw new UnverifiedRequestError(REQUEST_INVALID, msg("oidc.noClientId"));
  const client = findClientById(ctx.deps.db, clientId);
  if (!client) {
    throw new UnverifiedRequestError(msg("oidc.unknownClientTitle"), msg("oidc.unknownClient"));
  }
  ctx.request.client = client;
};

const checkPushedRequest: RequestCheck = (ctx) => {
  const requestUri = param(ctx, "request_uri", 256);
  if (!requestUri || !requestUri.startsWith(PAR_REQUEST_URI_PREFIX)) return;
  const client = ctx.request.client!;
  const ref = requestUri.slice(PAR_REQUEST_URI_PREFIX.length);
  const row = /^[A-Za-z0-9_-]{43}$/.test(ref) ? consumePushedRequest(ctx.deps.db, hashToken(ref), client.id) : null;
  if (!row || row.expiresAt <= nowSeconds(ctx.deps.clock)) {
    throw new UnverifiedRequestError(msg("oidc.expiredTitle"), msg("oidc.parExpired"), { clientName: client.name });
  }
  // RFC 9126 4: the pushed parameters are authoritative; client_id must agree (it did: the row is bound to it).
  ctx.params = ProtocolParams.fromRecord({ ...row.params, client_id: client.id });
  ctx.pushed = true;
};

const checkRedirectUri: RequestCheck = (ctx) => {
  const client = ctx.request.client!;
  const redirectUri = param(ctx, "redirect_uri", 2048);
  if (!redirectUri) {
    throw new UnverifiedRequestError(REQUEST_INVALID, msg("oidc.noRedirectUri"), { clientName: client.name });
  }
  // RFC 6749 4.1.2.1: never redirect to an unverified URI.
  if (!matchRedirectUri(client.callbackUrls, redirectUri)) {
    throw new UnverifiedRequestError(msg("oidc.badRedirectTitle"), msg("oidc.badRedirect"), { clientName: client.name, redirectUri });
  }
  // ALLOW_INSECURE_CALLBACK_URLS=false: plain http only to this machine (Pocket ID, fosite's IsRedirectURISecure).
  if (!ctx.deps.config.allowInsecureCallbackUrls && isInsecureRedirectUri(redirectUri)) {
    throw new UnverifiedRequestError(msg("oidc.badRedirectTitle"), msg("oidc.insecureRedirect"), { clientName: client.name, redirectUri });
  }
  ctx.request.redirectUri = redirectUri;
  // From here on errors go back to the client; the response mode is needed for that, if it is usable.
  let mode: string | null = null;
  try {
    mode = ctx.params.get("response_mode", 32);
  } catch {
    mode = null;
  }
  ctx.request.responseMode = mode === "fragment" || mode === "form_post" ? mode : "query";
  ctx.request.state = (() => {
    try {
      return ctx.params.get("state", 2048);
    } catch {
      return null;
    }
  })();
};

/** A request-object error goes to the query's redirect_uri when that one is verified, else onto our page. */
function refuseRequestObject(ctx: Ctx, code: OAuthErrorCode, description: string): never {
  try {
    checkRedirectUri(ctx);
  } catch (e) {
    if (e instanceof UnverifiedRequestError) {
      throw new UnverifiedRequestError(REQUEST_INVALID, msg("oidc.requestObjectInvalid"), { clientName: ctx.request.client?.name, oauth: { code, description } });
    }
    throw e;
  }
  throw new ClientFacingError(code, description);
}

const checkRequestObject: RequestCheck = (ctx) => {
  const jwt = param(ctx, "request", REQUEST_OBJECT_MAX_LENGTH);
  if (!jwt) return;
  // OIDC Core 6.1: openid must be in the OAuth scope parameter; without it Pocket ID (fosite) ignores the object.
  if (!parseScopes(param(ctx, "scope", 1024)).includes("openid")) return;
  if (param(ctx, "request_uri", 2048)) refuseRequestObject(ctx, "invalid_request", "Send request or request_uri, not both.");
  const query: Record<string, string> = {};
  for (const name of ctx.params.names()) {
    const v = param(ctx, name, name === "request" ? REQUEST_OBJECT_MAX_LENGTH : undefined);
    if (v !== null) query[name] = v;
  }
  const merged = mergeRequestObject(jwt, query, nowSeconds(ctx.deps.clock));
  if (!merged.ok) refuseRequestObject(ctx, "invalid_request_object", merged.description);
  ctx.params = ProtocolParams.fromRecord(merged.params);
};

const checkRequestUri: RequestCheck = (ctx) => {
  if (param(ctx, "request_uri")) {
    throw new ClientFacingError("invalid_request_uri", `request_uri must be a ${PAR_REQUEST_URI_PREFIX}… value from the pushed authorization request endpoint.`);
  }
  if (ctx.request.client!.requirePar && !ctx.pushed) {
    throw new ClientFacingError("invalid_request", "This client must use pushed authorization requests (RFC 9126): push the request to the PAR endpoint and send its request_uri.");
  }
};

const checkResponseType: RequestCheck = (ctx) => {
  const responseType = param(ctx, "response_type", 64);
  if (!responseType) throw new ClientFacingError("invalid_request", "The response_type parameter is missing.");
  if (responseType !== "code") throw new ClientFacingError("unsupported_response_type", `Only response_type=code is supported, not "${responseType.slice(0, 40)}".`);
  // A metadata document's client may use only the grant types it declared.
  const client = ctx.request.client!;
  if (client.clientType === "cimd" && !client.metadataGrantTypes.includes("authorization_code")) {
    throw new ClientFacingError("unauthorized_client", "This client's metadata document does not declare the authorization_code grant type.");
  }
};

const checkResponseMode: RequestCheck = (ctx) => {
  const mode = param(ctx, "response_mode", 32);
  if (mode !== null && mode !== "query" && mode !== "fragment" && mode !== "form_post") {
    throw new ClientFacingError("invalid_request", "response_mode must be query, fragment or form_post.");
  }
  ctx.request.responseMode = (mode ?? "query") as ResponseMode;
};

const checkScope: RequestCheck = (ctx) => {
  const scope = param(ctx, "scope", 1024);
  const scopes = parseScopes(scope);
  if (!scopes.includes("openid")) throw new ClientFacingError("invalid_scope", "The scope must include openid.");
  ctx.request.scopes = scopes;
};

const checkResource: RequestCheck = (ctx) => {
  const client = ctx.request.client!;
  const scope = param(ctx, "scope", 1024);
  try {
    const resource = readResourceParam(ctx.params);
    const grant = resolveResource(ctx.deps.db, client.id, resource, scope === null ? null : scope.split(" ").filter(Boolean), "user");
    ctx.request.resource = grant.resource;
    ctx.request.permissionKeys = grant.permissionKeys;
  } catch (e) {
    if (e instanceof OAuthError) throw new ClientFacingError(e.code, e.description);
    throw e;
  }
};

const PKCE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;

const checkPkce: RequestCheck = (ctx) => {
  const client = ctx.request.client!;
  const challenge = param(ctx, "code_challenge", 256);
  const method = param(ctx, "code_challenge_method", 16);
  if (!challenge) {
    if (method) throw new ClientFacingError("invalid_request", "code_challenge_method was sent without a code_challenge.");
    if (client.isPublic) throw new ClientFacingError("invalid_request", "This is a public client: PKCE is required (send code_challenge with code_challenge_method=S256).");
    if (client.pkceEnabled) throw new ClientFacingError("invalid_request", "PKCE is required for this client (send code_challenge with code_challenge_method=S256).");
    ctx.request.codeChallenge = null;
    ctx.request.codeChallengeMethod = null;
    return;
  }
  // OAuth 2.1 (draft-ietf-oauth-v2-1 4.1.1) / RFC 9700 2.1.1: S256 only. RFC 7636 4.3 would default a
  // missing method to plain, so a missing method is refused too rather than read as S256.
  if (method === null) throw new ClientFacingError("invalid_request", "code_challenge_method is required and must be S256.");
  if (method !== "S256") {
    throw new ClientFacingError("invalid_request", `code_challenge_method must be S256${method === "plain" ? "; plain is not accepted" : ""}.`);
  }
  if (!PKCE_CHALLENGE.test(challenge)) throw new ClientFacingError("invalid_request", "code_challenge must be 43–128 characters of A–Z a–z 0–9 - . _ ~.");
  ctx.request.codeChallenge = challenge;
  ctx.request.codeChallengeMethod = "S256";
};

const PROMPTS = new Set<Prompt>(["none", "login", "consent", "select_account"]);

const checkPrompt: RequestCheck = (ctx) => {
  const prompt = param(ctx, "prompt", 128);
  const values = new Set<Prompt>();
  for (const p of (prompt ?? "").split(" ").filter(Boolean)) {
    if (!PROMPTS.has(p as Prompt)) throw new ClientFacingError("invalid_request", `Unsupported prompt value "${p.slice(0, 40)}".`);
    values.add(p as Prompt);
  }
  if (values.has("none") && values.size > 1) throw new ClientFacingError("invalid_request", "prompt=none cannot be combined with other prompt values.");
  ctx.request.prompt = values;
};

const checkMaxAge: RequestCheck = (ctx) => {
  const maxAge = param(ctx, "max_age", 16);
  if (maxAge === null) {
    ctx.request.maxAge = null;
    return;
  }
  if (!/^\d{1,10}$/.test(maxAge)) throw new ClientFacingError("invalid_request", "max_age must be a non-negative whole number of seconds.");
  ctx.request.maxAge = Number(maxAge);
};

const checkLengths: RequestCheck = (ctx) => {
  ctx.request.state = param(ctx, "state", 2048);
  ctx.request.nonce = param(ctx, "nonce", 512);
  ctx.request.loginHint = param(ctx, "login_hint", 256);
  for (const name of ["id_token_hint", "ui_locales", "acr_values", "display"]) param(ctx, name);
  ctx.request.raw = ctx.params.toRecord(AUTHORIZATION_PARAMS);
  if (ctx.pushed) ctx.request.raw[PUSHED_MARKER] = "1";
};

export const REQUEST_CHECKS: readonly RequestCheck[] = [
  checkClient,
  checkRequestObject,
  checkPushedRequest,
  checkRedirectUri,
  checkRequestUri,
  checkResponseType,
  checkResponseMode,
  checkScope,
  checkResource,
  checkPkce,
  checkPrompt,
  checkMaxAge,
  checkLengths,
];

type Validated = { ok: true; request: AuthorizationRequest } | { ok: false; outcome: AuthorizeOutcome };

/**
 * Runs the request checks. Errors become our error page (unverified) or an error response to the client.
 * `source`: "request" for a fresh /authorize call, "stored" when resuming our own interaction (which
 * remembers whether it began as a pushed request), "push" when validating a request being pushed.
 */
export function validateAuthorizationRequest(deps: AuthorizeDeps, params: ProtocolParams, source: "request" | "stored" | "push" = "request"): Validated {
  let pushed = source === "push";
  if (source === "stored") {
    try {
      pushed = params.get(PUSHED_MARKER, 4) === "1";
    } catch {
      pushed = false;
    }
  }
  const ctx: Ctx = { deps, params, request: { raw: {} }, pushed };
  try {
    for (const check of REQUEST_CHECKS) check(ctx);
    return { ok: true, request: ctx.request as AuthorizationRequest };
  } catch (e) {
    if (e instanceof UnverifiedRequestError) {
      return { ok: false, outcome: { kind: "error-page", status: 400, title: e.title, message: e.text, ...e.extra } };
    }
    if (e instanceof ClientFacingError) {
      return { ok: false, outcome: clientError(deps, ctx.request as AuthorizationRequest, e.code, e.description) };
    }
    throw e;
  }
}

function clientError(deps: AuthorizeDeps, request: Pick<AuthorizationRequest, "redirectUri" | "responseMode" | "state">, code: OAuthErrorCode, description: string): AuthorizeOutcome {
  const params: Record<string, string> = { error: code, error_description: description };
  if (request.state) params.state = request.state;
  params.iss = deps.config.appUrl;
  return { kind: "client-response", response: { redirectUri: request.redirectUri, mode: request.responseMode ?? "query", params } };
}

// --- person checks -------------------------------------------------------------------------------

interface PersonCtx {
  deps: AuthorizeDeps;
  request: AuthorizationRequest;
  session: Session | null;
  interaction: Interaction | null;
  now: number;
  /** The subject of a verified id_token_hint, if one was sent. */
  hintedSub: string | null;
}

type PersonCheck = (ctx: PersonCtx) => AuthorizeOutcome | null;

function ensureInteraction(ctx: PersonCtx): string {
  if (ctx.interaction) return ctx.interaction.id;
  const interaction: Interaction = {
    id: randomToken(ctx.deps.random),
    clientId: ctx.request.client.id,
    params: ctx.request.raw,
    consentedBy: null,
    createdAt: ctx.now,
    expiresAt: ctx.now + INTERACTION_SECONDS,
  };
  insertInteraction(ctx.deps.db, interaction);
  ctx.interaction = interaction;
  return interaction.id;
}

const checkSession: PersonCheck = (ctx) => {
  if (ctx.session) return null;
  if (ctx.request.prompt.has("none")) return clientError(ctx.deps, ctx.request, "login_required", "The person is not signed in.");
  return { kind: "login", interactionId: ensureInteraction(ctx), loginHint: ctx.request.loginHint };
};

const checkHintedPerson: PersonCheck = (ctx) => {
  if (ctx.hintedSub === null || ctx.hintedSub === ctx.session!.userId) return null;
  return clientError(ctx.deps, ctx.request, "login_required", "The signed-in person is not the one id_token_hint names.");
};

const checkAllowedGroups: PersonCheck = (ctx) => {
  if (isUserAllowedForClient(ctx.deps.db, ctx.request.client, ctx.session!.userId)) return null;
  if (ctx.request.prompt.has("none")) return clientError(ctx.deps, ctx.request, "access_denied", "You are not allowed to access this service.");
  return { kind: "not-allowed", client: ctx.request.client };
};

function needsConsent(ctx: PersonCtx): boolean {
  const userId = ctx.session!.userId;
  if (ctx.interaction?.consentedBy === userId) return false;
  if (ctx.request.prompt.has("consent")) return true;
  if (ctx.request.client.skipConsent) return false;
  const granted = findConsentedScopes(ctx.deps.db, userId, ctx.request.client.id);
  if (granted === null) return true;
  return !isSubset(consentKeys(ctx.request.scopes, ctx.request.resource), granted);
}

const checkConsent: PersonCheck = (ctx) => {
  if (!needsConsent(ctx)) return null;
  if (ctx.request.prompt.has("none")) return clientError(ctx.deps, ctx.request, "consent_required", "The person has not yet allowed this application.");
  return {
    kind: "consent",
    interactionId: ensureInteraction(ctx),
    client: ctx.request.client,
    scopes: ctx.request.scopes,
    resource: ctx.request.resource,
    userId: ctx.session!.userId,
    redirectUri: ctx.request.redirectUri,
  };
};

function needsReauthentication(ctx: PersonCtx): boolean {
  const s = ctx.session!;
  const passkey = s.amr.includes("phr");
  // An assertion made after this authorization request began always satisfies the request.
  const sinceRequest = ctx.interaction !== null && passkey && s.authenticatedAt >= ctx.interaction.createdAt;
  if (ctx.request.prompt.has("login") && !sinceRequest) return true;
  // max_age: a sign-in made during this very request counts even if the person took longer than max_age.
  if (ctx.request.maxAge !== null && ctx.now - s.authenticatedAt > ctx.request.maxAge && !sinceRequest) return true;
  if (ctx.request.client.requiresReauthentication && !sinceRequest && !(passkey && ctx.now - s.authenticatedAt <= FRESH_ASSERTION_SECONDS)) return true;
  return false;
}

const checkReauthentication: PersonCheck = (ctx) => {
  if (!needsReauthentication(ctx)) return null;
  if (ctx.request.prompt.has("none")) return clientError(ctx.deps, ctx.request, "login_required", "A fresh sign-in is required.");
  return { kind: "reauthenticate", interactionId: ensureInteraction(ctx) };
};

export const PERSON_CHECKS: readonly PersonCheck[] = [checkSession, checkHintedPerson, checkAllowedGroups, checkConsent, checkReauthentication];

/**
 * Verifies a validated request's id_token_hint: the hinted subject, null without a hint, or the error
 * outcome for the client (the redirect URI is verified by then).
 */
export async function checkIdTokenHint(deps: AuthorizeDeps, request: AuthorizationRequest): Promise<{ sub: string | null } | { outcome: AuthorizeOutcome }> {
  const raw = request.raw.id_token_hint;
  if (!raw) return { sub: null };
  try {
    const hint = await verifyIdTokenHint(deps, raw);
    if (!hint.aud.includes(request.client.id)) return { outcome: clientError(deps, request, "invalid_request", "id_token_hint was issued to another client.") };
    return { sub: hint.sub };
  } catch (e) {
    if (!(e instanceof IdTokenHintInvalid)) throw e;
    return { outcome: clientError(deps, request, "invalid_request", `id_token_hint is not an ID token issued by this provider. ${e.message}`) };
  }
}

// --- entry points --------------------------------------------------------------------------------

export interface AuthorizeInput {
  params: ProtocolParams;
  session: Session | null;
  origin?: AuditOrigin;
}

/** Handles a fresh authorization request (GET or POST /authorize). */
export function authorize(deps: AuthorizeDeps, input: AuthorizeInput): Promise<AuthorizeOutcome> {
  return run(deps, input.params, input.session, null, input.origin, "request");
}

/** Resumes a stored authorization request after sign-in, consent or re-authentication. */
export async function resumeAuthorization(deps: AuthorizeDeps, input: { interactionId: string; session: Session | null; origin?: AuditOrigin }): Promise<AuthorizeOutcome> {
  const interaction = findInteraction(deps, input.interactionId);
  if (!interaction) return expiredInteraction();
  return run(deps, paramsOf(interaction), input.session, interaction, input.origin, "stored");
}

/** What the sign-in page may show about the application a person is signing in to. */
export interface SignInTarget {
  id: string;
  name: string;
  hasLogo: boolean;
  hasDarkLogo: boolean;
}

/**
 * The client a sign-in continues to, read from the local path the sign-in page returns to: /authorize with
 * our live interaction (as /authorize sends people to /login) or with a client_id. Only a stored client
 * is named (never a name from the URL); anything else — another path, an unknown client, an expired
 * interaction — is null.
 */
export function findSignInTarget(deps: Pick<AuthorizeDeps, "db" | "clock">, redirect: string | null): SignInTarget | null {
  if (!redirect) return null;
  let url: URL;
  try {
    url = new URL(redirect, "http://local.invalid");
  } catch {
    return null;
  }
  if (url.pathname !== "/authorize") return null;
  const interactionId = url.searchParams.get("interaction");
  const clientId = interactionId !== null ? findInteraction(deps, interactionId)?.clientId : url.searchParams.get("client_id");
  const client = clientId ? findClientById(deps.db, clientId) : null;
  return client ? { id: client.id, name: client.name, hasLogo: client.hasLogo, hasDarkLogo: client.hasDarkLogo } : null;
}

function findInteraction(deps: Pick<AuthorizeDeps, "db" | "clock">, id: string): Interaction | null {
  if (typeof id !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  return findLiveInteraction(deps.db, id, nowSeconds(deps.clock));
}

function paramsOf(interaction: Interaction): ProtocolParams {
  return ProtocolParams.fromRecord(interaction.params);
}

function expiredInteraction(): AuthorizeOutcome {
  return { kind: "error-page", status: 400, title: msg("oidc.expiredTitle"), message: msg("oidc.expired") };
}

async function run(
  deps: AuthorizeDeps,
  params: ProtocolParams,
  session: Session | null,
  interaction: Interaction | null,
  origin: AuditOrigin | undefined,
  source: "request" | "stored",
): Promise<AuthorizeOutcome> {
  const metadata = await checkClientMetadata(deps, params);
  if (metadata) return metadata;
  const validated = validateAuthorizationRequest(deps, params, source);
  if (!validated.ok) return validated.outcome;
  const hint = await checkIdTokenHint(deps, validated.request);
  if ("outcome" in hint) return hint.outcome;
  const ctx: PersonCtx = { deps, request: validated.request, session, interaction, now: nowSeconds(deps.clock), hintedSub: hint.sub };
  for (const check of PERSON_CHECKS) {
    const outcome = check(ctx);
    if (outcome) return outcome;
  }
  return issueAuthorizationCode(ctx, origin);
}

/**
 * A client_id that is a client identifier URL: its metadata document is used from storage while fresh, else fetched
 * (src/oidc/client-metadata-documents.ts), before the checks read the client. A refusal is our error page: nothing
 * about the client is verified, so nothing is redirected (RFC 6749 4.1.2.1).
 */
async function checkClientMetadata(deps: AuthorizeDeps, params: ProtocolParams): Promise<AuthorizeOutcome | null> {
  let clientId: string | null;
  try {
    clientId = params.get("client_id", 256);
  } catch {
    return null; // checkClient explains
  }
  const resolution = await resolveClientMetadata(deps, clientId);
  if (resolution.kind !== "refused") return null;
  return { kind: "error-page", status: 400, title: msg("oidc.unknownClientTitle"), message: msg("oidc.clientMetadataRefused", { reason: resolution.reason }) };
}

/** The person allowed or denied the application on the consent screen. */
export function decideConsent(
  deps: AuthorizeDeps,
  input: { interactionId: string; session: Session; allow: boolean; origin?: AuditOrigin },
): AuthorizeOutcome | { kind: "continue"; interactionId: string } {
  const interaction = findInteraction(deps, input.interactionId);
  if (!interaction) return expiredInteraction();
  const validated = validateAuthorizationRequest(deps, paramsOf(interaction), "stored");
  if (!validated.ok) return validated.outcome;
  if (!input.allow) {
    deleteInteraction(deps.db, interaction.id);
    return clientError(deps, validated.request, "access_denied", "The person declined to allow this application.");
  }
  markInteractionConsented(deps.db, interaction.id, input.session.userId);
  return { kind: "continue", interactionId: interaction.id };
}

function issueAuthorizationCode(ctx: PersonCtx, origin?: AuditOrigin): AuthorizeOutcome {
  const { deps, request, now } = ctx;
  const session = ctx.session!;
  const user = findUserById(deps.db, session.userId);
  if (!user || user.disabled) return clientError(deps, request, "access_denied", "This account cannot sign in.");
  const code = randomToken(deps.random);
  // Housekeeping rides along with sign-ins: expired interactions, codes and tokens go.
  deleteExpiredOidcState(deps.db, now);
  const isNew = deps.db.transaction(() => {
    insertAuthorizationCode(deps.db, {
      codeHash: hashToken(code),
      clientId: request.client.id,
      userId: session.userId,
      sessionId: session.id,
      redirectUri: request.redirectUri,
      scope: scopeString([...request.scopes, ...request.permissionKeys]),
      nonce: request.nonce,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      authTime: session.authenticatedAt,
      amr: session.amr,
      createdAt: now,
      expiresAt: now + AUTHORIZATION_CODE_SECONDS,
      resource: request.resource?.audience ?? null,
    });
    const { isNew } = recordConsent(deps.db, { userId: session.userId, clientId: request.client.id, scopes: consentKeys(request.scopes, request.resource), now });
    if (ctx.interaction) deleteInteraction(deps.db, ctx.interaction.id);
    return isNew;
  }).immediate();
  recordAuditEvent(deps, isNew ? "NEW_CLIENT_AUTHORIZATION" : "CLIENT_AUTHORIZATION", {
    userId: session.userId,
    origin,
    data: { clientName: request.client.name, clientId: request.client.id },
  });
  const params: Record<string, string> = { code };
  if (request.state) params.state = request.state;
  params.iss = deps.config.appUrl;
  return { kind: "client-response", response: { redirectUri: request.redirectUri, mode: request.responseMode, params } };
}

/** The URL for query and fragment response modes. */
export function clientResponseUrl(response: ClientResponse): string {
  const query = new URLSearchParams(response.params).toString();
  if (response.mode === "fragment") return `${response.redirectUri}#${query}`;
  return `${response.redirectUri}${response.redirectUri.includes("?") ? "&" : "?"}${query}`;
}
