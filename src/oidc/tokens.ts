/**
 * The token endpoint: authorization_code and refresh_token grants, and the tokens they issue.
 * - Codes are single use: the exchange signs, then marks the code consumed (UPDATE … WHERE consumed_at IS NULL)
 *   in the transaction that writes the grant and tokens; the consumed row remembers the grant, so a replayed
 *   code fails AND revokes every token issued from it (RFC 6749 4.1.2).
 * - PKCE: a code bound to a challenge needs the matching verifier; a verifier for a code without a
 *   challenge is refused (downgrade protection, RFC 9700 2.1.1).
 * - Refresh tokens are always issued for the code grant and rotate on every use; presenting a used one
 *   revokes the whole family (the grant). The user is re-checked on every refresh.
 * - ID token: iss sub aud exp iat auth_time nonce amr at_hash sid + scope claims; 1 hour.
 * - Access token: RFC 9068 JWT (typ at+jwt), lifetime per client; its jti is recorded for revocation.
 * - Device code grant (RFC 8628 3.4): see device-flow.ts; tokens as for the code grant (no sid: the
 *   device is not part of the approving browser's session).
 * - client_credentials (RFC 6749 4.4): confidential clients only (public → unauthorized_client); sub =
 *   "client-<client_id>", aud = [client_id]; only scopes from the client's own credentials scope list
 *   (none requested = all of them; any other → invalid_scope); no refresh token, no ID token.
 * - DPoP (RFC 9449, dpop.ts): with a valid DPoP proof the access token carries cnf.jkt and token_type is
 *   "DPoP"; the refresh token is bound to the key and every refresh needs a proof with that key.
 * - The ID token's sid is the browser sign-in's session id (not its cookie token); the sign-in is
 *   remembered per client for back-channel logout.
 */
import type { Database } from "bun:sqlite";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import type { Config } from "../config.ts";
import {
  consumeAuthorizationCode,
  deleteGrant,
  findConsumedCode,
  findGrant,
  findUsableAuthorizationCode,
  findRefreshTokenRow,
  insertGrantWithAccessToken,
  insertRefreshToken,
  replaceAccessToken,
  useRefreshTokenRow,
  type AuthorizationCodeRow,
  type GrantRow,
} from "../db/oidc-grants.ts";
import { commitSoon } from "../db/group-commit.ts";
import { findUserById, type UserRow } from "../db/users.ts";
import { OAuthError } from "../errors.ts";
import { encodeBase64Url } from "../lib/base64url.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken, safeEqual, sha256 } from "../lib/hash.ts";
import { randomToken, randomUuid, timeOrderedUuid, type Random } from "../lib/random.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { buildUserClaims } from "./claims.ts";
import { authenticateClient } from "./client-auth.ts";
import { isUserAllowedForClient, type OidcClient } from "./clients.ts";
import type { ProtocolParams } from "./params.ts";
import { parseScopes, scopeString } from "./scopes.ts";
import { insertClientAccessToken, recordSessionClient } from "../db/oidc-protocols.ts";
import { DEVICE_CODE_GRANT, exchangeDeviceCode } from "./device-flow.ts";
import { dpopAtTokenEndpoint } from "./dpop.ts";
import { ID_TOKEN_SECONDS, signJwt, type SigningAlg } from "./signing-keys.ts";
import { createHash } from "node:crypto";
import { MAX_REFRESH_TOKEN_LENGTH, refreshTokenLookupHash } from "../pocket-id/refresh-tokens.ts";

export interface TokenDeps {
  db: Database;
  clock: Clock;
  random: Random;
  box: SealedBox;
  config: Config;
}

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer" | "DPoP";
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
  scope: string;
}

const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const IDENTITY_SCOPES = new Set(["openid", "profile", "email", "groups"]);

/** POST /api/oidc/token. */
export async function handleTokenRequest(
  deps: TokenDeps,
  input: { params: ProtocolParams; authorization: string | null; origin?: AuditOrigin; dpop?: string | null },
): Promise<TokenResponse> {
  const endpoint = `${deps.config.appUrl}/api/oidc/token`;
  const { client } = await authenticateClient(deps, input.params, input.authorization, { allowPublic: true, endpoint });
  const jkt = await dpopAtTokenEndpoint(deps, { header: input.dpop ?? null, url: endpoint });
  const grantType = input.params.get("grant_type", 128);
  if (!grantType) throw OAuthError.invalidRequest("The grant_type parameter is missing.");
  switch (grantType) {
    case "authorization_code":
      return exchangeAuthorizationCode(deps, client, input.params, input.origin, jkt);
    case "refresh_token":
      return exchangeRefreshToken(deps, client, input.params, input.origin, jkt);
    case "client_credentials":
      return clientCredentialsGrant(deps, client, input.params, jkt);
    case DEVICE_CODE_GRANT:
      return exchangeDeviceCode(deps, client, input.params, jkt);
    default:
      throw OAuthError.unsupportedGrantType(
        `The grant type "${grantType.slice(0, 60)}" is not supported; use authorization_code, refresh_token, client_credentials or ${DEVICE_CODE_GRANT}.`,
      );
  }
}

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

