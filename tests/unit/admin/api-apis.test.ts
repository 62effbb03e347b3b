/**
 * The API resources admin API (Pocket ID v2.10+ paths and JSON) through app.handle: create, read, rename,
 * delete, permissions, metadata-document access, client grants from both sides — and the attacks: unknown ids,
 * a duplicate or malformed resource, the issuer as a resource, another API's permission, client access for a
 * public client, a member's key.
 */
import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { saveClientMetadata } from "../../../src/db/oidc-clients.ts";
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
let k: string;

adminWorld((w) => {
  ({ app, deps, f } = w);
  k = f.admin.key;
});

const call = (method: string, path: string, body?: unknown, key: string | null = k) => json(app, apiReq(deps, key, method, path, body));

async function makeApi(name = "Photos API", resource = "https://photos.example.com/api") {
  const res = await call("POST", "/api/apis", { name, resource });
  expect(res.status).toBe(201);
  return res.body as { id: string; resource: string };
}

async function withPermissions(id: string, keys: string[]) {
  const res = await call("PUT", `/api/apis/${id}/permissions`, { permissions: keys.map((key) => ({ key, name: `Name of ${key}`, description: `Lets the app ${key}` })) });
  expect(res.status).toBe(200);
  return Object.fromEntries((res.body.permissions as { id: string; key: string }[]).map((p) => [p.key, p.id]));
}

function client(name: string, over: Record<string, unknown> = {}) {
  return createClient(deps, CLI_ACTOR, { name, callbackUrls: ["https://app.example.com/cb"], unrestricted: true, ...over }).client;
}

function auditActions(): string[] {
  return deps.db
    .query<{ data: string }, []>("SELECT data FROM audit_logs WHERE event = 'ADMIN_CHANGE' ORDER BY created_at, rowid")
    .all()
    .map((r) => JSON.parse(r.data))
    .filter((d) => d.entity === "api")
    .map((d) => d.action);
}

