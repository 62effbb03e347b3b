/**
 * Relying-party settings for every ceremony:
 * - RP id = host of APP_URL, expected origin = APP_URL exactly, RP name = appName;
 * - user verification, synced-passkey policy and authenticator attachment from the application settings;
 * - ES256 (-7), EdDSA (-8) and RS256 (-257); challenges live 60 seconds.
 */
import type { Database } from "../db/database.ts";
import type { Config } from "../config.ts";
import { readAppConfig } from "../admin/app-config.ts";

export const CEREMONY_TIMEOUT_SECONDS = 60;
export const SUPPORTED_ALGORITHM_IDS = [-7, -8, -257];

export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
  userVerification: "required" | "preferred";
  allowSyncedPasskeys: boolean;
  authenticatorAttachment: "any" | "platform" | "cross-platform";
}

export function relyingParty(deps: { db: Database; config: Config }): RelyingParty {
  const app = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  return {
    id: deps.config.rpId,
    origin: deps.config.appUrl,
    name: app.appName,
    userVerification: app.webauthnUserVerification,
    allowSyncedPasskeys: app.webauthnAllowSyncedPasskeys,
    authenticatorAttachment: app.webauthnAuthenticatorAttachment,
  };
}

/** WebAuthn user handle: the UTF-8 bytes of the user id (as Pocket ID does). */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(userId) as Uint8Array<ArrayBuffer>;
}
