/**
 * Scheduled automatic backups (src/cli/serve.ts): every 10 minutes the job checks whether the
 * configured interval has passed since the last successful backup, so a changed setting or a
 * restart never delays or doubles a backup by more than that.
 */
import type { Deps } from "../deps.ts";
import type { Scheduler } from "../lib/scheduler.ts";
import { automaticBackupDue, runAutomaticBackup } from "./backups.ts";

export const BACKUP_CHECK_MS = 10 * 60_000;
/** A backup of a large database may take a while: another instance takes the run over only after an hour. */
const BACKUP_LEASE_MS = 60 * 60_000;

export function scheduleBackupJobs(deps: Deps, scheduler: Scheduler): void {
  scheduler.every("automatic-backup", BACKUP_CHECK_MS, () => {
    if (automaticBackupDue(deps)) runAutomaticBackup(deps);
  }, { runAtStart: true, leaseMs: BACKUP_LEASE_MS });
}
