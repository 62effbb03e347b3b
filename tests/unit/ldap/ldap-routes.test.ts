/**
 * LDAP page and API over app.handle, against a real slapd: settings (sealed password), test connection,
 * sync on demand (Pocket ID's POST /api/application-configuration/sync-ldap), read-only directory rows,
 * and LDAP_* under UI_CONFIG_DISABLED. Skipped, with a message, only when slapd is not installed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { apiReq, json, makeAdminFixture, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { BASE_DN, ROOT_DN, ROOT_PW, slapdInstalled, startSlapd, type Slapd } from "../../helpers/slapd.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

const installed = slapdInstalled();
if (!installed) console.warn("SKIP tests/unit/ldap/ldap-routes.test.ts: slapd is not installed (run tests/setup-system.sh)");

const people = `ou=people,${BASE_DN}`;

describe.skipIf(!installed)("LDAP page and API", () => {
  let ldap: Slapd;
  let app: App;
  let deps: TestDeps;
  let f: AdminFixture;
  const call = (method: string, path: string, body?: unknown) => json(app, apiReq(deps, f.admin.key, method, path, body));
  const page = async (method: string, path: string, opts: Parameters<typeof pageReq>[4] = {}) => {
    const res = await app.handle(pageReq(deps, f.admin, method, path, opts));
    return { status: res.status, text: await res.text(), headers: res.headers };
  };
  const form = (over: Record<string, string> = {}) => ({
    ldapEnabled: "true",
    ldapUrl: ldap.url,
    ldapBase: BASE_DN,
    ldapBindDn: ROOT_DN,
    ldapBindPassword: ROOT_PW,
    ldapUserSearchFilter: "(objectClass=person)",
    ldapUserGroupSearchFilter: "(objectClass=groupOfNames)",
    ldapAttributeUserUniqueIdentifier: "entryUUID",
    ldapAttributeUserUsername: "uid",
    ldapAttributeUserEmail: "mail",
    ldapAttributeUserFirstName: "givenName",
    ldapAttributeUserLastName: "sn",
    ldapAttributeUserDisplayName: "cn",
    ldapAttributeGroupUniqueIdentifier: "entryUUID",
    ldapAttributeGroupName: "cn",
    ldapAttributeGroupMember: "member",
    ldapAdminGroupName: "admins",
    ldapSoftDeleteUsers: "true",
    ...over,
  });

  beforeAll(async () => {
    ldap = await startSlapd();
    await ldap.add(`uid=dora,${people}`, { objectClass: "inetOrgPerson", uid: "dora", givenName: "Dora", sn: "Dir", cn: "Dora Dir", mail: "dora@example.org" });
    await ldap.add(`cn=admins,ou=groups,${BASE_DN}`, { objectClass: "groupOfNames", cn: "admins", member: [`uid=dora,${people}`] });
    ({ app, deps } = await makeTestApp());
    f = makeAdminFixture(deps);
  }, 30_000);
  afterAll(async () => {
    await ldap?.cleanup();
    deps?.cleanup();
  });

  test("the page is for administrators and is linked from the admin tabs", async () => {
    const r = await page("GET", "/settings/admin/ldap");
    expect(r.status).toBe(200);
    expect(r.text).toContain('href="/settings/admin/ldap"');
    expect(r.text).toContain("Test connection");
    expect(r.text).toContain("Not run yet.");
    const member = await app.handle(pageReq(deps, f.member, "GET", "/settings/admin/ldap"));
    expect(member.status).toBe(403);
  });

  test("saving validates per field (422) and seals the password", async () => {
    const bad = await page("POST", "/settings/admin/ldap", { htmx: true, form: form({ ldapUrl: "http://nope", ldapUserSearchFilter: "objectClass=person" }) });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain("Enter a URL such as ldap://host:389 or ldaps://host:636.");
    expect(bad.text).toContain("Enter an LDAP filter in parentheses, such as (objectClass=person).");
    const ok = await page("POST", "/settings/admin/ldap", { htmx: true, form: form() });
    expect(ok.status).toBe(200);
    // Said once, in the form: not again in an out-of-band flash.
    expect(ok.text.split("LDAP settings saved.").length - 1).toBe(1);
    expect(ok.text).not.toContain('hx-swap-oob="true"');
    expect(ok.text).toContain("(stored)");
    expect(ok.text).not.toContain(ROOT_PW);
    const stored = deps.db.query<{ value: string }, []>("SELECT value FROM app_config WHERE key = 'ldapBindPassword'").get()!.value;
    expect(stored).not.toContain(ROOT_PW);
    const all = await call("GET", "/api/application-configuration/all");
    expect(all.body.find((e: { key: string }) => e.key === "ldapBindPassword").value).toBe("XXXXXXXXXX");
    expect(all.body.find((e: { key: string }) => e.key === "ldapUrl").value).toBe(ldap.url);
    // Saving again with an empty password field keeps the stored password.
    await page("POST", "/settings/admin/ldap", { htmx: true, form: form({ ldapBindPassword: "" }) });
    expect(deps.db.query<{ value: string }, []>("SELECT value FROM app_config WHERE key = 'ldapBindPassword'").get()!.value).toBe(stored);
  });

  test("test connection reports in plain words (form values, stored password)", async () => {
    const ok = await page("POST", "/settings/admin/ldap/test", { htmx: true, form: form({ ldapBindPassword: "" }) });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<div class="alert alert-success" role="status"><strong>Connected: every check passed.</strong>');
    expect(ok.text).toContain(`Connected to ${ldap.url} and signed in as ${ROOT_DN}.`);
    const bad = await page("POST", "/settings/admin/ldap/test", { htmx: true, form: form({ ldapBindPassword: "wrong" }) });
    expect(bad.text).toContain('<div class="alert alert-error" role="alert"><strong>Connected, but could not sign in.</strong>');
    expect(bad.text).toContain("or its password (invalid credentials).");
    const api = await call("POST", "/api/application-configuration/test-ldap");
    expect(api.status).toBe(200);
    expect(api.body.ok).toBe(true);
    expect(api.body.lines[0]).toEqual({ ok: true, text: `Connected to ${ldap.url} and signed in as ${ROOT_DN}.` }); // the API's shape: no steps
    // In the caller's language when it asks for one.
    const req = apiReq(deps, f.admin.key, "POST", "/api/application-configuration/test-ldap");
    req.headers.set("Accept-Language", "de-DE,de;q=0.9");
    const german = await json(app, req);
    expect(german.body.lines[0]).toEqual({ ok: true, text: `Mit ${ldap.url} verbunden und als ${ROOT_DN} angemeldet.` });
  });

  test("test connection never says Connected above Could not connect (anonymous bind, nothing listening)", async () => {
    const r = await page("POST", "/settings/admin/ldap/test", { htmx: true, form: form({ ldapUrl: "ldap://127.0.0.1:1", ldapBindDn: "", ldapBindPassword: "" }) });
    expect(r.status).toBe(200);
    expect(r.text).toContain('<div class="alert alert-error" role="alert"><strong>Could not connect.</strong>');
    expect(r.text).toContain("Could not connect to ldap://127.0.0.1:1: the connection was refused.");
    expect(r.text).not.toContain("Connected");
    expect(r.text).not.toContain("✓");
  });

  test("sync on demand: API 204, page shows the summary; synced rows are read-only", async () => {
    const r = await call("POST", "/api/application-configuration/sync-ldap");
    expect(r.status).toBe(204);
    const users = await call("GET", "/api/users?search=dora");
    const dora = users.body.data[0];
    expect(dora).toMatchObject({ username: "dora", isAdmin: true });
    expect(dora.ldapId).toMatch(/^[0-9a-f-]{36}$/);
    const group = (await call("GET", "/api/user-groups?search=admins")).body.data[0];
    expect(group.ldapId).toMatch(/^[0-9a-f-]{36}$/);

    const put = await call("PUT", `/api/users/${dora.id}`, { username: "dora2", firstName: "Dora" });
    expect(put.status).toBe(403);
    expect((await call("DELETE", `/api/users/${dora.id}`)).status).toBe(403);
    const gPut = await call("PUT", `/api/user-groups/${group.id}`, { friendlyName: "Renamed", name: "renamed" });
    expect(gPut.status).toBe(403);
    expect(gPut.body).toEqual({ error: "forbidden", message: "This group is managed by LDAP: its name and members come from the directory and cannot be changed here." });
    expect((await call("DELETE", `/api/user-groups/${group.id}`)).status).toBe(403);
    const members = await call("PUT", `/api/user-groups/${group.id}/users`, { userIds: [f.member.user.id] });
    expect(members.status).toBe(403);
    expect(members.body.message).toBe("This group is managed by LDAP: its name and members come from the directory and cannot be changed here.");
    const join = await call("PUT", `/api/users/${f.member.user.id}/user-groups`, { userGroupIds: [group.id] });
    expect(join.status).toBe(403);
    expect(join.body.message).toBe("The group “admins” is managed by LDAP: its members come from the directory and cannot be changed here.");
    // Local additions stay possible: a local group may hold a synced user.
    const local = await call("POST", "/api/user-groups", { friendlyName: "Local", name: "local" });
    expect((await call("PUT", `/api/user-groups/${local.body.id}/users`, { userIds: [dora.id] })).status).toBe(200);

    const detail = await page("GET", `/settings/admin/users/${dora.id}`);
    expect(detail.text).toContain("Managed by LDAP");
    expect(detail.text).toContain('<fieldset class="bare-fieldset" disabled>');
    const list = await page("GET", "/settings/admin/users");
    expect(list.text).toContain('title="Managed by LDAP"');

    const status = await page("POST", "/settings/admin/ldap/sync", { htmx: true });
    expect(status.status).toBe(200);
    expect(status.text).toContain("Everything was already up to date.");
    // One report, in the status panel: no second message in the flash area.
    expect(status.text).not.toContain('hx-swap-oob="true"');
  });

  test("a failed sync answers 409 with the reason and changes nothing", async () => {
    await ldap.stop();
    try {
      const r = await call("POST", "/api/application-configuration/sync-ldap");
      expect(r.status).toBe(409);
      expect(r.body.error).toBe("conflict");
      expect(r.body.message).toBe(`LDAP sync failed; nothing was changed. Could not connect to ${ldap.url}: the connection was refused. Is the server running, and is the port right?`);
      const status = await page("POST", "/settings/admin/ldap/sync", { htmx: true });
      expect(status.text).toContain("The last sync did not run; nothing was changed.");
    } finally {
      await ldap.start();
    }
  });
});

describe.skipIf(!installed)("LDAP under UI_CONFIG_DISABLED", () => {
  test("LDAP_* environment variables drive sync; the page is read-only", async () => {
    const ldap = await startSlapd();
    await ldap.add(`uid=env,${people}`, { objectClass: "inetOrgPerson", uid: "env", givenName: "Env", sn: "User", cn: "Env User" });
    const { app, deps } = await makeTestApp({
      UI_CONFIG_DISABLED: "true",
      LDAP_ENABLED: "true",
      LDAP_URL: ldap.url,
      LDAP_BIND_DN: ROOT_DN,
      LDAP_BIND_PASSWORD: ROOT_PW,
      LDAP_BASE: BASE_DN,
    });
    try {
      const f = makeAdminFixture(deps);
      const r = await json(app, apiReq(deps, f.admin.key, "POST", "/api/application-configuration/sync-ldap"));
      expect(r.status).toBe(204);
      expect(deps.db.query("SELECT username FROM users WHERE ldap_id IS NOT NULL").all()).toEqual([{ username: "env" }]);
      const pageRes = await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/ldap"));
      const html = await pageRes.text();
      expect(html).toContain("Read-only: UI_CONFIG_DISABLED=true.");
      expect(html).not.toContain("Save settings");
      const save = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/ldap", { htmx: true, form: { ldapUrl: "ldap://elsewhere" } }));
      expect(save.status).toBe(403);
    } finally {
      await ldap.cleanup();
      deps.cleanup();
    }
  });
});
