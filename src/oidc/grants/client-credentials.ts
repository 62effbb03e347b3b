/**
 * The client_credentials grant (RFC 6749 4.4): the client acting for itself.
 * - Confidential clients only (public → unauthorized_client).
 * - Only scopes from the client's own credentials scope list (none requested = all of them; any other →
 *   invalid_scope); the token is issued by issue-tokens.ts (no refresh token, no ID token).
 * - With `resource` (RFC 8707, resources.ts): the API must be granted to the client for client access and the
 *   scopes are its permissions granted for that subject (none requested = all of them); the credentials scope
 *   list does not apply, and identity scopes are dropped (a machine token has no person, as Pocket ID).
 */
import { OAuthError } from "../../errors.ts";
import type { OidcClient } from "../clients.ts";
import { issueClientToken, type TokenDeps, type TokenResponse } from "../issue-tokens.ts";
import type { ProtocolParams } from "../params.ts";
import { readResourceParam, resolveResource } from "../resources.ts";

/** client_credentials: the client acting for itself. */
export async function clientCredentialsGrant(deps: TokenDeps, client: OidcClient, params: ProtocolParams, jkt: string | null): Promise<TokenResponse> {
  if (client.isPublic) throw OAuthError.unauthorizedClient("Public clients cannot use the client_credentials grant.");
  const requested = params.get("scope", 2048);
  const resource = readResourceParam(params);
  if (resource !== null) {
    const grant = resolveResource(deps.db, client.id, resource, requested === null ? null : requested.split(" ").filter(Boolean), "client");
    return issueClientToken(deps, client, grant.permissionKeys, jkt, grant.resource!.audience);
  }
  let scopes = client.credentialsScopes;
  if (requested !== null) {
    const asked = [...new Set(requested.split(" ").filter(Boolean))];
    const refused = asked.filter((s) => !client.credentialsScopes.includes(s));
    if (refused.length) {
      throw OAuthError.invalidScope(
        `This client may not obtain: ${refused.join(" ").slice(0, 100)}. ` +
          (client.credentialsScopes.length ? `Allowed: ${client.credentialsScopes.join(" ").slice(0, 200)}.` : "It has no client_credentials scopes."),
      );
    }
    scopes = asked;
  }
  return issueClientToken(deps, client, scopes, jkt);
}
