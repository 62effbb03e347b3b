/**
 * In Chromium, the group and client pages (issue 20): one form and one Save per page that saves what is
 * on screen (kept after a reload), a warning before leaving with unsaved changes, protected apps among a
 * group's allowed apps, and the client form's collapsed advanced settings, styled errors and complete
 * snippets. Screenshots go to GROUPS_CLIENTS_SCREENSHOT_DIR when it is set.
 */
import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { createUserGroup, getGroupMemberIds } from "../../src/admin/user-groups.ts";
import { createProtectedApp, getAllowedGroupIds } from "../../src/forward-auth/protected-apps.ts";
import { findClientById } from "../../src/oidc/clients.ts";
import { makeAdminFixture, type AdminFixture } from "../helpers/admin-fixture.ts";
import type { TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const SHOTS = process.env.GROUPS_CLIENTS_SCREENSHOT_DIR ?? null;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w), { start: () => startTestServer({}, { clock: "fixed" }) });

let fx: AdminFixture | null = null;
function fixture(): AdminFixture {
  fx ??= makeAdminFixture(server.deps);
  return fx;
}

async function adminPage(opts: { width?: number; colorScheme?: "light" | "dark" } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: 900 }, colorScheme: opts.colorScheme ?? "light" });
  const [name, value] = fixture().admin.cookie.split("=");
  await page.context().addCookies([{ name: name!, value: value!, url: server.url }]);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

test("a group page saves a ticked member with its one Save, and keeps it after a reload", async () => {
  const f = fixture();
  const group = createUserGroup(server.deps, CLI_ACTOR, { friendlyName: "Family", name: "family" });
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/user-groups/${group.id}`);
  const bob = page.locator(`#group-form input[name=userIds][value="${f.member.user.id}"]`);
  expect(await bob.isChecked()).toBe(false);
  await bob.check();
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
  await page.locator("#f-friendlyName").fill("Neighbours and friends");
  expect(await page.locator("#group-form .save-status").innerText()).toBe("Unsaved changes");
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
