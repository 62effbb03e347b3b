/**
 * Background work on two instances sharing one database (issue 21): every scheduled job runs once per period
 * across the cluster, queue items (email outbox, back-channel logout notices) are delivered once, and what an
 * instance claimed before dying is taken by the other after the claim's lease — nothing lost, nothing twice.
 * Real parts: one SQLite file opened by two connections (tests/helpers/two-instances.ts), a real SMTP server on
 * loopback, a real HTTP receiver for logout tokens; one FixedClock moved for both instances.
 */
import { testEngine } from "../../helpers/template-database.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createSession, endSession } from "../../../src/account/sessions.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { recordAuditEvent } from "../../../src/audit/audit-log.ts";
import { startBackgroundWork } from "../../../src/cluster/background-work.ts";
import { createJobClaims, JOB_RUNS_KEPT_MS } from "../../../src/cluster/job-claims.ts";
import { createScheduler } from "../../../src/lib/scheduler.ts";
import { claimDueOutboxMessages, deleteOutboxMessage, listOutboxMessages, rescheduleOutboxMessage } from "../../../src/db/email.ts";
import { claimJobRun, finishJobRun, listJobRuns } from "../../../src/db/job-runs.ts";
import { claimDueBackchannelLogouts, recordSessionClient } from "../../../src/db/oidc-protocols.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { flushEmailOutbox, queueEmail, startEmailWorker, stopEmailWorker } from "../../../src/mail/outbox.ts";
import { cleanupExpiredRows } from "../../../src/maintenance/cleanup.ts";
import { BACKCHANNEL_LEASE_SECONDS, deliverDueBackchannelLogouts } from "../../../src/oidc/backchannel-logout.ts";
import { installFixtureSigningKey } from "../../helpers/fixture-signing-key.ts";
import { insertTestUser } from "../../helpers/oidc-fixtures.ts";
import { startSmtpSink, type SmtpSink } from "../../helpers/smtp-sink.ts";
import { makeTwoInstances, type TestInstance, type TwoInstances } from "../../helpers/two-instances.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The server's scheduled jobs without GeoLite (not configured here) and their periods. */
const JOBS: Record<string, number> = {
  "expired-rows-cleanup": MINUTE,
  "automatic-backup": 10 * MINUTE,
  "ldap-sync": HOUR,
  "audit-log-cleanup": DAY,
  "email-api-key-expiry": DAY,
  "scim-sync": HOUR,
  "scim-sync-due": MINUTE,
};

let w: TwoInstances | null = null;
let sink: SmtpSink | null = null;
let receiver: { stop(force?: boolean): Promise<void> } | null = null;
afterEach(async () => {
  if (w) {
    stopEmailWorker(w.a.deps.db);
    stopEmailWorker(w.b.deps.db);
    w.cleanup();
  }
  await sink?.close();
  await receiver?.stop(true);
  w = sink = receiver = null;
});

const claimedLines = (i: TestInstance, job: string) => i.logs.filter((l) => l.level === "debug" && l.msg === "background job run claimed" && l.fields.job === job && l.fields.instance === i.id);

/** Every period start from the one holding `from` to the one holding `to`. */
function periods(from: number, to: number, interval: number): number[] {
  const out: number[] = [];
  for (let s = Math.floor(from / interval) * interval; s <= to; s += interval) out.push(s);
  return out;
}

