import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { adminWorld, apiReq, json, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { type TestDeps } from "../../helpers/test-deps.ts";
import { insertCredential } from "../../../src/db/webauthn.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
let k: string;

adminWorld((w) => {
  ({ app, deps, f } = w);
  k = f.admin.key;
});

const call = (key: string | null, method: string, path: string, body?: unknown) => json(app, apiReq(deps, key, method, path, body));

describe("/api/users", () => {
  test("administrators' errors are sentences, in the caller's Accept-Language (English without one)", async () => {
    const en = await call(k, "POST", "/api/users", { username: "carol", firstName: "Carol", locale: "english please" });
    expect(en.status).toBe(400);
    expect(en.body.fields).toEqual({ locale: "Enter a language tag such as en or de-CH." });
    expect((await call(k, "POST", "/api/users", { username: "carol", firstName: "Carol", id: "not-a-uuid" })).body.fields).toEqual({ id: "Enter a UUID, or leave the ID out." });
    const request = apiReq(deps, k, "POST", "/api/users", { username: "carol", firstName: "Carol", id: "not-a-uuid" });
    request.headers.set("Accept-Language", "de-DE,de;q=0.9");
    expect((await json(app, request)).body.fields).toEqual({ id: "Geben Sie eine UUID ein oder lassen Sie die ID weg." });
    const missing = apiReq(deps, k, "GET", "/api/users/00000000-0000-4000-8000-000000000000");
    missing.headers.set("Accept-Language", "ja");
    expect((await json(app, missing)).body.message).toBe("このユーザーは存在しません。");
  });

  test("list: pagination, search, sort", async () => {
    for (let i = 0; i < 23; i++) await call(k, "POST", "/api/users", { username: `user${String(i).padStart(2, "0")}`, firstName: "U", email: `u${i}@example.com` });
    const p1 = await call(k, "GET", "/api/users?pagination[page]=1&pagination[limit]=10");
    expect(p1.status).toBe(200);
    expect(p1.body.data).toHaveLength(10);
    expect(p1.body.pagination).toEqual({ totalPages: 3, totalItems: 25, currentPage: 1, itemsPerPage: 10 });
    const p3 = await call(k, "GET", "/api/users?pagination[page]=3&pagination[limit]=10");
    expect(p3.body.data).toHaveLength(5);
    const s = await call(k, "GET", "/api/users?search=bob");
    expect(s.body.data.map((u: any) => u.username)).toEqual(["bob"]);
    const desc = await call(k, "GET", "/api/users?sort[column]=username&sort[direction]=desc&pagination[limit]=1");
    expect(desc.body.data[0].username).toBe("user22");
    // LIKE wildcards in the search are literal.
    expect((await call(k, "GET", "/api/users?search=%25")).body.data).toEqual([]);
  });

  test("create → 201 with groups; get; update; delete", async () => {
    const g = await call(k, "POST", "/api/user-groups", { friendlyName: "Family", name: "family" });
    const created = await call(k, "POST", "/api/users", {
      username: "carol", email: "carol@example.com", firstName: "Carol", lastName: "C", isAdmin: false, userGroupIds: [g.body.id],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: "carol", displayName: "Carol C", isAdmin: false, disabled: false, userGroups: [{ id: g.body.id, name: "family" }] });
    const id = created.body.id;
    expect((await call(k, "GET", `/api/users/${id}`)).body.email).toBe("carol@example.com");
    const upd = await call(k, "PUT", `/api/users/${id}`, { username: "carol2", email: "carol@example.com", firstName: "Carol", disabled: true });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ username: "carol2", disabled: true });
    const groups = await call(k, "GET", `/api/users/${id}/groups`);
    expect(groups.body.map((x: any) => x.name)).toEqual(["family"]);
    const setG = await call(k, "PUT", `/api/users/${id}/user-groups`, { userGroupIds: [] });
    expect(setG.body.userGroups).toEqual([]);
    expect((await app.handle(apiReq(deps, k, "DELETE", `/api/users/${id}`))).status).toBe(204);
    expect((await call(k, "GET", `/api/users/${id}`)).status).toBe(404);
    const audit = deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE event = 'ADMIN_CHANGE' ORDER BY rowid").all().map((r) => JSON.parse(r.data));
    expect(audit.map((a) => `${a.entity}:${a.action}`)).toEqual(["user_group:create", "user:create", "user:update", "user:set_groups", "user:delete"]);
  });

  test("validation errors are 400 with field messages", async () => {
    const r = await call(k, "POST", "/api/users", { username: "-bad-", email: "nope", firstName: "", userGroupIds: ["missing"] });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("bad_request");
    expect(Object.keys(r.body.fields).sort()).toEqual(["email", "firstName", "userGroupIds", "username"]);
    const dup = await call(k, "POST", "/api/users", { username: "ALICE", firstName: "A" });
    expect(dup.status).toBe(400);
    expect(dup.body.fields.username).toBe("This username is already taken.");
    const notJson = await app.handle(new Request(deps.config.appUrl + "/api/users", { method: "POST", headers: { "X-API-Key": k, "Content-Type": "application/json" }, body: "{" }));
    expect(notJson.status).toBe(400);
  });

  test("the last admin cannot be demoted, disabled or deleted; you cannot delete yourself", async () => {
    const demote = await call(k, "PUT", `/api/users/${f.admin.user.id}`, { username: "alice", email: "alice@example.com", firstName: "Alice", isAdmin: false });
    expect(demote.status).toBe(400);
    expect(demote.body.fields.isAdmin).toContain("last active administrator");
    const del = await call(k, "DELETE", `/api/users/${f.admin.user.id}`);
    expect(del.status).toBe(400);
  });

  test("LDAP users are read-only", async () => {
    deps.db.query("UPDATE users SET ldap_id = 'uid=bob' WHERE id = ?").run(f.member.user.id);
    const r = await call(k, "PUT", `/api/users/${f.member.user.id}`, { username: "bob2", firstName: "Bob" });
    expect(r.status).toBe(403);
    expect((await call(k, "DELETE", `/api/users/${f.member.user.id}`)).status).toBe(403);
  });

  test("401 / 403 / 404", async () => {
    expect((await call(null, "GET", `/api/users/${f.member.user.id}`)).status).toBe(401);
    expect((await call(f.member.key, "PUT", `/api/users/${f.member.user.id}`, { username: "x" })).status).toBe(403);
    expect((await call(f.expiredKey, "DELETE", `/api/users/${f.member.user.id}`)).status).toBe(401);
    expect((await call(k, "GET", "/api/users/does-not-exist")).status).toBe(404);
    expect((await call(k, "PUT", "/api/users/does-not-exist", {})).status).toBe(404);
    expect((await call(k, "DELETE", "/api/users/does-not-exist/webauthn-credentials/x")).status).toBe(404);
  });

  test("passkeys and sessions of a user", async () => {
    insertCredential(deps.db, {
      id: "c1",
      userId: f.member.user.id,
      name: "YubiKey",
      credentialId: "cred",
      publicKey: new Uint8Array([0]),
      counter: 0,
      transports: [],
      aaguid: "",
      deviceType: "singleDevice",
      backupEligible: false,
      backupState: false,
      createdAt: 1,
      lastUsedAt: null,
    });
    const list = await call(k, "GET", `/api/users/${f.member.user.id}/webauthn-credentials`);
    expect(list.body.map((c: any) => c.name)).toEqual(["YubiKey"]);
    expect((await app.handle(apiReq(deps, k, "DELETE", `/api/users/${f.member.user.id}/webauthn-credentials/c1`))).status).toBe(204);
    expect((await call(k, "GET", `/api/users/${f.member.user.id}/webauthn-credentials`)).body).toEqual([]);
    const sessions = await call(k, "GET", `/api/users/${f.member.user.id}/sessions`);
    expect(sessions.body).toHaveLength(1);
    expect((await app.handle(apiReq(deps, k, "DELETE", `/api/users/${f.member.user.id}/sessions/${sessions.body[0].id}`))).status).toBe(204);
    expect((await call(k, "GET", `/api/users/${f.member.user.id}/sessions`)).body).toEqual([]);
  });

  test("one-time access token for a user", async () => {
    const r = await call(k, "POST", `/api/users/${f.member.user.id}/one-time-access-token`, { ttl: "1h" });
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^[A-Z2-9]{12}$/);
    expect(r.body.url).toBe(`http://localhost:1411/lc/${r.body.token}`);
    const bad = await call(k, "POST", `/api/users/${f.member.user.id}/one-time-access-token`, { ttl: "forever" });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.ttl).toContain("duration");
  });
});

