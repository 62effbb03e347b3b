/** The cleanup job removes expired sessions, one-time codes and challenges, and keeps live ones; the server runs it every minute. */
import { afterEach, expect, test } from "bun:test";
import { createOneTimeAccessToken } from "../../../src/account/one-time-access.ts";
import { createSession } from "../../../src/account/sessions.ts";
import { createScheduler } from "../../../src/lib/scheduler.ts";
import { cleanupExpiredRows, CLEANUP_INTERVAL_MS, scheduleCleanupJobs } from "../../../src/maintenance/cleanup.ts";
import { insertTestUser } from "../../helpers/oidc-fixtures.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
afterEach(() => deps.cleanup());

const count = (table: string) => deps.db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n;

test("expired rows go, live rows stay", () => {
  deps = makeTestDeps();
  const user = insertTestUser(deps, { username: "sam" });
  for (let i = 0; i < 5; i++) createSession(deps, { userId: user.id, amr: ["phr"], durationMinutes: 1 });
  for (let i = 0; i < 3; i++) createOneTimeAccessToken(deps, user.id, 60);
  deps.db.query("INSERT INTO webauthn_challenges (id, challenge, purpose, user_id, user_verification, expires_at) VALUES ('c1', 'x', 'login', NULL, 'required', ?)").run(Math.floor(deps.clock.now() / 1000) + 60);
  deps.clock.advance(120);
  createSession(deps, { userId: user.id, amr: ["phr"], durationMinutes: 60 });
  expect(count("sessions")).toBe(6);
  cleanupExpiredRows(deps);
  expect(count("sessions")).toBe(1);
  expect(count("one_time_access_tokens")).toBe(0);
  expect(count("webauthn_challenges")).toBe(0);
});

test("scheduled at start and every minute: under steady load the sessions table stays flat", async () => {
  deps = makeTestDeps();
  const user = insertTestUser(deps, { username: "sam" });
  createSession(deps, { userId: user.id, amr: ["phr"], durationMinutes: 1 });
  deps.clock.advance(61); // expired before the server started
  const scheduler = createScheduler({ log: deps.log, clock: deps.clock });
  scheduleCleanupJobs(deps, scheduler);
  await deps.clock.tick(0);
  expect(count("sessions")).toBe(0); // the run at start

  // Twelve one-minute sessions a minute for ten minutes; the size is read just after each minute's run.
  const sizes: number[] = [];
  for (let minute = 1; minute <= 10; minute++) {
    for (let i = 0; i < 12; i++) {
      createSession(deps, { userId: user.id, amr: ["phr"], durationMinutes: 1 });
      await deps.clock.tick(CLEANUP_INTERVAL_MS / 12);
    }
    sizes.push(count("sessions"));
  }
  // Each run leaves the sessions still live: the last minute's twelve less the one expiring at that instant
  // (without the job the table would hold 12, 24, …, 120).
  expect(sizes).toEqual([11, 11, 11, 11, 11, 11, 11, 11, 11, 11]);
  await scheduler.stop();
  expect(deps.clock.pendingTimers).toBe(0);
});
