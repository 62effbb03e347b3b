/**
 * Refresh tokens Pocket ID issued (v2.10+, fosite) keep working after the import (reference §2.9).
 * - The import stores each live token under token_hash "pocket-id:<signature>" (the part after the dot, which is
 *   what Pocket ID stored) and the fosite HMAC secret, sealed, in kv (purpose = the kv key, as key rotation expects).
 * - A presented "pocket_id_rt_…" token is looked up under that hash only if its HMAC checks out with the secret:
 *   knowing a stored signature is not enough to use it. Anything else is looked up by its SHA-256 as usual.
 * - The refresh grant then rotates it into an ordinary Latchkey refresh token.
 */
import type { Database } from "bun:sqlite";
import { getKv } from "../db/kv.ts";
import { hashToken } from "../lib/hash.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { checkPocketIdRefreshToken, POCKET_ID_REFRESH_TOKEN_PREFIX } from "./crypto.ts";

export const FOSITE_SECRET_KV_KEY = "pocket_id_fosite_secret";
/** src/db/sealed-values.ts: a sealed kv value's purpose is its key. */
export const FOSITE_SECRET_SEAL_PURPOSE = FOSITE_SECRET_KV_KEY;
export const IMPORTED_REFRESH_TOKEN_PREFIX = "pocket-id:";

/** The oidc_refresh_tokens.token_hash to look a presented refresh token up by. */
export function refreshTokenLookupHash(deps: { db: Database; box: SealedBox }, token: string): string {
  if (!token.startsWith(POCKET_ID_REFRESH_TOKEN_PREFIX)) return hashToken(token);
  const sealed = getKv(deps.db, FOSITE_SECRET_KV_KEY);
  if (!sealed) return hashToken(token);
  const secret = new Uint8Array(Buffer.from(deps.box.openText(FOSITE_SECRET_SEAL_PURPOSE, sealed), "base64"));
  const signature = checkPocketIdRefreshToken(secret, token);
  return signature ? `${IMPORTED_REFRESH_TOKEN_PREFIX}${signature}` : hashToken(token);
}