describe("scheduled jobs", () => {
  test("two instances: every job runs once per period; when one stops, the other runs every period after", async () => {
    w = makeTwoInstances({ UI_CONFIG_DISABLED: "true", BACKUP_INTERVAL_HOURS: "1" });
    const { a, b, clock } = w;
    expect(a.id).not.toBe(b.id);
    const start = Date.UTC(2026, 10, 28, 21, 0, 0);
    clock.set(start);
    const workA = startBackgroundWork(a.deps, { instanceId: a.id });
    await clock.tick(30_000);
    const workB = startBackgroundWork(b.deps, { instanceId: b.id });
    // Both run past midnight until 01:30:15, then A stops and B runs alone for a day.
    await clock.tick(4.5 * HOUR - 15_000);
    await workA.stop();
    const aStopped = clock.now();
    await clock.tick(DAY);
    await workB.stop();
    // B checks every minute at hh:mm:30; its last check is the last moment a period could start a run.
    const lastCheck = clock.now() - 45_000;

    const runs = listJobRuns(a.deps.db);
    // File backups are SQLite's: on PostgreSQL that job is not scheduled at all.
    const jobs = Object.entries(JOBS).filter(([job]) => testEngine() === "sqlite" || job !== "automatic-backup");
    expect([...new Set(runs.map((r) => r.job))].sort()).toEqual(jobs.map(([job]) => job).sort());
    for (const [job, interval] of jobs) {
      const mine = runs.filter((r) => r.job === job);
      expect({ job, slots: mine.map((r) => r.slot) }).toEqual({ job, slots: periods(start, lastCheck, interval) });
      expect(mine.filter((r) => r.outcome !== "ok" || r.attempt !== 1 || r.finishedAt === null)).toEqual([]);
      // Where each ran: A before it stopped, B after; one debug line per run, on the instance that ran it.
      const byA = mine.filter((r) => r.instance === a.id);
      const byB = mine.filter((r) => r.instance === b.id);
      expect(byA.length + byB.length).toBe(mine.length);
      expect(byA.length > 0 && byB.length > 0).toBe(true);
      expect(byA.every((r) => r.startedAt < aStopped) && byB.every((r) => r.startedAt > aStopped)).toBe(true);
      expect([claimedLines(a, job).length, claimedLines(b, job).length]).toEqual([byA.length, byB.length]);
    }
    // The real effect of one job: one backup per hour across both instances (BACKUP_INTERVAL_HOURS=1). File
    // backups are SQLite's (on PostgreSQL the job is not scheduled: pg_dump does it).
    if (testEngine() === "sqlite") {
      const backups = [...a.logs, ...b.logs].filter((l) => l.msg === "backup written");
      expect(backups).toHaveLength(periods(start, lastCheck, HOUR).length);
    }
    expect([...a.logs, ...b.logs].filter((l) => l.level === "error")).toEqual([]);
  }, 30_000);

  test("a run claimed by an instance that died is taken over after its lease and done once", async () => {
    w = makeTwoInstances();
    const { a, b, clock } = w;
    const now = clock.now();
    // Three audit events past the 90-day retention: the daily audit-log cleanup deletes them.
    clock.set(now - 100 * DAY);
    for (let i = 0; i < 3; i++) recordAuditEvent(a.deps, "SIGN_IN", {});
    clock.set(now);
    const auditRows = () => a.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs").get()!.n;
    expect(auditRows()).toBe(3);
    // A claims today's run (the default lease: 15 minutes) and dies before doing anything.
    const today = Math.floor(now / DAY) * DAY;
    expect(claimJobRun(a.deps.db, { job: "audit-log-cleanup", slot: today, instance: a.id, now, expiresAt: now + 15 * MINUTE })).toBe(1);

    const work = startBackgroundWork(b.deps, { instanceId: b.id });
    await clock.tick(15 * MINUTE - 1); // B checks every minute: A's claim still holds
    expect(auditRows()).toBe(3);
    expect(listJobRuns(a.deps.db, "audit-log-cleanup").map((r) => [r.instance, r.outcome])).toEqual([[a.id, "running"]]);
    await clock.tick(1); // the lease is over: B's next check takes the run over
    await work.stop();
    expect(auditRows()).toBe(0);
    const [run] = listJobRuns(a.deps.db, "audit-log-cleanup");
    expect({ ...run, startedAt: 0, finishedAt: 0 }).toEqual({ job: "audit-log-cleanup", slot: today, instance: b.id, attempt: 2, startedAt: 0, expiresAt: now + 30 * MINUTE, finishedAt: 0, outcome: "ok", error: null });
    expect(b.logs.filter((l) => l.msg === "background job run taken over from an instance that did not finish it").map((l) => l.fields.job)).toEqual(["audit-log-cleanup"]);
    expect(b.logs.filter((l) => l.msg === "audit log cleaned up").map((l) => l.fields.deleted)).toEqual([3]);
    // A coming back late records nothing over B's run.
    expect(finishJobRun(a.deps.db, { job: "audit-log-cleanup", slot: today, instance: a.id, attempt: 1, finishedAt: clock.now(), outcome: "failed", error: "late" })).toBe(false);
    expect(listJobRuns(a.deps.db, "audit-log-cleanup")[0]!.outcome).toBe("ok");
  });

  test("a run of another period still running (and not expired) holds the next period's run back", () => {
    w = makeTwoInstances();
    const { a, b, clock } = w;
    const slot = Math.floor(clock.now() / HOUR) * HOUR;
    // A's sync of this hour started late in it (at :50), with a lease of an hour.
    const started = slot + 50 * MINUTE;
    expect(claimJobRun(a.deps.db, { job: "ldap-sync", slot, instance: a.id, now: started, expiresAt: started + HOUR })).toBe(1);
    const next = { job: "ldap-sync", slot: slot + HOUR, instance: b.id, now: slot + HOUR, expiresAt: slot + 3 * HOUR };
    expect(claimJobRun(b.deps.db, next)).toBeNull(); // A's sync still runs
    expect(claimJobRun(b.deps.db, { ...next, now: started + HOUR - 1 })).toBeNull();
    expect(claimJobRun(b.deps.db, { ...next, now: started + HOUR })).toBe(1); // A's lease is over
    finishJobRun(a.deps.db, { job: "ldap-sync", slot, instance: a.id, attempt: 1, finishedAt: started + HOUR, outcome: "ok", error: null });
    // A finished run holds nothing back.
    expect(claimJobRun(a.deps.db, { job: "ldap-sync", slot: slot + 2 * HOUR, instance: a.id, now: slot + 2 * HOUR, expiresAt: slot + 3 * HOUR })).toBeNull(); // B's is running
    finishJobRun(b.deps.db, { job: "ldap-sync", slot: slot + HOUR, instance: b.id, attempt: 1, finishedAt: slot + 2 * HOUR, outcome: "ok", error: null });
    expect(claimJobRun(a.deps.db, { job: "ldap-sync", slot: slot + 2 * HOUR, instance: a.id, now: slot + 2 * HOUR, expiresAt: slot + 3 * HOUR })).toBe(1);
  });

  test("jobs of scope instance run on every instance; without runAtStart a cluster job first runs in the next period", async () => {
    w = makeTwoInstances();
    const { a, b, clock } = w;
    clock.set(Date.UTC(2026, 10, 28, 12, 3, 0));
    const local: string[] = [];
    const shared: string[] = [];
    const schedulers = [a, b].map((i) => {
      const s = createScheduler({ log: i.deps.log, clock, claims: createJobClaims(i.deps, i.id) });
      s.every("reload-local-file", MINUTE, () => void local.push(i.name), { scope: "instance" });
      s.every("shared", 10 * MINUTE, () => void shared.push(i.name));
      return s;
    });
    await clock.tick(20 * MINUTE);
    for (const s of schedulers) await s.stop();
    expect([local.filter((n) => n === "a").length, local.filter((n) => n === "b").length]).toEqual([20, 20]);
    expect(shared).toEqual(["a", "a"]); // the periods starting 12:10 and 12:20, not the one of the start
    expect(listJobRuns(a.deps.db).map((r) => [r.job, new Date(r.slot).toISOString()])).toEqual([
      ["shared", "2026-11-28T12:10:00.000Z"],
      ["shared", "2026-11-28T12:20:00.000Z"],
    ]);
  });

  test("job_runs rows are pruned after a week by the expired-rows cleanup", () => {
    w = makeTwoInstances();
    const { a, clock } = w;
    const now = clock.now();
    const run = (slot: number) => ({ job: "expired-rows-cleanup", slot, instance: a.id, now: slot, expiresAt: slot + MINUTE });
    claimJobRun(a.deps.db, run(now - JOB_RUNS_KEPT_MS - MINUTE));
    claimJobRun(a.deps.db, run(now - JOB_RUNS_KEPT_MS + MINUTE));
    cleanupExpiredRows(a.deps);
    expect(listJobRuns(a.deps.db).map((r) => r.slot)).toEqual([now - JOB_RUNS_KEPT_MS + MINUTE]);
  });
});

