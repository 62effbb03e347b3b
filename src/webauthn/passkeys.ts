/**
 * Passkeys as an entity, for the account page, the JSON API (/api/webauthn/credentials) and the admin
 * (/settings/admin/users/:id, /api/users/:id/webauthn-credentials): list, rename, delete, limits. The
 * ceremonies that create and use them are registration.ts and authentication.ts.
 * - A name is 1–50 characters after trimming (a registration's given name is cut to 50).
 * - A person deleting their last passkey must confirm it: afterwards only a login code gets them back
 *   in. An administrator's delete needs no confirmation (they can hand out that login code).
 * - A passkey is found only together with its owner: another user's passkey id is "not found".
 * - Audited here: PASSKEY_RENAMED (only when the name changes) / PASSKEY_REMOVED on the person's own log, ADMIN_CHANGE (passkey delete)
 *   for an administrator's delete; in the change's transaction.
 */
import type { Database } from "../db/database.ts";
import { auditedChange, type Actor, type AuditDeps, type PersonActor } from "../audit/actor.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import { countCredentialsOfUser, deleteCredential, findCredentialByCredentialId, findCredentialOfUser, listCredentialsByUser, renameCredential, type Passkey } from "../db/webauthn.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { authenticatorName } from "./authenticator-names.ts";

export const MAX_PASSKEY_NAME_LENGTH = 50;

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** Backup eligible: a synced (multi-device) passkey. */
  synced: boolean;
  backedUp: boolean;
  /** "singleDevice" or "multiDevice", as the authenticator reported it at registration. */
  deviceType: string;
  provider: string | null;
}

export function toPasskeyView(p: Passkey): PasskeyView {
  return {
    id: p.id,
    name: p.name,
    createdAt: p.createdAt,
    lastUsedAt: p.lastUsedAt,
    synced: p.backupEligible,
    backedUp: p.backupState,
    deviceType: p.deviceType,
    provider: authenticatorName(p.aaguid),
  };
}

/** The user's passkeys, oldest first. */
export function listPasskeys(db: Database, userId: string): PasskeyView[] {
  return listCredentialsByUser(db, userId).map(toPasskeyView);
}

export function findPasskey(db: Database, userId: string, id: string): PasskeyView {
  const row = findCredentialOfUser(db, userId, id);
  if (!row) throw AppError.notFound(msg("passkeys.errorNotFound"));
  return toPasskeyView(row);
}

/** Whether the user has at least one passkey. */
export function hasPasskey(db: Database, userId: string): boolean {
  return countCredentialsOfUser(db, userId) > 0;
}

/** Whether a passkey with this WebAuthn credential id (the authenticator's, not our row id) exists, whoever owns it. */
export function isRegisteredPasskey(db: Database, credentialId: string): boolean {
  return findCredentialByCredentialId(db, credentialId) !== null;
}

export function validatePasskeyName(name: string): string {
  const v = name.trim();
  if (!v) throw AppError.validation(msg("validation.summary"), { name: msg("passkeys.errorNameRequired") });
  if (v.length > MAX_PASSKEY_NAME_LENGTH) throw AppError.validation(msg("validation.summary"), { name: msg("passkeys.errorNameTooLong", { max: MAX_PASSKEY_NAME_LENGTH }) });
  return v;
}

/** The name a registration stores: the given one cut to the limit, else `fallback` (the provider's name). */
export function registrationPasskeyName(given: string | undefined, fallback: string): string {
  return (given ?? "").trim().slice(0, MAX_PASSKEY_NAME_LENGTH) || fallback;
}

/** The person renames one of their passkeys. */
export function renamePasskey(deps: AuditDeps, actor: PersonActor, id: string, name: string): PasskeyView {
  const valid = validatePasskeyName(name);
  return deps.db
    .transaction(() => {
      const before = findCredentialOfUser(deps.db, actor.userId, id);
      if (!before) throw AppError.notFound(msg("passkeys.errorNotFound"));
      // Keeping the name (the naming step's suggestion saved as it is) changes nothing and records nothing.
      if (before.name === valid) return toPasskeyView(before);
      const row = renameCredential(deps.db, actor.userId, id, valid);
      if (!row) throw AppError.notFound(msg("passkeys.errorNotFound"));
      recordAuditEvent(deps, "PASSKEY_RENAMED", { userId: actor.userId, origin: actor.origin, data: { credentialID: row.credentialId, oldName: before.name, passkeyName: row.name } });
      return toPasskeyView(row);
    })
    .immediate();
}

export const LAST_PASSKEY_MESSAGE = msg("passkeys.errorLastPasskey");

/** The person deletes one of their passkeys; the last one only with `confirmLast`. */
export function deletePasskey(deps: AuditDeps, actor: PersonActor, id: string, opts: { confirmLast: boolean }): PasskeyView {
  const userId = actor.userId;
  return deps.db
    .transaction(() => {
      if (!findCredentialOfUser(deps.db, userId, id)) throw AppError.notFound(msg("passkeys.errorNotFound"));
      if (countCredentialsOfUser(deps.db, userId) === 1 && !opts.confirmLast) throw AppError.conflict(LAST_PASSKEY_MESSAGE);
      const removed = deleteCredential(deps.db, userId, id)!;
      recordAuditEvent(deps, "PASSKEY_REMOVED", { userId, origin: actor.origin, data: { credentialID: removed.credentialId, passkeyName: removed.name } });
      return toPasskeyView(removed);
    })
    .immediate();
}

/** An administrator deletes a passkey of `userId` (no last-passkey confirmation). */
export function deletePasskeyOfUser(deps: AuditDeps, actor: Actor, userId: string, id: string): PasskeyView {
  return auditedChange(
    deps,
    actor,
    () => {
      const row = deleteCredential(deps.db, userId, id);
      if (!row) throw AppError.notFound(msg("passkeys.errorNotFound"));
      return toPasskeyView(row);
    },
    (p) => ({ entity: "passkey", action: "delete", id: p.id, changes: { userId, name: p.name } }),
  );
}
