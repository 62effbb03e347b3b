/**
 * One SCIM sync of one provider: pushes the users and groups of its OIDC client to its SCIM 2.0 server.
 * - What is pushed (Pocket ID's rule): a group-restricted client's allowed groups and their members; an
 *   unrestricted client's every user and group. Disabled users are pushed with `active: false`.
 * - Resources (Pocket ID's shapes): User {externalId (our id), userName, name {givenName, familyName},
 *   displayName, active, emails [{value, primary}]}; Group {externalId, displayName (the friendly name),
 *   members [{value: the user's id on the server}]}.
 * - Matching: the remote id we recorded (scim_provisioned_resources); else the server's resource with the same
 *   userName (groups: displayName), found with a `filter … eq` query and adopted (updated with PUT); else POST.
 *   A recorded resource the server no longer has (404) is created again. A remote resource is one of ours at
 *   most: a match already recorded for another (two local groups may share a friendly name) is not adopted, and
 *   an answer naming an id another of ours holds is that resource's failure, not recorded.
 * - Unchanged resources (same digest as last pushed) are not sent again, except by a forced sync ("Sync now"),
 *   which puts every resource back as we have it.
 * - Removal: a group no longer pushed is deleted; a user no longer pushed is deleted, or deactivated (PATCH
 *   active false) when the server does not delete (405/501). Groups are handled after users are created and
 *   before users are removed, so memberships never name a user the server lacks.
 * - One resource's failure is recorded and the sync goes on; a refused token (401/403), an unreachable server,
 *   three resources in a row failed by the server (5xx after the retries), a stored token this ENCRYPTION_KEY
 *   cannot open, or the time limit ends it. Every outcome is the provider's status (last attempt,
 *   last success, last error, counts); each resource's mapping is saved as soon as the server answered, so an
 *   interrupted sync never creates a resource twice.
 * - One instance syncs a provider at a time (claimScimProvider); a provider busy elsewhere is skipped.
 */
import { createHash } from "node:crypto";
import type { Database } from "../db/database.ts";
import { findClient } from "../db/oidc-clients.ts";
import {
  claimScimProvider,
  deleteProvisionedResource,
  findScimProviderById,
  finishScimSync,
  listProvisionedResources,
  readScimSnapshot,
  saveProvisionedResource,
  type ProvisionedResource,
  type ScimGroupSource,
  type ScimResourceType,
} from "../db/scim.ts";
import type { User } from "../db/users.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { DecryptionError, type SealedBox } from "../lib/sealed-box.ts";
import { cleanText, createScimClient, filterValue, GROUP_SCHEMA, PATCH_SCHEMA, ScimError, scimFailure, USER_SCHEMA, type ScimClient, type ScimFetch } from "./scim-client.ts";
import { tokenPurpose } from "./token.ts";

/** How long one sync may run before it stops (the rest waits for the next sync). */
export const SYNC_TIME_LIMIT_MS = 10 * 60_000;
/** Resources in a row the server may fail (5xx after the retries) before the sync stops. */
export const MAX_SERVER_FAILURES_IN_A_ROW = 3;
/** How long a claim holds: beyond the time limit, so a live sync never loses it; a dead instance's expires. */
export const SYNC_CLAIM_MS = 15 * 60_000;

export interface ScimSyncDeps {
  db: Database;
  clock: Clock;
  box: SealedBox;
  log: Log;
  fetch: ScimFetch;
  /** Names this instance in claims. */
  instanceId: string;
  /** Waits between retries (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Retry tuning (tests shorten the waits). */
  retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number; requestTimeoutMs?: number };
  timeLimitMs?: number;
}

export interface SyncCounts {
  usersCreated: number;
  usersUpdated: number;
  usersDeleted: number;
  usersDeactivated: number;
  usersUnchanged: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsDeleted: number;
  groupsUnchanged: number;
  failed: number;
}

export type SyncResult = { outcome: "ok" | "failed"; error: string | null; counts: SyncCounts } | { outcome: "busy" } | { outcome: "not_found" };

