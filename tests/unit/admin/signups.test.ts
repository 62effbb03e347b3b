import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { adminWorld, apiReq, json, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

adminWorld((w) => ({ app, deps, f } = w));

/** An anonymous browser: gets the double-submit CSRF cookie from a page, then posts the form. */
async function anonPost(path: string, form: Record<string, string>): Promise<Response> {
  const page = await app.handle(req(deps, path));
  const cookie = page.headers.get("set-cookie")!.split(";")[0]!;
  const csrf = cookie.split("=")[1]!;
  return app.handle(req(deps, path, { method: "POST", headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ ...form, _csrf: csrf }).toString() }));
}

const setMode = (mode: string) => json(app, apiReq(deps, f.admin.key, "PUT", "/api/application-configuration", { allowUserSignups: mode }));

describe("sign-ups", () => {
  test("disabled by default: /signup and /st/… refuse", async () => {
    expect((await app.handle(req(deps, "/signup"))).status).toBe(403);
    expect((await app.handle(req(deps, "/st/abcdefghijklmnopqrstuvwxyz012345"))).status).toBe(403);
  });

  test("open: /signup creates the account with default groups and claims, then asks for a passkey", async () => {
    const g = await json(app, apiReq(deps, f.admin.key, "POST", "/api/user-groups", { friendlyName: "Guests" }));
    await json(app, apiReq(deps, f.admin.key, "PUT", "/api/application-configuration", { allowUserSignups: "open", signupDefaultUserGroupIDs: [g.body.id], signupDefaultCustomClaims: [{ key: "tier", value: "free" }] }));
    expect((await app.handle(req(deps, "/signup"))).status).toBe(200);
    const bad = await anonPost("/signup", { username: "bob", firstName: "Bobby" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("This username is already taken.");
    const ok = await anonPost("/signup", { username: "newbie", firstName: "New", email: "new@example.com" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/signup/add-passkey?redirect=%2Fsettings%2Faccount");
    expect(ok.headers.get("set-cookie")).toContain("latchkey_session=");
    const users = await json(app, apiReq(deps, f.admin.key, "GET", "/api/users?search=newbie"));
    expect(users.body.data[0]).toMatchObject({ username: "newbie", userGroups: [{ name: "guests" }], customClaims: [{ key: "tier", value: "free" }] });
    expect(deps.db.query("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'ACCOUNT_CREATED'").get()).toEqual({ n: 1 });
  });

  test("withToken: a link admits up to its usage limit, joins its groups, and a typo does not use it up", async () => {
    await setMode("withToken");
    expect((await app.handle(req(deps, "/signup"))).status).toBe(403);
    const g = await json(app, apiReq(deps, f.admin.key, "POST", "/api/user-groups", { friendlyName: "Family" }));
    const t = await json(app, apiReq(deps, f.admin.key, "POST", "/api/signup-tokens", { ttl: "1h", usageLimit: 1, userGroupIds: [g.body.id] }));
    const path = `/st/${t.body.token}`;
    expect((await app.handle(req(deps, path))).status).toBe(200);
    expect((await anonPost(path, { username: "-bad-", firstName: "X" })).status).toBe(422);
    const ok = await anonPost(path, { username: "cousin", firstName: "Cousin" });
    expect(ok.status).toBe(303);
    const u = await json(app, apiReq(deps, f.admin.key, "GET", "/api/users?search=cousin"));
    expect(u.body.data[0].userGroups.map((x: any) => x.name)).toEqual(["family"]);
    // Used up.
    expect((await app.handle(req(deps, path))).status).toBe(410);
    const again = await anonPost(path, { username: "cousin2", firstName: "C" });
    expect(again.status).toBe(410);
    // Expired links are refused too.
    const t2 = await json(app, apiReq(deps, f.admin.key, "POST", "/api/signup-tokens", { ttl: "1h", usageLimit: 5 }));
    deps.clock.advance(3601);
    expect((await app.handle(req(deps, `/st/${t2.body.token}`))).status).toBe(410);
  });
});
