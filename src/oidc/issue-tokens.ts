/**
 * Issuing tokens: the one place access, refresh and ID tokens are built and signed.
 * - ID token: iss sub aud exp iat auth_time nonce amr at_hash sid + scope claims; 1 hour.
 * - Access token: RFC 9068 JWT (typ at+jwt), lifetime per client; its jti is recorded for revocation.
 * - Refresh tokens are issued with a user's tokens (rotated by grants/refresh-token.ts), except to a client whose metadata
 *   document did not declare the refresh_token grant type.
 * - DPoP (RFC 9449, dpop.ts): with a key thumbprint the access token carries cnf.jkt and token_type is
 *   "DPoP"; the refresh token is bound to the key.
 * - The ID token's sid is the browser sign-in's session id (not its cookie token); the sign-in is
 *   remembered per client for back-channel logout.
 * - Signing happens first; the writes then go through group commit (src/db/group-commit.ts), and the
 *   response waits for the commit.
 * - A client_credentials token: sub "client-<client_id>", aud [client_id], no refresh or ID token.
 * - Resource indicators (RFC 8707, resources.ts): a token for an API also names the API's audience in `aud`
 *   (after the client id and the issuer, as Pocket ID), and its scope holds the granted permission keys.
 */
import type { Database } from "../db/database.ts";
import type { Config } from "../config.ts";
import { insertGrantWithAccessToken, insertRefreshToken, replaceAccessToken, type Grant } from "../db/oidc-grants.ts";
import { insertClientAccessToken, recordSessionClient } from "../db/oidc-protocols.ts";
import { commitSoon } from "../db/group-commit.ts";
import { findUserById, type User } from "../db/users.ts";
import { OAuthError } from "../errors.ts";
import { encodeBase64Url } from "../lib/base64url.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { hashToken } from "../lib/hash.ts";
import { randomToken, randomUuid, timeOrderedUuid, type Random } from "../lib/random.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { buildUserClaims } from "./claims.ts";
import { clientMayUseGrant, isUserAllowedForClient, type OidcClient } from "./clients.ts";
import { scopeString } from "./scopes.ts";
import { ID_TOKEN_SECONDS, signJwt, type SigningAlg } from "./signing-keys.ts";
import { createHash } from "node:crypto";

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

const IDENTITY_SCOPES = new Set(["openid", "profile", "email", "groups"]);

/** Thrown by a grant's `writes.before` when a concurrent request consumed the code or rotated the refresh token first. */
export class ConsumedMeanwhile extends Error {}

export function checkUserMayUse(deps: TokenDeps, client: OidcClient, userId: string): User {
  const user = findUserById(deps.db, userId);
  if (!user) throw OAuthError.invalidGrant("The user no longer exists.");
  if (user.disabled) throw OAuthError.invalidGrant("The user's account is disabled.");
  if (!isUserAllowedForClient(deps.db, client, user.id)) throw OAuthError.invalidGrant("The user is no longer allowed to use this application.");
  return user;
}

/**
 * at_hash (OIDC Core 3.1.3.6): left half of the hash of the access token, with the signing algorithm's hash
 * (SHA-256/384/512 for the RS and ES algorithms by their number; Ed25519 signs with SHA-512).
 */
export function atHash(accessToken: string, alg: SigningAlg): string {
  const hash = alg === "EdDSA" || alg.endsWith("512") ? "sha512" : alg.endsWith("384") ? "sha384" : "sha256";
  const digest = createHash(hash).update(accessToken, "ascii").digest();
  return encodeBase64Url(new Uint8Array(digest.subarray(0, digest.length / 2)));
}

