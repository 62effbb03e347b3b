/**
 * Every documented admin API operation, checked for its access rules: a bogus key and an expired key
 * get 401, a non-admin's key gets 403 on admin routes. The table is the generated OpenAPI document,
 * which another test keeps equal to the mounted routes, so a new route cannot skip this check.
 * Each request carries a well-formed empty body (a list where the route takes a list): the check is
 * about credentials, not about the body's shape.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { apiReq, makeAdminFixture } from "../../helpers/admin-fixture.ts";
import { makeTestApp, req } from "../../helpers/test-deps.ts";

const { app, deps } = await makeTestApp();
const f = makeAdminFixture(deps);
afterAll(() => deps.cleanup());

interface Op {
  method: string;
  path: string;
  access: "admin" | "user" | "session" | "public";
  bodyType: string | null;
}

const doc = (await (await app.handle(req(deps, "/api/openapi.json"))).json()) as any;
const resolve = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.split("/").pop()] : s);
const OPERATIONS: Op[] = Object.entries(doc.paths).flatMap(([path, methods]: [string, any]) =>
  Object.entries(methods).map(([method, op]: [string, any]) => {
    const content = op.requestBody?.content ?? {};
    const schema = resolve((content["application/json"] ?? content["multipart/form-data"])?.schema);
    return { method, path, access: op["x-latchkey-access"], bodyType: schema ? (schema.type ?? "object") : null };
  }),
);

/** The sign-in the operation's route declares (src/http/plugins/route-policy.ts). */
const policyOf = (op: Op) => app.routes.find((r) => r.method === op.method.toUpperCase() && r.path === op.path.replace(/\{(\w+)\}/g, ":$1"))?.policy;
const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_, name) => `x-${name}`);
const body = (op: Op) => (op.method === "get" || op.method === "delete" ? undefined : op.bodyType === "array" ? [] : {});

describe("access rules of every API operation", () => {
  test("the table is not empty and names an access rule for every operation", () => {
    expect(OPERATIONS.length).toBeGreaterThan(60);
    for (const op of OPERATIONS) expect([op.method, op.path, ["admin", "user", "session", "public"].includes(op.access)]).toEqual([op.method, op.path, true]);
  });

  for (const op of OPERATIONS.filter((o) => o.access !== "public")) {
    test(`${op.method.toUpperCase()} ${op.path}`, async () => {
      // A user route that refuses keys says so (403); a browser-session route does not read them (401, no session).
      const refused = op.access === "session" && policyOf(op)?.auth === "user-api" ? 403 : 401;
      const bogus = await app.handle(apiReq(deps, "not-a-key", op.method.toUpperCase(), concrete(op.path), body(op)));
      expect(bogus.status).toBe(refused);
      const expired = await app.handle(apiReq(deps, f.expiredKey, op.method.toUpperCase(), concrete(op.path), body(op)));
      expect(expired.status).toBe(refused);
      if (op.access === "admin") {
        const member = await app.handle(apiReq(deps, f.member.key, op.method.toUpperCase(), concrete(op.path), body(op)));
        expect(member.status).toBe(403);
        expect(((await member.json()) as { error: string }).error).toBe("forbidden");
      }
    });
  }

  test("admin routes with unknown ids answer 404", async () => {
    for (const op of OPERATIONS.filter((o) => o.access === "admin" && o.path.includes("{"))) {
      const res = await app.handle(apiReq(deps, f.admin.key, op.method.toUpperCase(), concrete(op.path), body(op)));
      expect([`${op.method} ${op.path}`, res.status]).toEqual([`${op.method} ${op.path}`, 404]);
    }
  });
});
