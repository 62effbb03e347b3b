/**
 * Every documented admin API operation, checked for its access rules: a bogus key and an expired key
 * get 401, a non-admin's key gets 403 on admin routes. The table is the OpenAPI operation list, which
 * another test keeps equal to the mounted routes, so a new route cannot skip this check.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { OPERATIONS } from "../../../src/http/routes/api-openapi.ts";
import { apiReq, makeAdminFixture, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

beforeAll(async () => {
  ({ app, deps } = await makeTestApp());
  f = makeAdminFixture(deps);
});
afterAll(() => deps.cleanup());

const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_, name) => `x-${name}`);
const body = (op: (typeof OPERATIONS)[number]) => (op.method === "get" || op.method === "delete" ? undefined : {});

describe("access rules of every API operation", () => {
  for (const op of OPERATIONS.filter((o) => o.auth !== "none")) {
    test(`${op.method.toUpperCase()} ${op.path}`, async () => {
      const bogus = await app.handle(apiReq(deps, "not-a-key", op.method.toUpperCase(), concrete(op.path), body(op)));
      expect(bogus.status).toBe(op.auth === "session" ? 403 : 401);
      const expired = await app.handle(apiReq(deps, f.expiredKey, op.method.toUpperCase(), concrete(op.path), body(op)));
      expect(expired.status).toBe(op.auth === "session" ? 403 : 401);
      if (op.auth === "admin") {
        const member = await app.handle(apiReq(deps, f.member.key, op.method.toUpperCase(), concrete(op.path), body(op)));
        expect(member.status).toBe(403);
        expect(((await member.json()) as { error: string }).error).toBe("forbidden");
      }
    });
  }

  test("admin routes with unknown ids answer 404", async () => {
    for (const op of OPERATIONS.filter((o) => o.auth === "admin" && o.path.includes("{"))) {
      const res = await app.handle(apiReq(deps, f.admin.key, op.method.toUpperCase(), concrete(op.path), op.body && typeof op.body === "string" && op.body.endsWith("[]") ? [] : body(op)));
      expect([`${op.method} ${op.path}`, res.status]).toEqual([`${op.method} ${op.path}`, 404]);
    }
  });
});
