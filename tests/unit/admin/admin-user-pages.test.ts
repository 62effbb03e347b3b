import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

adminWorld((w) => ({ app, deps, f } = w));

describe("admin user pages", () => {
  test("/settings/admin redirects to the users page; anonymous → /login; non-admin → 403", async () => {
    const r = await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin"));
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/settings/admin/users");
    const anon = await app.handle(req(deps, "/settings/admin/users"));
    expect(anon.status).toBe(303);
    expect(anon.headers.get("location")).toBe("/login?redirect=%2Fsettings%2Fadmin%2Fusers");
    expect((await app.handle(pageReq(deps, f.member, "GET", "/settings/admin/users"))).status).toBe(403);
  });

  test("list page, search partial, pagination", async () => {
    const page = await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/users"));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="user-list"');
    expect(html).toContain("@alice");
    const partial = new Request(deps.config.appUrl + "/settings/admin/users?search=bob", { headers: { Cookie: f.admin.cookie, "HX-Request": "true", "HX-Target": "user-list" } });
    const p = await app.handle(partial);
    const body = await p.text();
    expect(body.startsWith('<div id="user-list"')).toBe(true);
    expect(body).toContain("@bob");
    expect(body).not.toContain("@alice");
  });

  test("create: 422 with field errors, then success redirects to the detail page", async () => {
    const bad = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/users", { htmx: true, form: { username: "bad name", firstName: "" } }));
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('id="user-form"');
    expect(html).toContain("Enter a first name.");
    expect(html).toContain('aria-invalid="true"');
    const ok = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/users", { htmx: true, form: { username: "dora", firstName: "Dora", email: "dora@example.com", userGroupIds: [""] } }));
    expect(ok.status).toBe(204);
    const loc = ok.headers.get("hx-redirect")!;
    expect(loc).toMatch(/^\/settings\/admin\/users\/[0-9a-f-]{36}\?created=1$/);
    const detail = await app.handle(pageReq(deps, f.admin, "GET", loc));
    expect(detail.status).toBe(200);
    expect(await detail.text()).toContain("User created.");
  });

  test("CSRF: a form post without the token is refused", async () => {
    const r = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/users", { csrf: false, form: { username: "eve", firstName: "Eve" } }));
    expect(r.status).toBe(403);
    expect(deps.db.query("SELECT 1 FROM users WHERE username = 'eve'").get()).toBeNull();
  });

  test("edit, claims, login link, sessions, delete", async () => {
    const id = f.member.user.id;
    const upd = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/users/${id}`, { htmx: true, form: { username: "bobby", firstName: "Bob", email: "bob@example.com", isAdmin: "on" } }));
    expect(upd.status).toBe(200);
    const updHtml = await upd.text();
    expect(updHtml).toContain("Saved.");
    expect(updHtml).toContain('hx-swap-oob="true"');
    expect((await json(app, apiReq(deps, f.admin.key, "GET", `/api/users/${id}`))).body).toMatchObject({ username: "bobby", isAdmin: true });
    const claims = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/users/${id}/claims`, { htmx: true, form: { claimKey: ["dept", ""], claimValue: ["ops", ""] } }));
    expect(claims.status).toBe(200);
    const badClaims = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/users/${id}/claims`, { htmx: true, form: { claimKey: ["email"], claimValue: ["x"] } }));
    expect(badClaims.status).toBe(422);
    const code = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/users/${id}/login-code`, { htmx: true, form: { ttl: "1h" } }));
    expect(code.status).toBe(200);
    expect(await code.text()).toMatch(/\/lc\/[A-Z2-9]{12}/);
    const rev = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/users/${id}/sessions/revoke-all`, { htmx: true }));
    expect(rev.status).toBe(200);
    expect(await rev.text()).toContain("Not signed in anywhere.");
    const del = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/users/${id}/delete`, { htmx: true }));
    expect(del.status).toBe(204);
    expect(del.headers.get("hx-redirect")).toBe("/settings/admin/users?deleted=bobby");
    expect((await app.handle(pageReq(deps, f.admin, "GET", `/settings/admin/users/${id}`))).status).toBe(404);
  });

  test("profile picture: initials PNG by default; upload checked by content; reset", async () => {
    const id = f.member.user.id;
    const png = await app.handle(req(deps, `/api/users/${id}/profile-picture.png`));
    expect(png.status).toBe(200);
    expect(png.headers.get("content-type")).toBe("image/png");
    const bytes = new Uint8Array(await png.arrayBuffer());
    expect([...bytes.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const fake = new FormData();
    fake.append("file", new Blob(["<svg onload=alert(1)>"], { type: "image/png" }), "x.png");
    const refused = await app.handle(new Request(deps.config.appUrl + `/api/users/${id}/profile-picture`, { method: "PUT", headers: { "X-API-Key": f.admin.key }, body: fake }));
    expect(refused.status).toBe(415);
    const real = new FormData();
    real.append("file", new Blob([bytes], { type: "application/octet-stream" }), "a.bin");
    const ok = await app.handle(new Request(deps.config.appUrl + `/api/users/me/profile-picture`, { method: "PUT", headers: { "X-API-Key": f.member.key }, body: real }));
    expect(ok.status).toBe(204);
    const again = await app.handle(req(deps, `/api/users/${id}/profile-picture.png`));
    expect(again.headers.get("content-type")).toBe("image/png");
    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", `/api/users/${id}/profile-picture`))).status).toBe(204);
    expect((await app.handle(req(deps, `/api/users/nope/profile-picture.png`))).status).toBe(404);
  });
});
