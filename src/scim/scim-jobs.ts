/**
 * SCIM sync as background jobs (Pocket ID: hourly, and about five minutes after a change):
 * - "scim-sync", hourly (and at start): every provider, resources left alone when unchanged;
 * - "scim-sync-due", every minute: providers whose users, groups, memberships or client restriction changed
 *   (the triggers of migration 0022) get a sync due five minutes after the last change; providers just saved
 *   are due at once; each due provider is synced.
 * Both are cluster jobs (one instance per period, src/cluster/job-claims.ts), and each provider is claimed on its
 * own besides (src/db/scim.ts), so a provider is never synced by two instances at once, whichever job,
 * instance or administrator started it.
 */
import { listDueScimProviderIds, listScimProviders, scheduleScimSyncsAfterChanges } from "../db/scim.ts";
import type { Scheduler } from "../lib/scheduler.ts";
import { syncScimProvider, SYNC_CLAIM_MS, type ScimSyncDeps } from "./sync.ts";

export const SCIM_SYNC_INTERVAL_MS = 60 * 60_000;
export const SCIM_DUE_CHECK_MS = 60_000;
/** How long after the last change a sync runs (changes in a burst make one sync). */
export const SCIM_CHANGE_DELAY_MS = 5 * 60_000;

/** The hourly run: every provider, one after the other. */
export async function syncAllScimProviders(deps: ScimSyncDeps): Promise<void> {
  for (const p of listScimProviders(deps.db)) await syncScimProvider(deps, p.id);
}

/** The minute run: notes changes (a sync due five minutes on), then syncs what is due. */
export async function syncDueScimProviders(deps: ScimSyncDeps): Promise<void> {
  scheduleScimSyncsAfterChanges(deps.db, deps.clock.now() + SCIM_CHANGE_DELAY_MS);
  for (const id of listDueScimProviderIds(deps.db, deps.clock.now())) await syncScimProvider(deps, id);
}

export function scheduleScimSync(deps: ScimSyncDeps, scheduler: Scheduler): void {
  scheduler.every("scim-sync", SCIM_SYNC_INTERVAL_MS, () => syncAllScimProviders(deps), { runAtStart: true, leaseMs: SCIM_SYNC_INTERVAL_MS });
  scheduler.every("scim-sync-due", SCIM_DUE_CHECK_MS, () => syncDueScimProviders(deps), { runAtStart: true, leaseMs: SYNC_CLAIM_MS });
}
