/**
 * The email outbox: flows queue a message and return at once; a background worker delivers it.
 * Why a table and not an in-memory queue: a queued login code or notification survives a restart
 * and a slow or failing SMTP server, and retries are visible (attempts, last_error) — at the cost
 * of one INSERT per email.
 * - The body is sealed with ENCRYPTION_KEY (it may hold a login code) and deleted once delivered.
 * - Failures retry with backoff (BACKOFF_SECONDS); each failure is logged, the last one as an error.
 * - One worker per database; its timer is unref'ed and it stops when the database closes or on
 *   stopEmailWorker (serve.ts at shutdown).
 * - Several instances on one database (issue 21): a message is claimed by one instance (claimed_by, its lease
 *   in next_attempt_at), the claim is renewed just before the message is sent and every later write is
 *   conditional on still holding it; a claim left by a killed instance is taken again after the lease.
 */
import type { Database } from "../db/database.ts";
import type { Deps } from "../deps.ts";
import { claimDueOutboxMessages, countDueOutboxMessages, deleteOutboxMessage, insertOutboxMessage, renewOutboxClaim, rescheduleOutboxMessage, type OutboxMessage } from "../db/email.ts";
import { newInstanceId } from "../cluster/instance-id.ts";
import { nowSeconds } from "../lib/clock.ts";
import { randomUuid } from "../lib/random.ts";
import type { RenderedEmail } from "../../templates/email/messages.tsx";
import { createSmtpMailer, describeSmtpError, type Mailer } from "./mailer.ts";
import { englishText } from "../i18n/translator.ts";
import { readSmtpSettings } from "./settings.ts";

export type MailWorkerDeps = Pick<Deps, "db" | "config" | "clock" | "random" | "box" | "log">;

/** Seconds to wait after the 1st, 2nd, … failed attempt; after the last one the message is dropped. */
export const BACKOFF_SECONDS = [30, 120, 600, 1800, 7200];
const SEAL_PURPOSE = "email-outbox";

export interface EmailWorker {
  kick(): void;
  /** Runs a delivery pass now (or waits for the running one); for tests and shutdown. */
  flush(): Promise<void>;
  stop(): void;
}

export interface EmailWorkerOptions {
  intervalMs?: number;
  /** SMTP timeouts (default 15 s). */
  timeoutMs?: number;
  /** This instance's id, written into its claims (default: a new random one). */
  instanceId?: string;
}

const workers = new WeakMap<Database, EmailWorker>();

/** Queues a rendered email for `to`. Returns immediately; delivery happens in the background. */
export function queueEmail(deps: MailWorkerDeps, kind: string, to: string, email: RenderedEmail): string {
  const now = nowSeconds(deps.clock);
  const id = randomUuid(deps.random);
  insertOutboxMessage(deps.db, {
    id,
    kind,
    recipient: to,
    sealedMessage: deps.box.seal(SEAL_PURPOSE, JSON.stringify(email)),
    nextAttemptAt: now,
    createdAt: now,
  });
  startEmailWorker(deps).kick();
  return id;
}

interface Pass {
  claimant: string;
  /** Seconds a claim lasts: covers one message's send with every SMTP timeout. */
  lease: number;
}

async function deliver(deps: MailWorkerDeps, pass: Pass, mailer: Mailer | null, row: OutboxMessage, settingsError: string | null, where: { host: string; port: number }): Promise<void> {
  // Earlier messages of the batch may have taken longer than the claim: send only what this instance still holds.
  if (!renewOutboxClaim(deps.db, row.id, pass.claimant, nowSeconds(deps.clock) + pass.lease)) {
    deps.log.debug("email claim taken over by another instance", { id: row.id, instance: pass.claimant });
    return;
  }
  try {
    if (!mailer) throw new Error(settingsError ?? "SMTP is not configured (no host or from address).");
    const email = JSON.parse(deps.box.openText(SEAL_PURPOSE, row.sealedMessage)) as RenderedEmail;
    await mailer.send({ to: row.recipient, ...email });
    deleteOutboxMessage(deps.db, row.id, pass.claimant);
    deps.log.info("email sent", { id: row.id, kind: row.kind, to: row.recipient, attempt: row.attempts + 1 });
  } catch (e) {
    const reason = mailer ? englishText(describeSmtpError(e, where)) : (e as Error).message;
    const attempts = row.attempts + 1;
    if (attempts > BACKOFF_SECONDS.length) {
      deleteOutboxMessage(deps.db, row.id, pass.claimant);
      deps.log.error("email not delivered: giving up", { id: row.id, kind: row.kind, to: row.recipient, attempts, error: reason });
      return;
    }
    const wait = BACKOFF_SECONDS[attempts - 1]!;
    rescheduleOutboxMessage(deps.db, row.id, pass.claimant, attempts, nowSeconds(deps.clock) + wait, reason);
    deps.log.warn("email delivery failed: will retry", { id: row.id, kind: row.kind, to: row.recipient, attempt: attempts, retryInSeconds: wait, error: reason });
  }
}

/** One pass: claims due messages (leased, so never sent twice) and sends them over one connection. */
async function deliverDue(deps: MailWorkerDeps, timeoutMs: number, claimant: string): Promise<void> {
  const pass: Pass = { claimant, lease: Math.ceil((timeoutMs * 4) / 1000) + 60 };
  while (countDueOutboxMessages(deps.db, nowSeconds(deps.clock)) > 0) {
    const rows = claimDueOutboxMessages(deps.db, nowSeconds(deps.clock), pass.lease, 20, claimant);
    if (rows.length === 0) return;
    let mailer: Mailer | null = null;
    let settingsError: string | null = null;
    let where = { host: "", port: 0 };
    try {
      const settings = readSmtpSettings(deps);
      if (settings) {
        mailer = createSmtpMailer(settings, { timeoutMs });
        where = settings;
      }
    } catch (e) {
      settingsError = (e as Error).message;
    }
    try {
      for (const row of rows) await deliver(deps, pass, mailer, row, settingsError, where);
    } finally {
      mailer?.close();
    }
  }
}

/** One worker per database; safe to call repeatedly. Its timer never keeps the process alive. */
export function startEmailWorker(deps: MailWorkerDeps, opts: EmailWorkerOptions = {}): EmailWorker {
  const existing = workers.get(deps.db);
  if (existing) return existing;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const claimant = opts.instanceId ?? newInstanceId(deps.random);
  let current: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const pass = async () => {
    try {
      await deliverDue(deps, timeoutMs, claimant);
    } catch (e) {
      // The database was closed (shutdown, or a finished test): stop quietly.
      if (String(e).includes("closed")) worker.stop();
      else deps.log.warn("email worker error", { error: String(e) });
    }
  };
  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      do {
        again = false;
        await pass();
      } while (again && !stopped);
      current = null;
    })();
    return current;
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 5000);
  (timer as { unref?: () => void }).unref?.();
  const worker: EmailWorker = {
    kick: () => {
      setTimeout(() => void tick(), 0);
    },
    flush: async () => {
      await current;
      await tick();
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
      workers.delete(deps.db);
    },
  };
  workers.set(deps.db, worker);
  return worker;
}

export function stopEmailWorker(db: Database): void {
  workers.get(db)?.stop();
}

/** Waits until the queued messages have had their delivery attempt (tests). */
export async function flushEmailOutbox(deps: MailWorkerDeps): Promise<void> {
  await startEmailWorker(deps).flush();
}
