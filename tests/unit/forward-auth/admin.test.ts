/** Protected apps in the admin console and the REST API: access, validation, groups, audit, snippets. */
import { describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import type { App } from "../../../src/app.ts";
import { createUserGroup } from "../../../src/admin/user-groups.ts";
import { getAllowedGroupIds, getProtectedApp } from "../../../src/forward-auth/protected-apps.ts";
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let fx: AdminFixture;
let groupId: string;

adminWorld(
  (w) => {
    ({ app, deps, f: fx } = w);
    groupId = createUserGroup(deps, CLI_ACTOR, { friendlyName: "Family", name: "family" }).id;
  },
  { per: "file" },
);

describe("REST /api/protected-apps", () => {
  test("create, read, update, groups, delete (restricted by default; audited)", async () => {
    const c = await json(app, apiReq(deps, fx.admin.key, "POST", "/api/protected-apps", { name: "Sonarr", hosts: ["Sonarr.example.com", "*.arr.example.com"], pathPrefix: "/admin/" }));
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: "Sonarr", hosts: ["sonarr.example.com", "*.arr.example.com"], pathPrefix: "/admin", isGroupRestricted: true, reauthMaxAgeMinutes: null, allowedUserGroupIds: [] });
    expect(c.body.passHeaders).toEqual(["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"]);
    const id = c.body.id;
    const u = await json(app, apiReq(deps, fx.admin.key, "PUT", `/api/protected-apps/${id}`, { reauthMaxAgeMinutes: 10, passHeaders: ["remote-user"] }));
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ name: "Sonarr", reauthMaxAgeMinutes: 10, passHeaders: ["Remote-User"] });
    const g = await json(app, apiReq(deps, fx.admin.key, "PUT", `/api/protected-apps/${id}/allowed-user-groups`, { userGroupIds: [groupId] }));
    expect(g.body.allowedUserGroupIds).toEqual([groupId]);
    const list = await json(app, apiReq(deps, fx.admin.key, "GET", "/api/protected-apps"));
    expect(list.body.map((a: { id: string }) => a.id)).toContain(id);
    const d = await app.handle(apiReq(deps, fx.admin.key, "DELETE", `/api/protected-apps/${id}`));
    expect(d.status).toBe(204);
    expect((await json(app, apiReq(deps, fx.admin.key, "GET", `/api/protected-apps/${id}`))).status).toBe(404);
    const audited = deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE event = 'ADMIN_CHANGE'").all().map((r) => JSON.parse(r.data));
    expect(audited.filter((a) => a.entity === "protected_app").map((a) => a.action)).toEqual(["create", "update", "set_allowed_groups", "delete"]);
  });

  test("validation: 400 with field messages", async () => {
    const r = await json(app, apiReq(deps, fx.admin.key, "POST", "/api/protected-apps", { name: "", hosts: ["evil.com/x", "*.com"], pathPrefix: "../x", reauthMaxAgeMinutes: -1, passHeaders: ["X-Admin"] }));
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fields ?? r.body.errors ?? {}).sort()).toEqual(["hosts", "name", "passHeaders", "pathPrefix", "reauthMaxAgeMinutes"]);
    const g = await json(app, apiReq(deps, fx.admin.key, "POST", "/api/protected-apps", { name: "X", hosts: ["x.example.com"], userGroupIds: ["nope"] }));
    expect(g.status).toBe(400);
    expect((await json(app, apiReq(deps, fx.admin.key, "GET", "/api/protected-apps"))).body.some((a: { name: string }) => a.name === "X")).toBe(false);
  });

  test("the same host and path twice is refused", async () => {
    expect((await json(app, apiReq(deps, fx.admin.key, "POST", "/api/protected-apps", { name: "A", hosts: "dup.example.com" }))).status).toBe(201);
    const r = await json(app, apiReq(deps, fx.admin.key, "POST", "/api/protected-apps", { name: "B", hosts: "dup.example.com" }));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain("already protected by A");
  });

  test("no key: 401; a member's key: 403", async () => {
    expect((await json(app, apiReq(deps, null, "GET", "/api/protected-apps"))).status).toBe(401);
    expect((await json(app, apiReq(deps, fx.member.key, "GET", "/api/protected-apps"))).status).toBe(403);
  });
});

