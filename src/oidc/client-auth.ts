/**
 * Client authentication at the token, introspection and revocation endpoints.
 * - client_secret_basic: RFC 6749 2.3.1 — id and secret are form-urlencoded, then base64 in the Basic header.
 * - client_secret_post: client_id and client_secret in the body.
 * - none: public clients send only client_id (PKCE is then enforced by the grant).
 * - private_key_jwt (RFC 7523 2.2, OIDC Core 9): client_assertion signed with a key from the client's JWKS
 *   or jwks_uri; iss = sub = client id; aud names us (issuer, or the endpoint called); exp required and at
 *   most 10 minutes away; jti required and single use (remembered until exp). Asymmetric algorithms only.
 *   A client set to private_key_jwt cannot use secrets, and a client set to secrets cannot use assertions.
 * - Each client authenticates only by its accepted methods (acceptedAuthMethods in src/oidc/clients.ts):
 *   a client pinned to client_secret_basic may not use client_secret_post and vice versa; a client with no
 *   choice accepts either secret method (Pocket ID's behaviour); a public client sends client_id alone and
 *   is refused when it presents a secret (a Basic header with an empty secret counts as no secret, as some
 *   libraries send it for public clients). The method is checked before the secret.
 * - Federated client assertions (federated-client-auth.ts): a client_assertion whose issuer is one of the
 *   client's federated identities (client = client_id, else the assertion's sub) is verified against that
 *   identity, whatever the client's secret method; any other assertion is private_key_jwt.
 * - Using two methods at once is an invalid_request; every failure of the credentials is invalid_client
 *   (401, WWW-Authenticate: Basic).
 * - A client_id that is a client identifier URL is resolved through its metadata document first
 *   (client-metadata-documents.ts); a refused document is invalid_client with the reason.
 */
import type { Database } from "../db/database.ts";
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWK, type JWTPayload } from "jose";
import { rememberAssertionJti } from "../db/oidc-protocols.ts";
import { OAuthError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { ASSERTION_SIGNING_ALGS, classifyVerifyError, CLOCK_SKEW_SECONDS, remoteKeySet } from "./assertion-keys.ts";
import { acceptedAuthMethods, findClientById, type OidcClient } from "./clients.ts";
import { verifyClientSecretOrImported } from "./client-secrets.ts";
import { findFederatedTarget, verifyFederatedAssertion } from "./federated-client-auth.ts";
import { resolveClientMetadata, type ClientMetadataDeps } from "./client-metadata-documents.ts";
import type { ProtocolParams } from "./params.ts";

export { ASSERTION_SIGNING_ALGS };

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none" | "private_key_jwt" | "federated_client_assertion";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Assertions are short-lived: the jti store only has to remember them this long. */
const MAX_ASSERTION_LIFETIME_SECONDS = 600;

type KeySet = ReturnType<typeof createLocalJWKSet> | ReturnType<typeof remoteKeySet>;

function keySetOf(client: OidcClient): KeySet | null {
  if (client.jwks) {
    try {
      return createLocalJWKSet(JSON.parse(client.jwks) as { keys: JWK[] });
    } catch {
      return null;
    }
  }
  // Remote key sets keep their own cache (assertion-keys.ts).
  return client.jwksUri ? remoteKeySet(client.jwksUri) : null;
}

/** Verifies a private_key_jwt assertion for `client`; throws invalid_client with a precise reason. */
async function verifyClientAssertion(
  deps: { db: Database; clock: Clock; config?: { appUrl: string } },
  client: OidcClient,
  assertion: string,
  audiences: string[],
): Promise<void> {
  if (client.isPublic) throw OAuthError.invalidClient("Public clients cannot authenticate with a client assertion.");
  if (client.tokenEndpointAuthMethod !== "private_key_jwt") {
    throw OAuthError.invalidClient("This client is not set up for private_key_jwt; authenticate with its client secret.");
  }
  const keys = keySetOf(client);
  if (!keys) throw OAuthError.invalidClient("This client has no usable public keys (JWKS or jwks_uri) for private_key_jwt.");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: ASSERTION_SIGNING_ALGS,
      issuer: client.id,
      subject: client.id,
      audience: audiences,
      requiredClaims: ["exp", "jti"],
      currentDate: new Date(deps.clock.now()),
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (e) {
    const failure = classifyVerifyError(e);
    switch (failure.kind) {
      case "expired":
        throw OAuthError.invalidClient("The client assertion has expired.");
      case "claim":
        throw OAuthError.invalidClient(`The client assertion's ${failure.claim || "claims"} ${failure.claim === "aud" ? "does not name this server" : "claim is missing or wrong"}.`);
      case "key":
        throw OAuthError.invalidClient("The client assertion is not signed by one of the client's registered keys.");
      case "alg":
        throw OAuthError.invalidClient("The client assertion must be signed with an asymmetric algorithm.");
      case "unreachable":
        // A local JWK Set never fetches: what is "unreachable" there is a JWT that is not one.
        if (client.jwksUri && !client.jwks) throw OAuthError.invalidClient("The client's jwks_uri could not be fetched.");
        throw OAuthError.invalidClient("The client assertion is not a valid signed JWT.");
      case "malformed":
        throw OAuthError.invalidClient("The client assertion is not a valid signed JWT.");
    }
  }
  const now = nowSeconds(deps.clock);
  const exp = payload.exp!;
  if (exp - now > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw OAuthError.invalidClient(`The client assertion must expire within ${MAX_ASSERTION_LIFETIME_SECONDS / 60} minutes.`);
  }
  const jti = payload.jti!;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 256) throw OAuthError.invalidClient("The client assertion's jti is not valid.");
  // RFC 7523 3: the jti is single use. Remembered until the assertion expires (plus the skew allowance).
  if (!rememberAssertionJti(deps.db, client.id, jti, exp + CLOCK_SKEW_SECONDS)) {
    throw OAuthError.invalidClient("The client assertion was already used (replayed jti).");
  }
}

