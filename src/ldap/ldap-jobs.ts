/** LDAP sync as a background job: once at start, then hourly (skipped while LDAP is turned off). */
import { systemActor } from "../audit/actor.ts";
import type { Scheduler } from "../lib/scheduler.ts";
import { readLdapConfig } from "./settings.ts";
import { runLdapSync, type SyncDeps } from "./sync.ts";

export const LDAP_SYNC_INTERVAL_MS = 60 * 60 * 1000;

export function scheduleLdapSync(deps: SyncDeps, scheduler: Scheduler): void {
  let first = true;
  scheduler.every(
    "ldap-sync",
    LDAP_SYNC_INTERVAL_MS,
    async () => {
      const trigger = first ? "start" : "schedule";
      first = false;
      if (!readLdapConfig(deps).ldapEnabled) return;
      await runLdapSync(deps, systemActor("ldap-sync"), { trigger });
    },
    // A sync of a large directory may take long: another instance takes the run over only after an interval.
    { runAtStart: true, leaseMs: LDAP_SYNC_INTERVAL_MS },
  );
}
