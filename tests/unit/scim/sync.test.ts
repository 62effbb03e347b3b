/**
 * The SCIM sync engine against a real SCIM 2.0 server on loopback (tests/helpers/scim-server.ts): users and
 * groups of a client arrive with Pocket ID's attributes; updates propagate; removed users are deleted (or
 * deactivated where the server refuses DELETE); existing remote users are matched by userName; 503s are retried;
 * a wrong token is the provider's status, not a crash; the token is stored sealed; one instance at a time.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient, setAllowedGroups, setUnrestricted } from "../../../src/admin/oidc-clients.ts";
import { deleteUserAsAdmin, updateUserAsAdmin } from "../../../src/admin/user-admin.ts";
import { createUserGroup, setGroupMembers, updateUserGroup } from "../../../src/admin/user-groups.ts";
import { createUser } from "../../../src/admin/users.ts";
import { findScimProviderById, listProvisionedResources } from "../../../src/db/scim.ts";
import { listSealedValues, SEALED_COLUMNS } from "../../../src/db/sealed-values.ts";
import { createScimProvider, updateScimProvider } from "../../../src/scim/providers.ts";
import { syncDueScimProviders, SCIM_CHANGE_DELAY_MS } from "../../../src/scim/scim-jobs.ts";
import { MAX_REMOTE_ID_LENGTH, syncScimProvider, type ScimSyncDeps } from "../../../src/scim/sync.ts";
import { MAX_RESPONSE_BYTES, USER_SCHEMA } from "../../../src/scim/scim-client.ts";
import { scimServerForFile, startScimServer, type ScimTestServer } from "../../helpers/scim-server.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let srv: ScimTestServer;
let deps: TestDeps;
const waits: number[] = [];

scimServerForFile((s) => (srv = s));
beforeEach(() => {
  waits.length = 0;
  deps = makeTestDeps();
});
afterEach(() => deps.cleanup());

const syncDeps = (instanceId = "test-instance"): ScimSyncDeps => ({
  ...deps,
  fetch: (url, init) => fetch(url, init),
  instanceId,
  sleep: async (ms) => void waits.push(ms),
});

/** A restricted client whose group "Staff" holds alice and bob; carol is in no group. */
function world() {
  const alice = createUser(deps, { username: "alice", email: "alice@example.com", firstName: "Alice", lastName: "Liddell", displayName: "Alice L." });
  const bob = createUser(deps, { username: "bob", email: "bob@example.com", firstName: "Bob", lastName: "Builder" });
  const carol = createUser(deps, { username: "carol", email: "carol@example.com", firstName: "Carol", lastName: "Danvers" });
  const staff = createUserGroup(deps, CLI_ACTOR, { friendlyName: "Staff" });
  setGroupMembers(deps, CLI_ACTOR, staff.id, { userIds: [alice.id, bob.id] });
  const client = createClient(deps, CLI_ACTOR, { name: "Wiki", callbackUrls: ["https://wiki.example.com/cb"] }).client;
  setAllowedGroups(deps, CLI_ACTOR, client.id, [staff.id]);
  const provider = createScimProvider(deps, CLI_ACTOR, { endpoint: srv.endpoint, token: srv.token, oidcClientId: client.id });
  return { alice, bob, carol, staff, client, provider };
}

