/**
 * Userinfo (OIDC Core 5.3).
 * - Bearer access token (header, or access_token in a form body, never both); 401 + WWW-Authenticate on failure.
 * - DPoP-bound tokens need the DPoP scheme and a proof (htm, htu, ath, the key of cnf.jkt); a DPoP-bound
 *   token sent as Bearer is refused (RFC 9449 7.1).
 * - The token must carry openid (else 403 insufficient_scope) and its user must still be live.
 */
import { OAuthError } from "../errors.ts";
import { findActiveAccessToken, liveUser, type EndpointDeps } from "./access-tokens.ts";
import { buildUserClaims } from "./claims.ts";
import { DPOP_SIGNING_ALGS, DpopInvalid, verifyDpopProof } from "./dpop.ts";
import type { ProtocolParams } from "./params.ts";
import { parseScopes } from "./scopes.ts";

function bearerError(code: "invalid_token" | "invalid_request" | "insufficient_scope", description: string, status: number): OAuthError {
  const safe = description.replace(/["\\]/g, "");
  return new OAuthError(code, description, status, { "WWW-Authenticate": `Bearer realm="latchkey", error="${code}", error_description="${safe}"` });
}

/** The bearer token of a request: Authorization header, or (form POST) access_token; never both. */
export function bearerToken(authorization: string | null, params: ProtocolParams | null): string {
  let fromBody: string | null = null;
  try {
    fromBody = params?.get("access_token", 16_384) ?? null;
  } catch {
    throw bearerError("invalid_request", "access_token was given more than once or is too long.", 400);
  }
  if (authorization) {
    const m = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization);
    if (!m) throw bearerError("invalid_request", "The Authorization header must be: Bearer <access token>.", 400);
    if (fromBody) throw bearerError("invalid_request", "Send the access token in one place only.", 400);
    return m[1]!;
  }
  if (fromBody) return fromBody;
  // RFC 6750 3.1: no credentials at all → 401 with a bare challenge.
  throw new OAuthError("invalid_request", "An access token is required.", 401, { "WWW-Authenticate": 'Bearer realm="latchkey"' });
}

function dpopError(code: "invalid_token" | "invalid_dpop_proof" | "invalid_request", description: string, status = 401): OAuthError {
  const safe = description.replace(/["\\]/g, "");
  return new OAuthError(code, description, status, {
    "WWW-Authenticate": `DPoP realm="latchkey", algs="${DPOP_SIGNING_ALGS.join(" ")}", error="${code}", error_description="${safe}"`,
  });
}

/**
 * GET/POST /api/oidc/userinfo. `Authorization: DPoP <token>` with a DPoP proof (htm, htu, ath, the key of
 * the token's cnf.jkt) for DPoP-bound tokens; a DPoP-bound token sent as Bearer is refused (RFC 9449 7.1).
 */
export async function userinfo(
  deps: EndpointDeps,
  input: { authorization: string | null; params: ProtocolParams | null; dpop?: string | null; method?: string },
): Promise<Record<string, unknown>> {
  let token: string;
  let proofJkt: string | null = null;
  const dpopScheme = input.authorization !== null && /^DPoP\s/i.test(input.authorization);
  if (dpopScheme) {
    const m = /^DPoP[ ]+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(input.authorization!);
    if (!m) throw dpopError("invalid_request", "The Authorization header must be: DPoP <access token>.", 400);
    token = m[1]!;
    try {
      proofJkt = await verifyDpopProof(deps, { header: input.dpop ?? null, method: input.method ?? "GET", url: `${deps.config.appUrl}/api/oidc/userinfo`, otherUrls: [`${deps.config.internalAppUrl}/api/oidc/userinfo`], accessToken: token });
    } catch (e) {
      if (e instanceof DpopInvalid) throw dpopError("invalid_dpop_proof", e.message);
      throw e;
    }
    if (proofJkt === null) throw dpopError("invalid_dpop_proof", "The DPoP scheme needs a DPoP proof header.");
  } else {
    token = bearerToken(input.authorization, input.params);
  }
  const active = await findActiveAccessToken(deps, token);
  if (!active) throw (dpopScheme ? dpopError : bearerError)("invalid_token", "The access token is invalid, expired or revoked.", 401);
  const boundTo = (active.payload.cnf as { jkt?: unknown } | undefined)?.jkt;
  if (typeof boundTo === "string" && !dpopScheme) throw dpopError("invalid_token", "This access token is DPoP-bound: send it with the DPoP scheme and a proof.");
  if (dpopScheme && boundTo !== proofJkt) throw dpopError("invalid_token", "The DPoP proof key does not match the access token's key.");
  const scopes = parseScopes(active.token.scope);
  if (!scopes.includes("openid")) throw bearerError("insufficient_scope", "The access token was not granted the openid scope.", 403);
  const user = liveUser(deps.db, active.token.userId);
  if (!user) throw bearerError("invalid_token", "The user of this token no longer exists or is disabled.", 401);
  return { sub: user.id, ...buildUserClaims(deps.db, deps.config.appUrl, user, scopes) };
}
