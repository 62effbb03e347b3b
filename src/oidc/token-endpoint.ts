/**
 * POST /api/oidc/token: authenticate the client, check DPoP, then hand over to the grant's own file.
 * - Client authentication (client-auth.ts) comes first, for every grant; public clients send client_id.
 * - DPoP (RFC 9449, dpop.ts): a valid proof yields the key thumbprint the grant binds its tokens to.
 * - grant_type picks one entry of GRANTS; anything else is unsupported_grant_type (a Map, so names such
 *   as "constructor" or "__proto__" find nothing). A client from a metadata document may use only the grant types
 *   its document declared: unauthorized_client otherwise.
 * - The grants: grants/authorization-code.ts, grants/refresh-token.ts, grants/client-credentials.ts,
 *   grants/device-code.ts; every token is built and signed in issue-tokens.ts.
 */
import type { AuditOrigin } from "../audit/audit-log.ts";
import { OAuthError } from "../errors.ts";
import { authenticateClient } from "./client-auth.ts";
import { clientMayUseGrant, type OidcClient } from "./clients.ts";
import { DEVICE_CODE_GRANT } from "./device-flow.ts";
import { dpopAtTokenEndpoint } from "./dpop.ts";
import { exchangeAuthorizationCode } from "./grants/authorization-code.ts";
import { clientCredentialsGrant } from "./grants/client-credentials.ts";
import { exchangeDeviceCode } from "./grants/device-code.ts";
import { exchangeRefreshToken } from "./grants/refresh-token.ts";
import type { TokenDeps, TokenResponse } from "./issue-tokens.ts";
import type { ProtocolParams } from "./params.ts";

export type { TokenDeps, TokenResponse } from "./issue-tokens.ts";

/** What every grant receives once the client is authenticated and the DPoP proof (if any) checked. */
interface GrantRequest {
  client: OidcClient;
  params: ProtocolParams;
  origin: AuditOrigin | undefined;
  /** The DPoP key thumbprint, or null without a proof. */
  jkt: string | null;
}

type Grant = (deps: TokenDeps, request: GrantRequest) => Promise<TokenResponse>;

const GRANTS: ReadonlyMap<string, Grant> = new Map<string, Grant>([
  ["authorization_code", (deps, r) => exchangeAuthorizationCode(deps, r.client, r.params, r.origin, r.jkt)],
  ["refresh_token", (deps, r) => exchangeRefreshToken(deps, r.client, r.params, r.origin, r.jkt)],
  ["client_credentials", (deps, r) => clientCredentialsGrant(deps, r.client, r.params, r.jkt)],
  [DEVICE_CODE_GRANT, (deps, r) => exchangeDeviceCode(deps, r.client, r.params, r.jkt)],
]);

/** POST /api/oidc/token. */
export async function handleTokenRequest(
  deps: TokenDeps,
  input: { params: ProtocolParams; authorization: string | null; origin?: AuditOrigin; dpop?: string | null },
): Promise<TokenResponse> {
  const endpoint = `${deps.config.appUrl}/api/oidc/token`;
  const { client } = await authenticateClient(deps, input.params, input.authorization, { allowPublic: true, endpoint });
  const jkt = await dpopAtTokenEndpoint(deps, { header: input.dpop ?? null, url: endpoint, otherUrls: [`${deps.config.internalAppUrl}/api/oidc/token`] });
  const grantType = input.params.get("grant_type", 128);
  if (!grantType) throw OAuthError.invalidRequest("The grant_type parameter is missing.");
  const grant = GRANTS.get(grantType);
  if (!grant) {
    throw OAuthError.unsupportedGrantType(
      `The grant type "${grantType.slice(0, 60)}" is not supported; use authorization_code, refresh_token, client_credentials or ${DEVICE_CODE_GRANT}.`,
    );
  }
  if (!clientMayUseGrant(client, grantType)) throw OAuthError.unauthorizedClient(`This client's metadata document does not declare the ${grantType} grant type.`);
  return grant(deps, { client, params: input.params, origin: input.origin, jkt });
}
