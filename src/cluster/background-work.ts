/**
 * Everything the server does in the background, started in one place (src/cli/serve.ts; the cluster tests start
 * two of these on one database):
 * - scheduled jobs, each run once per period across every instance sharing the database (./job-claims.ts):
 *   expired-rows cleanup, audit-log retention, GeoLite refresh, automatic backups, LDAP sync, SCIM provisioning,
 *   API key expiry notices; GeoLite reloads run on every instance (each reads its own file);
 * - the work queues, whose items are claimed one instance at a time: the email outbox and back-channel logout
 *   notices (src/mail/outbox.ts, src/oidc/backchannel-logout.ts).
 * The instance id names this instance in job_runs and in the queues' claims.
 */
import { scheduleAuditJobs } from "../audit/audit-jobs.ts";
import { scheduleBackupJobs } from "../backup/backup-jobs.ts";
import type { Deps } from "../deps.ts";
import { scheduleLdapSync } from "../ldap/ldap-jobs.ts";
import { scheduleScimSync } from "../scim/scim-jobs.ts";
import type { ScimFetch } from "../scim/scim-client.ts";
import { createScheduler, type Scheduler } from "../lib/scheduler.ts";
import { runApiKeyExpiryJob } from "../mail/emails.ts";
import { startEmailWorker } from "../mail/outbox.ts";
import { scheduleCleanupJobs } from "../maintenance/cleanup.ts";
import { startBackchannelLogoutWorker } from "../oidc/backchannel-logout.ts";
import { createJobClaims } from "./job-claims.ts";

export const API_KEY_EXPIRY_INTERVAL_MS = 24 * 3600 * 1000;

export interface BackgroundWork {
  readonly instanceId: string;
  readonly scheduler: Scheduler;
  /** Stops the timers and the queue workers; waits for scheduled jobs that are running. */
  stop(): Promise<void>;
}

export interface BackgroundWorkOptions {
  instanceId: string;
  /** How often each instance checks for a period's run (default 1 minute; src/lib/scheduler.ts). */
  checkEveryMs?: number;
  /** The queue workers' polling intervals (defaults: email 5 s, back-channel logout 1 s). */
  emailIntervalMs?: number;
  backchannelIntervalMs?: number;
  /** How SCIM syncs reach their servers (default: the runtime's fetch). */
  scimFetch?: ScimFetch;
}

export function startBackgroundWork(deps: Deps, opts: BackgroundWorkOptions): BackgroundWork {
  const { instanceId } = opts;
  const scheduler = createScheduler({ log: deps.log, clock: deps.clock, claims: createJobClaims(deps, instanceId), checkEveryMs: opts.checkEveryMs });
  scheduleAuditJobs(deps, scheduler);
  // Automatic backups copy the SQLite file; a PostgreSQL database is backed up with pg_dump (README).
  if (!deps.config.databaseUrl) scheduleBackupJobs(deps, scheduler);
  scheduleCleanupJobs(deps, scheduler);
  scheduleLdapSync(deps, scheduler);
  scheduleScimSync({ ...deps, instanceId, fetch: opts.scimFetch ?? ((url, init) => fetch(url, init)) }, scheduler);
  scheduler.every("email-api-key-expiry", API_KEY_EXPIRY_INTERVAL_MS, () => runApiKeyExpiryJob(deps), { runAtStart: true });
  // Back-channel logout notices are delivered in the background, after the responses that queued them.
  const backchannel = startBackchannelLogoutWorker(deps, opts.backchannelIntervalMs, instanceId);
  // Delivers queued email (also what a previous run, or a dead instance, left queued).
  const email = startEmailWorker(deps, { instanceId, intervalMs: opts.emailIntervalMs });
  return {
    instanceId,
    scheduler,
    async stop() {
      await scheduler.stop();
      backchannel.stop();
      email.stop();
    },
  };
}
