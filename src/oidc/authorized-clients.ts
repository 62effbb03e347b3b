/**
 * The applications a person has allowed ("My apps"): what they consented to, and revoking it.
 * Revoking forgets the consent (the next sign-in asks again) and revokes every refresh and access
 * token the application holds for that person.
 */
import type { Database } from "bun:sqlite";
import { deleteAuthorizedClient, deleteGrantsOfUserAndClient, listAuthorizedClientsOfUser } from "../db/oidc-grants.ts";
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
    const client = findClientById(db, row.client_id);
    if (!client) continue;
    let scopes: string[] = [];
    try {
      scopes = JSON.parse(row.scope) as string[];
    } catch {
      scopes = [];
    }
    out.push({ client, scopes, firstAuthorizedAt: row.created_at, lastUsedAt: row.last_used_at });
  }
  return out;
}

/** Returns false when the person had not authorized this client. */
export function revokeAuthorizedClient(db: Database, userId: string, clientId: string): boolean {
  return db.transaction(() => {
    const had = deleteAuthorizedClient(db, userId, clientId);
    const grants = deleteGrantsOfUserAndClient(db, userId, clientId);
    return had || grants > 0;
  }).immediate();
}
