/**
 * The APIs admin pages through app.handle: the list and its create form (htmx fragments, 422 with the
 * field's message), an API's one form (name + permissions, all or nothing), each app's grant form from the API's
 * page and from the client's page, removing and deleting; CSRF and admin-only like every admin page.
 */
import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { listClientApis } from "../../../src/admin/apis.ts";
import { saveClientMetadata } from "../../../src/db/oidc-clients.ts";
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

adminWorld((w) => ({ app, deps, f } = w));

const LIST = "/settings/admin/apis";

async function createApiPage(name = "Photos", resource = "https://photos.example.com/api"): Promise<string> {
  const res = await app.handle(pageReq(deps, f.admin, "POST", LIST, { htmx: true, form: { name, resource } }));
  expect(res.status).toBe(204);
  const location = res.headers.get("hx-redirect")!;
  expect(location).toMatch(/^\/settings\/admin\/apis\/[0-9a-f-]{36}\?created=1$/);
  return location.split("/").pop()!.split("?")[0]!;
}

const page = async (path: string) => {
  const res = await app.handle(pageReq(deps, f.admin, "GET", path));
  expect(res.status).toBe(200);
  return res.text();
};

describe("APIs pages", () => {
  test("admin only; the section is in the administration menu", async () => {
    for (const path of [LIST]) {
      expect((await app.handle(pageReq(deps, f.member, "GET", path))).status).toBe(403);
      expect((await app.handle(new Request(deps.config.appUrl + path))).status).toBe(303);
    }
    expect(await page("/settings/admin/users")).toContain('href="/settings/admin/apis"');
    expect((await app.handle(pageReq(deps, f.admin, "GET", `${LIST}/00000000-0000-4000-8000-000000000000`))).status).toBe(404);
  });

  test("create: a refused resource re-renders the form with its message (422); a good one opens the API's page", async () => {
    const bad = await app.handle(pageReq(deps, f.admin, "POST", LIST, { htmx: true, form: { name: "Photos", resource: "photos.example.com#x" } }));
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html.startsWith('<form id="new-api"')).toBe(true);
    expect(html).toContain("must be an absolute URI without whitespace or a fragment");
    expect(html).toContain('value="photos.example.com#x"');
    const noCsrf = await app.handle(pageReq(deps, f.admin, "POST", LIST, { htmx: true, csrf: false, form: { name: "Photos", resource: "https://p.example.com" } }));
    expect(noCsrf.status).toBe(403);

    const id = await createApiPage();
    const detail = await page(`${LIST}/${id}?created=1`);
    expect(detail).toContain("<h1>Photos</h1>");
    expect(detail).toContain("https://photos.example.com/api");
    const list = await page(LIST);
    expect(list).toContain(`href="${LIST}/${id}"`);
    const searched = await app.handle(new Request(`${deps.config.appUrl}${LIST}?search=nothing`, { headers: { cookie: f.admin.cookie, "hx-request": "true", "hx-target": "api-list" } }));
    expect((await searched.text()).startsWith('<div id="api-list">')).toBe(true);
  });

  test("the one form saves name and permissions together, or nothing with each row's problem", async () => {
    const id = await createApiPage();
    const refused = await app.handle(
      pageReq(deps, f.admin, "POST", `${LIST}/${id}`, {
        htmx: true,
        form: { name: "Pictures", permissionKey: ["photos:read", "openid", ""], permissionName: ["Read", "Id", ""], permissionDescription: ["", "", ""] },
      }),
    );
    expect(refused.status).toBe(422);
    const refusedHtml = await refused.text();
    expect(refusedHtml).toContain("Permission 2: is a standard scope");
    expect(refusedHtml).toContain('value="Pictures"');
    expect((await json(app, apiReq(deps, f.admin.key, "GET", `/api/apis/${id}`))).body).toMatchObject({ name: "Photos", permissions: [] });

    const saved = await app.handle(
      pageReq(deps, f.admin, "POST", `${LIST}/${id}`, {
        htmx: true,
        form: { name: "Pictures", permissionKey: ["photos:read", "photos:write"], permissionName: ["See your photos", "Change your photos"], permissionDescription: ["Albums and pictures", ""] },
      }),
    );
    expect(saved.status).toBe(200);
    const html = await saved.text();
    expect(html.startsWith('<form id="api-form"')).toBe(true);
    // The app list (with the new permissions) comes along out of band, and a flash says it was saved.
    expect(html).toContain('id="api-clients" aria-labelledby="api-clients-title" hx-swap-oob="true"');
    expect(html).toContain("Saved Pictures.");
    const api = (await json(app, apiReq(deps, f.admin.key, "GET", `/api/apis/${id}`))).body;
    expect(api.name).toBe("Pictures");
    expect(api.permissions.map((p: any) => [p.key, p.name, p.description ?? null])).toEqual([
      ["photos:read", "See your photos", "Albums and pictures"],
      ["photos:write", "Change your photos", null],
    ]);
  });

  test("grants from the API's page and the client's page; a public app cannot get client access; remove", async () => {
    const id = await createApiPage();
    await app.handle(pageReq(deps, f.admin, "POST", `${LIST}/${id}`, { htmx: true, form: { name: "Photos", permissionKey: ["photos:read"], permissionName: ["See your photos"], permissionDescription: [""] } }));
    const permissionId = (await json(app, apiReq(deps, f.admin.key, "GET", `/api/apis/${id}`))).body.permissions[0].id;
    const spa = createClient(deps, CLI_ACTOR, { name: "Gallery SPA", callbackUrls: ["https://g.example.com/cb"], isPublic: true, pkceEnabled: true, unrestricted: true }).client;
    const backend = createClient(deps, CLI_ACTOR, { name: "Backend", callbackUrls: ["https://b.example.com/cb"], unrestricted: true }).client;

    expect(await page(`${LIST}/${id}`)).toContain(`<option value="${spa.id}">Gallery SPA</option>`);
    const added = await app.handle(pageReq(deps, f.admin, "POST", `${LIST}/${id}/clients`, { htmx: true, form: { clientId: spa.id } }));
    expect(added.headers.get("hx-redirect")).toBe(`${LIST}/${id}#api-clients`);
    expect(listClientApis(deps.db, spa.id)[0]).toMatchObject({ userDelegatedAccess: true, clientAccess: false });

    const grantPath = `${LIST}/${id}/clients/${spa.id}`;
    const refused = await app.handle(pageReq(deps, f.admin, "POST", grantPath, { htmx: true, form: { from: "api", userDelegatedAccess: "on", clientAccess: "on" } }));
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("a public client cannot use client_credentials");
    const ok = await app.handle(pageReq(deps, f.admin, "POST", grantPath, { htmx: true, form: { from: "api", userDelegatedPermissionIds: permissionId } }));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("Saved the access of Gallery SPA to Photos.");
    expect(listClientApis(deps.db, spa.id)[0]).toMatchObject({ userDelegatedAccess: true, userDelegatedPermissionIds: [permissionId] });

    // From the client's page: the section lists the API and offers the others.
    const clientPage = await page(`/settings/admin/oidc-clients/${backend.id}`);
    expect(clientPage).toContain('id="client-apis"');
    expect(clientPage).toContain(`<option value="${id}">Photos</option>`);
    const fromClient = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/oidc-clients/${backend.id}/apis`, { htmx: true, form: { apiId: id } }));
    expect(fromClient.headers.get("hx-redirect")).toBe(`/settings/admin/oidc-clients/${backend.id}#client-apis`);
    const own = await app.handle(pageReq(deps, f.admin, "POST", `${LIST}/${id}/clients/${backend.id}`, { htmx: true, form: { from: "client", clientAccess: "on", clientPermissionIds: permissionId } }));
    expect(own.status).toBe(200);
    expect(listClientApis(deps.db, backend.id)[0]).toMatchObject({ userDelegatedAccess: false, clientAccess: true, clientPermissionIds: [permissionId] });
    expect(await page(`/settings/admin/oidc-clients/${backend.id}`)).toContain("This app already has access to every API.");

    // Another API's permission id is refused.
    const other = await createApiPage("Other", "https://other.example.com");
    const foreign = await app.handle(pageReq(deps, f.admin, "POST", `${LIST}/${other}/clients/${backend.id}`, { htmx: true, form: { from: "client", userDelegatedPermissionIds: permissionId } }));
    expect(foreign.status).toBe(422);

    const removed = await app.handle(pageReq(deps, f.admin, "POST", `${grantPath}/remove`, { htmx: true, form: { from: "api" } }));
    expect(removed.headers.get("hx-redirect")).toBe(`${LIST}/${id}#api-clients`);
    expect(listClientApis(deps.db, spa.id)).toEqual([]);

    const deleted = await app.handle(pageReq(deps, f.admin, "POST", `${LIST}/${id}/delete`, { htmx: true }));
    expect(deleted.headers.get("hx-redirect")).toBe(`${LIST}?deleted=Photos`);
    expect(await page(`${LIST}?deleted=Photos`)).toContain("Deleted the API Photos.");
    expect(listClientApis(deps.db, backend.id)).toEqual([]);
  });
});

