/**
 * Passkey assertions over @simplewebauthn/server.
 * - Sign-in is discoverable (empty allowCredentials): the credential id finds the passkey, and the
 *   user handle (UTF-8 bytes of the user id), when sent, must name its owner.
 * - Re-authentication lists only the signed-in user's passkeys and refuses anyone else's.
 * - The signature counter must grow (0 staying 0 is fine); a counter that does not is refused and
 *   audited as PASSKEY_COUNTER_REGRESSION (a cloned authenticator).
 * - Synced passkeys are refused when the setting forbids them; disabled users are refused.
 */
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import { findUserById, type User } from "../db/users.ts";
import { findCredentialByCredentialId, listCredentialsByUser, recordCredentialUse, type Passkey } from "../db/webauthn.ts";
import { commitSoon } from "../db/group-commit.ts";
import { AppError } from "../errors.ts";
import { encodeBase64Url } from "../lib/base64url.ts";
import { nowSeconds } from "../lib/clock.ts";
import { challengeBytes, issueChallenge, takeChallenge } from "./challenges.ts";
import { PASSKEY_MESSAGES, verificationError } from "./errors.ts";
import type { WebAuthnDeps } from "./registration.ts";
import { CEREMONY_TIMEOUT_SECONDS, relyingParty, userHandleOf } from "./relying-party.ts";
import { webauthnLibrary } from "./server-library.ts";

export type AssertionPurpose = "login" | "reauthenticate";

/** Starts an assertion. For "reauthenticate", pass the signed-in user: only their passkeys are allowed. */
export async function startPasskeyAssertion(
  deps: WebAuthnDeps,
  input: { purpose: AssertionPurpose; userId?: string | null },
): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const rp = relyingParty(deps);
  const userId = input.purpose === "reauthenticate" ? (input.userId ?? null) : null;
  if (input.purpose === "reauthenticate" && !userId) throw AppError.unauthenticated();
  const challenge = await issueChallenge(deps, { purpose: input.purpose, userId, userVerification: rp.userVerification });
  const allowCredentials = userId
    ? listCredentialsByUser(deps.db, userId).map((c) => ({ id: c.credentialId, transports: c.transports as AuthenticatorTransport[] }))
    : [];
  const { generateAuthenticationOptions } = await webauthnLibrary();
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    challenge: challengeBytes(challenge.challenge),
    timeout: CEREMONY_TIMEOUT_SECONDS * 1000,
    userVerification: rp.userVerification,
    allowCredentials,
  });
  return { challengeId: challenge.id, options };
}

/**
 * Verifies an assertion; returns the passkey's owner and the updated passkey.
 *
 * `andThen` (synchronous) runs in the same transaction as the passkey's counter update, through the group commit:
 * a sign-in's own writes (its audit row, its session) commit together with the counter, and with those of other
 * sign-ins finishing in the same turn of the event loop, instead of each in a commit of its own. If it throws,
 * none of them is kept.
 */
export async function finishPasskeyAssertion<T = undefined>(
  deps: WebAuthnDeps,
  input: {
    challengeId: string | null;
    purpose: AssertionPurpose;
    response: AuthenticationResponseJSON;
    origin?: AuditOrigin;
    andThen?: (verified: { user: User; credential: Passkey }) => T;
  },
): Promise<{ user: User; credential: Passkey; then: T }> {
  const challenge = await takeChallenge(deps, input.challengeId, input.purpose);
  const rp = relyingParty(deps);
  const credentialId = typeof input.response?.id === "string" ? input.response.id : "";
  const credential = credentialId ? findCredentialByCredentialId(deps.db, credentialId) : null;
  if (!credential) throw AppError.passkey(PASSKEY_MESSAGES.unknownPasskey);
  if (challenge.userId !== null && challenge.userId !== credential.userId) throw AppError.passkey(PASSKEY_MESSAGES.notYours);
  const userHandle = input.response.response?.userHandle;
  if (userHandle && userHandle !== encodeBase64Url(userHandleOf(credential.userId))) throw AppError.passkey(PASSKEY_MESSAGES.notYours);
  const user = findUserById(deps.db, credential.userId);
  if (!user) throw AppError.passkey(PASSKEY_MESSAGES.unknownPasskey);

  let verified;
  const { verifyAuthenticationResponse } = await webauthnLibrary();
  try {
    verified = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: challenge.userVerification === "required",
      // The counter is checked below, after the signature, so a regression can be audited.
      credential: { id: credential.credentialId, publicKey: credential.publicKey as Uint8Array<ArrayBuffer>, counter: 0, transports: credential.transports as AuthenticatorTransport[] },
    });
  } catch (error) {
    deps.log.warn("passkey assertion refused", { credential: credential.id, reason: error instanceof Error ? error.message : String(error) });
    throw verificationError(error);
  }
  if (!verified.verified) throw AppError.passkey(PASSKEY_MESSAGES.invalid);
  const info = verified.authenticationInfo;

  if ((info.newCounter > 0 || credential.counter > 0) && info.newCounter <= credential.counter) {
    recordAuditEvent(deps, "PASSKEY_COUNTER_REGRESSION", {
      userId: user.id,
      origin: input.origin,
      data: { credentialID: credential.credentialId, passkeyName: credential.name, storedCounter: credential.counter, receivedCounter: info.newCounter },
    });
    throw AppError.passkey(PASSKEY_MESSAGES.counter);
  }
  if (credential.backupEligible && !rp.allowSyncedPasskeys) throw AppError.passkey(PASSKEY_MESSAGES.synced);
  if (user.disabled) throw new AppError("forbidden", PASSKEY_MESSAGES.disabled);

  const now = nowSeconds(deps.clock);
  const updated: Passkey = { ...credential, counter: info.newCounter, backupState: info.credentialBackedUp, lastUsedAt: now };
  const then = await commitSoon(deps.db, () => {
    recordCredentialUse(deps.db, credential.id, { counter: info.newCounter, backupState: info.credentialBackedUp, now });
    return input.andThen?.({ user, credential: updated }) as T;
  });
  return { user, credential: updated, then };
}
