/**
 * What a signed-in person (or a browser before sign-in) sends and reads as JSON: "my apps", the
 * emailed login code, and the WebAuthn ceremonies' bodies (static/src/passkey.ts). The passkey
 * response itself is checked by @simplewebauthn/server; here it only has to be present as an object.
 */
import { t } from "elysia";
import { Input, IsoTime, LongText, Maybe, Nullable, ShortText } from "./common.ts";

export const LaunchableApp = t.Object(
  { id: t.String(), name: t.String(), description: t.String(), launchUrl: Nullable(t.String()), hasLogo: t.Boolean() },
  { $id: "LaunchableApp" },
);

export const AuthorizedApp = t.Object(
  { client: t.Object({ id: t.String(), name: t.String(), hasLogo: t.Boolean() }), scope: t.String(), lastUsedAt: Nullable(IsoTime) },
  { $id: "AuthorizedApp" },
);

export const EmailLoginCodeRequest = Input(
  { email: Maybe(ShortText({ description: "Required: the address to send the code to" })), redirectPath: Maybe(LongText({ description: "A local path to continue at" })) },
  { $id: "EmailLoginCodeRequest" },
);

/** POST /api/users/me/verify-email (Pocket ID's EmailVerificationDto). */
export const EmailVerificationInput = Input({ token: Maybe(ShortText({ description: "Required: the token from the /verify-email?token= link" })) }, { $id: "EmailVerificationInput" });

/** `…/finish` of a WebAuthn ceremony: the authenticator's answer and where to continue. */
export const PasskeyCeremonyFinish = Input({
  // Checked by @simplewebauthn/server; the route answers 400 "The request must contain the passkey response." without it.
  response: t.Optional(t.Unknown()),
  redirect: Maybe(LongText()),
  name: Maybe(ShortText()),
});

export const PasskeyRename = Input({ name: t.Optional(ShortText()) });

export const PasskeyDeleteQuery = Input({ confirmLast: t.Optional(t.String({ description: "true to delete your last passkey" })) });

/** `…/start` of a WebAuthn ceremony: the options for navigator.credentials (a challenge cookie binds them to this browser). */
export const PasskeyCeremonyStart = t.Object({ options: t.Record(t.String(), t.Unknown(), { description: "PublicKeyCredentialCreationOptionsJSON or …RequestOptionsJSON" }) }, { $id: "PasskeyCeremonyStart" });

/** Where the browser continues after a passkey sign-in or re-authentication (a local path). */
export const PasskeyContinue = t.Object({ redirect: t.String() }, { $id: "PasskeyContinue" });

/** Pocket ID's passkey DTO, plus what the account page shows. */
export const OwnPasskey = t.Object(
  {
    id: t.String(),
    name: t.String(),
    createdAt: IsoTime,
    lastUsedAt: Nullable(IsoTime),
    backupEligible: t.Boolean(),
    backupState: t.Boolean(),
    provider: Nullable(t.String()),
  },
  { $id: "OwnPasskey" },
);