function decodeFormComponent(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/** Parses a Basic Authorization header into id and secret; throws invalid_client when malformed. */
export function parseBasicAuth(header: string): { clientId: string; secret: string } {
  const m = /^Basic[ ]+([A-Za-z0-9+/=_-]{1,4096})\s*$/i.exec(header);
  if (!m) throw OAuthError.invalidClient("The Authorization header is not a valid Basic credential.");
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(m[1]!, "base64"));
  } catch {
    throw OAuthError.invalidClient("The Basic credential is not valid UTF-8.");
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) throw OAuthError.invalidClient("The Basic credential has no client_id:client_secret separator.");
  const clientId = decodeFormComponent(decoded.slice(0, colon));
  const secret = decodeFormComponent(decoded.slice(colon + 1));
  if (!clientId || secret === null) throw OAuthError.invalidClient("The Basic credential is not correctly form-encoded.");
  return { clientId, secret };
}

/** The client named `clientId`; a client identifier URL goes through its metadata document first (refused: invalid_client). */
async function findClientResolved(deps: ClientMetadataDeps, clientId: string): Promise<OidcClient | null> {
  const resolution = await resolveClientMetadata(deps, clientId);
  if (resolution.kind === "refused") throw OAuthError.invalidClient(resolution.reason);
  return resolution.kind === "client" ? resolution.client : findClientById(deps.db, clientId);
}

/**
 * Authenticates the calling client. `endpoint` is the URL called: a client assertion may name it as
 * its audience instead of the issuer.
 */