export const emptyCounts = (): SyncCounts => ({
  usersCreated: 0,
  usersUpdated: 0,
  usersDeleted: 0,
  usersDeactivated: 0,
  usersUnchanged: 0,
  groupsCreated: 0,
  groupsUpdated: 0,
  groupsDeleted: 0,
  groupsUnchanged: 0,
  failed: 0,
});

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The SCIM User we push for a local user. */
export function userResource(u: User): Record<string, unknown> {
  const name: Record<string, string> = {};
  if (u.firstName) name.givenName = u.firstName;
  if (u.lastName) name.familyName = u.lastName;
  return {
    schemas: [USER_SCHEMA],
    externalId: u.id,
    userName: u.username,
    ...(Object.keys(name).length ? { name } : {}),
    ...(u.displayName ? { displayName: u.displayName } : {}),
    active: !u.disabled,
    ...(u.email ? { emails: [{ value: u.email, primary: true }] } : {}),
  };
}

/** The SCIM Group we push; `members` are the users' ids on the server. */
export function groupResource(g: ScimGroupSource, memberRemoteIds: string[]): Record<string, unknown> {
  return { schemas: [GROUP_SCHEMA], externalId: g.id, displayName: g.friendlyName, members: memberRemoteIds.map((value) => ({ value })) };
}

/** Longest remote id kept (RFC 7644 sets none; ours are UUIDs, servers' are of that order). */
export const MAX_REMOTE_ID_LENGTH = 1024;

/**
 * A server's resource id as we may record it and put in a path, or null: a non-empty string of at most
 * MAX_REMOTE_ID_LENGTH characters, not "." or ".." (a dot segment: /Users/.. would address the endpoint itself).
 */
export function remoteIdOf(value: unknown): string | null {
  if (typeof value !== "string" || value === "" || value.length > MAX_REMOTE_ID_LENGTH || value === "." || value === "..") return null;
  return value;
}

const digest = (resource: unknown) => createHash("sha256").update(JSON.stringify(resource)).digest("base64url");

class TimeLimitError extends Error {}

/** Syncs provider `id` unless another instance is syncing it; records the outcome as its status. */
export async function syncScimProvider(deps: ScimSyncDeps, id: string, opts: { force?: boolean } = {}): Promise<SyncResult> {
  const { db, clock } = deps;
  const startedAt = clock.now();
  if (!findScimProviderById(db, id)) return { outcome: "not_found" };
  if (!claimScimProvider(db, id, deps.instanceId, startedAt, startedAt + SYNC_CLAIM_MS)) return { outcome: "busy" };
  const counts = emptyCounts();
  const failures: string[] = [];
  let fatal: string | null = null;
  try {
    await runSync(deps, id, opts.force ?? false, startedAt + (deps.timeLimitMs ?? SYNC_TIME_LIMIT_MS), counts, failures);
  } catch (e) {
    if (e instanceof ScimError || e instanceof TimeLimitError || e instanceof DecryptionError) fatal = e.message;
    else {
      deps.log.error("SCIM sync failed unexpectedly", { provider: id, error: e instanceof Error ? e.message : String(e) });
      fatal = "internal error (see the server log)";
    }
  }
  const error = fatal ?? (failures.length ? summarise(failures, counts) : null);
  if (error) deps.log.warn("SCIM sync did not complete", { provider: id, error });
  else deps.log.info("SCIM sync completed", { provider: id, ...counts });
  const recorded = finishScimSync(db, id, deps.instanceId, { attemptAt: nowSeconds(clock), ok: error === null, error, counts: JSON.stringify(counts) });
  if (!recorded) deps.log.warn("SCIM sync finished after its claim was lost (provider deleted or claim expired)", { provider: id });
  return { outcome: error === null ? "ok" : "failed", error, counts };
}

function summarise(failures: string[], counts: SyncCounts): string {
  const more = failures.length > 3 ? ` (and ${failures.length - 3} more)` : "";
  return `${counts.failed} resource${counts.failed === 1 ? "" : "s"} failed: ${failures.slice(0, 3).join("; ")}${more}`;
}

