/** The cleanup job removes expired sessions, one-time codes and challenges, and keeps live ones. */
import { afterEach, expect, test } from "bun:test";
import { createOneTimeAccessToken } from "../../../src/account/one-time-access.ts";
import { createSession } from "../../../src/account/sessions.ts";
import { cleanupExpiredRows } from "../../../src/maintenance/cleanup.ts";
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
