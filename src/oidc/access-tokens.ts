/**
 * Finding a live token from what a client or resource server presents, for userinfo, introspection and
 * revocation.
 * - An access token counts only when its signature, issuer and typ (at+jwt) verify AND its jti row is
 *   still there, unexpired, for the same subject: revoking deletes the row.
 * - A client_credentials token (sub "client-<client_id>") is looked up in its own table.
 * - A user counts only while the account exists and is not disabled.
 */
import type { Database } from "bun:sqlite";
import type { Config } from "../config.ts";
import { findAccessTokenRow, type AccessTokenRow } from "../db/oidc-grants.ts";
import { findClientAccessToken, type ClientAccessTokenRow } from "../db/oidc-protocols.ts";
import { findUserById, type UserRow } from "../db/users.ts";
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
  row: AccessTokenRow;
  payload: Record<string, unknown>;
}

export async function findActiveAccessToken(deps: EndpointDeps, token: string): Promise<ActiveAccessToken | null> {
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
export async function findActiveClientToken(deps: EndpointDeps, token: string): Promise<{ row: ClientAccessTokenRow; payload: Record<string, unknown> } | null> {
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

export function liveUser(db: Database, id: string): UserRow | null {
  const user = findUserById(db, id);
  return user && user.disabled === 0 ? user : null;
}
