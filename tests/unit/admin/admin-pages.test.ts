import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { getGroupMemberIds } from "../../../src/admin/user-groups.ts";
import { findClientById } from "../../../src/oidc/clients.ts";
import { upsertAppConfigEntries } from "../../../src/db/app-config.ts";
import { verifyClientSecret } from "../../../src/oidc/client-secrets.ts";
import { adminWorld, apiReq, json, makeAdminFixture, pageReq, reauthenticated, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";
import { VERSION } from "../../../src/version.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

adminWorld((w) => ({ app, deps, f } = w));

const PAGES = [
  "/settings/admin/users",
  "/settings/admin/users/new",
  "/settings/admin/user-groups",
  "/settings/admin/oidc-clients",
  "/settings/admin/oidc-clients/new",
  "/settings/admin/api-keys",
  "/settings/admin/signup-tokens",
  "/settings/admin/application-configuration",
];

describe("every admin page", () => {
  test("200 for an admin, 403 for a member, redirect to /login for anonymous", async () => {
    for (const path of PAGES) {
      const ok = await app.handle(pageReq(deps, f.admin, "GET", path));
      expect([path, ok.status]).toEqual([path, 200]);
      expect(ok.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await ok.text();
      // htmx asks hx-confirm itself; a second data-confirm (app.js) would ask twice.
      expect(html.match(/<form[^>]*hx-confirm[^>]*data-confirm/)).toBeNull();
      // Which Latchkey answers (the compiled executable adds its commit and build date: tests/e2e/deb.test.ts).
      expect(html).toContain(`<p class="admin-version muted small">Latchkey ${VERSION}, run from source</p>`);
      expect((await app.handle(pageReq(deps, f.member, "GET", path))).status).toBe(403);
      const anon = await app.handle(new Request(deps.config.appUrl + path));
      expect(anon.status).toBe(303);
      expect(anon.headers.get("location")!.startsWith("/login?redirect=")).toBe(true);
    }
  });
});

describe("OIDC client pages", () => {
  test("create shows the secret once, admits nobody; groups, unrestrict, secrets, edit, delete", async () => {
    const bad = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/oidc-clients", { htmx: true, form: { name: "", callbackUrl: ["nope"] } }));
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml.startsWith('<div id="client-page">')).toBe(true);
    expect(badHtml).toContain("Enter a name.");

    const res = await app.handle(
      pageReq(deps, f.admin, "POST", "/settings/admin/oidc-clients", {
        htmx: true,
        form: { name: "Forgejo", launchUrl: "https://git.example.com", callbackUrl: ["https://git.example.com/cb1", "https://git.example.com/cb2", ""], pkceEnabled: "on", accessTokenDurationMinutes: "60", refreshTokenDurationMinutes: "43200" },
      }),
    );
    expect(res.status).toBe(200);
    const pushed = res.headers.get("hx-push-url")!;
    const id = pushed.split("/").pop()!;
    const html = await res.text();
    const secret = /id="created-secret">([A-Za-z0-9]{32})</.exec(html)![1]!;
    expect(verifyClientSecret(deps, id, secret)).toBe(true);
    expect(html).toContain("Nobody can sign in to this app yet.");
    const client = findClientById(deps.db, id)!;
    expect(client.callbackUrls).toEqual(["https://git.example.com/cb1", "https://git.example.com/cb2"]);
    expect(client.pkceEnabled).toBe(true);
    expect(client.unrestricted).toBe(false);
    // The detail page never shows the secret again.
    const page = await (await app.handle(pageReq(deps, f.admin, "GET", pushed))).text();
    expect(page).not.toContain(secret);
    expect(page).toContain("/.well-known/openid-configuration");

    const g = await json(app, apiReq(deps, f.admin.key, "POST", "/api/user-groups", { friendlyName: "Family" }));
    // Who may sign in is part of the page's one form.
    const settings = { name: "Forgejo", callbackUrl: ["https://git.example.com/cb1", "https://git.example.com/cb2"], pkceEnabled: "on", accessTokenDurationMinutes: "60", refreshTokenDurationMinutes: "43200" };
    const groups = await app.handle(pageReq(deps, f.admin, "POST", pushed, { htmx: true, form: { ...settings, access: "groups", userGroupIds: ["", g.body.id] } }));
    expect(groups.status).toBe(200);
    expect(findClientById(deps.db, id)!.allowedGroupIds).toEqual([g.body.id]);
    const un = await app.handle(pageReq(deps, f.admin, "POST", pushed, { htmx: true, form: { ...settings, access: "everyone", userGroupIds: g.body.id } }));
    expect(await un.text()).toContain('value="everyone" checked');
    expect(findClientById(deps.db, id)!).toMatchObject({ unrestricted: true, allowedGroupIds: [g.body.id] });

    const s = await app.handle(pageReq(deps, f.admin, "POST", `${pushed}/secrets`, { htmx: true }));
    const s2 = /<code class="secret">([A-Za-z0-9]{32})</.exec(await s.text())![1]!;
    expect(verifyClientSecret(deps, id, s2)).toBe(true);

    const upd = await app.handle(pageReq(deps, f.admin, "POST", pushed, { htmx: true, form: { name: "Forgejo 2", callbackUrl: ["https://git.example.com/cb1"], accessTokenDurationMinutes: "30", refreshTokenDurationMinutes: "600" } }));
    expect(upd.status).toBe(200);
    expect(findClientById(deps.db, id)).toMatchObject({ name: "Forgejo 2", pkceEnabled: false, accessTokenDurationMinutes: 30 });
    const updBad = await app.handle(pageReq(deps, f.admin, "POST", pushed, { htmx: true, form: { name: "X", callbackUrl: [""] } }));
    expect(updBad.status).toBe(422);

    const del = await app.handle(pageReq(deps, f.admin, "POST", `${pushed}/delete`, { htmx: true }));
    expect(del.headers.get("hx-redirect")).toBe("/settings/admin/oidc-clients?deleted=Forgejo%202");
    expect(findClientById(deps.db, id)).toBeNull();
  });
});

describe("group, API key, sign-up link and configuration pages", () => {
  test("groups: create (422 then ok), members, allowed apps, claims, delete", async () => {
    const bad = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/user-groups", { htmx: true, form: { friendlyName: "" } }));
    expect(bad.status).toBe(422);
    const ok = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/user-groups", { htmx: true, form: { friendlyName: "Media Users", name: "" } }));
    const loc = ok.headers.get("hx-redirect")!;
    const id = loc.split("/").pop()!.split("?")[0]!;
    // One form: members and claims saved together with the details.
    const form = { friendlyName: "Media Users", name: "media_users", userIds: f.member.user.id, claimKey: "tier", claimValue: "gold" };
    const saved = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/user-groups/${id}`, { htmx: true, form }));
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain(`<span data-count-of="userIds">1</span> of 2 users`);
    // A refused part saves nothing: a bad claim name keeps the member list as it was.
    const refused = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/user-groups/${id}`, { htmx: true, form: { ...form, userIds: "", claimKey: "1bad" } }));
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("Start the name with a letter");
    expect(getGroupMemberIds(deps.db, id)).toEqual([f.member.user.id]);
    const detail = await json(app, apiReq(deps, f.admin.key, "GET", `/api/user-groups/${id}`));
    expect(detail.body).toMatchObject({ name: "media_users", customClaims: [{ key: "tier", value: "gold" }] });
    expect(detail.body.users.map((u: any) => u.username)).toEqual(["bob"]);
    const del = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/user-groups/${id}/delete`, { htmx: true }));
    expect(del.status).toBe(204);
  });

  test("a directory-managed group's page saves its allowed apps and claims, never its name or members", async () => {
    const created = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/user-groups", { htmx: true, form: { friendlyName: "Admins", name: "admins" } }));
    const id = created.headers.get("hx-redirect")!.split("/").pop()!.split("?")[0]!;
    deps.db.query("UPDATE user_groups SET ldap_id = 'cn=admins' WHERE id = ?").run(id);
    const page = await (await app.handle(pageReq(deps, f.admin, "GET", `/settings/admin/user-groups/${id}`))).text();
    expect(page).toContain('<fieldset class="bare-fieldset" disabled>');
    // A forged post with a new name and members changes neither; the claim is saved.
    const res = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/user-groups/${id}`, { htmx: true, form: { friendlyName: "Hacked", name: "hacked", userIds: f.member.user.id, claimKey: "tier", claimValue: "gold" } }));
    expect(res.status).toBe(200);
    const detail = await json(app, apiReq(deps, f.admin.key, "GET", `/api/user-groups/${id}`));
    expect(detail.body).toMatchObject({ name: "admins", friendlyName: "Admins", customClaims: [{ key: "tier", value: "gold" }] });
    expect(getGroupMemberIds(deps.db, id)).toEqual([]);
  });

  test("API keys page: the key is shown once and works; revoke", async () => {
    const bad = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/api-keys", { htmx: true, form: { name: "ci", expiresAt: "2020-01-01" } }));
    expect(bad.status).toBe(422);
    const ok = await app.handle(pageReq(deps, reauthenticated(deps, f.admin), "POST", "/settings/admin/api-keys", { htmx: true, form: { name: "Deploy bot", expiresAt: "2027-06-01" } }));
    const html = await ok.text();
    const key = /<code class="secret">([A-Za-z0-9]{32})</.exec(html)![1]!;
    expect(html).toContain('hx-swap-oob="true"');
    expect((await json(app, apiReq(deps, key, "GET", "/api/users"))).status).toBe(200);
  });

  test("sign-up links page creates a link shown once", async () => {
    const ok = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/signup-tokens", { htmx: true, form: { ttl: "7d", usageLimit: "2" } }));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/http:\/\/localhost:1411\/st\/[A-Za-z0-9]{32}/);
    const bad = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/signup-tokens", { htmx: true, form: { ttl: "7d", usageLimit: "0" } }));
    expect(bad.status).toBe(422);
  });

  test("while sign-ups are disabled no link is badged Active; with links on, an unused link is", async () => {
    await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/signup-tokens", { htmx: true, form: { ttl: "7d", usageLimit: "2" } }));
    const list = async () => (await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/signup-tokens"))).text();
    const disabled = await list(); // the default: ALLOW_USER_SIGNUPS=disabled
    expect(disabled).toContain("Sign-ups are disabled, so these links do not work right now.");
    expect(disabled).toContain('<span class="badge badge-warning">Not usable while sign-ups are disabled</span>');
    expect(disabled).not.toContain(">Active</span>");
    upsertAppConfigEntries(deps.db, [{ key: "allowUserSignups", value: "withToken" }], 0);
    const withToken = await list();
    expect(withToken).not.toContain("do not work right now");
    expect(withToken).toContain('<span class="badge badge-success">Active</span>');
    expect(withToken).not.toContain("Not usable while sign-ups are disabled");
  });

  test("configuration page saves, validates, and unchecked toggles become false", async () => {
    const bad = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/application-configuration", { htmx: true, form: { appName: "x".repeat(40), sessionDuration: "60", homePageUrl: "/", accentColor: "default", allowUserSignups: "open" } }));
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Use 1 to 30 characters.");
    const ok = await app.handle(
      pageReq(deps, f.admin, "POST", "/settings/admin/application-configuration", {
        htmx: true,
        form: { appName: "Home ID", sessionDuration: "120", homePageUrl: "/settings/apps", accentColor: "#112233", allowUserSignups: "withToken", signupDefaultUserGroupIDs: [""], claimKey: [""], claimValue: [""] },
      }),
    );
    expect(ok.status).toBe(200);
    const all = await json(app, apiReq(deps, f.admin.key, "GET", "/api/application-configuration/all"));
    const v = Object.fromEntries(all.body.map((e: any) => [e.key, e.value]));
    expect(v).toMatchObject({ appName: "Home ID", sessionDuration: "120", allowOwnAccountEdit: "false", allowUserSignups: "withToken", accentColor: "#112233" });
  });

  test("configuration page is read-only with UI_CONFIG_DISABLED", async () => {
    const readOnly = await makeTestApp({ UI_CONFIG_DISABLED: "true" });
    try {
      const { admin } = makeAdminFixture(readOnly.deps);
      const page = await (await readOnly.app.handle(pageReq(readOnly.deps, admin, "GET", "/settings/admin/application-configuration"))).text();
      expect(page).toContain("Read-only: UI_CONFIG_DISABLED=true.");
      expect(page).not.toContain("Save configuration");
      const post = await readOnly.app.handle(pageReq(readOnly.deps, admin, "POST", "/settings/admin/application-configuration", { htmx: true, form: { appName: "x" } }));
      expect(post.status).toBe(403);
    } finally {
      readOnly.deps.cleanup();
    }
  });
});
