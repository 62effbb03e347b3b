/**
 * The device code grant (RFC 8628 3.4); the device authorization request and the /device page are in
 * device-flow.ts.
 * - authorization_pending until decided; slow_down (and +5 s on the interval) when polled faster than the
 *   interval (1 s tolerance for timer jitter); expired_token after 15 minutes; access_denied when denied.
 * - An approved code is consumed with DELETE … RETURNING (single use).
 * - Tokens as for the code grant (no sid: the device is not part of the approving browser's session).
 */
import { insertGrant, type Grant } from "../../db/oidc-grants.ts";
import {
  consumeApprovedDeviceCode,
  deleteDeviceCode,
  findDeviceCodeByHash,
  recordDevicePoll,
  type DeviceCode,
} from "../../db/oidc-protocols.ts";
import { OAuthError } from "../../errors.ts";
import { nowSeconds } from "../../lib/clock.ts";
import { hashToken } from "../../lib/hash.ts";
import { timeOrderedUuid } from "../../lib/random.ts";
import type { OidcClient } from "../clients.ts";
import { checkUserMayUse, issueTokens, type TokenDeps, type TokenResponse } from "../issue-tokens.ts";
import type { ProtocolParams } from "../params.ts";
import { storedScopes } from "../resources.ts";

function deviceError(code: "authorization_pending" | "slow_down" | "expired_token" | "access_denied", description: string): OAuthError {
  // RFC 8628 3.5: these are token endpoint errors, 400 like the rest of RFC 6749 5.2.
  return new OAuthError(code, description, 400);
}

export async function exchangeDeviceCode(deps: TokenDeps, client: OidcClient, params: ProtocolParams, jkt: string | null = null): Promise<TokenResponse> {
  const deviceCode = params.get("device_code", 512);
  if (!deviceCode) throw OAuthError.invalidRequest("The device_code parameter is missing.");
  const hash = hashToken(deviceCode);
  const now = nowSeconds(deps.clock);
  const row: DeviceCode | null = findDeviceCodeByHash(deps.db, hash);
  if (!row || row.clientId !== client.id) throw OAuthError.invalidGrant("The device code is invalid, was already used, or was issued to another client.");
  if (row.expiresAt <= now) {
    deleteDeviceCode(deps.db, hash);
    throw deviceError("expired_token", "The device code has expired; start again.");
  }
  if (row.status === "denied") {
    deleteDeviceCode(deps.db, hash);
    throw deviceError("access_denied", "The person denied the request.");
  }
  if (row.status === "pending") {
    if (row.lastPolledAt !== null && now - row.lastPolledAt < row.intervalSeconds - 1) {
      const slower = row.intervalSeconds + 5;
      recordDevicePoll(deps.db, hash, now, slower);
      throw deviceError("slow_down", `Polling too fast: wait at least ${slower} seconds between requests.`);
    }
    recordDevicePoll(deps.db, hash, now, row.intervalSeconds);
    throw deviceError("authorization_pending", "The person has not yet approved the request.");
  }
  const approved = consumeApprovedDeviceCode(deps.db, hash, client.id);
  if (!approved || approved.userId === null) throw OAuthError.invalidGrant("The device code was already used.");
  const user = checkUserMayUse(deps, client, approved.userId);
  const grant: Grant = {
    id: timeOrderedUuid(deps.clock, deps.random),
    clientId: client.id,
    userId: user.id,
    sessionId: null,
    scope: approved.scope,
    authTime: approved.authTime ?? now,
    amr: approved.amr ?? [],
    createdAt: now,
    resource: approved.resource,
  };
  insertGrant(deps.db, grant);
  return issueTokens(deps, client, user, grant, storedScopes(approved.scope), null, jkt);
}