async function runSync(deps: ScimSyncDeps, id: string, force: boolean, deadline: number, counts: SyncCounts, failures: string[]): Promise<void> {
  const { db, clock } = deps;
  // One consistent local snapshot, read before any request (no transaction is held across the network).
  const snap = db.transaction(() => {
    const provider = findScimProviderById(db, id);
    const client = provider ? findClient(db, provider.oidcClientId) : null;
    if (!provider || !client) return null;
    return { provider, ...readScimSnapshot(db, client.id, !client.unrestricted), mapped: listProvisionedResources(db, id) };
  })();
  if (!snap) throw new ScimError("the provider or its client was deleted", null);
  const token = snap.provider.sealedToken === null ? null : openToken(deps.box, id, snap.provider.sealedToken);
  const scim = createScimClient({ fetch: deps.fetch, endpoint: snap.provider.endpoint, token, sleep: deps.sleep ?? defaultSleep, now: () => clock.now(), ...deps.retry });

  const mapped = new Map<string, ProvisionedResource>(snap.mapped.map((r) => [`${r.resourceType}:${r.localId}`, r]));
  // Which of our resources holds each remote id ("User:<remote id>" → local id): one remote resource is never two of ours.
  const holders = new Map<string, string>(snap.mapped.map((r) => [`${r.resourceType}:${r.remoteId}`, r.localId]));
  const checkTime = () => {
    if (clock.now() > deadline) throw new TimeLimitError(`stopped at the time limit (${Math.round((deps.timeLimitMs ?? SYNC_TIME_LIMIT_MS) / 1000)} s); the rest follows at the next sync`);
  };
  let failingInARow = 0;
  const attempt = async (label: string, work: () => Promise<void>) => {
    checkTime();
    try {
      await work();
      failingInARow = 0;
    } catch (e) {
      if (!(e instanceof ScimError) || e.fatal) throw e;
      counts.failed++;
      failures.push(`${label}: ${e.message}`);
      // A server that keeps failing after its retries is down, not refusing one resource: stop waiting on it.
      if (e.status !== null && e.status >= 500 && ++failingInARow >= MAX_SERVER_FAILURES_IN_A_ROW) {
        throw new ScimError(`the SCIM server failed ${failingInARow} resources in a row; stopped (last: ${label}: ${e.message})`, e.status, true);
      }
    }
  };
  const push = (type: ScimResourceType, localId: string, remoteId: string, hash: string) => {
    const held = holders.get(`${type}:${remoteId}`);
    if (held !== undefined && held !== localId) {
      throw new ScimError(`the server answered with id ${cleanText(remoteId)}, which is already another of ours (${held}); not recorded`, null);
    }
    const before = mapped.get(`${type}:${localId}`);
    if (before) holders.delete(`${type}:${before.remoteId}`);
    holders.set(`${type}:${remoteId}`, localId);
    const r = { resourceType: type, localId, remoteId, payloadHash: hash, syncedAt: nowSeconds(clock) };
    saveProvisionedResource(db, id, r);
    mapped.set(`${type}:${localId}`, r);
  };
  const forget = (type: ScimResourceType, localId: string) => {
    const before = mapped.get(`${type}:${localId}`);
    if (before) holders.delete(`${type}:${before.remoteId}`);
    deleteProvisionedResource(db, id, type, localId);
    mapped.delete(`${type}:${localId}`);
  };

  // Creates or replaces one resource, records what the server holds, counts it (usersCreated, groupsUnchanged…).
  const pushOne = async (type: ScimResourceType, localId: string, matchValue: string, resource: Record<string, unknown>) => {
    const user = type === "User";
    const outcome = await upsert(scim, user ? "Users" : "Groups", user ? "userName" : "displayName", matchValue, resource, mapped.get(`${type}:${localId}`) ?? null, force, (remoteId) => {
      const held = holders.get(`${type}:${remoteId}`);
      return held !== undefined && held !== localId;
    });
    if (outcome.kind !== "unchanged") push(type, localId, outcome.remoteId, digest(resource));
    const kind = outcome.kind === "created" ? "Created" : outcome.kind === "updated" ? "Updated" : "Unchanged";
    counts[`${user ? "users" : "groups"}${kind}`]++;
  };

  // Users first, so groups can name them.
  const userIds = new Set(snap.users.map((u) => u.id));
  for (const u of snap.users) await attempt(`user ${u.username}`, () => pushOne("User", u.id, u.username, userResource(u)));

  const groupIds = new Set(snap.groups.map((g) => g.id));
  for (const g of snap.groups) {
    const members = g.memberIds.filter((m) => userIds.has(m)).map((m) => mapped.get(`User:${m}`)?.remoteId).filter((v): v is string => !!v);
    await attempt(`group ${g.friendlyName}`, () => pushOne("Group", g.id, g.friendlyName, groupResource(g, members)));
  }

  for (const r of [...mapped.values()].filter((r) => r.resourceType === "Group" && !groupIds.has(r.localId))) {
    await attempt(`group ${r.localId}`, async () => {
      const path = `/Groups/${encodeURIComponent(r.remoteId)}`;
      const res = await scim.request("DELETE", path);
      if (res.status !== 404 && (res.status < 200 || res.status >= 300)) throw scimFailure("DELETE", path, res);
      forget("Group", r.localId);
      counts.groupsDeleted++;
    });
  }
  for (const r of [...mapped.values()].filter((r) => r.resourceType === "User" && !userIds.has(r.localId))) {
    await attempt(`user ${r.localId}`, async () => {
      const path = `/Users/${encodeURIComponent(r.remoteId)}`;
      const res = await scim.request("DELETE", path);
      if (res.status === 405 || res.status === 501) {
        // The server keeps its users: deactivate instead (RFC 7644 3.5.2 PATCH).
        const patch = await scim.request("PATCH", path, { schemas: [PATCH_SCHEMA], Operations: [{ op: "replace", path: "active", value: false }] });
        if (patch.status !== 404 && (patch.status < 200 || patch.status >= 300)) throw scimFailure("PATCH", path, patch);
        counts.usersDeactivated++;
      } else if (res.status === 404 || (res.status >= 200 && res.status < 300)) counts.usersDeleted++;
      else throw scimFailure("DELETE", path, res);
      forget("User", r.localId);
    });
  }
}