describe("/api/apis", () => {
  test("create → 201 in Pocket ID's shape; get; list with search and sort; rename; delete", async () => {
    const created = await call("POST", "/api/apis", { name: "Photos API", resource: "https://photos.example.com/api/" });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: "Photos API",
      resource: "https://photos.example.com/api",
      createdAt: new Date(deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, ".000Z"),
      permissions: [],
      allowCimdClients: false,
    });
    await makeApi("Billing", "urn:example:billing");
    const id = created.body.id;
    expect((await call("GET", `/api/apis/${id}`)).body.name).toBe("Photos API");

    const all = await call("GET", "/api/apis");
    expect(all.body.data.map((a: any) => a.name)).toEqual(["Billing", "Photos API"]);
    expect(all.body.pagination).toEqual({ totalPages: 1, totalItems: 2, currentPage: 1, itemsPerPage: 20 });
    expect((await call("GET", "/api/apis?search=photos.example")).body.data.map((a: any) => a.name)).toEqual(["Photos API"]);
    expect((await call("GET", "/api/apis?sort[column]=resource&sort[direction]=desc")).body.data.map((a: any) => a.resource)).toEqual([
      "urn:example:billing",
      "https://photos.example.com/api",
    ]);
    const badSort = await call("GET", "/api/apis?sort[column]=secret");
    expect(badSort.status).toBe(400);

    const renamed = await call("PUT", `/api/apis/${id}`, { name: "Pictures", resource: "https://evil.example.com" });
    expect(renamed.status).toBe(200);
    // The resource never changes: tokens name it.
    expect(renamed.body).toMatchObject({ name: "Pictures", resource: "https://photos.example.com/api" });

    const deleted = await app.handle(apiReq(deps, k, "DELETE", `/api/apis/${id}`));
    expect(deleted.status).toBe(204);
    expect((await call("GET", `/api/apis/${id}`)).status).toBe(404);
    expect(auditActions()).toEqual(["create", "create", "update", "delete"]);
  });

  test.each([
    ["no name", { resource: "https://a.example.com" }, { name: "Fill in this field." }],
    ["no resource", { name: "A" }, { resource: "Fill in this field." }],
    ["a relative resource", { name: "A", resource: "/api" }, { resource: "must be an absolute URI without whitespace or a fragment, such as https://api.example.com" }],
    ["a resource with a fragment", { name: "A", resource: "https://a.example.com/api#x" }, { resource: "must be an absolute URI without whitespace or a fragment, such as https://api.example.com" }],
    ["a resource with whitespace", { name: "A", resource: "https://a.example.com/a pi" }, { resource: "must be an absolute URI without whitespace or a fragment, such as https://api.example.com" }],
    ["a resource without a scheme", { name: "A", resource: "api.example.com" }, { resource: "must be an absolute URI without whitespace or a fragment, such as https://api.example.com" }],
    ["a resource spelled two ways", { name: "A", resource: "https://API.example.com:443/x" }, { resource: "write it as https://api.example.com/x (one spelling per API: tokens carry it exactly)" }],
    ["a resource with a dot segment", { name: "A", resource: "https://a.example.com/x/../api" }, { resource: "write it as https://a.example.com/api (one spelling per API: tokens carry it exactly)" }],
    ["a resource with an encoded dot segment", { name: "A", resource: "https://a.example.com/x/%2e%2E/api" }, { resource: "write it as https://a.example.com/api (one spelling per API: tokens carry it exactly)" }],
    ["a resource with a single-dot segment", { name: "A", resource: "https://a.example.com/api/./" }, { resource: "write it as https://a.example.com/api (one spelling per API: tokens carry it exactly)" }],
    ["a resource with a backslash", { name: "A", resource: "https://a.example.com\\api" }, { resource: "write it as https://a.example.com/api (one spelling per API: tokens carry it exactly)" }],
    ["a resource with an upper-case scheme", { name: "A", resource: "HTTPS://a.example.com" }, { resource: "write it as https://a.example.com (one spelling per API: tokens carry it exactly)" }],
    ["a resource with a Unicode host", { name: "A", resource: "https://bücher.example/api" }, { resource: "write it as https://xn--bcher-kva.example/api (one spelling per API: tokens carry it exactly)" }],
    ["a resource with an unencoded space in the host", { name: "A", resource: "https://a .example.com" }, { resource: "must be an absolute URI without whitespace or a fragment, such as https://api.example.com" }],
    ["a resource with a NUL", { name: "A", resource: "https://a.example.com/\u0000" }, { resource: "must be an absolute URI without whitespace or a fragment, such as https://api.example.com" }],
    ["a resource with an empty fragment", { name: "A", resource: "https://a.example.com/api#" }, { resource: "must be an absolute URI without whitespace or a fragment, such as https://api.example.com" }],
    ["a resource with only slashes after the scheme", { name: "A", resource: "https://" }, { resource: "must be an absolute URI without whitespace or a fragment, such as https://api.example.com" }],
    ["a resource with only spaces", { name: "A", resource: "   " }, { resource: "Fill in this field." }],
    ["a resource with a user name and password", { name: "A", resource: "https://user:pw@a.example.com/api" }, { resource: "must not contain a user name or password (tokens carry it to every app)" }],
    ["a resource with an empty user name", { name: "A", resource: "https://@a.example.com/api" }, { resource: "write it as https://a.example.com/api (one spelling per API: tokens carry it exactly)" }],
    ["an over-long name", { name: "x".repeat(51), resource: "https://a.example.com" }, { name: "Use at most 50 characters." }],
    ["an over-long resource", { name: "A", resource: `https://a.example.com/${"x".repeat(340)}` }, { resource: "Use at most 350 characters." }],
  ])("create refuses %s with 400 naming the field", async (_, body, fields) => {
    const res = await call("POST", "/api/apis", body);
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual(fields);
    expect((await call("GET", "/api/apis")).body.data).toEqual([]);
  });

  test("a duplicate resource (trailing slash or not) and the issuer itself are refused", async () => {
    await makeApi("Photos", "https://photos.example.com/api");
    for (const resource of ["https://photos.example.com/api", "https://photos.example.com/api/"]) {
      const dup = await call("POST", "/api/apis", { name: "Other", resource });
      expect(dup.status).toBe(400);
      expect(dup.body.fields).toEqual({ resource: "is already used by another API" });
    }
    const issuer = await call("POST", "/api/apis", { name: "Me", resource: `${deps.config.appUrl}/` });
    expect(issuer.status).toBe(400);
    expect(issuer.body.fields).toEqual({ resource: "is this server's own address (the issuer) and cannot be an API" });
    expect((await call("GET", "/api/apis")).body.pagination.totalItems).toBe(1);
  });

  test("permissions: replaced by key, kept keys keep their ids and grants, removed keys take their grants along", async () => {
    const api = await makeApi();
    const ids = await withPermissions(api.id, ["photos:read", "photos:write"]);
    const app1 = client("Gallery");
    const put = await call("PUT", `/api/apis/${api.id}/clients/${app1.id}`, { userDelegatedPermissionIds: [ids["photos:read"], ids["photos:write"]] });
    expect(put.status).toBe(200);

    const again = await call("PUT", `/api/apis/${api.id}/permissions`, {
      permissions: [
        { key: "photos:read", name: "Read your photos", description: null },
        { key: "photos:delete", name: "Delete photos" },
      ],
    });
    expect(again.status).toBe(200);
    // Listed by creation time, then key (the test clock stands still).
    expect(again.body.permissions).toEqual([
      { id: expect.any(String), key: "photos:delete", name: "Delete photos", allowedForCimdClients: false },
      { id: ids["photos:read"], key: "photos:read", name: "Read your photos", allowedForCimdClients: false },
    ]);
    const grants = await call("GET", `/api/apis/${api.id}/clients`);
    expect(grants.body.data).toEqual([
      {
        client: { id: app1.id, name: "Gallery", clientType: "standard", isPublic: false, hasLogo: false, hasDarkLogo: false },
        userDelegatedAccess: true,
        clientAccess: false,
        userDelegatedPermissionIds: [ids["photos:read"]],
        clientPermissionIds: [],
        cimdGrantedAccess: false,
        cimdGrantedPermissionIds: [],
      },
    ]);
    // Removing the client's last permission removes the access it implied.
    await call("PUT", `/api/apis/${api.id}/permissions`, { permissions: [] });
    expect((await call("GET", `/api/apis/${api.id}/clients`)).body.data).toEqual([]);
    expect(auditActions()).toEqual(["create", "set_permissions", "set_client_access", "set_permissions", "set_permissions"]);
  });

  test.each([
    ["a key with a space", [{ key: "photos read", name: "R" }], { "permissions[0].key": "may contain only printable ASCII characters without spaces, quotes or backslashes (RFC 6749 scope characters)" }],
    ["a key with a quote", [{ key: 'a"b', name: "R" }], { "permissions[0].key": "may contain only printable ASCII characters without spaces, quotes or backslashes (RFC 6749 scope characters)" }],
    ["a standard scope as key", [{ key: "OpenID", name: "R" }], { "permissions[0].key": "is a standard scope (openid, profile, email, email_verified, groups, offline_access) and cannot be a permission" }],
    ["a repeated key", [{ key: "a", name: "A" }, { key: "a", name: "B" }], { "permissions[1].key": "is listed more than once" }],
    ["a key with a backslash", [{ key: "a\\b", name: "R" }], { "permissions[0].key": "may contain only printable ASCII characters without spaces, quotes or backslashes (RFC 6749 scope characters)" }],
    ["a key with a non-ASCII letter", [{ key: "fotos:lesen-ü", name: "R" }], { "permissions[0].key": "may contain only printable ASCII characters without spaces, quotes or backslashes (RFC 6749 scope characters)" }],
    ["a key with a look-alike colon", [{ key: "photos\u2236read", name: "R" }], { "permissions[0].key": "may contain only printable ASCII characters without spaces, quotes or backslashes (RFC 6749 scope characters)" }],
    ["a key with a tab inside", [{ key: "a\tb", name: "R" }], { "permissions[0].key": "may contain only printable ASCII characters without spaces, quotes or backslashes (RFC 6749 scope characters)" }],
    ["a key with a NUL", [{ key: "a\u0000", name: "R" }], { "permissions[0].key": "may contain only printable ASCII characters without spaces, quotes or backslashes (RFC 6749 scope characters)" }],
    ["a key of spaces only", [{ key: "   ", name: "R" }], { "permissions[0].key": "Fill in this field." }],
    ["a key that is not text", [{ key: 7, name: "R" }], { "permissions[0].key": "must be a string" }],
    ["an over-long key", [{ key: "k".repeat(129), name: "R" }], { "permissions[0].key": "Use at most 128 characters." }],
    ["email_verified as key", [{ key: "EMAIL_VERIFIED", name: "R" }], { "permissions[0].key": "is a standard scope (openid, profile, email, email_verified, groups, offline_access) and cannot be a permission" }],
    ["a key repeated with padding", [{ key: "a", name: "A" }, { key: " a ", name: "B" }], { "permissions[1].key": "is listed more than once" }],
    ["a list that is not a list", { key: "a", name: "A" }, { permissions: "must be a list of permissions" }],
    ["a row that is not an object", ["a"], { "permissions[0]": "must be an object" }],
    ["a missing name", [{ key: "a" }], { "permissions[0].name": "Fill in this field." }],
    ["an over-long description", [{ key: "a", name: "A", description: "d".repeat(201) }], { "permissions[0].description": "Use at most 200 characters." }],
  ])("permissions refuse %s (400, nothing written)", async (_, permissions, fields) => {
    const api = await makeApi();
    const res = await call("PUT", `/api/apis/${api.id}/permissions`, { permissions });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual(fields);
    expect((await call("GET", `/api/apis/${api.id}`)).body.permissions).toEqual([]);
  });

  test("client grants: from the API's side and the client's, attacks refused", async () => {
    const photos = await makeApi();
    const billing = await makeApi("Billing", "urn:example:billing");
    const p = await withPermissions(photos.id, ["photos:read", "photos:write"]);
    const b = await withPermissions(billing.id, ["invoices:read"]);
    const confidential = client("Backend");
    const pub = client("SPA", { isPublic: true, pkceEnabled: true });

    // Another API's permission, unknown permission ids: 400 naming them, nothing written.
    const foreign = await call("PUT", `/api/apis/${photos.id}/clients/${confidential.id}`, { userDelegatedPermissionIds: [p["photos:read"], b["invoices:read"]] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.fields).toEqual({ userDelegatedPermissionIds: `are not permissions of this API: ${b["invoices:read"]}` });
    // A public client cannot get client access (no client_credentials).
    const publicClient = await call("PUT", `/api/apis/${photos.id}/clients/${pub.id}`, { clientAccess: true });
    expect(publicClient.status).toBe(400);
    expect(publicClient.body.fields).toEqual({ clientAccess: "a public client cannot use client_credentials, so it cannot get client access" });
    const wrongType = await call("PUT", `/api/apis/${photos.id}/clients/${pub.id}`, { clientAccess: "yes" });
    expect(wrongType.status).toBe(400);
    expect((await call("GET", `/api/api-access/${confidential.id}/apis`)).body).toEqual([]);

    const applied = await call("PUT", `/api/apis/${photos.id}/clients/${confidential.id}`, { clientAccess: true, userDelegatedPermissionIds: [p["photos:write"]] });
    expect(applied.status).toBe(200);
    expect(applied.body).toEqual({ userDelegatedAccess: true, clientAccess: true, userDelegatedPermissionIds: [p["photos:write"]], clientPermissionIds: [] });
    expect((await call("PUT", `/api/apis/${photos.id}/clients/${pub.id}`, { userDelegatedAccess: true })).status).toBe(200);

    const ofClient = await call("GET", `/api/api-access/${confidential.id}/apis`);
    expect(ofClient.body).toHaveLength(1);
    expect(ofClient.body[0]).toMatchObject({ api: { id: photos.id, name: "Photos API" }, userDelegatedAccess: true, clientAccess: true, cimdGrantedAccess: false });
    expect((await call("GET", `/api/api-access/${confidential.id}/assignable-apis`)).body.data.map((a: any) => a.id)).toEqual([billing.id]);
    expect((await call("GET", `/api/apis/${photos.id}/assignable-clients`)).body.data).toEqual([]);
    expect((await call("GET", `/api/apis/${billing.id}/assignable-clients`)).body.data.map((c: any) => c.name)).toEqual(["Backend", "SPA"]);
    expect((await call("GET", `/api/apis/${photos.id}/clients?search=spa`)).body.data.map((c: any) => c.client.name)).toEqual(["SPA"]);

    // Revoking touches only that API.
    await call("PUT", `/api/apis/${billing.id}/clients/${confidential.id}`, { userDelegatedAccess: true });
    const removed = await app.handle(apiReq(deps, k, "DELETE", `/api/apis/${photos.id}/clients/${confidential.id}`));
    expect(removed.status).toBe(204);
    expect((await call("GET", `/api/api-access/${confidential.id}/apis`)).body.map((g: any) => g.api.name)).toEqual(["Billing"]);
  });

  test("unknown API or client ids answer 404 on every route that names them", async () => {
    const api = await makeApi();
    const c = client("App");
    const unknown = "00000000-0000-4000-8000-000000000000";
    for (const [method, path, body] of [
      ["GET", `/api/apis/${unknown}`],
      ["PUT", `/api/apis/${unknown}`, { name: "X" }],
      ["DELETE", `/api/apis/${unknown}`],
      ["PUT", `/api/apis/${unknown}/permissions`, { permissions: [] }],
      ["PUT", `/api/apis/${unknown}/cimd-access`, { enabled: true }],
      ["GET", `/api/apis/${unknown}/clients`],
      ["GET", `/api/apis/${unknown}/assignable-clients`],
      ["PUT", `/api/apis/${unknown}/clients/${c.id}`, { userDelegatedAccess: true }],
      ["PUT", `/api/apis/${api.id}/clients/no-such-client`, { userDelegatedAccess: true }],
      ["DELETE", `/api/apis/${api.id}/clients/no-such-client`],
      ["GET", "/api/api-access/no-such-client/apis"],
      ["GET", "/api/api-access/no-such-client/assignable-apis"],
    ] as [string, string, unknown?][]) {
      const res = await call(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
  });

  test("metadata-document client access is stored on the API and on the selected permissions only", async () => {
    const api = await makeApi();
    const other = await makeApi("Other", "https://other.example.com");
    const p = await withPermissions(api.id, ["a", "b"]);
    const o = await withPermissions(other.id, ["c"]);
    const foreign = await call("PUT", `/api/apis/${api.id}/cimd-access`, { enabled: true, permissionIds: [o.c] });
    expect(foreign.status).toBe(400);
    const res = await call("PUT", `/api/apis/${api.id}/cimd-access`, { enabled: true, permissionIds: [p.b] });
    expect(res.status).toBe(200);
    expect(res.body.allowCimdClients).toBe(true);
    expect(res.body.permissions.map((x: any) => [x.key, x.allowedForCimdClients])).toEqual([
      ["a", false],
      ["b", true],
    ]);
  });

  test("metadata-document clients are listed on an API open to them, with what the opt-in grants, and not offered again", async () => {
    const api = await makeApi();
    const p = await withPermissions(api.id, ["a", "b"]);
    const cimdId = "https://app.example.org/client.json";
    saveClientMetadata(
      deps.db,
      cimdId,
      { name: "Doc app", callbackUrls: ["https://app.example.org/cb"], logoutCallbackUrls: [], isPublic: true, tokenEndpointAuthMethod: "client_secret_basic", jwks: null, grantTypes: ["authorization_code"], expiresAt: 9_999_999_999 },
      1,
    );
    expect((await call("GET", `/api/apis/${api.id}/assignable-clients`)).body.data.map((c: any) => c.clientType)).toEqual(["cimd"]);
    await call("PUT", `/api/apis/${api.id}/cimd-access`, { enabled: true, permissionIds: [p.b] });
    const clients = await call("GET", `/api/apis/${api.id}/clients`);
    expect(clients.body.data).toEqual([
      {
        client: { id: cimdId, name: "Doc app", clientType: "cimd", isPublic: true, hasLogo: false, hasDarkLogo: false },
        userDelegatedAccess: false,
        clientAccess: false,
        userDelegatedPermissionIds: [],
        clientPermissionIds: [],
        cimdGrantedAccess: true,
        cimdGrantedPermissionIds: [p.b],
      },
    ]);
    expect((await call("GET", `/api/apis/${api.id}/assignable-clients`)).body.data).toEqual([]);
    const ofClient = await call("GET", `/api/api-access/${encodeURIComponent(cimdId)}/apis`);
    expect(ofClient.body.map((g: any) => [g.api.id, g.cimdGrantedAccess, g.cimdGrantedPermissionIds])).toEqual([[api.id, true, [p.b]]]);
    expect((await call("GET", `/api/api-access/${encodeURIComponent(cimdId)}/assignable-apis`)).body.data).toEqual([]);
  });

  test("a member's key and a browser session without CSRF are refused; the admin's session with CSRF works", async () => {
    const member = await call("POST", "/api/apis", { name: "A", resource: "https://a.example.com" }, f.member.key);
    expect(member.status).toBe(403);
    const noCsrf = await app.handle(pageReq(deps, f.admin, "POST", "/api/apis", { csrf: false }));
    expect(noCsrf.status).toBe(403);
    const request = pageReq(deps, f.admin, "POST", "/api/apis");
    const withCsrf = await json(
      app,
      new Request(request.url, { method: "POST", headers: { ...Object.fromEntries(request.headers), "content-type": "application/json" }, body: JSON.stringify({ name: "A", resource: "https://a.example.com" }) }),
    );
    expect(withCsrf.status).toBe(201);
  });
});
