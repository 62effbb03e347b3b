/**
 * SCIM provisioning tables (migration 0022; the domain is src/scim/): the providers, what each one's server
 * holds for our users and groups, and the local snapshot a sync pushes.
 * - The token column holds the sealed value only; sealing and opening are the domain's (src/scim/providers.ts).
 * - Claims: one conditional UPDATE takes a provider for one instance until `claim_expires_at` (ms); a claim
 *   left by a dead instance expires. Results are recorded only by the instance holding the claim.
 */
import type { Database } from "./database.ts";
import type { User, UserRow } from "./users.ts";
import { toUser } from "./users.ts";

export interface ScimProvider {
  id: string;
  oidcClientId: string;
  endpoint: string;
  /** The sealed token, or null when the server takes none. */
  sealedToken: string | null;
  createdAt: number;
  updatedAt: number;
  lastAttemptAt: number | null;
  lastSyncedAt: number | null;
  lastError: string | null;
  /** JSON text of the last attempt's counts. */
  lastCounts: string | null;
  /** The instance syncing it now (null when none); its claim lasts until claimExpiresAt (ms). */
  claimedBy: string | null;
  claimExpiresAt: number | null;
  /** When a requested sync falls due (ms), or null. */
  syncDueAt: number | null;
}

type Row = {
  id: string;
  oidc_client_id: string;
  endpoint: string;
  token: string | null;
  created_at: number;
  updated_at: number;
  last_attempt_at: number | null;
  last_synced_at: number | null;
  last_error: string | null;
  last_counts: string | null;
  claimed_by: string | null;
  claim_expires_at: number | null;
  sync_due_at: number | null;
};

const num = (v: number | null) => (v === null ? null : Number(v));

function toProvider(r: Row): ScimProvider {
  return {
    id: r.id,
    oidcClientId: r.oidc_client_id,
    endpoint: r.endpoint,
    sealedToken: r.token,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    lastAttemptAt: num(r.last_attempt_at),
    lastSyncedAt: num(r.last_synced_at),
    lastError: r.last_error,
    lastCounts: r.last_counts,
    claimedBy: r.claimed_by,
    claimExpiresAt: num(r.claim_expires_at),
    syncDueAt: num(r.sync_due_at),
  };
}

const COLUMNS =
  "id, oidc_client_id, endpoint, token, created_at, updated_at, last_attempt_at, last_synced_at, last_error, last_counts, claimed_by, claim_expires_at, sync_due_at";