/** A client_credentials access token for `scopes` (checked by grants/client-credentials.ts). */
export async function issueClientToken(deps: TokenDeps, client: OidcClient, scopes: string[], jkt: string | null, resource: string | null = null): Promise<TokenResponse> {
  const now = nowSeconds(deps.clock);
  const seconds = client.accessTokenDurationMinutes * 60;
  const jti = timeOrderedUuid(deps.clock, deps.random);
  const access = await signJwt(
    deps,
    {
      iss: deps.config.appUrl,
      sub: `client-${client.id}`,
      aud: resource ? [client.id, resource] : [client.id],
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
  await commitSoon(deps.db, () => insertClientAccessToken(deps.db, { jti, clientId: client.id, scope: scopeString(scopes), createdAt: now, expiresAt: now + seconds, resource }));
  return { access_token: access.jwt, token_type: jkt ? "DPoP" : "Bearer", expires_in: seconds, scope: scopeString(scopes) };
}

export async function issueTokens(
  deps: TokenDeps,
  client: OidcClient,
  user: User,
  grant: Grant,
  scopes: string[],
  nonce: string | null,
  jkt: string | null = null,
  writes: { newGrant?: boolean; before?: () => void } = {},
): Promise<TokenResponse> {
  const now = nowSeconds(deps.clock);
  const issuer = deps.config.appUrl;
  const accessSeconds = client.accessTokenDurationMinutes * 60;
  const refreshSeconds = client.refreshTokenDurationMinutes * 60;
  const amr = grant.amr;

  const jti = timeOrderedUuid(deps.clock, deps.random);
  const access = await signJwt(deps, userAccessTokenClaims(issuer, client, user.id, scopes, { now, jti, authTime: grant.authTime, jkt, resource: grant.resource }), "at+jwt");
  // A client from a metadata document that did not declare refresh_token gets none (it could not use it).
  const refreshToken = clientMayUseGrant(client, "refresh_token") ? randomToken(deps.random) : null;
  const id = scopes.includes("openid") ? await signIdToken(deps, client, user, grant, scopes, nonce, access, amr, now) : null;

  // Signing is done: every write of this grant together, all or nothing, committed with the other token
  // requests of this turn of the event loop (src/db/group-commit.ts); the response waits for the commit.
  await commitSoon(deps.db, () => {
    writes.before?.();
    const accessToken = { jti, grantId: grant.id, clientId: client.id, userId: user.id, scope: scopeString(scopes), createdAt: now, expiresAt: now + accessSeconds };
    if (writes.newGrant) insertGrantWithAccessToken(deps.db, grant, accessToken);
    // The grant's access token is replaced (the previous one stops working); revoked while signing (a
    // replayed code, a reused refresh token, an admin): issue nothing.
    else if (!replaceAccessToken(deps.db, accessToken)) throw OAuthError.invalidGrant("The grant was revoked while the tokens were being issued.");
    if (refreshToken !== null) {
      insertRefreshToken(deps.db, {
        tokenHash: hashToken(refreshToken),
        grantId: grant.id,
        clientId: client.id,
        scope: scopeString(scopes),
        createdAt: now,
        expiresAt: now + refreshSeconds,
        dpopJkt: jkt,
      });
    }
    if (grant.sessionId) recordSessionClient(deps.db, grant.sessionId, client.id, user.id, now);
  });

  return {
    access_token: access.jwt,
    token_type: jkt ? "DPoP" : "Bearer",
    expires_in: accessSeconds,
    ...(refreshToken !== null ? { refresh_token: refreshToken } : {}),
    ...(id ? { id_token: id } : {}),
    scope: scopeString(scopes),
  };
}

async function signIdToken(
  deps: TokenDeps,
  client: OidcClient,
  user: User,
  grant: Grant,
  scopes: string[],
  nonce: string | null,
  access: { jwt: string; alg: SigningAlg },
  amr: string[],
  now: number,
): Promise<string> {
  const idClaims = idTokenClaims(deps.db, deps.config.appUrl, client, user, scopes, {
    now,
    authTime: grant.authTime,
    amr,
    jti: randomUuid(deps.random),
    atHash: atHash(access.jwt, access.alg),
    nonce,
    sid: grant.sessionId,
  });
  return (await signJwt(deps, idClaims, "JWT")).jwt;
}

/**
 * The claims of a user's access token (RFC 9068): the audience adds the issuer when an identity scope lets it call
 * userinfo, and the API's audience for a token requested with a resource (RFC 8707).
 */
export function userAccessTokenClaims(
  issuer: string,
  client: OidcClient,
  userId: string,
  scopes: string[],
  at: { now: number; jti: string; authTime: number; jkt?: string | null; resource?: string | null },
): Record<string, unknown> {
  const audience = scopes.some((s) => IDENTITY_SCOPES.has(s)) ? [client.id, issuer] : [client.id];
  if (at.resource) audience.push(at.resource);
  return {
    iss: issuer,
    sub: userId,
    aud: audience,
    client_id: client.id,
    iat: at.now,
    exp: at.now + client.accessTokenDurationMinutes * 60,
    jti: at.jti,
    scope: scopeString(scopes),
    scp: scopes,
    auth_time: at.authTime,
    ...(at.jkt ? { cnf: { jkt: at.jkt } } : {}),
  };
}

/** The claims of an ID token (OIDC Core 2): the scope's user claims under the protocol's own, which always win. */
export function idTokenClaims(
  db: Database,
  issuer: string,
  client: OidcClient,
  user: User,
  scopes: readonly string[],
  at: { now: number; authTime: number; amr: string[]; jti: string; atHash?: string; nonce?: string | null; sid?: string | null },
): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    ...buildUserClaims(db, issuer, user, scopes),
    iss: issuer,
    sub: user.id,
    aud: client.id,
    iat: at.now,
    exp: at.now + ID_TOKEN_SECONDS,
    auth_time: at.authTime,
    amr: at.amr,
    ...(at.atHash ? { at_hash: at.atHash } : {}),
    jti: at.jti,
  };
  if (at.nonce) claims.nonce = at.nonce;
  if (at.sid) claims.sid = at.sid;
  return claims;
}
