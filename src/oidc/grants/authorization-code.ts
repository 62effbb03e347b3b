/**
 * The authorization_code grant (RFC 6749 4.1.3).
 * - Codes are single use: the exchange signs, then marks the code consumed (UPDATE … WHERE consumed_at IS NULL)
 *   in the transaction that writes the grant and tokens; the consumed row remembers the grant, so a replayed
 *   code fails AND revokes every token issued from it (RFC 6749 4.1.2).
 * - A failed check burns the code: it cannot be tried again with another verifier or redirect URI.
 * - PKCE: a code bound to a challenge needs the matching verifier; a verifier for a code without a
 *   challenge is refused (downgrade protection, RFC 9700 2.1.1). Public and PKCE-enabled clients need PKCE.
 * - Refresh tokens are always issued for the code grant.
 */
import { recordAuditEvent, type AuditOrigin } from "../../audit/audit-log.ts";
import {
  consumeAuthorizationCode,
  deleteGrant,
  findConsumedCode,
  findGrant,
  findUsableAuthorizationCode,
  type AuthorizationCode,
  type Grant,
} from "../../db/oidc-grants.ts";
import type { User } from "../../db/users.ts";
import { OAuthError } from "../../errors.ts";
import { encodeBase64Url } from "../../lib/base64url.ts";
import { nowSeconds } from "../../lib/clock.ts";
import { hashToken, safeEqual, sha256 } from "../../lib/hash.ts";
import { timeOrderedUuid } from "../../lib/random.ts";
import type { OidcClient } from "../clients.ts";
import { checkUserMayUse, ConsumedMeanwhile, issueTokens, type TokenDeps, type TokenResponse } from "../issue-tokens.ts";
import type { ProtocolParams } from "../params.ts";
import { checkResourceMatches, storedScopes } from "../resources.ts";

const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

function verifyPkce(challenge: string | null, method: string | null, verifier: string | null): void {
  if (challenge === null) {
    // RFC 9700 2.1.1: a verifier without a challenge means the challenge was stripped: refuse.
    if (verifier !== null) throw OAuthError.invalidGrant("code_verifier was sent, but the authorization request had no code_challenge.");
    return;
  }
  if (verifier === null) throw OAuthError.invalidGrant("code_verifier is required: the authorization request used PKCE.");
  if (!PKCE_VERIFIER.test(verifier)) throw OAuthError.invalidGrant("code_verifier must be 43–128 characters of A–Z a–z 0–9 - . _ ~.");
  // Only S256 challenges are accepted at /authorize; a stored "plain" (a code issued before that rule) is refused.
  if (method !== "S256") throw OAuthError.invalidGrant("The authorization request used a code_challenge_method other than S256.");
  const computed = encodeBase64Url(sha256(verifier));
  if (!safeEqual(computed, challenge)) throw OAuthError.invalidGrant("code_verifier does not match the code_challenge.");
}

export async function exchangeAuthorizationCode(deps: TokenDeps, client: OidcClient, params: ProtocolParams, origin: AuditOrigin | undefined, jkt: string | null): Promise<TokenResponse> {
  const code = params.get("code", 512);
  if (!code) throw OAuthError.invalidRequest("The code parameter is missing.");
  const redirectUri = params.get("redirect_uri", 2048);
  const verifier = params.get("code_verifier", 256);
  const now = nowSeconds(deps.clock);
  const codeHash = hashToken(code);

  const replayed = (): never => {
    const consumed = findConsumedCode(deps.db, codeHash);
    if (consumed) {
      const grant = consumed.grantId ? findGrant(deps.db, consumed.grantId) : null;
      if (consumed.grantId) deleteGrant(deps.db, consumed.grantId);
      recordAuditEvent(deps, "AUTHORIZATION_CODE_REUSE", { userId: grant?.userId ?? null, origin, data: { clientId: client.id, clientName: client.name } });
      throw OAuthError.invalidGrant(
        consumed.grantId
          ? "The authorization code was already used; every token issued from it has been revoked."
          : "The authorization code was already used: a failed exchange uses it up too.",
      );
    }
    throw OAuthError.invalidGrant("The authorization code is invalid, expired, or was issued to another client.");
  };

  const row = findUsableAuthorizationCode(deps.db, codeHash, client.id);
  if (!row) return replayed();
  let user: User;
  try {
    user = checkCodeGrant(deps, client, row, params, redirectUri, verifier, now);
  } catch (e) {
    // A failed check burns the code: it cannot be tried again with another verifier or redirect URI.
    consumeAuthorizationCode(deps.db, codeHash, client.id, null, now);
    throw e;
  }
  const grant: Grant = {
    id: timeOrderedUuid(deps.clock, deps.random),
    clientId: client.id,
    userId: user.id,
    sessionId: row.sessionId,
    scope: row.scope,
    authTime: row.authTime,
    amr: row.amr,
    createdAt: now,
    resource: row.resource,
  };
  // The tokens are signed first; then one transaction consumes the code (single use: only if no one consumed it
  // meanwhile) and writes the grant and its tokens. A concurrent exchange of the same code loses there, writes
  // nothing, and revokes the grant the winner wrote — whichever of the two commits first.
  try {
    return await issueTokens(deps, client, user, grant, storedScopes(row.scope), row.nonce, jkt, {
      newGrant: true,
      before: () => {
        if (!consumeAuthorizationCode(deps.db, codeHash, client.id, grant.id, now)) throw new ConsumedMeanwhile();
      },
    });
  } catch (e) {
    if (e instanceof ConsumedMeanwhile) return replayed();
    throw e;
  }
}

/** The checks of a consumed code against this request (RFC 6749 4.1.3, PKCE); the user it may issue for. */
function checkCodeGrant(
  deps: TokenDeps,
  client: OidcClient,
  row: AuthorizationCode,
  params: ProtocolParams,
  redirectUri: string | null,
  verifier: string | null,
  now: number,
): User {
  if (row.expiresAt <= now) throw OAuthError.invalidGrant("The authorization code has expired.");
  // RFC 6749 4.1.3: the same redirect_uri as in the authorization request.
  if (redirectUri === null) throw OAuthError.invalidRequest("The redirect_uri parameter is missing.");
  if (redirectUri !== row.redirectUri) throw OAuthError.invalidGrant("redirect_uri does not match the one used in the authorization request.");
  verifyPkce(row.codeChallenge, row.codeChallengeMethod, verifier);
  if ((client.isPublic || client.pkceEnabled) && row.codeChallenge === null) {
    throw OAuthError.invalidGrant("PKCE is required for this client.");
  }
  // RFC 8707 2.2: a resource at the token endpoint must be the one the code was issued for.
  checkResourceMatches(params, row.resource);
  return checkUserMayUse(deps, client, row.userId);
}