describe("/api/user-groups and custom claims", () => {
  test("CRUD, members, allowed clients, claims", async () => {
    const g = await call(k, "POST", "/api/user-groups", { friendlyName: "Media Users" });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ name: "media_users", friendlyName: "Media Users", users: [], allowedOidcClients: [] });
    const dup = await call(k, "POST", "/api/user-groups", { friendlyName: "Other", name: "media_users" });
    expect(dup.status).toBe(400);
    expect(dup.body.fields).toEqual({ name: "Another group already uses this name. Choose a different one." });
    const members = await call(k, "PUT", `/api/user-groups/${g.body.id}/users`, { userIds: [f.member.user.id] });
    expect(members.body.users.map((u: any) => u.username)).toEqual(["bob"]);
    const badMembers = await call(k, "PUT", `/api/user-groups/${g.body.id}/users`, { userIds: ["nobody"] });
    expect(badMembers.status).toBe(400);
    const claims = await call(k, "PUT", `/api/custom-claims/user-group/${g.body.id}`, [{ key: "tier", value: "gold" }]);
    expect(claims.body).toEqual([{ key: "tier", value: "gold" }]);
    const reserved = await call(k, "PUT", `/api/custom-claims/user/${f.member.user.id}`, [{ key: "sub", value: "x" }]);
    expect(reserved.status).toBe(400);
    expect(reserved.body.fields["customClaims[0].key"]).toContain("standard claim");
    await call(k, "PUT", `/api/custom-claims/user/${f.member.user.id}`, [{ key: "shell", value: "/bin/zsh" }]);
    expect((await call(k, "GET", "/api/custom-claims/suggestions")).body).toEqual(["shell", "tier"]);
    const listed = await call(k, "GET", "/api/user-groups?search=media");
    expect(listed.body.data[0]).toMatchObject({ name: "media_users", userCount: 1, customClaims: [{ key: "tier", value: "gold" }] });
    const upd = await call(k, "PUT", `/api/user-groups/${g.body.id}`, { friendlyName: "Media", name: "media" });
    expect(upd.body.name).toBe("media");
    const clientsBad = await call(k, "PUT", `/api/user-groups/${g.body.id}/allowed-oidc-clients`, { oidcClientIds: ["nope"] });
    expect(clientsBad.status).toBe(400);
    expect((await app.handle(apiReq(deps, k, "DELETE", `/api/user-groups/${g.body.id}`))).status).toBe(204);
    expect((await call(k, "GET", `/api/user-groups/${g.body.id}`)).status).toBe(404);
    expect((await call(k, "PUT", `/api/custom-claims/user-group/${g.body.id}`, [])).status).toBe(404);
  });
  test("401 / 403", async () => {
    expect((await call(null, "GET", "/api/user-groups")).status).toBe(401);
    expect((await call(f.member.key, "POST", "/api/user-groups", { friendlyName: "x" })).status).toBe(403);
    expect((await call(f.member.key, "GET", "/api/custom-claims/suggestions")).status).toBe(403);
    expect((await call(f.expiredKey, "GET", "/api/user-groups")).status).toBe(401);
  });
});
