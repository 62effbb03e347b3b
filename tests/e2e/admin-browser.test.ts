/**
 * The seed post's administration workflow in headless Chromium, as the administrator would do it:
 * create a group, a user in it, an OIDC client with two callback URLs and PKCE, restrict it to the
 * group, copy the secret; then the user signs in to that client through openid-client, and a user
 * outside the group is refused with the "not allowed" page.
 */
import { describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import * as oidc from "openid-client";
import type { BrowserContext, Page } from "playwright-core";
import type { AppHosts } from "../helpers/app-hosts.ts";
import { createPasskey, newPasskeyPage, setUpFirstAdmin, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import { authorizationRequest, discoverClient } from "../helpers/relying-party.ts";
import type { TestServer } from "../helpers/server.ts";
import { createUser } from "../../src/admin/users.ts";
import { createOneTimeAccessToken } from "../../src/account/one-time-access.ts";

let server: TestServer;
let browser: TestBrowser;
/** The OIDC client's application (its callback page). */
let apps: AppHosts;
browserWorld(
  (w) => {
    ({ server, browser } = w);
    apps = w.apps!;
  },
  { appHosts: { "git2.example.com": null } },
);

async function newPersonPage(): Promise<{ context: BrowserContext; page: Page }> {
  const { page } = await newPasskeyPage(browser);
  return { context: page.context(), page };
}

/** Opens a login link, signs in with it and registers a passkey. */
async function redeemLoginLink(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.locator("form[action='/lc'] button[type=submit]").click();
  await page.waitForURL((u) => u.pathname === "/signup/add-passkey");
  await createPasskey(page);
  await page.waitForURL((u) => u.pathname === "/settings/account");
}

describe("administration in the browser (seed workflow)", () => {
  test("group → user → client (2 callbacks, PKCE) → restrict → secret → OIDC sign-in; outsider refused", async () => {
    const base = server.url;
    const { page: adminPage } = await newPersonPage();
    await adminPage.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });

    // First run: the administrator account with its passkey.
    await setUpFirstAdmin(adminPage, base);

    // Administration → the users page.
    await adminPage.getByRole("link", { name: "Administration" }).click();
    await adminPage.waitForURL(`${base}/settings/admin/users`);

    // 1. A group.
    await adminPage.getByRole("link", { name: "User groups" }).click();
    await adminPage.locator("#f-friendlyName").fill("Family");
    await adminPage.getByRole("button", { name: "Create group" }).click();
    await adminPage.waitForURL((u) => /\/settings\/admin\/user-groups\/[0-9a-f-]{36}$/.test(u.pathname));
    expect(await adminPage.locator("h1").textContent()).toBe("Family");

    // 2. A user in it; the form validates inline first.
    await adminPage.goto(`${base}/settings/admin/users/new`);
    await adminPage.locator("#f-username").fill("bad name");
    await adminPage.getByRole("button", { name: "Create user" }).click();
    await adminPage.locator("#f-username-error").waitFor();
    expect(await adminPage.locator("#f-firstName-error").textContent()).toBe("Enter a first name.");
    await adminPage.locator("#f-username").fill("grace");
    await adminPage.locator("#f-firstName").fill("Grace");
    await adminPage.locator("#f-lastName").fill("Hopper");
    await adminPage.locator("#f-email").fill("grace@example.com");
    await adminPage.getByLabel("Family").check();
    await adminPage.getByRole("button", { name: "Create user" }).click();
    await adminPage.waitForURL((u) => /\/settings\/admin\/users\/[0-9a-f-]{36}$/.test(u.pathname));
    await adminPage.getByRole("button", { name: "Create login link" }).click();
    const loginLink = (await adminPage.locator("#login-code code.secret").first().textContent())!;
    expect(loginLink).toMatch(new RegExp(`^${base}/lc/[A-Z2-9]{12}$`));

    // 3. The client: two callback URLs, PKCE (on by default), a launch URL.
    await adminPage.getByRole("link", { name: "OIDC clients" }).click();
    await adminPage.getByRole("link", { name: "Add OIDC client" }).click();
    await adminPage.locator("#f-name").fill("Forgejo");
    await adminPage.locator("#f-launchUrl").fill("https://git.example.com");
    const callbacks = adminPage.locator("input[name=callbackUrl]");
    await callbacks.nth(0).fill("https://git.example.com/user/oauth2/Pocket/callback");
    await adminPage.locator("fieldset", { hasText: "Callback URLs" }).first().getByRole("button", { name: "Add URL" }).click();
    await callbacks.nth(1).fill("https://git2.example.com/callback");
    expect(await adminPage.locator("input[name=pkceEnabled]").isChecked()).toBe(true);
    await adminPage.getByRole("button", { name: "Create client" }).click();
    await adminPage.locator("#created-secret").waitFor();
    await adminPage.waitForURL((u) => /\/settings\/admin\/oidc-clients\/[0-9a-f-]{36}$/.test(u.pathname));
    const clientId = (await adminPage.locator("#client-id").textContent())!;
    const secret = (await adminPage.locator("#created-secret").textContent())!;
    expect(secret).toMatch(/^[A-Za-z0-9]{32}$/);
    // "Copy the secret": the copy button puts it on the clipboard.
    await adminPage.getByRole("button", { name: "Copy secret" }).click();
    expect(await adminPage.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    // A new client admits nobody, and the page says so.
    expect(await adminPage.locator("#nobody-allowed").textContent()).toContain("Nobody can sign in to this app yet.");

    // 4. Restrict it to the group.
    await adminPage.locator("#client-groups").getByLabel("Family").check();
    await adminPage.getByRole("button", { name: "Save changes" }).click();
    await adminPage.locator("#client-form .save-status", { hasText: "All changes saved." }).waitFor();
    expect(await adminPage.locator("#nobody-allowed").count()).toBe(0);

    // 5. Grace signs in to the client with openid-client (confidential, PKCE).
    const config = await discoverClient(base, clientId, secret);
    const { page: gracePage } = await newPersonPage();
    await redeemLoginLink(gracePage, loginLink);
    const request = await authorizationRequest(config, "https://git2.example.com/callback");
    await gracePage.goto(request.url.href);
    await gracePage.waitForURL((u) => u.pathname === "/authorize");
    await gracePage.getByRole("button", { name: "Allow" }).click();
    await gracePage.waitForURL((u) => u.origin === "https://git2.example.com");
    const tokens = await oidc.authorizationCodeGrant(config, apps.last("git2.example.com")!, request.checks);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ preferred_username: "grace", email: "grace@example.com", groups: ["family"] });

    // 6. Someone outside the group is refused with the "not allowed" page.
    const outsider = createUser(server.deps, { username: "mallory", firstName: "Mallory", lastName: "M", email: "mallory@example.com" });
    const { token } = createOneTimeAccessToken(server.deps, outsider.id, 3600);
    const { page: outsiderPage } = await newPersonPage();
    await redeemLoginLink(outsiderPage, `${base}/lc/${token}`);
    const refused = await outsiderPage.goto(request.url.href);
    expect(refused!.status()).toBe(403);
    expect(await outsiderPage.locator("h1").textContent()).toBe("You are not allowed to access this service");
  }, 120_000);
});

describe("sign-up link in the browser", () => {
  test("an invited person creates an account and registers a passkey", async () => {
    const base = server.url;
    const { updateAppConfigFromInput } = await import("../../src/admin/app-config-admin.ts");
    const { createSignupToken } = await import("../../src/admin/signup-tokens.ts");
    updateAppConfigFromInput({ db: server.deps.db, clock: server.deps.clock, uiConfigDisabled: false, env: {} }, { allowUserSignups: "withToken" });
    const { token } = createSignupToken(server.deps, CLI_ACTOR, { ttl: "1h", usageLimit: 1 });
    const { page } = await newPersonPage();
    await page.goto(`${base}/st/${token}`);
    await page.locator("#field-firstName").fill("Linus");
    await page.locator("#field-username").fill("linus");
    await page.locator("#field-email").fill("linus@example.com");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL((u) => u.pathname === "/signup/add-passkey");
    await createPasskey(page);
    await page.waitForURL((u) => u.pathname === "/settings/account");
    const row = server.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM webauthn_credentials c JOIN users u ON u.id = c.user_id WHERE u.username = 'linus'").get()!;
    expect(row.n).toBe(1);
  }, 60_000);
});
