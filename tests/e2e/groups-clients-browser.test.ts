/**
 * In Chromium, the group and client pages (issue 20): one form and one Save per page that saves what is
 * on screen (kept after a reload), a warning before leaving with unsaved changes, protected apps among a
 * group's allowed apps, and the client form's collapsed advanced settings, styled errors and complete
 * snippets. Screenshots go to GROUPS_CLIENTS_SCREENSHOT_DIR when it is set.
 */
import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { createUserGroup, getGroupMemberIds } from "../../src/admin/user-groups.ts";
import { createProtectedApp, getAllowedGroupIds } from "../../src/forward-auth/protected-apps.ts";
import { findClientById } from "../../src/oidc/clients.ts";
import { adminBrowserWorld } from "../helpers/admin-browser.ts";
import { screenshotTo } from "../helpers/browser.ts";
import type { TestServer } from "../helpers/server.ts";

const SHOTS = process.env.GROUPS_CLIENTS_SCREENSHOT_DIR ?? null;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

let server: TestServer;
const { fixture, adminPage } = adminBrowserWorld((s) => (server = s));

const shot = (page: Page, name: string) => screenshotTo(SHOTS, page, name);

test("a group page saves a ticked member with its one Save, and keeps it after a reload", async () => {
  const f = fixture();
  const group = createUserGroup(server.deps, CLI_ACTOR, { friendlyName: "Family", name: "family" });
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/user-groups/${group.id}`);
  const bob = page.locator(`#group-form input[name=userIds][value="${f.member.user.id}"]`);
  expect(await bob.isChecked()).toBe(false);
  expect(await page.locator("#group-form [data-count-of=userIds]").innerText()).toBe("0");
  await bob.check();
  // The count follows the ticked boxes before saving.
  expect(await page.locator("#group-form [data-count-of=userIds]").innerText()).toBe("1");
  // The page's one Save (a second one would make this locator ambiguous and fail).
  await page.getByRole("button", { name: /^Save/ }).click();
  await page.waitForSelector("#group-form .save-status:text('All changes saved.')");
  expect(getGroupMemberIds(server.deps.db, group.id)).toEqual([f.member.user.id]);
  await page.reload();
  expect(await page.locator(`#group-form input[name=userIds][value="${f.member.user.id}"]`).isChecked()).toBe(true);
  await page.context().close();
}, 60_000);

test("leaving a group page with unsaved changes asks first (link and reload), and not after saving", async () => {
  const group = createUserGroup(server.deps, CLI_ACTOR, { friendlyName: "Neighbours", name: "neighbours" });
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/user-groups/${group.id}`);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.type());
    void d.dismiss();
  });
  const position = () => page.locator("#group-form .save-bar").evaluate((el) => getComputedStyle(el).position);
  expect(await position()).toBe("static");
  await page.locator("#f-friendlyName").fill("Neighbours and friends");
  expect(await page.locator("#group-form .save-status").innerText()).toBe("Unsaved changes");
  // With something to save, the Save stays in view.
  expect(await position()).toBe("sticky");
  // A link elsewhere: the browser's beforeunload prompt; dismissing it keeps the page and the edit.
  await page.locator(".back-link").click();
  await page.waitForTimeout(300);
  expect(dialogs).toEqual(["beforeunload"]);
  expect(new URL(page.url()).pathname).toBe(`/settings/admin/user-groups/${group.id}`);
  expect(await page.locator("#f-friendlyName").inputValue()).toBe("Neighbours and friends");
  // Saved: leaving is quiet.
  await page.getByRole("button", { name: /^Save/ }).click();
  await page.waitForSelector("#group-form .save-status:text('All changes saved.')");
  await Promise.all([page.waitForURL(/\/settings\/admin\/user-groups$/), page.locator(".back-link").click()]);
  expect(dialogs).toEqual(["beforeunload"]);
  await page.context().close();
}, 60_000);

test("a client page saves its allowed groups with its one Save, and keeps them after a reload", async () => {
  const group = createUserGroup(server.deps, CLI_ACTOR, { friendlyName: "Media", name: "media" });
  const { client } = createClient(server.deps, CLI_ACTOR, { name: "Jellyfin", callbackUrls: ["https://media.example.com/sso/OID/redirect/Latchkey"] });
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/oidc-clients/${client.id}`);
  expect(await page.locator("#nobody-allowed").count()).toBe(1);
  await page.locator("#client-groups").getByLabel("Media").check();
  await page.getByRole("button", { name: /^Save/ }).click();
  await page.waitForSelector("#client-form .save-status:text('All changes saved.')");
  expect(findClientById(server.deps.db, client.id)!.allowedGroupIds).toEqual([group.id]);
  await page.reload();
  expect(await page.locator("#client-groups").getByLabel("Media").isChecked()).toBe(true);
  expect(await page.locator("#nobody-allowed").count()).toBe(0);
  // An unsaved change warns before leaving here too.
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.type());
    void d.dismiss();
  });
  await page.locator("#client-groups").getByLabel("Media").uncheck();
  await page.locator(".back-link").click();
  await page.waitForTimeout(300);
  expect(dialogs).toEqual(["beforeunload"]);
  await page.context().close();
}, 60_000);

