/**
 * Refresh tokens Pocket ID issued keep working after the import (reference §2.9).
 * - v2.10+ (fosite): the import stores each live token under token_hash "pocket-id:<signature>" (the part after
 *   the dot, which is what Pocket ID stored) and the fosite HMAC secret, sealed, in kv (purpose = the kv key, as
 *   key rotation expects). A presented "pocket_id_rt_…" token is looked up under that hash only if its HMAC
 *   checks out with the secret: knowing a stored signature is not enough to use it.
 * - v0.44–v2.9 (`oidc_refresh_tokens`): Pocket ID stored the SHA-256 hex of a 40-character random value; the
 *   import stores each live one under "pocket-id-legacy:<that hex>" and marks in kv that such tokens exist.
 *   v1.3–v2.9 handed the value out inside a JWT signed with the (imported) signing key: `type` "refresh-token",
 *   `rt` = the value, `aud` = the client id; v0.44–v1.2 handed out the value itself. A presented JWS is looked
 *   up by its `rt` only if it verifies against our published keys, has that type and names the authenticated
 *   client; a 40-character alphanumeric value by itself. Ordinary Latchkey tokens (43 characters of base64url)
 *   match neither shape and cost no kv read.
 * - Anything else is looked up by its SHA-256 as usual. The refresh grant then rotates the token into an
 *   ordinary Latchkey refresh token.
 */
import type { Database } from "../db/database.ts";
import { getKv } from "../db/kv.ts";
import { hashToken } from "../lib/hash.ts";
import type { Clock } from "../lib/clock.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { JwtInvalid, verifyOwnJwt } from "../oidc/signing-keys.ts";
import { checkPocketIdRefreshToken, POCKET_ID_REFRESH_TOKEN_PREFIX } from "./crypto.ts";

export const FOSITE_SECRET_KV_KEY = "pocket_id_fosite_secret";
/** src/db/sealed-values.ts: a sealed kv value's purpose is its key. */
export const FOSITE_SECRET_SEAL_PURPOSE = FOSITE_SECRET_KV_KEY;
export const IMPORTED_REFRESH_TOKEN_PREFIX = "pocket-id:";
/** token_hash prefix of refresh tokens imported from Pocket ID ≤ v2.9 (followed by Pocket ID's SHA-256 hex). */
export const LEGACY_REFRESH_TOKEN_PREFIX = "pocket-id-legacy:";
/** kv row present once legacy refresh tokens were imported (its value is not read). */
export const LEGACY_REFRESH_TOKENS_KV_KEY = "pocket_id_legacy_refresh_tokens";
/**
 * Longest refresh token worth looking up. Latchkey's and fosite's are under 100 characters; a Pocket ID ≤ v2.9
 * refresh JWT is about 700 with an RSA-2048 key and about 1,100 with RSA-4096.
 */
export const MAX_REFRESH_TOKEN_LENGTH = 2048;

/** What Pocket ID's GenerateRandomAlphanumericString(40) produces. */
const LEGACY_VALUE = /^[A-Za-z0-9]{40}$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const LEGACY_JWT_TYPE = "refresh-token";

export interface RefreshLookupDeps {
  db: Database;
  box: SealedBox;
  clock: Clock;
  config: { appUrl: string };
}

/**
 * The oidc_refresh_tokens.token_hash to look a refresh token presented by `clientId` (the authenticated
 * client) up by. A token that fails a check gets its plain SHA-256, which matches no imported row.
 */
export async function refreshTokenLookupHash(deps: RefreshLookupDeps, token: string, clientId: string): Promise<string> {
  if (token.startsWith(POCKET_ID_REFRESH_TOKEN_PREFIX)) return fositeLookupHash(deps, token);
  const raw = LEGACY_VALUE.test(token);
  if (!raw && !COMPACT_JWS.test(token)) return hashToken(token);
  if (getKv(deps.db, LEGACY_REFRESH_TOKENS_KV_KEY) === null) return hashToken(token);
  if (raw) return `${LEGACY_REFRESH_TOKEN_PREFIX}${hashToken(token)}`;
  const value = await legacyJwtValue(deps, token, clientId);
  return value === null ? hashToken(token) : `${LEGACY_REFRESH_TOKEN_PREFIX}${hashToken(value)}`;
}

function fositeLookupHash(deps: RefreshLookupDeps, token: string): string {
  const sealed = getKv(deps.db, FOSITE_SECRET_KV_KEY);
  if (!sealed) return hashToken(token);
  const secret = new Uint8Array(Buffer.from(deps.box.openText(FOSITE_SECRET_SEAL_PURPOSE, sealed), "base64"));
  const signature = checkPocketIdRefreshToken(secret, token);
  return signature ? `${IMPORTED_REFRESH_TOKEN_PREFIX}${signature}` : hashToken(token);
}

/** The `rt` of a Pocket ID ≤ v2.9 refresh JWT that verifies, is of type refresh-token and was issued to `clientId`. */
async function legacyJwtValue(deps: RefreshLookupDeps, token: string, clientId: string): Promise<string | null> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await verifyOwnJwt(deps, token, { issuer: deps.config.appUrl }));
  } catch (e) {
    if (e instanceof JwtInvalid) return null;
    throw e;
  }
  if (payload.type !== LEGACY_JWT_TYPE) return null;
  const aud = Array.isArray(payload.aud) && payload.aud.length === 1 ? payload.aud[0] : payload.aud;
  if (aud !== clientId) return null;
  return typeof payload.rt === "string" && LEGACY_VALUE.test(payload.rt) ? payload.rt : null;
}
