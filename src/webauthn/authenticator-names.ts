/**
 * Friendly names for well-known passkey providers, by AAGUID (from the community list at
 * github.com/passkeydeveloper/passkey-authenticator-aaguids). For display only — never for security decisions.
 */
import names from "./aaguids.json" with { type: "json" };
import { ownValue } from "../lib/own.ts";

const NAMES: Record<string, string> = names;
const ZERO_AAGUID = "00000000-0000-0000-0000-000000000000";

/** The provider's name, or null when the AAGUID is unknown or all zeros (attestation "none" on some platforms). */
export function authenticatorName(aaguid: string | null | undefined): string | null {
  if (!aaguid || aaguid === ZERO_AAGUID) return null;
  return ownValue(NAMES, aaguid.toLowerCase()) ?? null;
}

/** The name a new passkey gets: its provider's, else "Passkey". */
export function defaultPasskeyName(aaguid: string | null | undefined): string {
  return authenticatorName(aaguid) ?? "Passkey";
}