describe("admin pages", () => {
  test("list, create (422 on errors), detail with snippets, groups, unrestrict, delete", async () => {
    const list = await app.handle(pageReq(deps, fx.admin, "GET", "/settings/admin/protected-apps"));
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('aria-current="page"');
    const bad = await app.handle(pageReq(deps, fx.admin, "POST", "/settings/admin/protected-apps", { form: { name: "HA", hosts: "bad host", pathPrefix: "/", reauthMaxAgeMinutes: "", passHeaders: ["", "Remote-User"] } }));
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Not a host name: bad");
    const ok = await app.handle(pageReq(deps, fx.admin, "POST", "/settings/admin/protected-apps", { form: { name: "HA", hosts: "ha.example.com\n", pathPrefix: "/", reauthMaxAgeMinutes: "30", passHeaders: ["", "Remote-User", "Remote-Groups"] } }));
    expect(ok.status).toBe(303);
    const detailUrl = ok.headers.get("location")!;
    expect(detailUrl).toMatch(/^\/settings\/admin\/protected-apps\/[0-9a-f-]{36}\?created=1$/);
    const detail = await (await app.handle(pageReq(deps, fx.admin, "GET", detailUrl))).text();
    expect(detail).toContain("Nobody can use this app yet.");
    expect(detail).toContain("forward_auth latchkey:1411");
    expect(detail).toContain("copy_headers Remote-User Remote-Groups");
    expect(detail).toContain("auth_request /latchkey-verify;");
    expect(detail).toContain("forwardauth.authResponseHeaders=Remote-User,Remote-Groups");
    const id = detailUrl.split("/")[4]!.split("?")[0]!;
    // One form: settings, who may use it and the groups, saved together.
    const settings = { name: "HA", hosts: "ha.example.com", pathPrefix: "/", reauthMaxAgeMinutes: "30", passHeaders: ["", "Remote-User", "Remote-Groups"] };
    const groups = await app.handle(pageReq(deps, fx.admin, "POST", `/settings/admin/protected-apps/${id}`, { htmx: true, form: { ...settings, access: "groups", userGroupIds: ["", groupId] } }));
    expect(groups.status).toBe(200);
    expect(await groups.text()).toContain("All changes saved.");
    expect(getAllowedGroupIds(deps.db, id)).toEqual([groupId]);
    const un = await app.handle(pageReq(deps, fx.admin, "POST", `/settings/admin/protected-apps/${id}`, { htmx: true, form: { ...settings, access: "everyone", userGroupIds: groupId } }));
    expect(await un.text()).toContain('value="everyone" checked');
    expect(getProtectedApp(deps.db, id).isGroupRestricted).toBe(false);
    // A refusal saves nothing: the groups stay as they were when the hosts are refused.
    const bad2 = await app.handle(pageReq(deps, fx.admin, "POST", `/settings/admin/protected-apps/${id}`, { htmx: true, form: { ...settings, hosts: "bad host", access: "groups", userGroupIds: "" } }));
    expect(bad2.status).toBe(422);
    expect(getAllowedGroupIds(deps.db, id)).toEqual([groupId]);
    const upd = await app.handle(pageReq(deps, fx.admin, "POST", `/settings/admin/protected-apps/${id}`, { htmx: true, form: { name: "Home Assistant", hosts: "ha.example.com", pathPrefix: "/", reauthMaxAgeMinutes: "", passHeaders: [""], access: "everyone" } }));
    expect(upd.status).toBe(200);
    const del = await app.handle(pageReq(deps, fx.admin, "POST", `/settings/admin/protected-apps/${id}/delete`));
    expect(del.status).toBe(303);
    expect(del.headers.get("location")).toBe("/settings/admin/protected-apps?deleted=Home%20Assistant");
  });

  test("CSRF is required; members get 403", async () => {
    expect((await app.handle(pageReq(deps, fx.admin, "POST", "/settings/admin/protected-apps", { csrf: false, form: { name: "x", hosts: "x.example.com" } }))).status).toBe(403);
    expect((await app.handle(pageReq(deps, fx.member, "GET", "/settings/admin/protected-apps"))).status).toBe(403);
  });
});
