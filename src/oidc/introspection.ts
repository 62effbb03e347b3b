/**
 * Token introspection (RFC 7662).
 * - The caller authenticates as a confidential client (secret or client assertion) or, as Pocket ID allows, with
 *   `Authorization: Bearer <access token>`: a live, unrevoked, non-DPoP-bound access token we issued (a
 *   person's or a client_credentials one) makes its client the caller. A token of another client is inactive.
 * - Also as Pocket ID: `Authorization: Bearer <federated client assertion>` with client_id in the body, when that
 *   client has a federated identity for the assertion's issuer (federated-client-auth.ts), or the assertion as
 *   client_assertion in the body like at the token endpoint.
 * - Access tokens, client_credentials tokens and refresh tokens (Pocket ID's imported ones included, found
 *   by src/pocket-id/refresh-tokens.ts); token_type_hint=refresh_token tries refresh tokens first.
 * - Anything not live answers { active: false }.
 */
import { findGrant, findRefreshToken } from "../db/oidc-grants.ts";
import { OAuthError } from "../errors.ts";
import { nowSeconds } from "../lib/clock.ts";
import { MAX_REFRESH_TOKEN_LENGTH, refreshTokenLookupHash } from "../pocket-id/refresh-tokens.ts";
import { findActiveAccessToken, findActiveClientToken, liveUser, type EndpointDeps } from "./access-tokens.ts";
import { authenticateClient } from "./client-auth.ts";
import { findClientById, type OidcClient } from "./clients.ts";
import { findFederatedTarget, verifyFederatedAssertion } from "./federated-client-auth.ts";
import { decodeJwt, type JWTPayload } from "jose";
import type { ProtocolParams } from "./params.ts";

type ActiveAccessToken = NonNullable<Awaited<ReturnType<typeof findActiveAccessToken | typeof findActiveClientToken>>>;

/** RFC 7662 2.2 for a live access token (a person's or a client's own), DPoP-bound ones as token_type DPoP. */
function accessTokenAnswer(active: ActiveAccessToken, subject: { username?: string; sub: string }, issuer: string): Record<string, unknown> {
  return {
    active: true,
    token_type: "access_token",
    scope: active.token.scope,
    client_id: active.token.clientId,
    ...subject,
    aud: active.payload.aud,
    iss: issuer,
    exp: active.token.expiresAt,
    iat: active.token.createdAt,
    jti: active.token.jti,
    ...(active.payload.cnf ? { cnf: active.payload.cnf, token_type: "DPoP" } : {}),
  };
}

/** The federated client a Bearer value names with client_id (Pocket ID's introspection), or null. */
function federatedBearer(deps: EndpointDeps, presented: string, clientId: string | null): ReturnType<typeof findFederatedTarget> {
  if (!clientId) return null;
  let claimed: JWTPayload;
  try {
    claimed = decodeJwt(presented);
  } catch {
    return null;
  }
  return findFederatedTarget(deps.db, claimed, clientId);
}

/** The client whose live access token is presented as `Authorization: Bearer`; invalid_client (Bearer) otherwise. */
async function bearerCaller(deps: EndpointDeps, params: ProtocolParams, authorization: string): Promise<OidcClient> {
  if (params.get("client_secret", 512) || params.get("client_assertion", 16_384) || params.get("client_assertion_type", 128)) {
    throw OAuthError.invalidRequest("Use one client authentication method: a Bearer access token or client credentials, not both.");
  }
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,16384})\s*$/i.exec(authorization);
  const presented = m ? m[1]! : null;
  const federated = presented ? federatedBearer(deps, presented, params.get("client_id", 256)) : null;
  if (federated) return verifyFederatedAssertion(deps, federated, presented!, "Bearer");
  const person = presented ? await findActiveAccessToken(deps, presented) : null;
  if (person && !liveUser(deps.db, person.token.userId)) throw OAuthError.invalidClient("The Bearer access token is not valid, expired or revoked.", "Bearer");
  const active = person ?? (presented ? await findActiveClientToken(deps, presented) : null);
  // A DPoP-bound token proves nothing without its proof (RFC 9449 7.1), so it is not a Bearer credential.
  if (!active || active.payload.cnf) throw OAuthError.invalidClient("The Bearer access token is not valid, expired or revoked.", "Bearer");
  const client = findClientById(deps.db, active.token.clientId);
  if (!client) throw OAuthError.invalidClient("The Bearer access token's client no longer exists.", "Bearer");
  const bodyId = params.get("client_id", 256);
  if (bodyId && bodyId !== client.id) throw OAuthError.invalidClient("client_id does not match the Bearer access token's client.", "Bearer");
  return client;
}

/** POST /api/oidc/introspect. */
export async function introspect(
  deps: EndpointDeps,
  input: { params: ProtocolParams; authorization: string | null },
): Promise<Record<string, unknown>> {
  const client =
    input.authorization && /^bearer\b/i.test(input.authorization)
      ? await bearerCaller(deps, input.params, input.authorization)
      : (await authenticateClient(deps, input.params, input.authorization, { allowPublic: false, endpoint: `${deps.config.appUrl}/api/oidc/introspect` })).client;
  const token = input.params.get("token", 16_384);
  if (!token) throw OAuthError.invalidRequest("The token parameter is missing.");
  const hint = input.params.get("token_type_hint", 64);
  const now = nowSeconds(deps.clock);
  const inactive = { active: false };

  const tryAccess = async () => {
    const active = await findActiveAccessToken(deps, token);
    if (!active || active.token.clientId !== client.id) return null;
    const user = liveUser(deps.db, active.token.userId);
    if (!user) return null;
    return accessTokenAnswer(active, { username: user.username, sub: user.id }, deps.config.appUrl);
  };
  const tryRefresh = async () => {
    if (token.length > MAX_REFRESH_TOKEN_LENGTH) return null;
    const refresh = findRefreshToken(deps.db, await refreshTokenLookupHash(deps, token, client.id));
    if (!refresh || refresh.clientId !== client.id || refresh.usedAt !== null || refresh.expiresAt <= now) return null;
    const grant = findGrant(deps.db, refresh.grantId);
    const user = grant ? liveUser(deps.db, grant.userId) : null;
    if (!grant || !user) return null;
    return {
      active: true,
      token_type: "refresh_token",
      scope: refresh.scope,
      client_id: refresh.clientId,
      username: user.username,
      sub: user.id,
      iss: deps.config.appUrl,
      exp: refresh.expiresAt,
      iat: refresh.createdAt,
    };
  };
  const tryClientToken = async () => {
    const active = await findActiveClientToken(deps, token);
    if (!active || active.token.clientId !== client.id) return null;
    return accessTokenAnswer(active, { sub: `client-${active.token.clientId}` }, deps.config.appUrl);
  };
  if (hint === "refresh_token") return (await tryRefresh()) ?? (await tryAccess()) ?? (await tryClientToken()) ?? inactive;
  return (await tryAccess()) ?? (await tryClientToken()) ?? (await tryRefresh()) ?? inactive;
}
