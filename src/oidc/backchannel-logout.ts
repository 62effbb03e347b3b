/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0).
 * - Queueing is the database's job: a trigger on `sessions` (migration 0005) queues one notice per client
 *   the sign-in signed in to (that has a back-channel logout URI) whenever the session row goes — sign-out,
 *   revocation by the person or an admin, end-session, a newer sign-in, a disabled or deleted user, expiry.
 * - Delivery runs after the response, in the background: a worker checks the queue every second (and is
 *   kicked right after sign-outs it knows of). A notice is leased before sending so two workers never
 *   send it at once, with several instances on one database too (issue 21): the lease names the instance
 *   (claimed_by) and every later write is conditional on still holding it; a killed instance's lease runs out
 *   and another instance sends the notice.
 * - Logout token (section 2.4): iss, aud = client id, iat, exp (2 minutes), jti, sub, sid, events
 *   {"http://schemas.openid.net/event/backchannel-logout": {}}; header typ "logout+jwt"; never a nonce.
 *   POSTed as application/x-www-form-urlencoded `logout_token`; any 2xx counts as delivered (2.8).
 * - Failures (non-2xx, timeout 5 s, connection refused) are retried with backoff 10 s, 30 s, 90 s, 270 s;
 *   after the 5th failed attempt the notice is dropped. The per-client status (last success, last failure
 *   with its error, counts, notices still queued) is shown on the admin's client page.
 */
import type { Database } from "../db/database.ts";
import type { Config } from "../config.ts";
import {
  claimDueBackchannelLogouts,
  countDueBackchannelLogouts,
  countPendingBackchannelLogouts,
  deleteBackchannelLogout,
  findBackchannelStatus,
  recordBackchannelFailure,
  recordBackchannelSuccess,
  rescheduleBackchannelLogout,
  type BackchannelLogout,
} from "../db/oidc-protocols.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { randomUuid, type Random } from "../lib/random.ts";
import { newInstanceId } from "../cluster/instance-id.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { findClientById } from "./clients.ts";
import { signJwt } from "./signing-keys.ts";

export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";
export const BACKCHANNEL_MAX_ATTEMPTS = 5;
export const BACKCHANNEL_TIMEOUT_MS = 5000;
const LOGOUT_TOKEN_SECONDS = 120;
const LEASE_SECONDS = 60;
const BATCH = 20;

export interface BackchannelDeps {
  db: Database;
  clock: Clock;
  random: Random;
  box: SealedBox;
  config: Config;
  log: Log;
}

/** Seconds to wait after the n-th failed attempt (n ≥ 1). */
export function backchannelRetryDelay(failedAttempts: number): number {
  return 10 * 3 ** (failedAttempts - 1);
}

export async function buildLogoutToken(deps: BackchannelDeps, input: { clientId: string; sub: string; sid: string }): Promise<string> {
  const now = nowSeconds(deps.clock);
  const { jwt } = await signJwt(
    deps,
    {
      iss: deps.config.appUrl,
      aud: input.clientId,
      iat: now,
      exp: now + LOGOUT_TOKEN_SECONDS,
      jti: randomUuid(deps.random),
      sub: input.sub,
      sid: input.sid,
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    },
    "logout+jwt",
  );
  return jwt;
}