test("a group page lists protected apps among its allowed apps and saves them", async () => {
  const group = createUserGroup(server.deps, CLI_ACTOR, { friendlyName: "Home", name: "home" });
  const app = createProtectedApp(server.deps, CLI_ACTOR, { name: "Home Assistant", hosts: ["ha.example.com"] });
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/user-groups/${group.id}`);
  const box = page.locator("#group-form").getByLabel("Home Assistant");
  expect(await box.isChecked()).toBe(false);
  await box.check();
  await page.getByRole("button", { name: /^Save/ }).click();
  await page.waitForSelector("#group-form .save-status:text('All changes saved.')");
  expect(getAllowedGroupIds(server.deps.db, app.id)).toEqual([group.id]);
  await page.reload();
  expect(await page.locator("#group-form").getByLabel("Home Assistant").isChecked()).toBe(true);
  await shot(page, "group-1280-light");
  await page.context().close();
}, 60_000);

test("adding a client: advanced settings collapsed, a bad callback URL answered beside the field in the danger colour", async () => {
  for (const colorScheme of ["light", "dark"] as const) {
    for (const width of [390, 1280]) {
      const page = await adminPage({ width, colorScheme });
      await page.goto(`${server.url}/settings/admin/oidc-clients/new`);
      const advanced = page.locator("details.advanced");
      expect(await advanced.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
      expect(await page.locator("#jwks").isVisible()).toBe(false);
      await shot(page, `client-new-${width}-${colorScheme}`);
      await page.locator("#f-name").fill("Forgejo");
      await page.locator("input[name=callbackUrl]").first().fill("git.example.com/callback");
      await page.getByRole("button", { name: "Create client" }).click();
      const error = page.locator("#client-form .url-rows .error-text");
      await error.waitFor();
      expect(await error.innerText()).toContain("git.example.com/callback");
      // The message is in the product's danger colour, like every other field error (not inherited black).
      const [errorColour, fieldErrorColour] = await page.evaluate(() => {
        const probe = document.createElement("div");
        probe.className = "field";
        probe.innerHTML = '<p class="error-text">x</p>';
        document.body.append(probe);
        const c = getComputedStyle(probe.firstElementChild!).color;
        probe.remove();
        return [getComputedStyle(document.querySelector("#client-form .url-rows .error-text")!).color, c];
      });
      expect(errorColour).toBe(fieldErrorColour);
      expect(errorColour).not.toBe(await page.evaluate(() => getComputedStyle(document.body).color));
      expect(await page.locator("input[name=callbackUrl]").first().getAttribute("aria-invalid")).toBe("true");
      await shot(page, `client-new-error-${width}-${colorScheme}`);
      await page.context().close();
    }
  }
}, 90_000);

test("advanced settings open by themselves for an error or a value that is not the default", async () => {
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/oidc-clients/new`);
  await page.locator("#f-name").fill("Backup bot");
  await page.locator("input[name=callbackUrl]").first().fill("https://backup.example.com/callback");
  await page.locator("details.advanced summary").click();
  await page.locator("#f-jwksUri").fill("not a url");
  await page.locator("details.advanced summary").click();
  await page.getByRole("button", { name: "Create client" }).click();
  await page.locator("#f-jwksUri-error").waitFor();
  expect(await page.locator("details.advanced").evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
  expect(await page.locator("#f-jwksUri-error").isVisible()).toBe(true);

  const { client } = createClient(server.deps, CLI_ACTOR, { name: "PAR app", callbackUrls: ["https://par.example.com/cb"], requirePar: true });
  await page.goto(`${server.url}/settings/admin/oidc-clients/${client.id}`);
  expect(await page.locator("details.advanced").evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
  const { client: plain } = createClient(server.deps, CLI_ACTOR, { name: "Plain app", callbackUrls: ["https://plain.example.com/cb"] });
  await page.goto(`${server.url}/settings/admin/oidc-clients/${plain.id}`);
  expect(await page.locator("details.advanced").evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
  await page.context().close();
}, 60_000);

test("a client page starts with Connect an app, and its Forgejo snippet names the authentication its callback URL carries", async () => {
  const { client } = createClient(server.deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: ["https://git.example.com/user/oauth2/Pocket/callback"], launchUrl: "https://git.example.com" });
  const page = await adminPage({ width: 390 });
  await page.goto(`${server.url}/settings/admin/oidc-clients/${client.id}`);
  // Connect an app comes before the settings form.
  const order = await page.evaluate(() => [...document.querySelectorAll("#client-page h2")].map((h) => h.textContent));
  expect(order.indexOf("Connect an app")).toBe(0);
  expect(order.indexOf("Connect an app")).toBeLessThan(order.indexOf("Settings"));
  await page.locator("[data-snippet=forgejo] summary").click();
  const forgejo = await page.locator("[data-snippet=forgejo] pre").innerText();
  expect(forgejo).toContain("Authentication name: Pocket\n");
  expect(forgejo).toContain(`Client ID (Key): ${client.id}`);
  expect(await page.locator("[data-snippet=forgejo] .snippet-note").innerText()).toContain("https://git.example.com/user/oauth2/Pocket/callback");
  // oauth2-proxy: the flags it cannot start or admit anyone without, and a callback to add (not listed yet).
  await page.locator("[data-snippet=oauth2-proxy] summary").click();
  const proxy = await page.locator("[data-snippet=oauth2-proxy] pre").innerText();
  for (const flag of ["--redirect-url=https://git.example.com/oauth2/callback", "--cookie-secret=", "--email-domain=*"]) expect(proxy).toContain(flag);
  expect(await page.locator("[data-snippet=oauth2-proxy] .alert-warning").innerText()).toContain("https://git.example.com/oauth2/callback");
  await shot(page, "client-detail-390-light");
  await page.context().close();
}, 60_000);

test("deleting a group with unsaved changes asks once (the delete's own confirmation), then leaves", async () => {
  const group = createUserGroup(server.deps, CLI_ACTOR, { friendlyName: "Old friends", name: "old_friends" });
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/user-groups/${group.id}`);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  await page.locator("#f-friendlyName").fill("Old friends, renamed");
  await Promise.all([page.waitForURL(/\/settings\/admin\/user-groups\?deleted=/), page.locator(".danger-zone button").click()]);
  expect(dialogs).toEqual(["confirm"]);
  await page.context().close();
}, 60_000);