export async function authenticateClient(
  deps: ClientMetadataDeps & { config: ClientMetadataDeps["config"] & { appUrl: string; internalAppUrl: string; allowInsecureCallbackUrls: boolean } },
  params: ProtocolParams,
  authorization: string | null,
  opts: { allowPublic: boolean; endpoint?: string },
): Promise<{ client: OidcClient; method: ClientAuthMethod }> {
  const bodyId = params.get("client_id", 256);
  const bodySecret = params.get("client_secret", 512);
  const assertion = params.get("client_assertion", 16_384);
  const assertionType = params.get("client_assertion_type", 128);
  if (assertion || assertionType) {
    if (assertionType !== JWT_BEARER_ASSERTION) throw OAuthError.invalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION}.`);
    if (!assertion) throw OAuthError.invalidClient("client_assertion is missing.");
    if (bodySecret || (authorization && /^basic\b/i.test(authorization))) {
      throw OAuthError.invalidRequest("Use one client authentication method: a client assertion or a secret, not both.");
    }
    let claimed: JWTPayload;
    try {
      claimed = decodeJwt(assertion);
    } catch {
      throw OAuthError.invalidClient("The client assertion is not a JWT.");
    }
    const federated = findFederatedTarget(deps.db, claimed, bodyId);
    if (federated) return { client: await verifyFederatedAssertion(deps, federated, assertion), method: "federated_client_assertion" };
    const clientId = typeof claimed.sub === "string" ? claimed.sub : typeof claimed.iss === "string" ? claimed.iss : bodyId;
    if (!clientId) throw OAuthError.invalidClient("The client assertion names no client (sub).");
    if (bodyId && bodyId !== clientId) throw OAuthError.invalidClient("client_id does not match the client assertion.");
    const client = await findClientResolved(deps, clientId);
    if (!client) throw OAuthError.invalidClient("Unknown client or invalid client assertion.");
    const issuer = deps.config.appUrl;
    // The endpoint's URL under APP_URL or INTERNAL_APP_URL (discovery names the latter for back-channel endpoints).
    const internal = deps.config.internalAppUrl;
    const audiences = [...new Set([issuer, `${issuer}/api/oidc/token`, `${internal}/api/oidc/token`])];
    for (const endpoint of opts.endpoint ? [opts.endpoint, opts.endpoint.replace(issuer, internal)] : []) {
      if (!audiences.includes(endpoint)) audiences.push(endpoint);
    }
    await verifyClientAssertion(deps, client, assertion, audiences);
    return { client, method: "private_key_jwt" };
  }
  let clientId: string;
  let secret: string | null;
  let method: ClientAuthMethod;
  if (authorization && /^basic\b/i.test(authorization)) {
    if (bodySecret) throw OAuthError.invalidRequest("Use one client authentication method: a Basic header or client_secret in the body, not both.");
    const basic = parseBasicAuth(authorization);
    if (bodyId && bodyId !== basic.clientId) throw OAuthError.invalidRequest("client_id in the body does not match the Basic credential.");
    clientId = basic.clientId;
    secret = basic.secret;
    method = "client_secret_basic";
  } else if (bodySecret) {
    if (!bodyId) throw OAuthError.invalidClient("client_secret was sent without client_id.");
    clientId = bodyId;
    secret = bodySecret;
    method = "client_secret_post";
  } else {
    if (!bodyId) throw OAuthError.invalidClient("The client is not authenticated: send a Basic header, client_secret_post, or client_id for public clients.");
    clientId = bodyId;
    secret = null;
    method = "none";
  }
  const client = await findClientResolved(deps, clientId);
  if (!client) throw OAuthError.invalidClient("Unknown client or wrong secret.");
  if (client.isPublic) {
    if (!opts.allowPublic) throw OAuthError.invalidClient("Public clients cannot use this endpoint.");
    if (secret !== null && secret !== "") {
      throw OAuthError.invalidClient("This is a public client (token_endpoint_auth_method none): send client_id only, without a client secret.");
    }
    return { client, method: "none" };
  }
  checkMethodAccepted(client, method);
  if (secret === null || secret === "") {
    if (client.tokenEndpointAuthMethod === "private_key_jwt") throw OAuthError.invalidClient("This client authenticates with private_key_jwt: send a client_assertion.");
    throw OAuthError.invalidClient("This client must authenticate with its client secret.");
  }
  if (!(await verifyClientSecretOrImported(deps, client.id, secret))) throw OAuthError.invalidClient("Unknown client or wrong secret.");
  return { client, method };
}

const METHOD_HOW: Record<"client_secret_basic" | "client_secret_post" | "private_key_jwt", string> = {
  client_secret_basic: "send client_id and client_secret in a Basic Authorization header",
  client_secret_post: "send client_id and client_secret in the form body",
  private_key_jwt: "send a client_assertion signed with its private key, not a secret",
};

/** Refuses a method the confidential client is not registered for, naming the one(s) it is. */
function checkMethodAccepted(client: OidcClient, method: ClientAuthMethod): void {
  const accepted = acceptedAuthMethods(client);
  if ((accepted as string[]).includes(method)) return;
  if (method === "none") return; // no credentials at all: "must authenticate with its client secret" (or assertion) below
  const how = accepted
    .filter((m): m is keyof typeof METHOD_HOW => m !== "none")
    .map((m) => `${m} (${METHOD_HOW[m]})`)
    .join(" or ");
  throw OAuthError.invalidClient(`This client is registered for ${how}; ${method} is not accepted for it.`);
}
