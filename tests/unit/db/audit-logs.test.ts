/**
 * src/db/audit-logs.ts maps rows to typed values and back (issue 21 step 1): `data` written and read as an
 * object ({} when the stored JSON is not an object), camelCase fields, the user's names joined (null without one).
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { insertAuditLog, iterateAuditLogs, listAuditLogsOfUser, listAuditUsers, pageAuditLogs, type AuditLog } from "../../../src/db/audit-logs.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
beforeEach(() => {
  deps = makeTestDeps();
});
afterEach(() => deps.cleanup());

test("an event reads back as the value it was written as, with its user's names", () => {
  deps.db.query("INSERT INTO users (id, username, display_name, created_at, updated_at) VALUES ('u1', 'alice', 'Alice L.', 1, 1)").run();
  const log: AuditLog = {
    id: "e1",
    createdAt: 100,
    event: "SIGN_IN",
    userId: "u1",
    ipAddress: "192.0.2.1",
    userAgent: "curl/8",
    data: { clientName: "Grafana", n: 2 },
    country: "NL",
    city: "Delft",
  };
  insertAuditLog(deps.db, log);
  insertAuditLog(deps.db, { ...log, id: "e2", createdAt: 101, userId: null, data: {} });
  expect(deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE id = 'e1'").get()!.data).toBe('{"clientName":"Grafana","n":2}');
  const page = pageAuditLogs(deps.db, {}, 10, 0);
  expect(page.entries).toEqual([
    { ...log, id: "e2", createdAt: 101, userId: null, data: {}, username: null, userDisplayName: null },
    { ...log, username: "alice", userDisplayName: "Alice L." },
  ]);
  expect([...iterateAuditLogs(deps.db, { userId: "u1" }, 10)]).toEqual([{ ...log, username: "alice", userDisplayName: "Alice L." }]);
  expect(listAuditLogsOfUser(deps.db, "u1", 10, 0)).toEqual([log]);
  expect(listAuditUsers(deps.db)).toEqual([{ id: "u1", username: "alice", displayName: "Alice L." }]);

  deps.db.query("UPDATE audit_logs SET data = '[1]' WHERE id = 'e1'").run();
  expect(listAuditLogsOfUser(deps.db, "u1", 10, 0)[0]!.data).toEqual({});
});
