/**
 * The applications a person has allowed ("My apps"): recording consent, reading it, and revoking it.
 * - Consent only grows: each approval (/authorize, /device) stores the union of the scopes allowed
 *   before and now, in the caller's transaction.
 * - Revoking forgets the consent (the next sign-in asks again) and revokes every refresh and access
 *   token the application holds for that person; audited as SESSION_REVOKED (reason authorization_revoked).
 */
import type { Database } from "../db/database.ts";
import type { AuditDeps, PersonActor } from "../audit/actor.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import {
  deleteAuthorizedClient,
  deleteGrantsOfUserAndClient,
  findAuthorizedClient,
  listAuthorizedClientsOfUser,
  upsertAuthorizedClient,
} from "../db/oidc-grants.ts";
import { findClientById, type OidcClient } from "./clients.ts";

export interface AuthorizedClient {
  client: OidcClient;
  scopes: string[];
  firstAuthorizedAt: number;
  lastUsedAt: number;
}

export function listAuthorizedClients(db: Database, userId: string): AuthorizedClient[] {
  const out: AuthorizedClient[] = [];
  for (const row of listAuthorizedClientsOfUser(db, userId)) {
    const client = findClientById(db, row.clientId);
    if (!client) continue;
    out.push({ client, scopes: row.scopes, firstAuthorizedAt: row.createdAt, lastUsedAt: row.lastUsedAt });
  }
  return out;
}

/** The person withdraws a client's access. Returns false when they had not authorized it. */
export function revokeAuthorizedClient(deps: AuditDeps, actor: PersonActor, clientId: string): boolean {
  const { db } = deps;
  const userId = actor.userId;
  return db.transaction(() => {
    const had = deleteAuthorizedClient(db, userId, clientId);
    const grants = deleteGrantsOfUserAndClient(db, userId, clientId);
    if (!had && grants === 0) return false;
    recordAuditEvent(deps, "SESSION_REVOKED", { userId, origin: actor.origin, data: { clientId, reason: "authorization_revoked" } });
    return true;
  }).immediate();
}

/** The scopes the person has allowed this client, or null when they never consented to it. */
export function findConsentedScopes(db: Database, userId: string, clientId: string): string[] | null {
  return findAuthorizedClient(db, userId, clientId)?.scopes ?? null;
}

/**
 * The person allowed `scopes` to the client: stores the union with what they allowed before. Call it
 * inside the transaction that acts on the approval. `isNew` on the first consent to this client.
 */
export function recordConsent(db: Database, input: { userId: string; clientId: string; scopes: readonly string[]; now: number }): { isNew: boolean } {
  const existing = findAuthorizedClient(db, input.userId, input.clientId);
  const granted = existing?.scopes ?? [];
  const union = [...new Set([...granted, ...input.scopes])];
  upsertAuthorizedClient(db, { userId: input.userId, clientId: input.clientId, scopes: union, createdAt: input.now, lastUsedAt: input.now });
  return { isNew: existing === null };
}
