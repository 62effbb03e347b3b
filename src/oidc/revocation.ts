/**
 * Token revocation (RFC 7009).
 * - Client authentication as at the token endpoint (public clients send client_id).
 * - Always 200 for unknown or foreign tokens (RFC 7009 2.2); token_type_hint must be access_token or
 *   refresh_token when given.
 * - A refresh token (Pocket ID's imported ones included, src/pocket-id/refresh-tokens.ts) revokes its
 *   whole grant; an access token only itself.
 */
import { deleteAccessToken, deleteGrant, findRefreshToken } from "../db/oidc-grants.ts";
import { deleteClientAccessToken } from "../db/oidc-protocols.ts";
import { OAuthError } from "../errors.ts";
import { MAX_REFRESH_TOKEN_LENGTH, refreshTokenLookupHash } from "../pocket-id/refresh-tokens.ts";
import { findActiveAccessToken, findActiveClientToken, type EndpointDeps } from "./access-tokens.ts";
import { authenticateClient } from "./client-auth.ts";
import type { ProtocolParams } from "./params.ts";

/** POST /api/oidc/revoke. Unknown or foreign tokens are ignored (RFC 7009 2.2). */
export async function revoke(deps: EndpointDeps, input: { params: ProtocolParams; authorization: string | null }): Promise<void> {
  const { client } = await authenticateClient(deps, input.params, input.authorization, { allowPublic: true, endpoint: `${deps.config.appUrl}/api/oidc/revoke` });
  const token = input.params.get("token", 16_384);
  if (!token) throw OAuthError.invalidRequest("The token parameter is missing.");
  const hint = input.params.get("token_type_hint", 64);
  if (hint !== null && hint !== "access_token" && hint !== "refresh_token") {
    throw new OAuthError("invalid_request", "token_type_hint must be access_token or refresh_token.");
  }
  if (token.length <= MAX_REFRESH_TOKEN_LENGTH) {
    const refresh = findRefreshToken(deps.db, await refreshTokenLookupHash(deps, token, client.id));
    if (refresh) {
      if (refresh.clientId === client.id) deleteGrant(deps.db, refresh.grantId);
      return;
    }
  }
  const active = await findActiveAccessToken(deps, token);
  if (active && active.token.clientId === client.id) {
    deleteAccessToken(deps.db, active.token.jti);
    return;
  }
  const own = await findActiveClientToken(deps, token);
  if (own && own.token.clientId === client.id) deleteClientAccessToken(deps.db, own.token.jti);
}
