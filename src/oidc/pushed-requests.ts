/**
 * Pushed authorization requests (RFC 9126) at POST /api/oidc/par.
 * - The client authenticates as at the token endpoint (public clients with client_id; PKCE then applies).
 * - The pushed parameters are validated like an authorization request; any problem is a JSON error here
 *   (400 invalid_request / invalid_scope / …), never a redirect.
 * - request_uri = urn:ietf:params:oauth:request_uri:<256-bit random>; only its SHA-256 is stored; 90 s;
 *   single use and bound to the client (consumed at /authorize with DELETE … RETURNING).
 * - request_uri inside a pushed request is refused (RFC 9126 2.1); an unsigned request object (`request`) is
 *   merged as at /authorize, and its problems are invalid_request_object.
 */
import type { Database } from "../db/database.ts";
import type { Config } from "../config.ts";
import { deleteExpiredProtocolState, insertPushedRequest } from "../db/oidc-protocols.ts";
import { OAuthError, type OAuthErrorCode } from "../errors.ts";
import { englishText } from "../i18n/translator.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomToken, type Random } from "../lib/random.ts";
import { AUTHORIZATION_PARAMS, checkIdTokenHint, PAR_REQUEST_URI_PREFIX, validateAuthorizationRequest } from "./authorize.ts";
import { authenticateClient } from "./client-auth.ts";
import { ProtocolParams } from "./params.ts";
import { REQUEST_OBJECT_MAX_LENGTH } from "./request-object.ts";
import { readResourceParam } from "./resources.ts";

export const PUSHED_REQUEST_SECONDS = 90;

export interface ParDeps {
  db: Database;
  clock: Clock;
  random: Random;
  config: Config;
}

export async function pushAuthorizationRequest(
  deps: ParDeps,
  input: { params: ProtocolParams; authorization: string | null },
): Promise<{ request_uri: string; expires_in: number }> {
  const { client } = await authenticateClient(deps, input.params, input.authorization, {
    allowPublic: true,
    endpoint: `${deps.config.appUrl}/api/oidc/par`,
  });
  if (input.params.get("request_uri", 2048)) throw OAuthError.invalidRequest("A pushed authorization request cannot itself contain request_uri.");
  // RFC 8707: a repeated or malformed resource is invalid_target (not the invalid_request of a repeated parameter).
  readResourceParam(input.params);
  const record = input.params.toRecord(AUTHORIZATION_PARAMS);
  // client_id may be omitted in the body when the client authenticated with Basic: it is the authenticated one.
  record.client_id = client.id;
  const validated = validateAuthorizationRequest(deps, ProtocolParams.fromRecord({ ...record, ...passThrough(input.params) }), "push");
  if (!validated.ok) {
    const outcome = validated.outcome;
    // The wire stays English (RFC 6749 error_description is for developers).
    if (outcome.kind === "error-page") throw outcome.oauth ? new OAuthError(outcome.oauth.code, outcome.oauth.description) : OAuthError.invalidRequest(englishText(outcome.message));
    if (outcome.kind === "client-response") {
      const code = (outcome.response.params.error ?? "invalid_request") as OAuthErrorCode;
      throw new OAuthError(code, outcome.response.params.error_description ?? "The authorization request is not valid.");
    }
    throw OAuthError.invalidRequest("The authorization request is not valid.");
  }
  const hint = await checkIdTokenHint(deps, validated.request);
  if ("outcome" in hint) {
    const p = hint.outcome.kind === "client-response" ? hint.outcome.response.params : {};
    throw OAuthError.invalidRequest(p.error_description ?? "id_token_hint is not an ID token issued by this provider.");
  }
  const now = nowSeconds(deps.clock);
  deleteExpiredProtocolState(deps.db, now);
  const ref = randomToken(deps.random);
  insertPushedRequest(deps.db, {
    requestUriHash: hashToken(ref),
    clientId: client.id,
    params: validated.request.raw,
    createdAt: now,
    expiresAt: now + PUSHED_REQUEST_SECONDS,
  });
  return { request_uri: `${PAR_REQUEST_URI_PREFIX}${ref}`, expires_in: PUSHED_REQUEST_SECONDS };
}

/** Parameters the checks look at but that are not stored (the request object, merged by the checks). */
function passThrough(params: ProtocolParams): Record<string, string> {
  const out: Record<string, string> = {};
  const request = params.get("request", REQUEST_OBJECT_MAX_LENGTH);
  if (request) out.request = request;
  return out;
}