function openToken(box: SealedBox, id: string, sealed: string): string {
  try {
    return box.openText(tokenPurpose(id), sealed);
  } catch (e) {
    if (e instanceof DecryptionError) throw new DecryptionError("the stored token cannot be decrypted with this ENCRYPTION_KEY: enter the token again");
    throw e;
  }
}

type Upserted = { kind: "created" | "updated"; remoteId: string } | { kind: "unchanged" };

/** Creates or replaces one resource (see the file header for the matching rules). */
async function upsert(
  scim: ScimClient,
  type: "Users" | "Groups",
  matchAttribute: "userName" | "displayName",
  matchValue: string,
  resource: Record<string, unknown>,
  known: ProvisionedResource | null,
  force: boolean,
  /** Is this remote id already another of our resources (never adopted: two local groups may share a name)? */
  heldByOther: (remoteId: string) => boolean,
): Promise<Upserted> {
  if (known) {
    if (!force && known.payloadHash === digest(resource)) return { kind: "unchanged" };
    const replaced = await replace(scim, type, known.remoteId, resource);
    if (replaced) return { kind: "updated", remoteId: replaced };
    // Deleted on the server meanwhile: find or create it again.
  }
  const query = `/${type}?filter=${encodeURIComponent(`${matchAttribute} eq ${filterValue(matchValue)}`)}`;
  const found = await scim.request("GET", query);
  if (found.status !== 200) throw scimFailure("GET", query, found);
  const list = Array.isArray(found.body?.Resources) ? (found.body!.Resources as Record<string, unknown>[]) : [];
  const match = list.find((r) => r && remoteIdOf(r.id) && !heldByOther(r.id as string) && typeof r[matchAttribute] === "string" && (r[matchAttribute] as string).toLowerCase() === matchValue.toLowerCase());
  if (match) {
    const replaced = await replace(scim, type, match.id as string, resource);
    if (replaced) return { kind: "updated", remoteId: replaced };
  }
  const created = await scim.request("POST", `/${type}`, resource);
  if (created.status !== 201 && created.status !== 200) throw scimFailure("POST", `/${type}`, created);
  const remoteId = remoteIdOf(created.body?.id);
  if (remoteId === null) throw new ScimError(`POST /${type}: HTTP ${created.status} without a usable id for the new resource`, created.status);
  return { kind: "created", remoteId };
}

/** PUT; the id the server answers with (or the one we sent), or null on 404. */
async function replace(scim: ScimClient, type: "Users" | "Groups", remoteId: string, resource: Record<string, unknown>): Promise<string | null> {
  const path = `/${type}/${encodeURIComponent(remoteId)}`;
  const res = await scim.request("PUT", path, { ...resource, id: remoteId });
  if (res.status === 404) return null;
  if (res.status !== 200 && res.status !== 204) throw scimFailure("PUT", path, res);
  return remoteIdOf(res.body?.id) ?? remoteId;
}
