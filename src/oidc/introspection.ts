/**
 * Token introspection (RFC 7662).
 * - Authenticated confidential clients only; a token of another client is simply inactive.
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

/** POST /api/oidc/introspect. */
export async function introspect(
  deps: EndpointDeps,
  input: { params: ProtocolParams; authorization: string | null },
): Promise<Record<string, unknown>> {
  const { client } = await authenticateClient(deps, input.params, input.authorization, { allowPublic: false, endpoint: `${deps.config.appUrl}/api/oidc/introspect` });
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
