import { afterEach, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { verifyClientSecret } from "../../../src/oidc/client-secrets.ts";
import { apiReq, json, makeAdminFixture, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

async function setup(env: Record<string, string> = {}) {
  ({ app, deps } = await makeTestApp(env));
  f = makeAdminFixture(deps);
}
afterEach(() => deps.cleanup());

const call = (key: string | null, method: string, path: string, body?: unknown) => json(app, apiReq(deps, key, method, path, body));

describe("/api/application-configuration", () => {
  test("the public list has Pocket ID's keys, ldapEnabled and tracingEnabled included (its Terraform provider reads ldapEnabled there)", async () => {
    await setup();
    const keys = async () => ((await call(null, "GET", "/api/application-configuration")).body as { key: string }[]).map((e) => e.key).sort();
    expect(await keys()).toEqual([
      "accentColor", "allowOwnAccountEdit", "allowUserSignups", "appName", "disableAnimations", "emailOneTimeAccessAsAdminEnabled",
      "emailOneTimeAccessAsUnauthenticatedEnabled", "emailVerificationEnabled", "homePageUrl", "ldapEnabled", "requireUserEmail",
      "tracingEnabled", "uiConfigDisabled",
    ]);
    const pub = await call(null, "GET", "/api/application-configuration");
    expect(pub.body).toContainEqual({ key: "ldapEnabled", type: "bool", value: "false" });
    expect(pub.body).toContainEqual({ key: "tracingEnabled", type: "bool", value: "false" });
    expect((await call(f.admin.key, "PUT", "/api/application-configuration", { ldapEnabled: true, ldapUrl: "ldap://ldap.example.com", ldapBase: "dc=example,dc=com" })).status).toBe(200);
    expect((await call(null, "GET", "/api/application-configuration")).body).toContainEqual({ key: "ldapEnabled", type: "bool", value: "true" });
    // Still only the switch: the directory's address and bind settings stay for administrators.
    expect(await keys()).not.toContain("ldapUrl");
  });

  test("public subset without auth; /all for admins; PUT validates per field and resets empty values", async () => {
    await setup();
    const pub = await call(null, "GET", "/api/application-configuration");
    expect(pub.status).toBe(200);
    expect(pub.body).toContainEqual({ key: "appName", type: "string", value: "Latchkey" });
    expect(pub.body.find((e: any) => e.key === "sessionDuration")).toBeUndefined();
    expect(pub.body).toContainEqual({ key: "uiConfigDisabled", type: "bool", value: "false" });
    expect((await call(f.member.key, "GET", "/api/application-configuration/all")).status).toBe(403);
    const all = await call(f.admin.key, "GET", "/api/application-configuration/all");
    expect(all.body).toContainEqual({ key: "sessionDuration", type: "number", value: "60", isPublic: false });
    const bad = await call(f.admin.key, "PUT", "/api/application-configuration", { appName: "", sessionDuration: "soon", allowUserSignups: "maybe", homePageUrl: "javascript:alert(1)" });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual({ sessionDuration: "Enter a whole number.", allowUserSignups: "Choose disabled, withToken or open.", homePageUrl: "Enter a path such as /settings/account or an http(s) URL." });
    for (const homePageUrl of ["//evil.example", "/\\evil.example", "/\t/evil.example", "/.//evil.example", "/a/../b"]) {
      const refused = await call(f.admin.key, "PUT", "/api/application-configuration", { homePageUrl });
      expect(refused.status).toBe(400);
      expect(refused.body.fields.homePageUrl).toContain("Enter a path such as /settings/account");
    }
    const ok = await call(f.admin.key, "PUT", "/api/application-configuration", { appName: "Home ID", sessionDuration: "120", allowUserSignups: "withToken", emailsVerified: true, smtpHost: "ignored" });
    expect(ok.status).toBe(200);
    expect(ok.body).toContainEqual({ key: "appName", type: "string", value: "Home ID", isPublic: true });
    expect(ok.body).toContainEqual({ key: "sessionDuration", type: "number", value: "120", isPublic: false });
    const reset = await call(f.admin.key, "PUT", "/api/application-configuration", { appName: "" });
    expect(reset.body).toContainEqual({ key: "appName", type: "string", value: "Latchkey", isPublic: true });
    // Without any credentials an unsafe request fails the global CSRF check first (403 csrf_failed).
    expect((await call(null, "PUT", "/api/application-configuration", {})).body.error).toBe("csrf_failed");
    expect((await call(f.expiredKey, "PUT", "/api/application-configuration", {})).status).toBe(401);
  });
  test("UI_CONFIG_DISABLED: values come from the environment and PUT is refused", async () => {
    await setup({ UI_CONFIG_DISABLED: "true", APP_NAME: "Env ID" });
    expect((await call(null, "GET", "/api/application-configuration")).body).toContainEqual({ key: "appName", type: "string", value: "Env ID" });
    const r = await call(f.admin.key, "PUT", "/api/application-configuration", { appName: "x" });
    expect(r.status).toBe(403);
  });
});

describe("/api/oidc/clients", () => {
  test("create → 201 with the secret once; list/search; update; allowed groups; secrets; delete", async () => {
    await setup();
    const g = await call(f.admin.key, "POST", "/api/user-groups", { friendlyName: "Family" });
    const c = await call(f.admin.key, "POST", "/api/oidc/clients", { name: "Forgejo", callbackURLs: ["https://git.example.com/cb", "https://git.example.com/cb2"], pkceEnabled: true, launchURL: "https://git.example.com", isGroupRestricted: true });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: "Forgejo", pkceEnabled: true, isGroupRestricted: true, allowedUserGroups: [], callbackURLs: ["https://git.example.com/cb", "https://git.example.com/cb2"] });
    expect(c.body.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(verifyClientSecret(deps, c.body.id, c.body.secret)).toBe(true);
    const id = c.body.id;
    const bad = await call(f.admin.key, "POST", "/api/oidc/clients", { name: "", callbackURLs: ["not a url"] });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields).sort()).toEqual(["callbackUrls", "name"]);
    // A wildcard in front of a public suffix would match other people's domains: refused through the API too.
    for (const url of ["https://*.co.uk/cb", "https://*.github.io/cb", "https://a.*.pages.dev/cb", "https://*-x.vercel.app/cb", "https://*.com.au/**"]) {
      for (const field of ["callbackURLs", "logoutCallbackURLs"]) {
        const r = await call(f.admin.key, "POST", "/api/oidc/clients", { name: "Wild", callbackURLs: ["https://ok.example.com/cb"], [field]: [url] });
        expect([url, field, r.status, JSON.stringify(r.body.fields ?? {})]).toEqual([url, field, 400, expect.stringContaining("public suffix")]);
      }
    }
    expect((await call(f.admin.key, "POST", "/api/oidc/clients", { name: "Own", callbackURLs: ["https://*.me.github.io/cb", "https://*.shop.co.uk/cb"] })).status).toBe(201);
    await call(f.admin.key, "POST", "/api/oidc/clients", { name: "Jellyfin", callbackURLs: ["https://tv.example.com/cb"] });
    const meta = await call(null, "GET", `/api/oidc/clients/${id}/meta`);
    expect(meta.body).toEqual({ id, name: "Forgejo", description: "", hasLogo: false, hasDarkLogo: false, launchURL: "https://git.example.com", requiresReauthentication: false, clientType: "standard" });
    const list = await call(f.admin.key, "GET", "/api/oidc/clients?search=forge");
    expect(list.body.data.map((x: any) => x.name)).toEqual(["Forgejo"]);
    expect(list.body.pagination.totalItems).toBe(1);
    const allowed = await call(f.admin.key, "PUT", `/api/oidc/clients/${id}/allowed-user-groups`, { userGroupIds: [g.body.id] });
    expect(allowed.body.allowedUserGroups).toEqual([{ id: g.body.id, name: "family", friendlyName: "Family" }]);
    const upd = await call(f.admin.key, "PUT", `/api/oidc/clients/${id}`, { name: "Forgejo 2", callbackURLs: ["https://git.example.com/cb"], isGroupRestricted: false });
    expect(upd.body).toMatchObject({ name: "Forgejo 2", isGroupRestricted: false });
    const partial = await call(f.admin.key, "PUT", `/api/oidc/clients/${id}`, { isGroupRestricted: true });
    expect(partial.body).toMatchObject({ name: "Forgejo 2", isGroupRestricted: true, callbackURLs: ["https://git.example.com/cb"] });
    const s = await call(f.admin.key, "POST", `/api/oidc/clients/${id}/secrets`, { expiresAt: "2030-01-01T00:00:00Z" });
    expect(s.status).toBe(201);
    expect(s.body.expiresAt).toBe("2030-01-01T00:00:00.000Z");
    const secrets = await call(f.admin.key, "GET", `/api/oidc/clients/${id}/secrets`);
    expect(secrets.body).toHaveLength(2);
    expect(secrets.body.every((x: any) => !("secret" in x))).toBe(true);
    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", `/api/oidc/clients/${id}/secrets/${s.body.id}`))).status).toBe(204);
    expect((await call(f.admin.key, "DELETE", `/api/oidc/clients/${id}/secrets/${s.body.id}`)).status).toBe(404);
    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", `/api/oidc/clients/${id}`))).status).toBe(204);
    expect((await call(f.admin.key, "GET", `/api/oidc/clients/${id}`)).status).toBe(404);
  });
  test("401 / 403", async () => {
    await setup();
    expect((await call(null, "GET", "/api/oidc/clients")).status).toBe(401);
    expect((await call(f.member.key, "POST", "/api/oidc/clients", { name: "x" })).status).toBe(403);
    expect((await call(f.expiredKey, "GET", "/api/oidc/clients")).status).toBe(401);
  });
});