describe("email outbox", () => {
  async function withSmtp(): Promise<TwoInstances> {
    sink = await startSmtpSink();
    w = makeTwoInstances({ UI_CONFIG_DISABLED: "true", SMTP_HOST: "127.0.0.1", SMTP_PORT: String(sink.port), SMTP_FROM: "latchkey@example.com", SMTP_TLS: "none" });
    return w;
  }
  const email = (i: number) => ({ subject: `Message ${i}`, text: `Body ${i}`, html: `<p>Body ${i}</p>` });

  test("two instances delivering at once: every queued message reaches the SMTP server exactly once", async () => {
    const { a, b } = await withSmtp();
    startEmailWorker(a.deps, { instanceId: a.id });
    startEmailWorker(b.deps, { instanceId: b.id });
    const release = sink!.hold(); // a slow server: both instances are mid-send at once
    for (let i = 0; i < 30; i++) queueEmail(i % 2 ? a.deps : b.deps, "test", `user${i}@example.com`, email(i));
    const flushed = Promise.all([flushEmailOutbox(a.deps), flushEmailOutbox(b.deps)]);
    await sink!.waitForHeld(2);
    release();
    await flushed;
    const recipients = sink!.messages.map((m) => m.to[0]!).sort();
    expect(recipients).toEqual(Array.from({ length: 30 }, (_, i) => `user${i}@example.com`).sort());
    expect(listOutboxMessages(a.deps.db)).toEqual([]);
    const sentBy = (i: TestInstance) => i.logs.filter((l) => l.msg === "email sent").length;
    expect(sentBy(a) + sentBy(b)).toBe(30);
    expect(sentBy(a) > 0 && sentBy(b) > 0).toBe(true);
  });

  test("messages claimed by an instance that died are sent by the other after the lease, once each", async () => {
    const { a, b, clock } = await withSmtp();
    for (let i = 0; i < 3; i++) queueEmail(a.deps, "test", `user${i}@example.com`, email(i));
    stopEmailWorker(a.deps.db); // A is about to die: its worker never runs
    const lease = 120; // the worker's lease with its 15 s SMTP timeout: 4 × 15 s + 60 s
    expect(claimDueOutboxMessages(a.deps.db, nowSeconds(clock), lease, 20, a.id)).toHaveLength(3);
    startEmailWorker(b.deps, { instanceId: b.id });
    await flushEmailOutbox(b.deps);
    clock.advance(lease - 1);
    await flushEmailOutbox(b.deps);
    expect(sink!.messages).toHaveLength(0); // still A's
    clock.advance(1);
    await flushEmailOutbox(b.deps);
    expect(sink!.messages.map((m) => m.to[0]).sort()).toEqual(["user0@example.com", "user1@example.com", "user2@example.com"]);
    expect(listOutboxMessages(a.deps.db)).toEqual([]);
  });

  test("an instance whose claims ran out while it was sending sends only what it still holds", async () => {
    const { a, b, clock } = await withSmtp();
    startEmailWorker(a.deps, { instanceId: a.id });
    const release = sink!.hold();
    for (let i = 0; i < 3; i++) queueEmail(a.deps, "test", `user${i}@example.com`, email(i));
    const flushingA = flushEmailOutbox(a.deps);
    await sink!.waitForHeld(1); // A claimed all three and is sending the first
    clock.advance(121); // past A's claims
    const takenByB = claimDueOutboxMessages(b.deps.db, nowSeconds(clock), 120, 20, b.id);
    expect(takenByB.map((r) => r.recipient).sort()).toEqual(["user0@example.com", "user1@example.com", "user2@example.com"]);
    release();
    await flushingA;
    // A's first send was under way and went out; the other two are B's now and A leaves them alone.
    expect(sink!.messages).toHaveLength(1);
    expect(listOutboxMessages(a.deps.db).map((r) => [r.recipient, r.claimedBy]).sort()).toEqual([
      ["user0@example.com", b.id],
      ["user1@example.com", b.id],
      ["user2@example.com", b.id],
    ]);
  });

  test("a stale claim taken over: the late instance's writes change nothing", async () => {
    const { a, b, clock } = await withSmtp();
    queueEmail(a.deps, "test", "user@example.com", email(0));
    stopEmailWorker(a.deps.db);
    const [row] = claimDueOutboxMessages(a.deps.db, nowSeconds(clock), 120, 20, a.id);
    clock.advance(120);
    expect(claimDueOutboxMessages(b.deps.db, nowSeconds(clock), 120, 20, b.id).map((r) => [r.id, r.claimedBy])).toEqual([[row!.id, b.id]]);
    rescheduleOutboxMessage(a.deps.db, row!.id, a.id, 1, 0, "late failure");
    expect(deleteOutboxMessage(a.deps.db, row!.id, a.id)).toBe(false);
    expect(listOutboxMessages(a.deps.db).map((r) => [r.claimedBy, r.attempts, r.lastError])).toEqual([[b.id, 0, null]]);
  });
});