describe("a sync", () => {
  test("pushes the client's users and groups with Pocket ID's attributes, with the Bearer token", async () => {
    const w = world();
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r).toEqual({ outcome: "ok", error: null, counts: expect.objectContaining({ usersCreated: 2, groupsCreated: 1, failed: 0 }) });
    expect(srv.users.size).toBe(2);
    expect(srv.userByName("carol")).toBeUndefined();
    const alice = srv.userByName("alice")!;
    expect(alice).toMatchObject({
      schemas: [USER_SCHEMA],
      externalId: w.alice.id,
      userName: "alice",
      name: { givenName: "Alice", familyName: "Liddell" },
      displayName: "Alice L.",
      active: true,
      emails: [{ value: "alice@example.com", primary: true }],
    });
    const staff = srv.groupByName("Staff")!;
    expect(staff.externalId).toBe(w.staff.id);
    expect((staff.members as { value: string }[]).map((m) => m.value).sort()).toEqual([alice.id, srv.userByName("bob")!.id].sort());
    for (const q of srv.requests) {
      expect(q.authorization).toBe(`Bearer ${srv.token}`);
      if (q.body !== null) expect(q.contentType).toBe("application/scim+json");
    }
    const p = findScimProviderById(deps.db, w.provider.id)!;
    expect([p.lastError, p.lastSyncedAt, p.lastAttemptAt, p.claimedBy]).toEqual([null, Math.floor(deps.clock.now() / 1000), Math.floor(deps.clock.now() / 1000), null]);
    expect(listProvisionedResources(deps.db, w.provider.id).map((x) => [x.resourceType, x.remoteId])).toEqual([
      ["Group", staff.id],
      ...[w.alice, w.bob].map((u) => ["User", srv.userByName(u.username)!.id] as [string, string]).sort((a, b) => (a[1] < b[1] ? -1 : 1)),
    ].sort());
  });

  test("an unrestricted client pushes every user and group", async () => {
    const w = world();
    createUserGroup(deps, CLI_ACTOR, { friendlyName: "Empty" });
    setUnrestricted(deps, CLI_ACTOR, w.client.id, true);
    await syncScimProvider(syncDeps(), w.provider.id);
    expect([...srv.users.values()].map((u) => u.userName).sort()).toEqual(["alice", "bob", "carol"]);
    expect([...srv.groups.values()].map((g) => g.displayName).sort()).toEqual(["Empty", "Staff"]);
  });

  test("a second sync with nothing changed sends nothing but the unchanged count; changes propagate with PUT", async () => {
    const w = world();
    await syncScimProvider(syncDeps(), w.provider.id);
    srv.requests.length = 0;
    const again = await syncScimProvider(syncDeps(), w.provider.id);
    expect(again).toMatchObject({ outcome: "ok", counts: { usersUnchanged: 2, groupsUnchanged: 1, usersCreated: 0 } });
    expect(srv.requests).toEqual([]);

    updateUserAsAdmin(deps, CLI_ACTOR, w.alice.id, { username: "alice", email: "alice@new.example.com", firstName: "Alicia", lastName: "Liddell", disabled: true });
    updateUserGroup(deps, CLI_ACTOR, w.staff.id, { friendlyName: "Staff members" });
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r).toMatchObject({ outcome: "ok", counts: { usersUpdated: 1, usersUnchanged: 1, groupsUpdated: 1 } });
    const alice = srv.userByName("alice")!;
    expect(alice).toMatchObject({ name: { givenName: "Alicia" }, emails: [{ value: "alice@new.example.com", primary: true }], active: false });
    expect(srv.requests.filter((q) => q.method === "PUT").map((q) => q.path.split("/").slice(0, 4).join("/"))).toEqual(["/scim/v2/Users", "/scim/v2/Groups"]);
    expect(srv.groupByName("Staff members")).toBeDefined();
    expect(srv.groups.size).toBe(1);
  });

  test("a user no longer allowed is deleted and leaves the group; a group no longer allowed is deleted", async () => {
    const w = world();
    await syncScimProvider(syncDeps(), w.provider.id);
    const bobRemote = srv.userByName("bob")!.id;
    setGroupMembers(deps, CLI_ACTOR, w.staff.id, { userIds: [w.alice.id] });
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r).toMatchObject({ outcome: "ok", counts: { usersDeleted: 1, groupsUpdated: 1 } });
    expect(srv.users.has(bobRemote)).toBe(false);
    expect((srv.groupByName("Staff")!.members as unknown[]).length).toBe(1);

    deleteUserAsAdmin(deps, CLI_ACTOR, w.alice.id);
    setAllowedGroups(deps, CLI_ACTOR, w.client.id, []);
    const gone = await syncScimProvider(syncDeps(), w.provider.id);
    expect(gone).toMatchObject({ outcome: "ok", counts: { usersDeleted: 1, groupsDeleted: 1 } });
    expect([srv.users.size, srv.groups.size]).toEqual([0, 0]);
    expect(listProvisionedResources(deps.db, w.provider.id)).toEqual([]);
  });

  test("a server that refuses DELETE gets the user deactivated (PATCH active false)", async () => {
    const w = world();
    await syncScimProvider(syncDeps(), w.provider.id);
    srv.refuseDelete = true;
    setGroupMembers(deps, CLI_ACTOR, w.staff.id, { userIds: [w.alice.id] });
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r).toMatchObject({ outcome: "ok", counts: { usersDeactivated: 1, usersDeleted: 0 } });
    expect(srv.userByName("bob")).toMatchObject({ active: false });
    const patch = srv.requests.find((q) => q.method === "PATCH")!;
    expect(patch.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] });
  });

  test("an existing remote user with the same userName is adopted (filter userName eq), not duplicated", async () => {
    const w = world();
    srv.users.set("pre-1", { id: "pre-1", schemas: [USER_SCHEMA], userName: "ALICE", active: true });
    await syncScimProvider(syncDeps(), w.provider.id);
    expect(srv.requests.some((q) => q.method === "GET" && decodeURIComponent(q.path).endsWith('filter=userName eq "alice"'))).toBe(true);
    expect(srv.users.get("pre-1")).toMatchObject({ userName: "alice", externalId: w.alice.id });
    expect(srv.users.size).toBe(2);
  });

  test("a resource deleted on the server behind our back is created again", async () => {
    const w = world();
    await syncScimProvider(syncDeps(), w.provider.id);
    srv.users.delete(srv.userByName("alice")!.id);
    const r = await syncScimProvider(syncDeps(), w.provider.id, { force: true });
    expect(r).toMatchObject({ outcome: "ok", counts: { usersCreated: 1, usersUpdated: 1 } });
    expect(srv.userByName("alice")).toBeDefined();
    expect(srv.users.size).toBe(2);
  });

  test("503s are retried with backoff; a server failing every attempt is reported after four", async () => {
    const w = world();
    srv.failNext.push(503, 503);
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r).toMatchObject({ outcome: "ok", counts: { usersCreated: 2, groupsCreated: 1 } });
    expect(waits).toEqual([500, 1000]);
    srv.failNext.push(() => new Response("slow down", { status: 429, headers: { "Retry-After": "7" } }));
    await syncScimProvider(syncDeps(), w.provider.id, { force: true });
    expect(waits).toEqual([500, 1000, 7000]);
    // A Retry-After date counts from the server's clock (deps.clock), not the machine's.
    srv.failNext.push(() => new Response(null, { status: 503, headers: { "Retry-After": new Date(deps.clock.now() + 20_000).toUTCString() } }));
    await syncScimProvider(syncDeps(), w.provider.id, { force: true });
    expect(waits).toEqual([500, 1000, 7000, 20_000]);

    updateUserGroup(deps, CLI_ACTOR, w.staff.id, { friendlyName: "Crew" });
    srv.failNext.push(503, 503, 503, 503);
    const failed = await syncScimProvider(syncDeps(), w.provider.id);
    expect(failed.outcome).toBe("failed");
    const p = findScimProviderById(deps.db, w.provider.id)!;
    expect(p.lastError).toBe("1 resource failed: group Crew: PUT /Groups/" + srv.groupByName("Staff")!.id + ": HTTP 503 Service Unavailable (after 4 attempts)");
    expect(p.lastSyncedAt).toBeLessThan(p.lastAttemptAt! + 1);
    expect(JSON.parse(p.lastCounts!)).toMatchObject({ failed: 1, usersUnchanged: 2 });
  });

  test("a server failing three resources in a row (after their retries) stops the sync", async () => {
    const w = world();
    setUnrestricted(deps, CLI_ACTOR, w.client.id, true);
    srv.failNext.push(...Array(12).fill(500));
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r.outcome).toBe("failed");
    expect(findScimProviderById(deps.db, w.provider.id)!.lastError).toMatch(/^the SCIM server failed 3 resources in a row; stopped \(last: user \w+: GET \/Users: HTTP 500 Internal Server Error \(after 4 attempts\)\)$/);
    expect(srv.requests.length).toBe(12);
    expect(srv.groups.size).toBe(0);
  });

  test("an endpoint nobody listens on is a network error, retried, then the provider's status", async () => {
    const w = world();
    const dead = await startScimServer();
    const endpoint = dead.endpoint;
    await dead.stop();
    updateScimProvider(deps, CLI_ACTOR, w.provider.id, { endpoint });
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r.outcome).toBe("failed");
    expect(findScimProviderById(deps.db, w.provider.id)!.lastError).toMatch(/^GET \/Users: cannot connect \(.+\) \(after 4 attempts\)$/);
    expect(waits).toEqual([500, 1000, 2000]);
  });

  test("the time limit stops a sync between resources; what was pushed stays recorded and the rest follows next time", async () => {
    const w = world();
    // Each request takes a minute on the test's clock; the limit is 90 seconds.
    const slow: ScimSyncDeps = { ...syncDeps(), timeLimitMs: 90_000, fetch: async (url, init) => (deps.clock.advanceMs(60_000), fetch(url, init)) };
    const r = await syncScimProvider(slow, w.provider.id);
    expect(r).toMatchObject({ outcome: "failed", error: "stopped at the time limit (90 s); the rest follows at the next sync" });
    expect(srv.users.size).toBe(1);
    expect(listProvisionedResources(deps.db, w.provider.id).length).toBe(1);
    const next = await syncScimProvider(syncDeps(), w.provider.id);
    expect(next).toMatchObject({ outcome: "ok", counts: { usersUnchanged: 1, usersCreated: 1, groupsCreated: 1 } });
  });

  test("a redirect is not followed (the token goes to the configured endpoint only)", async () => {
    const w = world();
    const elsewhere = await startScimServer();
    try {
      srv.failNext.push(() => new Response(null, { status: 307, headers: { Location: `${elsewhere.endpoint}/Users` } }));
      const r = await syncScimProvider(syncDeps(), w.provider.id);
      expect(r.outcome).toBe("failed");
      expect(findScimProviderById(deps.db, w.provider.id)!.lastError).toContain(`HTTP 307 redirect to ${elsewhere.endpoint}/Users; set the endpoint to the final URL`);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.stop();
    }
  });

  test("a wrong token stops the sync at the first answer and is the provider's status", async () => {
    const w = world();
    srv.token = "the-right-token";
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r).toMatchObject({ outcome: "failed" });
    expect(srv.requests.length).toBe(1);
    const p = findScimProviderById(deps.db, w.provider.id)!;
    expect(p.lastError).toBe('GET /Users: HTTP 401: the SCIM server refused the token (Bearer token missing or invalid)');
    expect([p.lastSyncedAt, p.claimedBy]).toEqual([null, null]);
    expect(p.lastError).not.toContain("scim-test-token");
  });

  test("the token is stored sealed; a token this key cannot open is reported, not sent", async () => {
    const w = world();
    const raw = deps.db.query<{ token: string }, [string]>("SELECT token FROM scim_service_providers WHERE id = ?").get(w.provider.id)!.token;
    expect(raw.startsWith(deps.box.format)).toBe(true);
    expect(raw).not.toContain(srv.token);
    expect(deps.box.openText(`scim-token:${w.provider.id}`, raw)).toBe(srv.token);
    const column = SEALED_COLUMNS.find((c) => c.table === "scim_service_providers")!;
    expect(listSealedValues(deps.db, column)).toEqual([{ key: w.provider.id, sealed: raw }]);

    // A sealed value moved to another provider's row does not open there (the purpose names the row).
    const other = createClient(deps, CLI_ACTOR, { name: "Other", callbackUrls: ["https://o.example.com/cb"] }).client;
    const second = createScimProvider(deps, CLI_ACTOR, { endpoint: srv.endpoint, oidcClientId: other.id });
    deps.db.query("UPDATE scim_service_providers SET token = ? WHERE id = ?").run(raw, second.id);
    const r = await syncScimProvider(syncDeps(), second.id);
    expect(r.outcome).toBe("failed");
    expect(findScimProviderById(deps.db, second.id)!.lastError).toBe("the stored token cannot be decrypted with this ENCRYPTION_KEY: enter the token again");
    expect(srv.requests).toEqual([]);
  });

  test("one instance at a time: a provider claimed elsewhere is skipped; an expired claim is taken over", async () => {
    const w = world();
    deps.db.query("UPDATE scim_service_providers SET claimed_by = 'other', claim_expires_at = ? WHERE id = ?").run(deps.clock.now() + 60_000, w.provider.id);
    expect(await syncScimProvider(syncDeps(), w.provider.id)).toEqual({ outcome: "busy" });
    expect(srv.requests).toEqual([]);
    deps.clock.advanceMs(60_000);
    expect((await syncScimProvider(syncDeps(), w.provider.id)).outcome).toBe("ok");

    // Two instances asked at the same moment: one sync runs.
    srv.requests.length = 0;
    const [a, b] = await Promise.all([syncScimProvider(syncDeps("a"), w.provider.id, { force: true }), syncScimProvider(syncDeps("b"), w.provider.id, { force: true })]);
    expect([a.outcome, b.outcome].sort()).toEqual(["busy", "ok"]);
    expect(srv.requests.filter((q) => q.method === "PUT").length).toBe(3);
  });
});

