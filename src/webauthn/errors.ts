/** Turns @simplewebauthn/server verification errors into messages a person can act on (the detail goes to the log). */
import { AppError } from "../errors.ts";

export const PASSKEY_MESSAGES = {
  challengeMissing: "This passkey request expired or was already used. Please try again.",
  challengeMismatch: "This passkey response does not belong to this request. Please try again.",
  wrongSite: "This passkey response was made for a different website.",
  userVerification: "Your authenticator did not verify you (PIN, fingerprint or face). Please try again.",
  unknownPasskey: "This passkey is not registered here. It may have been removed, or it belongs to another site.",
  notYours: "This passkey belongs to a different account. Use one of your own passkeys.",
  counter: "This passkey reported a use counter lower than before, which can mean it was copied. Sign-in was refused; contact your administrator.",
  synced: "Synced passkeys are not allowed here. Use a passkey that stays on one device, such as a security key.",
  disabled: "This account is disabled. Contact your administrator.",
  duplicate: "This passkey is already registered.",
  invalid: "The passkey response could not be verified. Please try again.",
} as const;

export function verificationError(error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  if (/challenge/i.test(message)) return AppError.passkey(PASSKEY_MESSAGES.challengeMismatch);
  if (/origin|RP ID/i.test(message)) return AppError.passkey(PASSKEY_MESSAGES.wrongSite);
  if (/user verification/i.test(message)) return AppError.passkey(PASSKEY_MESSAGES.userVerification);
  return AppError.passkey(PASSKEY_MESSAGES.invalid);
}
