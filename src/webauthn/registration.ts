/**
 * Passkey registration over @simplewebauthn/server.
 * - Discoverable credentials only (residentKey required), attestation none, ES256/EdDSA/RS256.
 * - excludeCredentials lists the user's passkeys so an authenticator cannot register twice.
 * - The challenge row is bound to the user who started the ceremony.
 * - Synced (backup-eligible) passkeys are refused when the setting forbids them.
 * - A new passkey is audited (PASSKEY_ADDED) with its insert, in one transaction.
 * - Without a given name it is stored with the suggested one (provider and device, authenticator-names.ts),
 *   made distinct from the person's other passkeys ("… (2)"); the browser then asks for a name.
 */
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Database } from "../db/database.ts";
import type { PersonActor } from "../audit/actor.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import type { Geolocator } from "../audit/geolocation.ts";
import type { Config } from "../config.ts";
import { findCredentialByCredentialId, insertCredential, listCredentialsByUser, type Passkey } from "../db/webauthn.ts";
import type { User } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { randomUuid, type Random } from "../lib/random.ts";
import { distinctName, passkeyNameParts, passkeyNameText } from "./authenticator-names.ts";
import type { Text } from "../i18n/message.ts";
import { englishText } from "../i18n/translator.ts";
import { challengeBytes, issueChallenge, takeChallenge } from "./challenges.ts";
import { PASSKEY_MESSAGES, verificationError } from "./errors.ts";
import { MAX_PASSKEY_NAME_LENGTH, registrationPasskeyName } from "./passkeys.ts";
import { CEREMONY_TIMEOUT_SECONDS, relyingParty, SUPPORTED_ALGORITHM_IDS, userHandleOf } from "./relying-party.ts";
import { webauthnLibrary } from "./server-library.ts";

export interface WebAuthnDeps {
  db: Database;
  clock: Clock;
  random: Random;
  config: Config;
  log: Log;
  geo?: Geolocator;
}

type UserForRegistration = Pick<User, "id" | "username" | "firstName" | "lastName" | "displayName">;

export async function startPasskeyRegistration(
  deps: WebAuthnDeps,
  user: UserForRegistration,
): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const rp = relyingParty(deps);
  const challenge = await issueChallenge(deps, { purpose: "register", userId: user.id, userVerification: rp.userVerification });
  const existing = listCredentialsByUser(deps.db, user.id);
  const { generateRegistrationOptions } = await webauthnLibrary();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userID: userHandleOf(user.id),
    userDisplayName: user.displayName || [user.firstName, user.lastName].filter(Boolean).join(" ") || user.username,
    challenge: challengeBytes(challenge.challenge),
    timeout: CEREMONY_TIMEOUT_SECONDS * 1000,
    attestationType: "none",
    excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: c.transports as AuthenticatorTransport[] })),
    authenticatorSelection: {
      residentKey: "required",
      requireResidentKey: true,
      userVerification: rp.userVerification,
      ...(rp.authenticatorAttachment === "any" ? {} : { authenticatorAttachment: rp.authenticatorAttachment }),
    },
    extensions: { credProps: true },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
  });
  return { challengeId: challenge.id, options };
}

/** Verifies the registration of the signed-in person (`actor`) and stores their new passkey. */
export async function finishPasskeyRegistration(
  deps: WebAuthnDeps,
  actor: PersonActor,
  input: {
    challengeId: string | null;
    response: RegistrationResponseJSON;
    name?: string;
    /** The creating browser's User-Agent: the device part of the suggested name. */
    userAgent?: string | null;
    /** Puts the suggested name into the person's language; English by default. */
    language?: (text: Text) => string;
  },
): Promise<Passkey> {
  const userId = actor.userId;
  const challenge = await takeChallenge(deps, input.challengeId, "register");
  if (challenge.userId !== userId) throw AppError.passkey(PASSKEY_MESSAGES.challengeMismatch);
  const rp = relyingParty(deps);
  let verified;
  const { verifyRegistrationResponse } = await webauthnLibrary();
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: challenge.userVerification === "required",
      supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
    });
  } catch (error) {
    deps.log.warn("passkey registration refused", { userId, reason: error instanceof Error ? error.message : String(error) });
    throw verificationError(error);
  }
  if (!verified.verified) throw AppError.passkey(PASSKEY_MESSAGES.invalid);
  const info = verified.registrationInfo;
  const synced = info.credentialDeviceType === "multiDevice";
  if (synced && !rp.allowSyncedPasskeys) throw AppError.passkey(PASSKEY_MESSAGES.synced);
  if (findCredentialByCredentialId(deps.db, info.credential.id)) throw AppError.conflict(PASSKEY_MESSAGES.duplicate);

  const passkey: Passkey = {
    id: randomUuid(deps.random),
    userId,
    name: registrationPasskeyName(input.name, suggestedName(deps.db, userId, info.aaguid, input)),
    credentialId: info.credential.id,
    publicKey: info.credential.publicKey,
    counter: info.credential.counter,
    transports: info.credential.transports ?? input.response.response.transports ?? [],
    aaguid: info.aaguid,
    deviceType: info.credentialDeviceType,
    backupEligible: synced,
    backupState: info.credentialBackedUp,
    createdAt: nowSeconds(deps.clock),
    lastUsedAt: null,
  };
  deps.db.transaction(() => {
    insertCredential(deps.db, passkey);
    recordAuditEvent(deps, "PASSKEY_ADDED", { userId, origin: actor.origin, data: { credentialID: passkey.credentialId, passkeyName: passkey.name } });
  }).immediate();
  return passkey;
}

function suggestedName(db: Database, userId: string, aaguid: string, input: { response: RegistrationResponseJSON; userAgent?: string | null; language?: (text: Text) => string }): string {
  const parts = passkeyNameParts({ aaguid, userAgent: input.userAgent, attachment: input.response.authenticatorAttachment });
  const name = (input.language ?? englishText)(passkeyNameText(parts)).slice(0, MAX_PASSKEY_NAME_LENGTH);
  return distinctName(name, listCredentialsByUser(db, userId).map((c) => c.name), MAX_PASSKEY_NAME_LENGTH);
}