describe("a hostile or broken SCIM server's answers", () => {
  const json = (status: number, body: unknown) => () => new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "Content-Type": "application/scim+json" } });
  const noMatch = json(200, { schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 0, Resources: [] });
  const huge = "x".repeat(MAX_RESPONSE_BYTES + 1);
  // Each row answers the first user's first requests (GET filter, then POST); the other user and the group then
  // meet the real server.
  const rows: [string, (() => Response)[], string | null][] = [
    ["a listing larger than the limit", [json(200, { Resources: [], padding: huge })], `GET /Users: HTTP 200: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`],
    ["an error body larger than the limit", [json(400, huge)], `GET /Users: HTTP 400: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`],
    ["Resources of the wrong type", [json(200, { Resources: "alice" })], null],
    ["Resources holding nulls, numbers and a numeric id", [json(200, { Resources: [null, 5, "alice", { id: 7, userName: "alice" }] })], null],
    ["a match whose id is a dot segment", [json(200, { Resources: [{ id: "..", userName: "alice" }] })], null],
    ["a match whose id is empty", [json(200, { Resources: [{ id: "", userName: "alice" }] })], null],
    ["a created resource without an id", [noMatch, json(201, { userName: "alice" })], "POST /Users: HTTP 201 without a usable id for the new resource"],
    ["a created resource whose id is a number", [noMatch, json(201, { id: 42 })], "POST /Users: HTTP 201 without a usable id for the new resource"],
    ["a created resource whose id is '..'", [noMatch, json(201, { id: ".." })], "POST /Users: HTTP 201 without a usable id for the new resource"],
    ["a created resource whose id is '.'", [noMatch, json(201, { id: "." })], "POST /Users: HTTP 201 without a usable id for the new resource"],
    ["a created resource whose id is huge", [noMatch, json(201, { id: "i".repeat(MAX_REMOTE_ID_LENGTH + 1) })], "POST /Users: HTTP 201 without a usable id for the new resource"],
    ["a created resource that is not JSON", [noMatch, json(201, "<html>created</html>")], "POST /Users: HTTP 201 without a usable id for the new resource"],
    ["a created resource that is a JSON array", [noMatch, json(201, [{ id: "a" }])], "POST /Users: HTTP 201 without a usable id for the new resource"],
  ];
  test.each(rows)("%s: recorded as the first user's failure or ignored, never a crash, a bad id or a request outside the resource", async (_label, answers, error) => {
    const w = world();
    srv.failNext.push(...answers);
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r.outcome).toBe(error === null ? "ok" : "failed");
    const lastError = findScimProviderById(deps.db, w.provider.id)!.lastError;
    if (error === null) expect(lastError).toBeNull();
    else expect(lastError).toMatch(new RegExp(`^1 resource failed: user (alice|bob): ${error.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
    // What is recorded is what the server really holds; every request addressed a resource collection or resource.
    expect(listProvisionedResources(deps.db, w.provider.id).map((x) => x.remoteId).sort()).toEqual([...srv.users.keys(), ...srv.groups.keys()].sort());
    expect(srv.users.size).toBe(error === null ? 2 : 1);
    for (const q of srv.requests) expect(q.path).toMatch(/^\/scim\/v2\/(Users|Groups)(\/[^/?]+)?(\?|$)/);
  });

  test("two local groups with one friendly name: the second never takes over the first's remote group", async () => {
    const w = world();
    const twin = createUserGroup(deps, CLI_ACTOR, { name: "staff-2", friendlyName: "Staff" });
    setGroupMembers(deps, CLI_ACTOR, twin.id, { userIds: [w.carol.id] });
    setAllowedGroups(deps, CLI_ACTOR, w.client.id, [w.staff.id, twin.id]);
    for (const force of [false, true]) {
      expect((await syncScimProvider(syncDeps(), w.provider.id, { force })).outcome).toBe("ok");
      const recorded = listProvisionedResources(deps.db, w.provider.id).filter((x) => x.resourceType === "Group");
      expect(new Set(recorded.map((x) => x.remoteId)).size).toBe(2);
      // Each remote group holds its own group's members.
      for (const [group, users] of [[w.staff.id, [w.alice, w.bob]], [twin.id, [w.carol]]] as const) {
        const remote = srv.groups.get(recorded.find((x) => x.localId === group)!.remoteId)!;
        expect((remote.members as { value: string }[]).map((m) => m.value).sort()).toEqual(users.map((u) => srv.userByName(u.username)!.id).sort());
      }
    }
  });

  test("a server answering a new user with another user's id: that user's failure, not recorded", async () => {
    const w = world();
    setAllowedGroups(deps, CLI_ACTOR, w.client.id, []);
    setUnrestricted(deps, CLI_ACTOR, w.client.id, true);
    await syncScimProvider(syncDeps(), w.provider.id);
    const before = listProvisionedResources(deps.db, w.provider.id);
    const aliceRemote = srv.userByName("alice")!.id;
    const dave = createUser(deps, { username: "dave", email: "dave@example.com", firstName: "Dave", lastName: "Doe" });
    srv.failNext.push(json(200, { Resources: [] }), json(201, { id: aliceRemote, userName: "dave" }));
    const r = await syncScimProvider(syncDeps(), w.provider.id);
    expect(r.outcome).toBe("failed");
    expect(findScimProviderById(deps.db, w.provider.id)!.lastError).toBe(`1 resource failed: user dave: the server answered with id ${aliceRemote}, which is already another of ours (${w.alice.id}); not recorded`);
    expect(listProvisionedResources(deps.db, w.provider.id).find((x) => x.localId === dave.id)).toBeUndefined();
    expect(listProvisionedResources(deps.db, w.provider.id).find((x) => x.localId === w.alice.id)!.remoteId).toBe(before.find((x) => x.localId === w.alice.id)!.remoteId);
  });

  test("a replaced resource answered with a dot-segment id keeps the id it has; its removal addresses that id", async () => {
    const w = world();
    await syncScimProvider(syncDeps(), w.provider.id);
    const aliceId = srv.userByName("alice")!.id;
    updateUserAsAdmin(deps, CLI_ACTOR, w.alice.id, { username: "alice", email: "alice@example.com", firstName: "Alice", lastName: "Liddell", displayName: "Alice the Second" });
    srv.failNext.push(json(200, { id: "..", userName: "alice" }));
    expect((await syncScimProvider(syncDeps(), w.provider.id)).outcome).toBe("ok");
    expect(listProvisionedResources(deps.db, w.provider.id).find((x) => x.localId === w.alice.id)!.remoteId).toBe(aliceId);
    srv.requests.length = 0;
    deleteUserAsAdmin(deps, CLI_ACTOR, w.alice.id);
    expect((await syncScimProvider(syncDeps(), w.provider.id)).outcome).toBe("ok");
    expect(srv.requests.filter((q) => q.method === "DELETE").map((q) => q.path)).toEqual([`/scim/v2/Users/${aliceId}`]);
    expect(srv.userByName("alice")).toBeUndefined();
  });
});

describe("scheduling after changes", () => {
  test("a saved provider is due at once; a change makes it due five minutes after the last change", async () => {
    const w = world();
    await syncDueScimProviders(syncDeps());
    expect(srv.users.size).toBe(2);
    srv.requests.length = 0;

    await syncDueScimProviders(syncDeps());
    expect(srv.requests).toEqual([]);

    setGroupMembers(deps, CLI_ACTOR, w.staff.id, { userIds: [w.alice.id, w.bob.id, w.carol.id] });
    await syncDueScimProviders(syncDeps());
    expect(srv.requests).toEqual([]);
    deps.clock.advanceMs(SCIM_CHANGE_DELAY_MS - 60_000);
    // Another change moves the sync five minutes past it.
    updateUserAsAdmin(deps, CLI_ACTOR, w.carol.id, { username: "carol", email: "carol@example.com", firstName: "Carol", lastName: "D." });
    await syncDueScimProviders(syncDeps());
    deps.clock.advanceMs(60_000);
    await syncDueScimProviders(syncDeps());
    expect(srv.requests).toEqual([]);
    deps.clock.advanceMs(SCIM_CHANGE_DELAY_MS);
    await syncDueScimProviders(syncDeps());
    expect(srv.userByName("carol")).toMatchObject({ name: { familyName: "D." } });
    srv.requests.length = 0;
    await syncDueScimProviders(syncDeps());
    expect(srv.requests).toEqual([]);
  });

  test("a sign-in (which does not change what is pushed) makes nothing due", async () => {
    const w = world();
    await syncDueScimProviders(syncDeps());
    deps.db.query("UPDATE users SET updated_at = updated_at + 1 WHERE id = ?").run(w.alice.id);
    const before = findScimProviderById(deps.db, w.provider.id)!;
    await syncDueScimProviders(syncDeps());
    expect(findScimProviderById(deps.db, w.provider.id)!.syncDueAt).toBe(before.syncDueAt);
  });
});
