/**
 * Request strings that name Object.prototype members never reach a lookup in an object literal
 * (issue 17, finding 7): unknown sort columns and directions are a 400 naming the accepted values,
 * prototype names as configuration keys change nothing, and `__proto__` is not a claim name.
 */
import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

adminWorld((w) => ({ app, deps, f } = w), { env: { DISABLE_RATE_LIMITING: "true" } });

export const PROTOTYPE_NAMES = [
  "constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf", "propertyIsEnumerable",
  "toLocaleString", "__defineGetter__", "__lookupGetter__", "prototype",
];

const LISTS = [
  { path: "/api/users", columns: "username, email, firstName, lastName, displayName, isAdmin, createdAt" },
  { path: "/api/user-groups", columns: "name, friendlyName, createdAt, userCount" },
  { path: "/api/oidc/clients", columns: "name, createdAt" },
];
const PAGES = ["/settings/admin/users", "/settings/admin/user-groups", "/settings/admin/oidc-clients"];

describe("sort[column] and sort[direction]", () => {
  for (const list of LISTS) {
    test(`${list.path}: every prototype name as a column → 400 naming the columns`, async () => {
      for (const name of PROTOTYPE_NAMES) {
        for (const param of ["sort[column]", "sort"]) {
          const res = await json(app, apiReq(deps, f.admin.key, "GET", `${list.path}?${encodeURIComponent(param)}=${encodeURIComponent(name)}`));
          expect([name, param, res.status, res.body]).toEqual([name, param, 400, { error: "bad_request", message: `sort[column] must be one of: ${list.columns}.` }]);
        }
      }
    });

    test(`${list.path}: every accepted column and direction → 200; others → 400`, async () => {
      for (const column of list.columns.split(", ")) {
        for (const direction of ["asc", "desc", "DESC", ""]) {
          const res = await app.handle(apiReq(deps, f.admin.key, "GET", `${list.path}?sort[column]=${column}&sort[direction]=${direction}`));
          expect([column, direction, res.status]).toEqual([column, direction, 200]);
        }
      }
      for (const direction of [...PROTOTYPE_NAMES, "ascending", "up", "1", "desc;drop"]) {
        const res = await json(app, apiReq(deps, f.admin.key, "GET", `${list.path}?sort[direction]=${encodeURIComponent(direction)}`));
        expect([direction, res.status, res.body]).toEqual([direction, 400, { error: "bad_request", message: 'sort[direction] must be "asc" or "desc".' }]);
      }
    });
  }

  test("the admin pages answer an unknown column with a 400 page, not a 500", async () => {
    for (const path of PAGES) {
      for (const name of PROTOTYPE_NAMES) {
        const res = await app.handle(pageReq(deps, f.admin, "GET", `${path}?sort[column]=${encodeURIComponent(name)}`));
        expect([path, name, res.status]).toEqual([path, name, 400]);
        expect(await res.text()).toContain("sort[column] must be one of:");
      }
    }
  });
});

describe("other tables indexed by request strings", () => {
  test("PUT /api/application-configuration with prototype names as keys stores nothing and answers below 500", async () => {
    const before = deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM app_config").get()!.n;
    for (const name of PROTOTYPE_NAMES) {
      const body = JSON.parse(`{${JSON.stringify(name)}: "x", "appName": "Renamed"}`);
      const res = await app.handle(apiReq(deps, f.admin.key, "PUT", "/api/application-configuration", body));
      expect([name, res.status]).toEqual([name, 200]);
    }
    const keys = deps.db.query<{ key: string }, []>("SELECT key FROM app_config").all().map((r) => r.key);
    for (const name of PROTOTYPE_NAMES) expect(keys).not.toContain(name);
    expect(keys.length).toBeLessThanOrEqual(before + 1);
  });

  test("custom claims: __proto__ is refused with a precise message; other prototype names are ordinary claims", async () => {
    const uid = f.member.user.id;
    const refused = await json(app, apiReq(deps, f.admin.key, "PUT", `/api/custom-claims/user/${uid}`, [{ key: "__proto__", value: '{"email_verified":true}' }]));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('“__proto__” cannot be a claim name.');
    const fine = await json(app, apiReq(deps, f.admin.key, "PUT", `/api/custom-claims/user/${uid}`, [{ key: "constructor", value: "1" }, { key: "toString", value: "x" }]));
    expect(fine.status).toBe(200);
  });

  test("audit log filters: prototype names as event, client or user filter answer below 500", async () => {
    for (const name of PROTOTYPE_NAMES) {
      for (const param of ["filters[event]", "filters[clientName]", "filters[userId]", "event"]) {
        const api = await app.handle(apiReq(deps, f.admin.key, "GET", `/api/audit-logs/all?${encodeURIComponent(param)}=${encodeURIComponent(name)}`));
        expect([name, param, api.status < 500]).toEqual([name, param, true]);
        const page = await app.handle(pageReq(deps, f.admin, "GET", `/settings/audit-log/global?${encodeURIComponent(param)}=${encodeURIComponent(name)}`));
        expect([name, param, page.status < 500]).toEqual([name, param, true]);
      }
    }
  });
});
