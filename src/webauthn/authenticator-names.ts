/**
 * Names for passkeys.
 * - Friendly names for well-known passkey providers, by AAGUID (from the community list at
 *   github.com/passkeydeveloper/passkey-authenticator-aaguids). For display only — never for security decisions.
 * - The name a new passkey is offered (and stored with until the person names it): the provider and the
 *   device it was made on ("iCloud Keychain on Mac", "Google Password Manager on Android"), the browser
 *   and the device when the provider is unknown ("Chrome on Linux"), the provider alone for a passkey
 *   made on another device (a security key, a phone over Bluetooth), "Security key" when nothing more is
 *   known about such an authenticator. The device comes from the User-Agent of the browser that
 *   created it: display only, like every User-Agent name (src/audit/user-agent.ts).
 */
import { msg, type Text } from "../i18n/message.ts";
import names from "./aaguids.json" with { type: "json" };
import { ownValue } from "../lib/own.ts";
import { parseUserAgent } from "../audit/user-agent.ts";

const NAMES: Record<string, string> = names;
const ZERO_AAGUID = "00000000-0000-0000-0000-000000000000";

/** The provider's name, or null when the AAGUID is unknown or all zeros (attestation "none" on some platforms). */
export function authenticatorName(aaguid: string | null | undefined): string | null {
  if (!aaguid || aaguid === ZERO_AAGUID) return null;
  return ownValue(NAMES, aaguid.toLowerCase()) ?? null;
}

/** What is known about a new passkey, to name it by. */
export interface NewPasskeyFacts {
  aaguid: string | null | undefined;
  /** The creating browser's User-Agent header. */
  userAgent: string | null | undefined;
  /** The response's authenticatorAttachment: "platform" (this device), "cross-platform" (a key or another device). */
  attachment: string | null | undefined;
}

/** The parts a suggested name is made of; the words around them come from the catalogue (passkeyNameText). */
export type PasskeyNameParts =
  | { kind: "provider-on-device"; provider: string; device: string }
  | { kind: "provider"; provider: string }
  | { kind: "browser-on-device"; browser: string; device: string }
  | { kind: "security-key" }
  | { kind: "passkey" };

// Apple's systems are named by the device people hold; the others by the system.
const DEVICES: Record<string, string> = { iOS: "iPhone", iPadOS: "iPad", macOS: "Mac", ChromeOS: "Chromebook" };

export function passkeyNameParts(facts: NewPasskeyFacts): PasskeyNameParts {
  const provider = authenticatorName(facts.aaguid);
  const ua = parseUserAgent(facts.userAgent);
  const device = ua.os ? (ownValue(DEVICES, ua.os.name) ?? ua.os.name) : null;
  const elsewhere = facts.attachment === "cross-platform";
  if (provider) {
    // "Chrome on Mac", "Windows Hello" already say where they live.
    const saysWhere = / on /.test(provider) || (device !== null && provider.includes(device));
    return elsewhere || !device || saysWhere ? { kind: "provider", provider } : { kind: "provider-on-device", provider, device };
  }
  if (elsewhere) return { kind: "security-key" };
  if (ua.browser && device) return { kind: "browser-on-device", browser: ua.browser.name, device };
  return { kind: "passkey" };
}

/** The suggested name as text for a language: provider, browser and device names are names, the words around them are the catalogue's. */
export function passkeyNameText(parts: PasskeyNameParts): Text {
  switch (parts.kind) {
    case "provider-on-device":
      return msg("passkeys.suggestedOnDevice", { provider: parts.provider, device: parts.device });
    case "provider":
      return parts.provider;
    case "browser-on-device":
      return msg("passkeys.suggestedOnDevice", { provider: parts.browser, device: parts.device });
    case "security-key":
      return msg("passkeys.suggestedSecurityKey");
    case "passkey":
      return msg("passkeys.suggestedPasskey");
  }
}

/** `name`, or "name (2)", "name (3)"… : the first that none of `taken` has (compared case-insensitively). */
export function distinctName(name: string, taken: readonly string[], maxLength: number): string {
  const used = new Set(taken.map((n) => n.toLowerCase()));
  if (!used.has(name.toLowerCase())) return name;
  for (let i = 2; ; i++) {
    const suffix = ` (${i})`;
    const candidate = name.slice(0, maxLength - suffix.length) + suffix;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}