describe("/api/signup-tokens", () => {
  test("create, list, delete; validation; auth", async () => {
    await setup();
    const g = await call(f.admin.key, "POST", "/api/user-groups", { friendlyName: "Guests" });
    const t = await call(f.admin.key, "POST", "/api/signup-tokens", { ttl: "7d", usageLimit: 3, userGroupIds: [g.body.id] });
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({ usageLimit: 3, usageCount: 0, userGroupIds: [g.body.id], expired: false });
    expect(t.body.url).toBe(`http://localhost:1411/st/${t.body.token}`);
    const bad = await call(f.admin.key, "POST", "/api/signup-tokens", { ttl: "1s", usageLimit: 500 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields).sort()).toEqual(["ttl", "usageLimit"]);
    const list = await call(f.admin.key, "GET", "/api/signup-tokens");
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].token).toBeUndefined();
    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", `/api/signup-tokens/${t.body.id}`))).status).toBe(204);
    expect((await call(f.admin.key, "DELETE", `/api/signup-tokens/${t.body.id}`)).status).toBe(404);
    expect((await call(null, "GET", "/api/signup-tokens")).status).toBe(401);
    expect((await call(f.member.key, "POST", "/api/signup-tokens", {})).status).toBe(403);
    expect((await call(f.expiredKey, "GET", "/api/signup-tokens")).status).toBe(401);
  });
});