describe("back-channel logout", () => {
  /** A relying party's logout endpoint on loopback: the sid of every logout token POSTed to it. */
  function startReceiver(): { url: string; sids: string[] } {
    const sids: string[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const token = new URLSearchParams(await req.text()).get("logout_token")!;
        sids.push((JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { sid: string }).sid);
        return new Response(null, { status: 204 });
      },
    });
    receiver = server;
    return { url: `http://127.0.0.1:${server.port}/backchannel-logout`, sids };
  }

  /** `n` sign-ins to a client with a back-channel logout URI, then ended: one queued notice each. */
  function endSignIns(i: TestInstance, uri: string, n: number): string[] {
    installFixtureSigningKey(i.deps);
    const { client } = createClient(i.deps, CLI_ACTOR, { name: "Wiki", callbackUrls: ["https://wiki.example.com/cb"], backchannelLogoutUri: uri });
    const user = insertTestUser(i.deps);
    const sids: string[] = [];
    for (let k = 0; k < n; k++) {
      const { session } = createSession(i.deps, { userId: user.id, amr: ["phr"], durationMinutes: 60 });
      recordSessionClient(i.deps.db, session.id, client.id, user.id, nowSeconds(i.deps.clock));
      sids.push(session.id);
    }
    for (const sid of sids) endSession(i.deps.db, sid);
    return sids.sort();
  }

  test("two instances delivering at once: one POST per ended session", async () => {
    w = makeTwoInstances();
    const { a, b } = w;
    const rp = startReceiver();
    const sessions = endSignIns(a, rp.url, 30);
    const [byA, byB] = await Promise.all([deliverDueBackchannelLogouts(a.deps, { instanceId: a.id }), deliverDueBackchannelLogouts(b.deps, { instanceId: b.id })]);
    expect([byA, byB]).toEqual([20, 10]); // one batch each, no notice in both
    expect([...rp.sids].sort()).toEqual(sessions);
    expect(await deliverDueBackchannelLogouts(b.deps, { instanceId: b.id })).toBe(0);
  });

  test("notices claimed by an instance that died are delivered by the other after the lease, once each", async () => {
    w = makeTwoInstances();
    const { a, b, clock } = w;
    const rp = startReceiver();
    const sessions = endSignIns(a, rp.url, 3);
    const now = nowSeconds(clock);
    expect(claimDueBackchannelLogouts(a.deps.db, now, now + BACKCHANNEL_LEASE_SECONDS, 20, a.id)).toHaveLength(3);
    expect(await deliverDueBackchannelLogouts(b.deps, { instanceId: b.id })).toBe(0);
    clock.advance(BACKCHANNEL_LEASE_SECONDS - 1);
    expect(await deliverDueBackchannelLogouts(b.deps, { instanceId: b.id })).toBe(0);
    expect(rp.sids).toEqual([]);
    clock.advance(1);
    expect(await deliverDueBackchannelLogouts(b.deps, { instanceId: b.id })).toBe(3);
    expect([...rp.sids].sort()).toEqual(sessions);
    expect(await deliverDueBackchannelLogouts(b.deps, { instanceId: b.id })).toBe(0);
  });
});
