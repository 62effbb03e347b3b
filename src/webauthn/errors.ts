/** Turns @simplewebauthn/server verification errors into messages a person can act on (the detail goes to the log). */
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";

export const PASSKEY_MESSAGES = {
  challengeMissing: msg("passkeys.errorChallengeMissing"),
  challengeMismatch: msg("passkeys.errorChallengeMismatch"),
  wrongSite: msg("passkeys.errorWrongSite"),
  userVerification: msg("passkeys.errorUserVerification"),
  unknownPasskey: msg("passkeys.errorUnknownPasskey"),
  notYours: msg("passkeys.errorNotYours"),
  counter: msg("passkeys.errorCounter"),
  synced: msg("passkeys.errorSynced"),
  disabled: msg("passkeys.errorDisabled"),
  duplicate: msg("passkeys.errorDuplicate"),
  invalid: msg("passkeys.errorInvalid"),
} as const;

export function verificationError(error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  if (/challenge/i.test(message)) return AppError.passkey(PASSKEY_MESSAGES.challengeMismatch);
  if (/origin|RP ID/i.test(message)) return AppError.passkey(PASSKEY_MESSAGES.wrongSite);
  if (/user verification/i.test(message)) return AppError.passkey(PASSKEY_MESSAGES.userVerification);
  return AppError.passkey(PASSKEY_MESSAGES.invalid);
}