export function checkUserMayUse(deps: TokenDeps, client: OidcClient, userId: string): UserRow {
  const user = findUserById(deps.db, userId);
  if (!user) throw OAuthError.invalidGrant("The user no longer exists.");
  if (user.disabled === 1) throw OAuthError.invalidGrant("The user's account is disabled.");
  if (!isUserAllowedForClient(deps.db, client, user.id)) throw OAuthError.invalidGrant("The user is no longer allowed to use this application.");
  return user;
}

async function exchangeAuthorizationCode(deps: TokenDeps, client: OidcClient, params: ProtocolParams, origin: AuditOrigin | undefined, jkt: string | null): Promise<TokenResponse> {
  const code = params.get("code", 512);
  if (!code) throw OAuthError.invalidRequest("The code parameter is missing.");
  const redirectUri = params.get("redirect_uri", 2048);
  const verifier = params.get("code_verifier", 256);
  const now = nowSeconds(deps.clock);
  const codeHash = hashToken(code);

  const replayed = (): never => {
    const consumed = findConsumedCode(deps.db, codeHash);
    if (consumed) {
      const grant = consumed.grant_id ? findGrant(deps.db, consumed.grant_id) : null;
      if (consumed.grant_id) deleteGrant(deps.db, consumed.grant_id);
      recordAuditEvent(deps, "AUTHORIZATION_CODE_REUSE", { userId: grant?.user_id ?? null, origin, data: { clientId: client.id, clientName: client.name } });
      throw OAuthError.invalidGrant(
        consumed.grant_id
          ? "The authorization code was already used; every token issued from it has been revoked."
          : "The authorization code was already used: a failed exchange uses it up too.",
      );
    }
    throw OAuthError.invalidGrant("The authorization code is invalid, expired, or was issued to another client.");
  };

  const row = findUsableAuthorizationCode(deps.db, codeHash, client.id);
  if (!row) return replayed();
  let user: UserRow;
  try {
    user = checkCodeGrant(deps, client, row, redirectUri, verifier, now);
  } catch (e) {
    // A failed check burns the code: it cannot be tried again with another verifier or redirect URI.
    consumeAuthorizationCode(deps.db, codeHash, client.id, null, now);
    throw e;
  }
  const grant: GrantRow = {
    id: timeOrderedUuid(deps.clock, deps.random),
    client_id: client.id,
    user_id: user.id,
    session_id: row.session_id,
    scope: row.scope,
    auth_time: row.auth_time,
    amr: row.amr,
    created_at: now,
  };
  // The tokens are signed first; then one transaction consumes the code (single use: only if no one consumed it
  // meanwhile) and writes the grant and its tokens. A concurrent exchange of the same code loses there, writes
  // nothing, and revokes the grant the winner wrote — whichever of the two commits first.
  try {
    return await issueTokens(deps, client, user, grant, parseScopes(row.scope), row.nonce, jkt, {
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

/** Thrown inside the issuing transaction when a concurrent request consumed the code or rotated the refresh token first. */
class ConsumedMeanwhile extends Error {}

/** The checks of a consumed code against this request (RFC 6749 4.1.3, PKCE); the user it may issue for. */
function checkCodeGrant(deps: TokenDeps, client: OidcClient, row: AuthorizationCodeRow, redirectUri: string | null, verifier: string | null, now: number): UserRow {
  if (row.expires_at <= now) throw OAuthError.invalidGrant("The authorization code has expired.");
  // RFC 6749 4.1.3: the same redirect_uri as in the authorization request.
  if (redirectUri === null) throw OAuthError.invalidRequest("The redirect_uri parameter is missing.");
  if (redirectUri !== row.redirect_uri) throw OAuthError.invalidGrant("redirect_uri does not match the one used in the authorization request.");
  verifyPkce(row.code_challenge, row.code_challenge_method, verifier);
  if ((client.isPublic || client.pkceEnabled) && row.code_challenge === null) {
    throw OAuthError.invalidGrant("PKCE is required for this client.");
  }
  return checkUserMayUse(deps, client, row.user_id);
}

async function exchangeRefreshToken(deps: TokenDeps, client: OidcClient, params: ProtocolParams, origin: AuditOrigin | undefined, jkt: string | null): Promise<TokenResponse> {
  const token = params.get("refresh_token", MAX_REFRESH_TOKEN_LENGTH);
  if (!token) throw OAuthError.invalidRequest("The refresh_token parameter is missing.");
  const now = nowSeconds(deps.clock);
  // A refresh token Pocket ID issued is found by its checked signature (src/pocket-id/refresh-tokens.ts).
  const tokenHash = await refreshTokenLookupHash(deps, token, client.id);
  const found = findRefreshTokenRow(deps.db, tokenHash);
  if (!found || found.client_id !== client.id) throw OAuthError.invalidGrant("The refresh token is invalid or was issued to another client.");
  if (found.used_at !== null) {
    const grant = findGrant(deps.db, found.grant_id);
    deleteGrant(deps.db, found.grant_id);
    recordAuditEvent(deps, "REFRESH_TOKEN_REUSE", { userId: grant?.user_id ?? null, origin, data: { clientId: client.id, clientName: client.name } });
    throw OAuthError.invalidGrant("The refresh token was already used; every token of this sign-in has been revoked.");
  }
  if (found.expires_at <= now) throw OAuthError.invalidGrant("The refresh token has expired.");
  // RFC 9449 5: a DPoP-bound refresh token needs a proof with the same key.
  if (found.dpop_jkt && found.dpop_jkt !== jkt) {
    throw OAuthError.invalidGrant(jkt ? "The DPoP proof is signed with another key than the refresh token is bound to." : "This refresh token is DPoP-bound: send a DPoP proof.");
  }
  const grant = findGrant(deps.db, found.grant_id);
  if (!grant) throw OAuthError.invalidGrant("The refresh token has been revoked.");
  let user: UserRow;
  try {
    user = checkUserMayUse(deps, client, grant.user_id);
  } catch (e) {
    deleteGrant(deps.db, grant.id);
    throw e;
  }
  // Optional narrowing (RFC 6749 6): never wider than originally granted.
  const granted = parseScopes(found.scope);
  let scopes = granted;
  const requested = params.get("scope", 1024);
  if (requested !== null) {
    const asked = requested.split(" ").filter(Boolean);
    const extra = asked.filter((s) => !granted.includes(s as never));
    if (extra.length) throw OAuthError.invalidScope(`The scope exceeds what was granted: ${extra.join(" ").slice(0, 100)}.`);
    scopes = parseScopes(requested);
  }
  // Rotation: the old token is marked used in one statement, in the transaction that writes the new
  // tokens; a concurrent second use loses there and nothing of it is written.
  try {
    return await issueTokens(deps, client, user, grant, scopes, null, found.dpop_jkt ?? jkt, {
      before: () => {
        if (!useRefreshTokenRow(deps.db, tokenHash, now)) throw new ConsumedMeanwhile();
      },
    });
  } catch (e) {
    if (!(e instanceof ConsumedMeanwhile)) throw e;
    deleteGrant(deps.db, grant.id);
    throw OAuthError.invalidGrant("The refresh token was already used; every token of this sign-in has been revoked.");
  }
}

/** at_hash (OIDC Core 3.1.3.6): left half of the hash of the access token, hash per signing algorithm. */
export function atHash(accessToken: string, alg: SigningAlg): string {
  const digest = createHash(alg === "EdDSA" ? "sha512" : "sha256").update(accessToken, "ascii").digest();
  return encodeBase64Url(new Uint8Array(digest.subarray(0, digest.length / 2)));
}

/** client_credentials: the client acting for itself. */
async function clientCredentialsGrant(deps: TokenDeps, client: OidcClient, params: ProtocolParams, jkt: string | null): Promise<TokenResponse> {
  if (client.isPublic) throw OAuthError.unauthorizedClient("Public clients cannot use the client_credentials grant.");
  const requested = params.get("scope", 2048);
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
  const now = nowSeconds(deps.clock);
  const seconds = client.accessTokenDurationMinutes * 60;
  const jti = timeOrderedUuid(deps.clock, deps.random);
  const access = await signJwt(
    deps,
    {
      iss: deps.config.appUrl,
      sub: `client-${client.id}`,
      aud: [client.id],
      client_id: client.id,
      iat: now,
      exp: now + seconds,
      jti,
      scope: scopeString(scopes),
      scp: scopes,
      ...(jkt ? { cnf: { jkt } } : {}),
    },
    "at+jwt",
  );
  await commitSoon(deps.db, () => insertClientAccessToken(deps.db, { jti, client_id: client.id, scope: scopeString(scopes), created_at: now, expires_at: now + seconds }));
  return { access_token: access.jwt, token_type: jkt ? "DPoP" : "Bearer", expires_in: seconds, scope: scopeString(scopes) };
}

export async function issueTokens(
  deps: TokenDeps,
  client: OidcClient,
  user: UserRow,
  grant: GrantRow,
  scopes: string[],
  nonce: string | null,
  jkt: string | null = null,
  writes: { newGrant?: boolean; before?: () => void } = {},
): Promise<TokenResponse> {
  const now = nowSeconds(deps.clock);
  const issuer = deps.config.appUrl;
  const accessSeconds = client.accessTokenDurationMinutes * 60;
  const refreshSeconds = client.refreshTokenDurationMinutes * 60;
  let amr: string[] = [];
  try {
    amr = JSON.parse(grant.amr) as string[];
  } catch {
    amr = [];
  }

  const jti = timeOrderedUuid(deps.clock, deps.random);
  const audience = scopes.some((s) => IDENTITY_SCOPES.has(s)) ? [client.id, issuer] : [client.id];
  const access = await signJwt(
    deps,
    {
      iss: issuer,
      sub: user.id,
      aud: audience,
      client_id: client.id,
      iat: now,
      exp: now + accessSeconds,
      jti,
      scope: scopeString(scopes),
      scp: scopes,
      auth_time: grant.auth_time,
      ...(jkt ? { cnf: { jkt } } : {}),
    },
    "at+jwt",
  );
  const refreshToken = randomToken(deps.random);
  const id = scopes.includes("openid") ? await signIdToken(deps, client, user, grant, scopes, nonce, access, amr, now) : null;

  // Signing is done: every write of this grant together, all or nothing, committed with the other token
  // requests of this turn of the event loop (src/db/group-commit.ts); the response waits for the commit.
  await commitSoon(deps.db, () => {
    writes.before?.();
    const accessRow = { jti, grant_id: grant.id, client_id: client.id, user_id: user.id, scope: scopeString(scopes), created_at: now, expires_at: now + accessSeconds };
    if (writes.newGrant) insertGrantWithAccessToken(deps.db, grant, accessRow);
    // The grant's access token is replaced (the previous one stops working); revoked while signing (a
    // replayed code, a reused refresh token, an admin): issue nothing.
    else if (!replaceAccessToken(deps.db, accessRow)) throw OAuthError.invalidGrant("The grant was revoked while the tokens were being issued.");
    insertRefreshToken(deps.db, {
      token_hash: hashToken(refreshToken),
      grant_id: grant.id,
      client_id: client.id,
      scope: scopeString(scopes),
      created_at: now,
      expires_at: now + refreshSeconds,
      used_at: null,
      dpop_jkt: jkt,
    });
    if (grant.session_id) recordSessionClient(deps.db, grant.session_id, client.id, user.id, now);
  });

  if (!id) {
    return { access_token: access.jwt, token_type: jkt ? "DPoP" : "Bearer", expires_in: accessSeconds, refresh_token: refreshToken, scope: scopeString(scopes) };
  }
  return {
    access_token: access.jwt,
    token_type: jkt ? "DPoP" : "Bearer",
    expires_in: accessSeconds,
    refresh_token: refreshToken,
    id_token: id,
    scope: scopeString(scopes),
  };
}

async function signIdToken(
  deps: TokenDeps,
  client: OidcClient,
  user: UserRow,
  grant: GrantRow,
  scopes: string[],
  nonce: string | null,
  access: { jwt: string; alg: SigningAlg },
  amr: string[],
  now: number,
): Promise<string> {
  const issuer = deps.config.appUrl;
  const idClaims: Record<string, unknown> = {
    ...buildUserClaims(deps.db, issuer, user, scopes),
    iss: issuer,
    sub: user.id,
    aud: client.id,
    iat: now,
    exp: now + ID_TOKEN_SECONDS,
    auth_time: grant.auth_time,
    amr,
    at_hash: atHash(access.jwt, access.alg),
    jti: randomUuid(deps.random),
  };
  if (nonce) idClaims.nonce = nonce;
  if (grant.session_id) idClaims.sid = grant.session_id;
  return (await signJwt(deps, idClaims, "JWT")).jwt;
}
