/**
 * Finding a live token from what a client or resource server presents, for userinfo, introspection and
 * revocation.
 * - An access token counts only when its signature, issuer and typ (at+jwt) verify AND its jti row is
 *   still there, unexpired, for the same subject: revoking deletes the row.
 * - A client_credentials token (sub "client-<client_id>") is looked up in its own table.
 * - A user counts only while the account exists and is not disabled.
 */
import type { Database } from "../db/database.ts";
import type { Config } from "../config.ts";
import { findAccessToken, type AccessToken } from "../db/oidc-grants.ts";
import { findClientAccessToken, type ClientAccessToken } from "../db/oidc-protocols.ts";
import { findUserById, type User } from "../db/users.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { JwtInvalid, verifyOwnJwt } from "./signing-keys.ts";

export interface EndpointDeps {
  db: Database;
  clock: Clock;
  config: Config;
  /** Opens the fosite secret of refresh tokens imported from Pocket ID (src/pocket-id/refresh-tokens.ts). */
  box: SealedBox;
}

export interface ActiveAccessToken {
  token: AccessToken;
  payload: Record<string, unknown>;
}

/** The claims of an access token we signed (RFC 9068 `at+jwt`, our issuer) that carries a jti, or null. */
async function verifiedAccessTokenClaims(deps: EndpointDeps, token: string): Promise<(Record<string, unknown> & { jti: string }) | null> {
  let payload;
  try {
    ({ payload } = await verifyOwnJwt(deps, token, { issuer: deps.config.appUrl, typ: "at+jwt" }));
  } catch (e) {
    if (e instanceof JwtInvalid) return null;
    throw e;
  }
  return typeof payload.jti === "string" ? (payload as Record<string, unknown> & { jti: string }) : null;
}

export async function findActiveAccessToken(deps: EndpointDeps, token: string): Promise<ActiveAccessToken | null> {
  const payload = await verifiedAccessTokenClaims(deps, token);
  if (!payload) return null;
  const stored = findAccessToken(deps.db, payload.jti);
  if (!stored || stored.expiresAt <= nowSeconds(deps.clock) || stored.userId !== payload.sub) return null;
  return { token: stored, payload };
}

/** A client_credentials access token (sub "client-<id>") that is still live. */
export async function findActiveClientToken(deps: EndpointDeps, token: string): Promise<{ token: ClientAccessToken; payload: Record<string, unknown> } | null> {
  const payload = await verifiedAccessTokenClaims(deps, token);
  if (!payload) return null;
  const stored = findClientAccessToken(deps.db, payload.jti);
  if (!stored || stored.expiresAt <= nowSeconds(deps.clock) || payload.sub !== `client-${stored.clientId}`) return null;
  return { token: stored, payload };
}

export function liveUser(db: Database, id: string): User | null {
  const user = findUserById(db, id);
  return user && !user.disabled ? user : null;
}