async function deliverOne(deps: BackchannelDeps, claimant: string, notice: BackchannelLogout, fetchImpl: typeof fetch): Promise<void> {
  const client = findClientById(deps.db, notice.clientId);
  const uri = client?.backchannelLogoutUri;
  if (!client || !uri) {
    // The client was changed since: nothing to deliver any more.
    deleteBackchannelLogout(deps.db, notice.id, claimant);
    return;
  }
  let error: string | null = null;
  try {
    const logoutToken = await buildLogoutToken(deps, { clientId: client.id, sub: notice.userId, sid: notice.sid });
    const res = await fetchImpl(uri, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({ logout_token: logoutToken }).toString(),
      redirect: "manual",
      signal: AbortSignal.timeout(BACKCHANNEL_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => {});
    if (res.status < 200 || res.status > 299) error = `The logout URI answered HTTP ${res.status}.`;
  } catch (e) {
    const name = (e as { name?: string }).name;
    error = name === "TimeoutError" || name === "AbortError" ? `No answer within ${BACKCHANNEL_TIMEOUT_MS / 1000} s.` : `Could not connect: ${String((e as Error).message ?? e).slice(0, 200)}`;
  }
  const now = nowSeconds(deps.clock);
  if (error === null) {
    deleteBackchannelLogout(deps.db, notice.id, claimant);
    recordBackchannelSuccess(deps.db, client.id, now);
    return;
  }
  const attempts = notice.attempts + 1;
  const gaveUp = attempts >= BACKCHANNEL_MAX_ATTEMPTS;
  if (gaveUp) deleteBackchannelLogout(deps.db, notice.id, claimant);
  else rescheduleBackchannelLogout(deps.db, notice.id, claimant, attempts, now + backchannelRetryDelay(attempts), error);
  recordBackchannelFailure(deps.db, client.id, now, gaveUp ? `${error} Gave up after ${attempts} attempts.` : error, gaveUp);
  deps.log.warn("back-channel logout failed", { clientId: client.id, attempt: attempts, gaveUp, error });
}

/** How long a claimed notice is held before another instance may send it: well above the 5 s delivery timeout. */
export const BACKCHANNEL_LEASE_SECONDS = LEASE_SECONDS;

/** Sends every due notice once; returns how many were attempted. `instanceId` names the claims (default: a new random id). */
export async function deliverDueBackchannelLogouts(deps: BackchannelDeps, opts: { fetch?: typeof fetch; instanceId?: string } = {}): Promise<number> {
  const fetchImpl = opts.fetch ?? fetch;
  const claimant = opts.instanceId ?? newInstanceId(deps.random);
  const now = nowSeconds(deps.clock);
  const rows = claimDueBackchannelLogouts(deps.db, now, now + LEASE_SECONDS, BATCH, claimant);
  // Sent at once, right after the claim: each send ends (5 s timeout) long before the lease does.
  await Promise.all(rows.map((row) => deliverOne(deps, claimant, row, fetchImpl)));
  return rows.length;
}

export interface BackchannelWorker {
  /** Checks the queue now (after a sign-out), without waiting for the next tick. */
  kick(): void;
  stop(): void;
}

const workers = new WeakMap<Database, BackchannelWorker>();

/** One background worker per database; safe to call repeatedly. Its timer never keeps the process alive. */
export function startBackchannelLogoutWorker(deps: BackchannelDeps, intervalMs = 1000, instanceId?: string): BackchannelWorker {
  const existing = workers.get(deps.db);
  if (existing) return existing;
  const claimant = instanceId ?? newInstanceId(deps.random);
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      while (!stopped && countDueBackchannelLogouts(deps.db, nowSeconds(deps.clock)) > 0) {
        if ((await deliverDueBackchannelLogouts(deps, { instanceId: claimant })) === 0) break;
      }
    } catch (e) {
      // The database was closed (shutdown, or a finished test): stop quietly.
      if (String(e).includes("closed")) worker.stop();
      else deps.log.warn("back-channel logout worker error", { error: String(e) });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  (timer as { unref?: () => void }).unref?.();
  const worker: BackchannelWorker = {
    kick: () => {
      setTimeout(() => void tick(), 0);
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
  workers.set(deps.db, worker);
  return worker;
}

export function kickBackchannelLogout(db: Database): void {
  workers.get(db)?.kick();
}

export interface BackchannelStatus {
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
  deliveredCount: number;
  failedCount: number;
  pending: number;
}

/** For the admin's client page. */
export function backchannelStatusOf(db: Database, clientId: string): BackchannelStatus {
  const status = findBackchannelStatus(db, clientId) ?? { lastSuccessAt: null, lastFailureAt: null, lastError: null, deliveredCount: 0, failedCount: 0 };
  return { ...status, pending: countPendingBackchannelLogouts(db, clientId) };
}
