/**
 * SCIM syncs on two instances sharing one database (the server's background work, a real SCIM server on loopback
 * answering slowly so runs overlap): each provider is synced by one instance at a time, so nothing is created
 * twice; a change made through one instance is pushed once, about five minutes later.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient, setAllowedGroups } from "../../../src/admin/oidc-clients.ts";
import { createUserGroup, setGroupMembers } from "../../../src/admin/user-groups.ts";
import { createUser } from "../../../src/admin/users.ts";
import { startBackgroundWork } from "../../../src/cluster/background-work.ts";
import { listJobRuns } from "../../../src/db/job-runs.ts";
import { findScimProviderById } from "../../../src/db/scim.ts";
import { createScimProvider } from "../../../src/scim/providers.ts";
import { startScimServer, type ScimTestServer } from "../../helpers/scim-server.ts";
import { makeTwoInstances, type TwoInstances } from "../../helpers/two-instances.ts";

let srv: ScimTestServer;
let w: TwoInstances | null = null;
beforeAll(async () => {
  srv = await startScimServer();
  srv.delayMs = 20;
});
afterAll(() => srv.stop());
afterEach(() => {
  w?.cleanup();
  w = null;
});

test("two instances: one sync per provider at a time, nothing created twice; a change is pushed once", async () => {
  w = makeTwoInstances({ UI_CONFIG_DISABLED: "true" });
  const { a, b, clock } = w;
  const alice = createUser(a.deps, { username: "alice", email: "alice@example.com", firstName: "Alice", lastName: "A" });
  const bob = createUser(a.deps, { username: "bob", email: "bob@example.com", firstName: "Bob", lastName: "B" });
  const staff = createUserGroup(a.deps, CLI_ACTOR, { friendlyName: "Staff" });
  setGroupMembers(a.deps, CLI_ACTOR, staff.id, { userIds: [alice.id] });
  const client = createClient(a.deps, CLI_ACTOR, { name: "Wiki", callbackUrls: ["https://wiki.example.com/cb"] }).client;
  setAllowedGroups(a.deps, CLI_ACTOR, client.id, [staff.id]);
  const provider = createScimProvider(a.deps, CLI_ACTOR, { endpoint: srv.endpoint, token: srv.token, oidcClientId: client.id });

  // Both start at once: on each, the hourly job and the due job (the new provider) want the same provider.
  const workA = startBackgroundWork(a.deps, { instanceId: a.id });
  const workB = startBackgroundWork(b.deps, { instanceId: b.id });
  await clock.tick(1_000);
  await Promise.all([workA.stop(), workB.stop()]);
  const posts = () => srv.requests.filter((q) => q.method === "POST").map((q) => q.path);
  expect(posts()).toEqual(["/scim/v2/Users", "/scim/v2/Groups"]);
  expect(srv.users.size).toBe(1);
  expect(findScimProviderById(a.deps.db, provider.id)).toMatchObject({ lastError: null, claimedBy: null });
  const ran = listJobRuns(a.deps.db).filter((r) => r.job.startsWith("scim-"));
  expect(ran.map((r) => r.job).sort()).toEqual(["scim-sync", "scim-sync-due"]);

  // A change made through B's connection, then five minutes of both instances checking every minute.
  setGroupMembers(b.deps, CLI_ACTOR, staff.id, { userIds: [alice.id, bob.id] });
  srv.requests.length = 0;
  const workA2 = startBackgroundWork(a.deps, { instanceId: a.id });
  const workB2 = startBackgroundWork(b.deps, { instanceId: b.id });
  for (let minute = 0; minute < 7; minute++) {
    await clock.tick(60_000);
    // Let a run that started finish its requests before the next minute (the server answers in 20 ms each).
    for (let i = 0; i < 50 && findScimProviderById(a.deps.db, provider.id)!.claimedBy !== null; i++) await Bun.sleep(10);
  }
  await Promise.all([workA2.stop(), workB2.stop()]);
  expect(posts()).toEqual(["/scim/v2/Users"]);
  expect(srv.requests.filter((q) => q.method === "PUT").map((q) => q.path.split("/")[3])).toEqual(["Groups"]);
  expect(srv.users.size).toBe(2);
  expect([...a.logs, ...b.logs].filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
});