describe("client logos", () => {
  test("upload light/dark (checked by content), serve with fallback, delete; page section", async () => {
    await setup();
    const { encodePng } = await import("../../../src/lib/png.ts");
    const png = encodePng(2, 2, new Uint8Array(12).fill(200));
    const c = await call(f.admin.key, "POST", "/api/oidc/clients", { name: "Logo app", callbackURLs: ["https://l.example.com/cb"] });
    const upload = (bytes: Uint8Array, q = "") => {
      const fd = new FormData();
      fd.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), "logo");
      return app.handle(new Request(`${deps.config.appUrl}/api/oidc/clients/${c.body.id}/logo${q}`, { method: "POST", headers: { "X-API-Key": f.admin.key }, body: fd }));
    };
    expect((await app.handle(new Request(`${deps.config.appUrl}/api/oidc/clients/${c.body.id}/logo`))).status).toBe(404);
    expect((await upload(new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"))).status).toBe(415);
    expect((await upload(png)).status).toBe(204);
    const dark = await app.handle(new Request(`${deps.config.appUrl}/api/oidc/clients/${c.body.id}/logo?light=false`));
    expect(dark.status).toBe(200);
    expect(dark.headers.get("content-type")).toBe("image/png");
    expect((await call(f.admin.key, "GET", `/api/oidc/clients/${c.body.id}`)).body).toMatchObject({ hasLogo: true, hasDarkLogo: false });
    expect((await upload(png, "?light=false")).status).toBe(204);
    expect((await call(f.admin.key, "GET", `/api/oidc/clients/${c.body.id}`)).body.hasDarkLogo).toBe(true);
    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", `/api/oidc/clients/${c.body.id}/logo`))).status).toBe(204);
    expect((await call(f.admin.key, "GET", `/api/oidc/clients/${c.body.id}`)).body.hasLogo).toBe(false);
    expect((await upload(png).then(() => app.handle(apiReq(deps, f.member.key, "DELETE", `/api/oidc/clients/${c.body.id}/logo`)))).status).toBe(403);
  });
});
