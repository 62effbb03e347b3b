/** GET/PUT /api/users/me: the signed-in person's own profile (Pocket ID's paths, fields and 403s). */
import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { updateAppConfig } from "../../../src/admin/app-config.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
adminWorld((w) => ({ app, deps, f } = w));

const bobProfile = { username: "bob", email: "bob@example.com", firstName: "Bob", lastName: "Member", displayName: "Bob M" };

function sessionPut(body: unknown, opts: { csrf?: boolean } = {}): Request {
  const headers: Record<string, string> = { Cookie: f.member.cookie, "Content-Type": "application/json" };
  if (opts.csrf !== false) headers["X-CSRF-Token"] = f.member.csrf;
  return req(deps, "/api/users/me", { method: "PUT", headers, body: JSON.stringify(body) });
}

describe("GET /api/users/me", () => {
  test("answers the caller's own user, by API key or by session; anonymous → 401", async () => {
    const byKey = await json(app, apiReq(deps, f.member.key, "GET", "/api/users/me"));
    expect(byKey.status).toBe(200);
    expect(byKey.body).toMatchObject({ id: f.member.user.id, username: "bob", email: "bob@example.com", emailVerified: false, firstName: "Bob", lastName: "Member", isAdmin: false, disabled: false, userGroups: [], customClaims: [] });
    const bySession = await json(app, pageReq(deps, f.admin, "GET", "/api/users/me"));
    expect(bySession.status).toBe(200);
    expect(bySession.body).toMatchObject({ id: f.admin.user.id, username: "alice", isAdmin: true });
    expect((await json(app, apiReq(deps, null, "GET", "/api/users/me"))).status).toBe(401);
  });
});

describe("PUT /api/users/me", () => {
  test("replaces the own profile with Pocket ID's field names; isAdmin, disabled and groups are ignored", async () => {
    const r = await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", { ...bobProfile, username: "bobby", locale: "de", isAdmin: true, disabled: true, emailVerified: true, userGroupIds: ["x"] }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: f.member.user.id, username: "bobby", displayName: "Bob M", locale: "de", isAdmin: false, disabled: false, emailVerified: false, userGroups: [] });
    const again = await json(app, apiReq(deps, f.member.key, "GET", "/api/users/me"));
    expect(again.body).toMatchObject({ username: "bobby", locale: "de" });
    // locale: null follows the browser again; omitted keeps it.
    expect((await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", bobProfile))).body.locale).toBe("de");
    expect((await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", { ...bobProfile, locale: null }))).body.locale).toBeNull();
  });

  test("validated as the account page's edit: every problem at once, 400", async () => {
    const r = await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", { username: "alice", email: "not an address", firstName: "", locale: "xx" }));
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fields).sort()).toEqual(["email", "firstName", "locale", "username"]);
    expect(r.body.fields.username).toBe("This username is already taken.");
  });

  test("a changed address is verified only when emailsVerified says so", async () => {
    updateAppConfig(deps.db, { emailsVerified: true }, nowSeconds(deps.clock));
    const r = await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", { ...bobProfile, email: "robert@example.com" }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ email: "robert@example.com", emailVerified: true });
  });

  test("a session needs the CSRF token, as the other session JSON endpoints", async () => {
    const refused = await app.handle(sessionPut(bobProfile, { csrf: false }));
    expect(refused.status).toBe(403);
    const ok = await json(app, sessionPut({ ...bobProfile, firstName: "Robert" }));
    expect(ok.status).toBe(200);
    expect(ok.body.firstName).toBe("Robert");
  });

  test("403 while allowOwnAccountEdit is off, and for an LDAP account", async () => {
    updateAppConfig(deps.db, { allowOwnAccountEdit: false }, nowSeconds(deps.clock));
    const off = await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", { ...bobProfile, firstName: "Robert" }));
    expect(off.status).toBe(403);
    expect(off.body.message).toBe("Your profile is managed by an administrator.");
    updateAppConfig(deps.db, { allowOwnAccountEdit: true }, nowSeconds(deps.clock));
    deps.db.query("UPDATE users SET ldap_id = 'uid=bob' WHERE id = ?").run(f.member.user.id);
    expect((await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", { ...bobProfile, firstName: "Robert" }))).status).toBe(403);
    expect((await json(app, apiReq(deps, f.member.key, "GET", "/api/users/me"))).body.firstName).toBe("Bob");
  });
});

describe("PUT /api/users/me, attacked", () => {
  test("a verified address that changes is unverified again (as Pocket ID); a change of letter case alone keeps it", async () => {
    deps.db.query("UPDATE users SET email_verified = 1 WHERE id = ?").run(f.member.user.id);
    const sameButCase = await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", { ...bobProfile, email: "Bob@Example.com" }));
    expect(sameButCase.body).toMatchObject({ email: "Bob@Example.com", emailVerified: true });
    const changed = await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", { ...bobProfile, email: "mallory@example.com", emailVerified: true }));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ email: "mallory@example.com", emailVerified: false });
  });

  test("no other column can be written: id, ldapId, customClaims, createdAt, userGroups, isAdmin as a string", async () => {
    const before = (await json(app, apiReq(deps, f.member.key, "GET", "/api/users/me"))).body;
    const r = await json(app, apiReq(deps, f.member.key, "PUT", "/api/users/me", {
      ...bobProfile,
      id: f.admin.user.id,
      ldapId: "uid=admin",
      customClaims: [{ key: "role", value: "admin" }],
      createdAt: "2000-01-01T00:00:00Z",
      userGroups: [{ id: "g", name: "admins" }],
      isAdmin: "true",
      is_admin: 1,
    }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ...before, displayName: "Bob M" });
    const row = deps.db.query<{ is_admin: number; ldap_id: string | null; disabled: number }, [string]>("SELECT is_admin, ldap_id, disabled FROM users WHERE id = ?").get(f.member.user.id)!;
    expect(row).toEqual({ is_admin: 0, ldap_id: null, disabled: 0 });
    expect((await json(app, apiReq(deps, f.admin.key, "GET", "/api/users/me"))).body).toMatchObject({ id: f.admin.user.id, username: "alice" });
  });
});
