/**
 * Signing in with a passkey, audited (the caller starts the browser session):
 * - the assertion itself is src/webauthn/authentication.ts (purpose "login");
 * - success: SIGN_IN with the passkey's name, and the new-device email when this IP and browser never
 *   signed in to the account before (checked before this sign-in is recorded);
 * - failure on a passkey that exists: SIGN_IN_FAILED on its owner's log with the reason shown to the
 *   person, so they see attempts on their account; anonymous noise (no such passkey) is not recorded.
 */
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { AuditOrigin } from "../audit/audit-log.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import type { Geolocator } from "../audit/geolocation.ts";
import { findCredentialByCredentialId, type Passkey } from "../db/webauthn.ts";
import type { User } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { isNewSignInDevice, notifyNewDeviceSignIn, type MailDeps } from "../mail/emails.ts";
import { finishPasskeyAssertion } from "../webauthn/authentication.ts";

export async function signInWithPasskey<T>(
  deps: MailDeps & { geo?: Geolocator },
  input: {
    challengeId: string | null;
    response: AuthenticationResponseJSON;
    origin: AuditOrigin;
    /** Starts what the sign-in gives (the browser session): committed with the audit row and the passkey's counter. */
    startSession: (user: User) => T;
  },
): Promise<{ user: User; credential: Passkey; session: T }> {
  try {
    const { user, credential, then } = await finishPasskeyAssertion(deps, {
      challengeId: input.challengeId,
      purpose: "login",
      response: input.response,
      origin: input.origin,
      andThen: ({ user, credential }) => {
        const newDevice = isNewSignInDevice(deps, user.id, input.origin);
        recordAuditEvent(deps, "SIGN_IN", { userId: user.id, origin: input.origin, data: { passkeyName: credential.name } });
        if (newDevice) notifyNewDeviceSignIn(deps, user, input.origin);
        return input.startSession(user);
      },
    });
    return { user, credential, session: then };
  } catch (error) {
    recordFailedSignIn(deps, input.response, error, input.origin);
    throw error;
  }
}

function recordFailedSignIn(deps: MailDeps & { geo?: Geolocator }, response: { id?: unknown }, error: unknown, origin: AuditOrigin): void {
  if (!(error instanceof AppError)) return;
  const owner = typeof response?.id === "string" && response.id ? findCredentialByCredentialId(deps.db, response.id) : null;
  if (!owner) return;
  recordAuditEvent(deps, "SIGN_IN_FAILED", { userId: owner.userId, origin, data: { passkeyName: owner.name, reason: error.message, code: error.code } });
}
