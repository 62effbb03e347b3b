/**
 * LDAP in headless Chromium against a real slapd: the administrator fills the LDAP page, tests the
 * connection and syncs; then a synced user registers a passkey (login link) and signs in to an OIDC
 * client restricted to an LDAP group, receiving that group in the `groups` claim.
 * Screenshots of the LDAP page (light, dark, phone) go to LDAP_SCREENSHOT_DIR when it is set.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { mkdirSync } from "node:fs";
import path from "node:path";
import * as oidc from "openid-client";
import type { Page } from "playwright-core";
import { createOneTimeAccessToken } from "../../src/account/one-time-access.ts";
import { createSession } from "../../src/account/sessions.ts";
import { createUser } from "../../src/admin/users.ts";
import { cookieName } from "../../src/http/cookies.ts";
import { SESSION_COOKIE } from "../../src/http/request-context.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { startAppHosts, type AppHosts } from "../helpers/app-hosts.ts";
import { createPasskey, launchBrowser, newPasskeyPage, type TestBrowser } from "../helpers/browser.ts";
import { authorizationRequest, discoverClient } from "../helpers/relying-party.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { BASE_DN, ROOT_DN, ROOT_PW, slapdInstalled, startSlapd, type Slapd } from "../helpers/slapd.ts";

const installed = slapdInstalled();
if (!installed) console.warn("SKIP tests/e2e/ldap-browser.test.ts: slapd is not installed (run tests/setup-system.sh)");
const shots = process.env.LDAP_SCREENSHOT_DIR ?? null;
const people = `ou=people,${BASE_DN}`;

describe.skipIf(!installed)("LDAP in the browser", () => {
  let server: TestServer;
  let browser: TestBrowser;
  let ldap: Slapd;
  /** The OIDC client's application (its callback page). */
  let apps: AppHosts;
  let adminCookie: { name: string; value: string };

  beforeAll(async () => {
    apps = await startAppHosts({ "wiki.example.com": null });
    [server, browser, ldap] = await Promise.all([startTestServer(), launchBrowser({ appHosts: apps }), startSlapd()]);
    await ldap.add(`uid=lena,${people}`, { objectClass: "inetOrgPerson", uid: "lena", givenName: "Lena", sn: "Lindqvist", cn: "Lena Lindqvist", mail: "lena@example.org" });
    await ldap.add(`uid=bad user,${people}`, { objectClass: "inetOrgPerson", uid: "bad user", givenName: "Bad", sn: "User", cn: "Bad User" });
    await ldap.add(`cn=family,ou=groups,${BASE_DN}`, { objectClass: "groupOfNames", cn: "family", member: [`uid=lena,${people}`] });
    const admin = createUser(server.deps, { username: "ada", email: "ada@example.com", firstName: "Ada", lastName: "Admin", isAdmin: true });
    const { token } = createSession(server.deps, { userId: admin.id, amr: ["phr"], durationMinutes: 600 });
    adminCookie = { name: cookieName(server.deps.config, SESSION_COOKIE), value: token };
    if (shots) mkdirSync(shots, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await ldap?.cleanup();
    apps?.stop();
  });

  const adminPage = async (opts: Parameters<TestBrowser["newPage"]>[0] = {}): Promise<Page> => {
    const page = await browser.newPage(opts);
    await page.context().addCookies([{ ...adminCookie, url: server.url }]);
    return page;
  };

  test("configure, test, sync; a synced user signs in to an OIDC client with LDAP groups", async () => {
    const page = await adminPage();
    await page.goto(`${server.url}/settings/admin/application-configuration`);
    await page.getByRole("link", { name: "LDAP" }).click();
    await page.waitForURL(`${server.url}/settings/admin/ldap`);
    await page.getByLabel("Synchronise users and groups").check();
    await page.locator("#f-ldapUrl").fill(ldap.url);
    await page.locator("#f-ldapBase").fill(BASE_DN);
    await page.locator("#f-ldapBindDn").fill(ROOT_DN);
    await page.locator("#f-ldapBindPassword").fill("wrong");
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.locator("#ldap-test-result .alert-error").textContent()).resolves.toContain("invalid credentials");
    await page.locator("#f-ldapBindPassword").fill(ROOT_PW);
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.locator("#ldap-test-result .alert-success").waitFor();
    expect(await page.locator("#ldap-test-result").textContent()).toContain(`Connected to ${ldap.url} and signed in as ${ROOT_DN}.`);
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.locator("#ldap-form .alert-success").waitFor();
    // "Sync now" appears after a reload (the status section follows the saved setting).
    await page.reload();
    await page.getByRole("button", { name: "Sync now" }).click();
    await page.locator("#ldap-status .alert-warning").waitFor();
    const status = await page.locator("#ldap-status").textContent();
    expect(status).toContain("1 user created, 1 group created, and members of 1 group changed.");
    expect(status).toContain("username “bad user” is not allowed");
    if (shots) {
      await page.screenshot({ path: path.join(shots, "ldap-light.png"), fullPage: true });
      const dark = await adminPage({ colorScheme: "dark" });
      await dark.goto(`${server.url}/settings/admin/ldap`);
      await dark.screenshot({ path: path.join(shots, "ldap-dark.png"), fullPage: true });
      const phone = await adminPage({ viewport: { width: 390, height: 844 } });
      await phone.goto(`${server.url}/settings/admin/ldap`);
      await phone.screenshot({ path: path.join(shots, "ldap-phone.png"), fullPage: true });
      const lena = server.deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'lena'").get()!;
      await page.goto(`${server.url}/settings/admin/users/${lena.id}`);
      await page.screenshot({ path: path.join(shots, "ldap-user.png"), fullPage: true });
    }

    // The synced user: a login link, a passkey, then an OIDC sign-in to a client restricted to the LDAP group.
    const lena = server.deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'lena'").get()!;
    const family = server.deps.db.query<{ id: string }, []>("SELECT id FROM user_groups WHERE name = 'family'").get()!;
    const { client, secret } = createClient(server.deps, CLI_ACTOR, { name: "Family wiki", callbackUrls: ["https://wiki.example.com/callback"], pkceEnabled: true, allowedGroupIds: [family.id] });
    const { token } = createOneTimeAccessToken(server.deps, lena.id, 3600);
    const { page: person } = await newPasskeyPage(browser);
    await person.goto(`${server.url}/lc/${token}`);
    await person.locator("form[action='/lc'] button[type=submit]").click();
    await person.waitForURL((u) => u.pathname === "/signup/add-passkey");
    await createPasskey(person);
    await person.waitForURL((u) => u.pathname === "/settings/account");

    const config = await discoverClient(server.url, client.id, secret!.secret);
    const request = await authorizationRequest(config, "https://wiki.example.com/callback");
    await person.goto(request.url.href);
    await person.waitForURL((u) => u.pathname === "/authorize");
    await person.getByRole("button", { name: "Allow" }).click();
    await person.waitForURL((u) => u.origin === "https://wiki.example.com");
    const tokens = await oidc.authorizationCodeGrant(config, apps.last("wiki.example.com")!, request.checks);
    expect(tokens.claims()).toMatchObject({ preferred_username: "lena", email: "lena@example.org", name: "Lena Lindqvist", groups: ["family"] });
  }, 120_000);
});