describe("metadata-document apps on an API's page", () => {
  test("the opt-in form saves on/off and the ticked permissions; the app list then shows the covered app", async () => {
    const id = await createApiPage();
    await app.handle(pageReq(deps, f.admin, "POST", `${LIST}/${id}`, { htmx: true, form: { name: "Photos", permissionKey: ["a", "b"], permissionName: ["A", "B"], permissionDescription: ["", ""] } }));
    const api = (await json(app, apiReq(deps, f.admin.key, "GET", `/api/apis/${id}`))).body;
    const b = api.permissions.find((p: any) => p.key === "b").id;
    saveClientMetadata(
      deps.db,
      "https://app.example.org/client.json",
      { name: "Doc app", callbackUrls: ["https://app.example.org/cb"], logoutCallbackUrls: [], isPublic: true, tokenEndpointAuthMethod: "client_secret_basic", jwks: null, grantTypes: ["authorization_code"], expiresAt: 9_999_999_999 },
      1,
    );
    const noCsrf = await app.handle(pageReq(deps, f.admin, "POST", `${LIST}/${id}/cimd`, { htmx: true, csrf: false, form: { enabled: "on" } }));
    expect(noCsrf.status).toBe(403);
    const res = await app.handle(pageReq(deps, f.admin, "POST", `${LIST}/${id}/cimd`, { htmx: true, form: { enabled: "on", permissionIds: b } }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<form id="api-cimd"')).toBe(true);
    expect(html).toContain("Saved the access of metadata-document apps to Photos.");
    expect(html).toContain("Registered from a metadata document: this API is also open to it");
    const stored = (await json(app, apiReq(deps, f.admin.key, "GET", `/api/apis/${id}`))).body;
    expect(stored.allowCimdClients).toBe(true);
    expect(stored.permissions.map((p: any) => [p.key, p.allowedForCimdClients])).toEqual([
      ["a", false],
      ["b", true],
    ]);
    // Another API's permission id is refused (400 from the domain, never a 500).
    const other = await createApiPage("Other", "https://other.example.com");
    const foreign = await app.handle(pageReq(deps, f.admin, "POST", `${LIST}/${other}/cimd`, { htmx: true, form: { enabled: "on", permissionIds: b } }));
    expect(foreign.status).toBe(422);
    const foreignHtml = await foreign.text();
    expect(foreignHtml.startsWith('<form id="api-cimd"')).toBe(true);
    expect(foreignHtml).toContain(`are not permissions of this API: ${b}`);
  });
});
