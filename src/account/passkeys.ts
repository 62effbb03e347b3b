/**
 * A person's own passkeys: list, rename, delete.
 * Deleting the last passkey needs an explicit confirmation: afterwards only a login code gets them back in.
 */
import type { Database } from "bun:sqlite";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import { countCredentialsOfUser, deleteCredential, findCredentialOfUser, listCredentialsByUser, renameCredential, type CredentialRow } from "../db/webauthn.ts";
import { AppError } from "../errors.ts";
import type { Clock } from "../lib/clock.ts";
import type { Random } from "../lib/random.ts";
import { authenticatorName } from "../webauthn/authenticator-names.ts";

type Deps = { db: Database; clock: Clock; random: Random };

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  synced: boolean;
  backedUp: boolean;
  provider: string | null;
}

export function toPasskeyView(row: CredentialRow): PasskeyView {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    synced: row.backup_eligible === 1,
    backedUp: row.backup_state === 1,
    provider: authenticatorName(row.aaguid),
  };
}

export function listPasskeys(db: Database, userId: string): PasskeyView[] {
  return listCredentialsByUser(db, userId).map(toPasskeyView);
}

export function findPasskey(db: Database, userId: string, id: string): PasskeyView {
  const row = findCredentialOfUser(db, userId, id);
  if (!row) throw AppError.notFound("This passkey does not exist (any more).");
  return toPasskeyView(row);
}

export function validatePasskeyName(name: string): string {
  const v = name.trim();
  if (!v) throw AppError.validation("Please correct the highlighted fields.", { name: "Enter a name." });
  if (v.length > 50) throw AppError.validation("Please correct the highlighted fields.", { name: "Use at most 50 characters." });
  return v;
}

export function renamePasskey(deps: Deps, userId: string, id: string, name: string, origin?: AuditOrigin): PasskeyView {
  const valid = validatePasskeyName(name);
  const before = findCredentialOfUser(deps.db, userId, id);
  const row = renameCredential(deps.db, userId, id, valid);
  if (!before || !row) throw AppError.notFound("This passkey does not exist (any more).");
  recordAuditEvent(deps, "PASSKEY_RENAMED", { userId, origin, data: { credentialID: row.credential_id, oldName: before.name, passkeyName: row.name } });
  return toPasskeyView(row);
}

export const LAST_PASSKEY_MESSAGE =
  "This is your only passkey. Confirm that you want to delete it: you will need a login code from an administrator to sign in again.";

/** Deletes one of the user's passkeys; the last one only with `confirmLast`. */
export function deletePasskey(deps: Deps, userId: string, id: string, opts: { confirmLast: boolean; origin?: AuditOrigin }): PasskeyView {
  const removed = deps.db
    .transaction(() => {
      if (!findCredentialOfUser(deps.db, userId, id)) throw AppError.notFound("This passkey does not exist (any more).");
      if (countCredentialsOfUser(deps.db, userId) === 1 && !opts.confirmLast) throw AppError.conflict(LAST_PASSKEY_MESSAGE);
      return deleteCredential(deps.db, userId, id)!;
    })
    .immediate();
  recordAuditEvent(deps, "PASSKEY_REMOVED", { userId, origin: opts.origin, data: { credentialID: removed.credential_id, passkeyName: removed.name } });
  return toPasskeyView(removed);
}