export function insertScimProvider(db: Database, p: { id: string; oidcClientId: string; endpoint: string; sealedToken: string | null; now: number; dueAt: number }): void {
  db.query(
    "INSERT INTO scim_service_providers (id, oidc_client_id, endpoint, token, created_at, updated_at, sync_due_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  ).run(p.id, p.oidcClientId, p.endpoint, p.sealedToken, p.now, p.now, p.dueAt);
}

export function findScimProviderById(db: Database, id: string): ScimProvider | null {
  const r = db.query<Row, [string]>(`SELECT ${COLUMNS} FROM scim_service_providers WHERE id = ?`).get(id);
  return r ? toProvider(r) : null;
}

export function findScimProviderByClient(db: Database, clientId: string): ScimProvider | null {
  const r = db.query<Row, [string]>(`SELECT ${COLUMNS} FROM scim_service_providers WHERE oidc_client_id = ?`).get(clientId);
  return r ? toProvider(r) : null;
}

export function listScimProviders(db: Database): ScimProvider[] {
  return db.query<Row, []>(`SELECT ${COLUMNS} FROM scim_service_providers ORDER BY created_at, id`).all().map(toProvider);
}

/** Saves an edit; `sealedToken` undefined keeps the stored token. A sync falls due at `dueAt`. */
export function saveScimProviderSettings(
  db: Database,
  id: string,
  p: { oidcClientId: string; endpoint: string; sealedToken?: string | null; now: number; dueAt: number },
): boolean {
  if (p.sealedToken === undefined) {
    return db
      .query("UPDATE scim_service_providers SET oidc_client_id = ?, endpoint = ?, updated_at = ?, sync_due_at = ? WHERE id = ?")
      .run(p.oidcClientId, p.endpoint, p.now, p.dueAt, id).changes === 1;
  }
  return db
    .query("UPDATE scim_service_providers SET oidc_client_id = ?, endpoint = ?, token = ?, updated_at = ?, sync_due_at = ? WHERE id = ?")
    .run(p.oidcClientId, p.endpoint, p.sealedToken, p.now, p.dueAt, id).changes === 1;
}

export function deleteScimProviderById(db: Database, id: string): boolean {
  return db.query("DELETE FROM scim_service_providers WHERE id = ?").run(id).changes === 1;
}

/**
 * Providers whose change counter moved since last looked at get a sync due at `dueAt` (a later change moves it
 * again: five minutes after the last of a burst of changes). Returns how many.
 */
export function scheduleScimSyncsAfterChanges(db: Database, dueAt: number): number {
  return db.query("UPDATE scim_service_providers SET seen_change_count = change_count, sync_due_at = ? WHERE change_count <> seen_change_count").run(dueAt).changes;
}

export function listDueScimProviderIds(db: Database, now: number): string[] {
  return db
    .query<{ id: string }, [number]>("SELECT id FROM scim_service_providers WHERE sync_due_at IS NOT NULL AND sync_due_at <= ? ORDER BY sync_due_at, id")
    .all(now)
    .map((r) => r.id);
}

/** Takes the provider for `instance` until `expiresAt` unless another instance holds an unexpired claim; clears a due request. */
export function claimScimProvider(db: Database, id: string, instance: string, now: number, expiresAt: number): boolean {
  return (
    db
      .query(
        `UPDATE scim_service_providers SET claimed_by = ?, claim_expires_at = ?, sync_due_at = NULL
         WHERE id = ? AND (claimed_by IS NULL OR claim_expires_at <= ?)`,
      )
      .run(instance, expiresAt, id, now).changes === 1
  );
}

/** Records a finished attempt and releases the claim; false when the claim was lost meanwhile. */
export function finishScimSync(
  db: Database,
  id: string,
  instance: string,
  r: { attemptAt: number; ok: boolean; error: string | null; counts: string },
): boolean {
  return (
    db
      .query(
        `UPDATE scim_service_providers SET last_attempt_at = ?, last_synced_at = CASE WHEN ? = 1 THEN ? ELSE last_synced_at END,
           last_error = ?, last_counts = ?, claimed_by = NULL, claim_expires_at = NULL
         WHERE id = ? AND claimed_by = ?`,
      )
      .run(r.attemptAt, r.ok ? 1 : 0, r.attemptAt, r.error, r.counts, id, instance).changes === 1
  );
}

// --- what the remote server holds ----------------------------------------------------------------

export type ScimResourceType = "User" | "Group";

export interface ProvisionedResource {
  resourceType: ScimResourceType;
  localId: string;
  remoteId: string;
  payloadHash: string;
  syncedAt: number;
}

type ResourceRow = { resource_type: ScimResourceType; local_id: string; remote_id: string; payload_hash: string; synced_at: number };

export function listProvisionedResources(db: Database, providerId: string): ProvisionedResource[] {
  return db
    .query<ResourceRow, [string]>(
      "SELECT resource_type, local_id, remote_id, payload_hash, synced_at FROM scim_provisioned_resources WHERE provider_id = ? ORDER BY resource_type, local_id",
    )
    .all(providerId)
    .map((r) => ({ resourceType: r.resource_type, localId: r.local_id, remoteId: r.remote_id, payloadHash: r.payload_hash, syncedAt: Number(r.synced_at) }));
}

export function saveProvisionedResource(db: Database, providerId: string, r: ProvisionedResource): void {
  db.query(
    `INSERT INTO scim_provisioned_resources (provider_id, resource_type, local_id, remote_id, payload_hash, synced_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (provider_id, resource_type, local_id) DO UPDATE SET remote_id = excluded.remote_id, payload_hash = excluded.payload_hash, synced_at = excluded.synced_at`,
  ).run(providerId, r.resourceType, r.localId, r.remoteId, r.payloadHash, r.syncedAt);
}

export function deleteProvisionedResource(db: Database, providerId: string, type: ScimResourceType, localId: string): void {
  db.query("DELETE FROM scim_provisioned_resources WHERE provider_id = ? AND resource_type = ? AND local_id = ?").run(providerId, type, localId);
}

/** Forgets everything a provider's server holds (its endpoint or client changed: those ids mean nothing now). */
export function clearProvisionedResources(db: Database, providerId: string): void {
  db.query("DELETE FROM scim_provisioned_resources WHERE provider_id = ?").run(providerId);
}

// --- the local snapshot a sync pushes --------------------------------------------------------------

export interface ScimGroupSource {
  id: string;
  name: string;
  friendlyName: string;
  memberIds: string[];
}

/**
 * The users and groups `clientId` provisions: with a group restriction its allowed groups and their members,
 * otherwise every user and group (Pocket ID's rule). Read in one transaction by the caller.
 */
export function readScimSnapshot(db: Database, clientId: string, restricted: boolean): { users: User[]; groups: ScimGroupSource[] } {
  const users = restricted
    ? db
        .query<UserRow, [string]>(
          `SELECT * FROM users WHERE id IN (
             SELECT m.user_id FROM user_groups_users m JOIN oidc_clients_allowed_user_groups a ON a.user_group_id = m.user_group_id WHERE a.client_id = ?)
           ORDER BY id`,
        )
        .all(clientId)
    : db.query<UserRow, []>("SELECT * FROM users ORDER BY id").all();
  const groups = restricted
    ? db
        .query<{ id: string; name: string; friendly_name: string }, [string]>(
          `SELECT g.id, g.name, g.friendly_name FROM user_groups g JOIN oidc_clients_allowed_user_groups a ON a.user_group_id = g.id WHERE a.client_id = ? ORDER BY g.id`,
        )
        .all(clientId)
    : db.query<{ id: string; name: string; friendly_name: string }, []>("SELECT id, name, friendly_name FROM user_groups ORDER BY id").all();
  const members = new Map<string, string[]>(groups.map((g) => [g.id, []]));
  for (const m of db.query<{ user_id: string; user_group_id: string }, []>("SELECT user_id, user_group_id FROM user_groups_users ORDER BY user_id").all()) {
    members.get(m.user_group_id)?.push(m.user_id);
  }
  return {
    users: users.map(toUser),
    groups: groups.map((g) => ({ id: g.id, name: g.name, friendlyName: g.friendly_name, memberIds: members.get(g.id)! })),
  };
}
