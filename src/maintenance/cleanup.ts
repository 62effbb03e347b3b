/**
 * Background cleanup of expired rows, so table sizes stay flat under steady load: browser sessions,
 * WebAuthn challenges, one-time login codes, OIDC interactions/codes/tokens, device codes, pushed
 * requests, assertion jtis, forward-auth sessions, email verification tokens, re-authentication tokens, sign-in requests from another device, retired signing keys,
 * job_runs rows older than a week (src/cluster/job-claims.ts), rate-limit buckets full again.
 * Most of these are also pruned on the way (when a new one is made); this job catches the rest, e.g.
 * sessions nobody comes back to. Scheduled every minute by the server (cheap DELETEs by expires_at).
 */
import type { Database } from "../db/database.ts";
import { deleteExpiredDeviceLoginRequests } from "../db/device-login-requests.ts";
import { deleteExpiredEmailVerificationTokens } from "../db/email.ts";
import { deleteExpiredForwardAuthRows } from "../db/forward-auth-sessions.ts";
import { deleteExpiredOidcState } from "../db/oidc-grants.ts";
import { deleteExpiredProtocolState } from "../db/oidc-protocols.ts";
import { deleteExpiredOneTimeAccessTokens } from "../db/one-time-access-tokens.ts";
import { deleteExpiredReauthenticationTokens } from "../db/reauthentication-tokens.ts";
import { deleteExpiredSessions } from "../db/sessions.ts";
import { deleteExpiredChallenges } from "../db/webauthn.ts";
import { deleteIdleRateLimitBuckets } from "../db/rate-limit-buckets.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { pruneJobRuns } from "../cluster/job-claims.ts";
import type { Scheduler } from "../lib/scheduler.ts";

export const CLEANUP_INTERVAL_MS = 60_000;

export function cleanupExpiredRows(deps: { db: Database; clock: Clock }): void {
  const now = nowSeconds(deps.clock);
  const { db } = deps;
  deleteExpiredSessions(db, now);
  deleteExpiredChallenges(db, now);
  deleteExpiredOneTimeAccessTokens(db, now);
  deleteExpiredOidcState(db, now);
  deleteExpiredProtocolState(db, now);
  deleteExpiredForwardAuthRows(db, now);
  deleteExpiredEmailVerificationTokens(db, now);
  deleteExpiredReauthenticationTokens(db, now);
  deleteExpiredDeviceLoginRequests(db, now);
  pruneJobRuns(deps);
  // Rate-limit budgets keep clock milliseconds; a full bucket's row carries nothing.
  deleteIdleRateLimitBuckets(db, deps.clock.now());
}

export function scheduleCleanupJobs(deps: { db: Database; clock: Clock }, scheduler: Scheduler): void {
  scheduler.every("expired-rows-cleanup", CLEANUP_INTERVAL_MS, () => cleanupExpiredRows(deps), { runAtStart: true });
}
