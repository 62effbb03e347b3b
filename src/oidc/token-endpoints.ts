/**
 * Userinfo (OIDC Core 5.3), introspection (RFC 7662) and revocation (RFC 7009).
 * - Userinfo: Bearer access token (header, or access_token in a form body); 401 + WWW-Authenticate on failure.
 * - Introspection: authenticated confidential clients; a token of another client is simply inactive.
 * - Revocation: always 200 for unknown tokens; a refresh token revokes its whole grant.
 */
import type { Database } from "bun:sqlite";
import type { Config } from "../config.ts";
import {
  deleteAccessTokenRow,
  deleteGrant,
  findAccessTokenRow,
  findGrant,
  findRefreshTokenRow,
  type AccessTokenRow,
} from "../db/oidc-grants.ts";
import { findUserById, type UserRow } from "../db/users.ts";
import { deleteClientAccessToken, findClientAccessToken, type ClientAccessTokenRow } from "../db/oidc-protocols.ts";
import { OAuthError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { buildUserClaims } from "./claims.ts";
import { authenticateClient } from "./client-auth.ts";
import type { ProtocolParams } from "./params.ts";
import { parseScopes } from "./scopes.ts";
import { JwtInvalid, verifyOwnJwt } from "./signing-keys.ts";
import { DPOP_SIGNING_ALGS, DpopInvalid, verifyDpopProof } from "./dpop.ts";
import { MAX_REFRESH_TOKEN_LENGTH, refreshTokenLookupHash } from "../pocket-id/refresh-tokens.ts";
import type { SealedBox } from "../lib/sealed-box.ts";

export interface EndpointDeps {
  db: Database;
  clock: Clock;
  config: Config;
  /** Opens the fosite secret of refresh tokens imported from Pocket ID (src/pocket-id/refresh-tokens.ts). */
  box: SealedBox;
}

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

interface ActiveAccessToken {
  row: AccessTokenRow;
  payload: Record<string, unknown>;
}

async function findActiveAccessToken(deps: EndpointDeps, token: string): Promise<ActiveAccessToken | null> {
  let payload;
  try {
    ({ payload } = await verifyOwnJwt(deps, token, { issuer: deps.config.appUrl, typ: "at+jwt" }));
  } catch (e) {
    if (e instanceof JwtInvalid) return null;
    throw e;
  }
  if (typeof payload.jti !== "string") return null;
  const row = findAccessTokenRow(deps.db, payload.jti);
  if (!row || row.expires_at <= nowSeconds(deps.clock) || row.user_id !== payload.sub) return null;
  return { row, payload: payload as Record<string, unknown> };
}

/** A client_credentials access token (sub "client-<id>") that is still live. */
async function findActiveClientToken(deps: EndpointDeps, token: string): Promise<{ row: ClientAccessTokenRow; payload: Record<string, unknown> } | null> {
  let payload;
  try {
    ({ payload } = await verifyOwnJwt(deps, token, { issuer: deps.config.appUrl, typ: "at+jwt" }));
  } catch (e) {
    if (e instanceof JwtInvalid) return null;
    throw e;
  }
  if (typeof payload.jti !== "string") return null;
  const row = findClientAccessToken(deps.db, payload.jti);
  if (!row || row.expires_at <= nowSeconds(deps.clock) || payload.sub !== `client-${row.client_id}`) return null;
  return { row, payload: payload as Record<string, unknown> };
}

function liveUser(db: Database, id: string): UserRow | null {
  const user = findUserById(db, id);
  return user && user.disabled === 0 ? user : null;
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
      proofJkt = await verifyDpopProof(deps, { header: input.dpop ?? null, method: input.method ?? "GET", url: `${deps.config.appUrl}/api/oidc/userinfo`, accessToken: token });
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
  const scopes = parseScopes(active.row.scope);
  if (!scopes.includes("openid")) throw bearerError("insufficient_scope", "The access token was not granted the openid scope.", 403);
  const user = liveUser(deps.db, active.row.user_id);
  if (!user) throw bearerError("invalid_token", "The user of this token no longer exists or is disabled.", 401);
  return { sub: user.id, ...buildUserClaims(deps.db, deps.config.appUrl, user, scopes) };
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
    if (!active || active.row.client_id !== client.id) return null;
    const user = liveUser(deps.db, active.row.user_id);
    if (!user) return null;
    return {
      active: true,
      token_type: "access_token",
      scope: active.row.scope,
      client_id: active.row.client_id,
      username: user.username,
      sub: user.id,
      aud: active.payload.aud,
      iss: deps.config.appUrl,
      exp: active.row.expires_at,
      iat: active.row.created_at,
      jti: active.row.jti,
      ...(active.payload.cnf ? { cnf: active.payload.cnf, token_type: "DPoP" } : {}),
    };
  };
  const tryRefresh = async () => {
    if (token.length > MAX_REFRESH_TOKEN_LENGTH) return null;
    const row = findRefreshTokenRow(deps.db, await refreshTokenLookupHash(deps, token, client.id));
    if (!row || row.client_id !== client.id || row.used_at !== null || row.expires_at <= now) return null;
    const grant = findGrant(deps.db, row.grant_id);
    const user = grant ? liveUser(deps.db, grant.user_id) : null;
    if (!grant || !user) return null;
    return {
      active: true,
      token_type: "refresh_token",
      scope: row.scope,
      client_id: row.client_id,
      username: user.username,
      sub: user.id,
      iss: deps.config.appUrl,
      exp: row.expires_at,
      iat: row.created_at,
    };
  };
  const tryClientToken = async () => {
    const active = await findActiveClientToken(deps, token);
    if (!active || active.row.client_id !== client.id) return null;
    return {
      active: true,
      token_type: "access_token",
      scope: active.row.scope,
      client_id: active.row.client_id,
      sub: `client-${active.row.client_id}`,
      aud: active.payload.aud,
      iss: deps.config.appUrl,
      exp: active.row.expires_at,
      iat: active.row.created_at,
      jti: active.row.jti,
      ...(active.payload.cnf ? { cnf: active.payload.cnf, token_type: "DPoP" } : {}),
    };
  };
  if (hint === "refresh_token") return (await tryRefresh()) ?? (await tryAccess()) ?? (await tryClientToken()) ?? inactive;
  return (await tryAccess()) ?? (await tryClientToken()) ?? (await tryRefresh()) ?? inactive;
}

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
    const row = findRefreshTokenRow(deps.db, await refreshTokenLookupHash(deps, token, client.id));
    if (row) {
      if (row.client_id === client.id) deleteGrant(deps.db, row.grant_id);
      return;
    }
  }
  const active = await findActiveAccessToken(deps, token);
  if (active && active.row.client_id === client.id) {
    deleteAccessTokenRow(deps.db, active.row.jti);
    return;
  }
  const own = await findActiveClientToken(deps, token);
  if (own && own.row.client_id === client.id) deleteClientAccessToken(deps.db, own.row.jti);
}
