/**
 * /api/oidc/clients with Pocket ID's field names and create defaults: isGroupRestricted omitted admits everyone
 * (Pocket ID's omitted boolean is false) unless allowed groups are given; requiresPushedAuthorizationRequests and
 * backchannelLogoutURL are read and answered beside Latchkey's names.
 */
import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { isUserAllowedForClient, findClientById } from "../../../src/oidc/clients.ts";
import { adminWorld, apiReq, json, type AdminFixture } from "../../helpers/admin-fixture.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
adminWorld((w) => ({ app, deps, f } = w));

const call = (method: string, path: string, body?: unknown) => json(app, apiReq(deps, f.admin.key, method, path, body));
const base = { name: "Wiki", callbackURLs: ["https://wiki.example.com/cb"] };

describe("client create defaults", () => {
  test("isGroupRestricted omitted (or null) → every user may sign in, as in Pocket ID", async () => {
    for (const body of [base, { ...base, isGroupRestricted: null }]) {
      const c = await call("POST", "/api/oidc/clients", body);
      expect(c.status).toBe(201);
      expect(c.body.isGroupRestricted).toBe(false);
      expect(isUserAllowedForClient(deps.db, findClientById(deps.db, c.body.id)!, f.member.user.id)).toBe(true);
    }
  });

  test("isGroupRestricted true, or allowed groups named without it → restricted", async () => {
    const g = await call("POST", "/api/user-groups", { friendlyName: "Staff", name: "staff" });
    const explicit = await call("POST", "/api/oidc/clients", { ...base, isGroupRestricted: true });
    expect(explicit.body.isGroupRestricted).toBe(true);
    expect(isUserAllowedForClient(deps.db, findClientById(deps.db, explicit.body.id)!, f.member.user.id)).toBe(false);
    const withGroups = await call("POST", "/api/oidc/clients", { ...base, allowedUserGroupIds: [g.body.id] });
    expect(withGroups.body).toMatchObject({ isGroupRestricted: true, allowedUserGroups: [{ id: g.body.id, name: "staff" }] });
  });

  test("an update without isGroupRestricted keeps it", async () => {
    const c = await call("POST", "/api/oidc/clients", { ...base, isGroupRestricted: true });
    const u = await call("PUT", `/api/oidc/clients/${c.body.id}`, { ...base, name: "Wiki 2" });
    expect(u.body).toMatchObject({ name: "Wiki 2", isGroupRestricted: true });
  });
});

describe("Pocket ID's field names", () => {
  test("requiresPushedAuthorizationRequests and backchannelLogoutURL on create and update, answered in both spellings", async () => {
    const c = await call("POST", "/api/oidc/clients", { ...base, requiresPushedAuthorizationRequests: true, backchannelLogoutURL: "https://wiki.example.com/logout" });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      requiresPushedAuthorizationRequests: true,
      requirePar: true,
      backchannelLogoutURL: "https://wiki.example.com/logout",
      backchannelLogoutUri: "https://wiki.example.com/logout",
    });
    expect(findClientById(deps.db, c.body.id)!.requirePar).toBe(true);
    const u = await call("PUT", `/api/oidc/clients/${c.body.id}`, { ...base, requiresPushedAuthorizationRequests: false });
    expect(u.body).toMatchObject({ requiresPushedAuthorizationRequests: false, requirePar: false });
    const got = await call("GET", `/api/oidc/clients/${c.body.id}`);
    expect(got.body).toMatchObject({ requiresPushedAuthorizationRequests: false, backchannelLogoutURL: "https://wiki.example.com/logout" });
  });

  test("a non-boolean requiresPushedAuthorizationRequests → 400", async () => {
    const r = await call("POST", "/api/oidc/clients", { ...base, requiresPushedAuthorizationRequests: "yes" });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fields)).toEqual(["requiresPushedAuthorizationRequests"]);
  });
});
