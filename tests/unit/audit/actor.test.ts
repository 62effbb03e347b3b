/**
 * Who acted, as the audit row records it (src/audit/actor.ts), and audited changes that are all or nothing:
 * the change and its row commit together, or neither does.
 */
import { testEngine } from "../../helpers/template-database.ts";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { actorUserId, actorVia, auditedChange, CLI_ACTOR, recordAdminChange, systemActor, type Actor } from "../../../src/audit/actor.ts";
import { createUserGroup } from "../../../src/admin/user-groups.ts";
import { createUser } from "../../../src/admin/users.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
beforeEach(() => {
  deps = makeTestDeps();
});
afterEach(() => deps.cleanup());

const origin = { ip: "81.2.69.142", userAgent: "curl/8.5.0" };
const U1 = "00000000-0000-4000-8000-000000000001";
type Row = { user_id: string | null; ip_address: string | null; user_agent: string | null; data: string };
const rows = () => deps.db.query<Row, []>("SELECT user_id, ip_address, user_agent, data FROM audit_logs ORDER BY rowid").all();

describe("ADMIN_CHANGE for each kind of actor", () => {
  test.each<[string, Actor, { user: string | null; ip: string | null; data: Record<string, unknown> }]>([
    ["a browser session", { kind: "user", userId: U1, origin }, { user: U1, ip: origin.ip, data: { via: "session" } }],
    ["an API key", { kind: "api_key", userId: U1, apiKeyId: "k1", origin }, { user: U1, ip: origin.ip, data: { via: "api_key" } }],
    ["the static API key", { kind: "static_api_key", origin }, { user: null, ip: origin.ip, data: { via: "api_key", actor: "static-api-key" } }],
    ["the command line", CLI_ACTOR, { user: null, ip: null, data: { via: "cli" } }],
    ["a scheduled job", systemActor("ldap-sync"), { user: null, ip: null, data: { via: "system" } }],
  ])("%s", (_name, actor, expected) => {
    createUser(deps, { id: U1, username: "ada", email: null, firstName: "Ada", lastName: "" });
    recordAdminChange(deps, actor, { entity: "user", action: "update", id: "u2", changes: { fields: ["email"] } });
    const [row] = rows();
    expect({ user: row!.user_id, ip: row!.ip_address, data: JSON.parse(row!.data) }).toEqual({
      user: expected.user,
      ip: expected.ip,
      data: { entity: "user", action: "update", id: "u2", changes: { fields: ["email"] }, ...expected.data },
    });
    expect(actorUserId(actor)).toBe(expected.user);
    expect(actorVia(actor) as string).toBe(expected.data.via as string);
  });
});

describe("auditedChange: the change and its row, together or not at all", () => {
  test("a change that throws records nothing", () => {
    expect(() => auditedChange(deps, CLI_ACTOR, () => { throw new Error("refused"); }, () => ({ entity: "x", action: "y", id: "z" }))).toThrow("refused");
    expect(rows()).toEqual([]);
  });

  test("a row that cannot be written rolls the change back", () => {
    if (testEngine() === "postgres") {
      deps.db.exec(`CREATE FUNCTION audit_full() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''audit log unavailable''; END';
        CREATE TRIGGER audit_full BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION audit_full()`);
    } else {
      deps.db.exec("CREATE TRIGGER audit_full BEFORE INSERT ON audit_logs BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END");
    }
    expect(() => createUserGroup(deps, CLI_ACTOR, { friendlyName: "Family" })).toThrow("audit log unavailable");
    expect(deps.db.query("SELECT COUNT(*) AS n FROM user_groups").get()).toEqual({ n: 0 });
  });

  test("a change that did nothing may record nothing", () => {
    expect(auditedChange(deps, CLI_ACTOR, () => false, (changed) => (changed ? { entity: "x", action: "y", id: "z" } : null))).toBe(false);
    expect(rows()).toEqual([]);
  });
});
