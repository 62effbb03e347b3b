import { describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import type { App } from "../../../src/app.ts";
import { upsertAuthorizedClient } from "../../../src/db/oidc-grants.ts";
import { createClient, setAllowedGroups } from "../../../src/admin/oidc-clients.ts";
import { createUserGroup, setGroupMembers } from "../../../src/admin/user-groups.ts";
import { createProtectedApp } from "../../../src/forward-auth/protected-apps.ts";
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

adminWorld((w) => ({ app, deps, f } = w));

describe("My apps", () => {
  test("lists the clients the user may use, and authorized apps with revoke", async () => {
    const g = createUserGroup(deps, CLI_ACTOR, { friendlyName: "Family" });
    setGroupMembers(deps, CLI_ACTOR, g.id, { userIds: [f.member.user.id] });
    const forgejo = createClient(deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: ["https://git.example.com/cb"], launchUrl: "https://git.example.com" }).client;
    setAllowedGroups(deps, CLI_ACTOR, forgejo.id, [g.id]);
    createClient(deps, CLI_ACTOR, { name: "Everyone app", callbackUrls: ["https://all.example.com/cb"], unrestricted: true });
    createClient(deps, CLI_ACTOR, { name: "Secret app", callbackUrls: ["https://secret.example.com/cb"] });
    upsertAuthorizedClient(deps.db, { userId: f.member.user.id, clientId: forgejo.id, scopes: ["openid", "email"], createdAt: 1, lastUsedAt: 2 });

    const page = await app.handle(pageReq(deps, f.member, "GET", "/settings/apps"));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('href="https://git.example.com"');
    expect(html).toContain("Everyone app");
    expect(html).not.toContain("Secret app");
    expect(html).toContain("Revoke access");

    const apps = await json(app, apiReq(deps, f.member.key, "GET", "/api/oidc/users/me/clients"));
    expect(apps.body.data.map((a: any) => a.name)).toEqual(["Everyone app", "Forgejo"]);
    const authorized = await json(app, apiReq(deps, f.member.key, "GET", "/api/oidc/users/me/authorized-clients"));
    expect(authorized.body.data).toEqual([{ client: { id: forgejo.id, name: "Forgejo", hasLogo: false }, scope: "openid email", lastUsedAt: "1970-01-01T00:00:02.000Z" }]);
    expect((await json(app, apiReq(deps, f.admin.key, "GET", `/api/oidc/users/${f.member.user.id}/authorized-clients`))).body.data).toHaveLength(1);
    expect((await json(app, apiReq(deps, f.member.key, "GET", `/api/oidc/users/${f.member.user.id}/authorized-clients`))).status).toBe(403);

    const revoke = await app.handle(pageReq(deps, f.member, "POST", `/settings/apps/${forgejo.id}/revoke`, { htmx: true }));
    expect(revoke.status).toBe(200);
    expect(await revoke.text()).toContain("You have not authorized any app yet.");
    expect((await json(app, apiReq(deps, f.member.key, "DELETE", `/api/oidc/users/me/authorized-clients/${forgejo.id}`))).status).toBe(404);
    expect((await app.handle(req(deps, "/settings/apps"))).status).toBe(303);
  });

  test.each([
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "not a url",
    "https://*.example.com/",
    "https://app.example.com:443/",
    "https://user:pw@app.example.com/",
    "//evil.example",
  ])("a stored launch URL that today's rules refuse (%p) is no link and breaks nothing", async (legacy) => {
    const c = createClient(deps, CLI_ACTOR, { name: "Legacy app", callbackUrls: ["https://legacy.example.com/cb"], unrestricted: true }).client;
    // As an older version or an import could have stored it: straight into the row.
    deps.db.query("UPDATE oidc_clients SET launch_url = ? WHERE id = ?").run(legacy, c.id);
    const page = await app.handle(pageReq(deps, f.member, "GET", "/settings/apps"));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Legacy app");
    expect(html).not.toContain("href=\"" + legacy);
    expect(html).toContain("Opens from the app itself");
    const apps = await json(app, apiReq(deps, f.member.key, "GET", "/api/oidc/users/me/clients"));
    expect(apps.body.data.find((a: any) => a.id === c.id).launchUrl).toBeNull();
  });
});

describe("My apps: protected (forward-auth) apps", () => {
  test("a person sees the protected apps they may use, with their initial and a link to the app; others' stay hidden", async () => {
    const g = createUserGroup(deps, CLI_ACTOR, { friendlyName: "Family" });
    setGroupMembers(deps, CLI_ACTOR, g.id, { userIds: [f.member.user.id] });
    createProtectedApp(deps, CLI_ACTOR, { name: "Sonarr", hosts: ["sonarr.example.com"], pathPrefix: "/" }, [g.id]);
    createProtectedApp(deps, CLI_ACTOR, { name: "Admin panel", hosts: ["*.lab.example.com", "router.example.com:8443"], pathPrefix: "/admin", isGroupRestricted: false });
    createProtectedApp(deps, CLI_ACTOR, { name: "Wildcard only", hosts: ["*.media.example.com"], isGroupRestricted: false });
    createProtectedApp(deps, CLI_ACTOR, { name: "Grafana", hosts: ["grafana.example.com"] }, []);
    createClient(deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: ["https://git.example.com/cb"], launchUrl: "https://git.example.com", unrestricted: true });

    const html = await (await app.handle(pageReq(deps, f.member, "GET", "/settings/apps"))).text();
    const titles = [...html.matchAll(/<div class="title">([^<]*)<\/div>/g)].map((m) => m[1]);
    expect(titles).toEqual(["Admin panel", "Forgejo", "Sonarr", "Wildcard only"]); // one list, by name; not Grafana
    // The scheme of APP_URL, the first exact host, the path prefix.
    const scheme = new URL(deps.config.appUrl).protocol;
    expect(html).toContain(`<a class="app-card" href="${scheme}//sonarr.example.com/"`);
    expect(html).toContain(`<a class="app-card" href="${scheme}//router.example.com:8443/admin"`);
    expect(html).toContain('<div class="icon-tile" aria-hidden="true">S</div>');
    // A wildcard-only app has no one address to open: a tile with its host pattern, no link.
    expect(html).toMatch(/<div class="app-card">\s*<div class="icon-tile" aria-hidden="true">W<\/div>\s*<div>\s*<div class="title">Wildcard only<\/div>\s*<div class="meta">\*\.media\.example\.com<\/div>/);

    // The admin is in no group: only the unrestricted ones.
    const adminHtml = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/apps"))).text();
    expect(adminHtml).toContain("Admin panel");
    expect(adminHtml).not.toContain("Sonarr");
    // The JSON twin stays Pocket ID's list of OIDC clients.
    const apps = await json(app, apiReq(deps, f.member.key, "GET", "/api/oidc/users/me/clients"));
    expect(apps.body.data.map((a: any) => a.name)).toEqual(["Forgejo"]);
  });
});
