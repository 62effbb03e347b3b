/**
 * The refresh_token grant (RFC 6749 6).
 * - Refresh tokens rotate on every use; presenting a used one revokes the whole family (the grant).
 * - The user is re-checked on every refresh; a user who may no longer sign in loses the grant.
 * - Optional scope narrowing, never wider than originally granted.
 * - RFC 9449 5: a DPoP-bound refresh token needs a proof with the same key.
 * - A grant for an API (RFC 8707) is re-checked on every refresh: the API, the client's access to it and each
 *   permission in the new token must still be granted (invalid_target / invalid_scope otherwise; narrowing the
 *   scope drops a permission that was withdrawn). A resource sent here must be the grant's.
 * - Refresh tokens Pocket ID issued are found by their checked signature (src/pocket-id/refresh-tokens.ts).
 */
import { recordAuditEvent, type AuditOrigin } from "../../audit/audit-log.ts";
import { deleteGrant, findGrant, findRefreshToken, useRefreshToken } from "../../db/oidc-grants.ts";
import type { User } from "../../db/users.ts";
import { OAuthError } from "../../errors.ts";
import { nowSeconds } from "../../lib/clock.ts";
import { MAX_REFRESH_TOKEN_LENGTH, refreshTokenLookupHash } from "../../pocket-id/refresh-tokens.ts";
import type { OidcClient } from "../clients.ts";
import { checkUserMayUse, ConsumedMeanwhile, issueTokens, type TokenDeps, type TokenResponse } from "../issue-tokens.ts";
import type { ProtocolParams } from "../params.ts";
import { checkResourceMatches, isStandardScope, revalidateResource, storedScopes } from "../resources.ts";
import { parseScopes } from "../scopes.ts";

export async function exchangeRefreshToken(deps: TokenDeps, client: OidcClient, params: ProtocolParams, origin: AuditOrigin | undefined, jkt: string | null): Promise<TokenResponse> {
  const token = params.get("refresh_token", MAX_REFRESH_TOKEN_LENGTH);
  if (!token) throw OAuthError.invalidRequest("The refresh_token parameter is missing.");
  const now = nowSeconds(deps.clock);
  // A refresh token Pocket ID issued is found by its checked signature (src/pocket-id/refresh-tokens.ts).
  const tokenHash = await refreshTokenLookupHash(deps, token, client.id);
  const found = findRefreshToken(deps.db, tokenHash);
  if (!found || found.clientId !== client.id) throw OAuthError.invalidGrant("The refresh token is invalid or was issued to another client.");
  if (found.usedAt !== null) {
    const grant = findGrant(deps.db, found.grantId);
    deleteGrant(deps.db, found.grantId);
    recordAuditEvent(deps, "REFRESH_TOKEN_REUSE", { userId: grant?.userId ?? null, origin, data: { clientId: client.id, clientName: client.name } });
    throw OAuthError.invalidGrant("The refresh token was already used; every token of this sign-in has been revoked.");
  }
  if (found.expiresAt <= now) throw OAuthError.invalidGrant("The refresh token has expired.");
  // RFC 9449 5: a DPoP-bound refresh token needs a proof with the same key.
  if (found.dpopJkt && found.dpopJkt !== jkt) {
    throw OAuthError.invalidGrant(jkt ? "The DPoP proof is signed with another key than the refresh token is bound to." : "This refresh token is DPoP-bound: send a DPoP proof.");
  }
  const grant = findGrant(deps.db, found.grantId);
  if (!grant) throw OAuthError.invalidGrant("The refresh token has been revoked.");
  let user: User;
  try {
    user = checkUserMayUse(deps, client, grant.userId);
  } catch (e) {
    deleteGrant(deps.db, grant.id);
    throw e;
  }
  // Optional narrowing (RFC 6749 6): never wider than originally granted.
  const granted: string[] = [...parseScopes(found.scope), ...(grant.resource ? storedScopes(found.scope).filter((s) => !isStandardScope(s)) : [])];
  let scopes = granted;
  const requested = params.get("scope", 1024);
  if (requested !== null) {
    const asked = requested.split(" ").filter(Boolean);
    const extra = asked.filter((s) => !granted.includes(s));
    if (extra.length) throw OAuthError.invalidScope(`The scope exceeds what was granted: ${extra.join(" ").slice(0, 100)}.`);
    scopes = granted.filter((s) => asked.includes(s));
  }
  checkResourceMatches(params, grant.resource);
  if (grant.resource) revalidateResource(deps.db, client.id, grant.resource, scopes);
  // Rotation: the old token is marked used in one statement, in the transaction that writes the new
  // tokens; a concurrent second use loses there and nothing of it is written.
  try {
    return await issueTokens(deps, client, user, grant, scopes, null, found.dpopJkt ?? jkt, {
      before: () => {
        if (!useRefreshToken(deps.db, tokenHash, now)) throw new ConsumedMeanwhile();
      },
    });
  } catch (e) {
    if (!(e instanceof ConsumedMeanwhile)) throw e;
    deleteGrant(deps.db, grant.id);
    throw OAuthError.invalidGrant("The refresh token was already used; every token of this sign-in has been revoked.");
  }
}
