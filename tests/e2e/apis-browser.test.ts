/**
 * In Chromium, the APIs admin pages (issue 22 item 2): create an API, add permission rows and save them with
 * the page's one Save (kept after a reload), give an app access and tick a permission in its grant form, see it
 * on the client's page under "API access", and the consent page an app then shows a person. Screenshots go to
 * APIS_SCREENSHOT_DIR when it is set.
 */
import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { listClientApis } from "../../src/admin/apis.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { adminBrowserWorld } from "../helpers/admin-browser.ts";
import { screenshotTo } from "../helpers/browser.ts";
import { CHALLENGE } from "../helpers/oidc-flow.ts";
import type { TestServer } from "../helpers/server.ts";

const SHOTS = process.env.APIS_SCREENSHOT_DIR ?? null;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

let server: TestServer;
const { fixture, adminPage } = adminBrowserWorld((s) => (server = s));

const shot = (page: Page, name: string) => screenshotTo(SHOTS, page, name);

test("create an API, save its permissions, give an app access, and see it from the app's page and the consent page", async () => {
  const gallery = createClient(server.deps, CLI_ACTOR, { name: "Gallery", callbackUrls: ["https://gallery.example.com/cb"], unrestricted: true });
  createClient(server.deps, CLI_ACTOR, { name: "Photo frame", callbackUrls: ["https://frame.example.com/cb"], isPublic: true, pkceEnabled: true, unrestricted: true });
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/apis`);
  await shot(page, "apis-empty");
  // A resource with a fragment is refused in place, with its message beside the field.
  await page.locator("#new-api #f-name").fill("Photos");
  await page.locator("#new-api #f-resource").fill("https://photos.example.com/api#v1");
  await page.getByRole("button", { name: "Create API" }).click();
  await page.waitForSelector("#new-api .error-text:text('must be an absolute URI without whitespace or a fragment')");
  await page.locator("#new-api #f-resource").fill("https://photos.example.com/api");
  await page.getByRole("button", { name: "Create API" }).click();
  await page.waitForURL(/\/settings\/admin\/apis\/[0-9a-f-]{36}\?created=1$/);
  const apiId = new URL(page.url()).pathname.split("/").pop()!;

  // Two permission rows, one Save.
  const rows = page.locator("#api-form .permission-row");
  await rows.nth(0).locator("input[name=permissionKey]").fill("photos:read");
  await rows.nth(0).locator("input[name=permissionName]").fill("See your photos");
  await rows.nth(0).locator("input[name=permissionDescription]").fill("Lists your albums and opens your pictures");
  await page.getByRole("button", { name: "Add permission" }).click();
  await rows.nth(1).locator("input[name=permissionKey]").fill("photos:write");
  await rows.nth(1).locator("input[name=permissionName]").fill("Change your photos");
  expect(await page.locator("#api-form .save-status").innerText()).toBe("Unsaved changes");
  await page.locator("#api-form .save-bar button[type=submit]").click();
  await page.waitForSelector("#api-form .save-status:text('All changes saved.')");
  await page.reload();
  expect(await page.locator("#api-form input[name=permissionKey]").evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(["photos:read", "photos:write"]);

  // Give Gallery access, then tick a permission for people and save that grant in place.
  await page.locator("#f-add-clientId").selectOption({ label: "Gallery" });
  await page.getByRole("button", { name: "Give access" }).click();
  const card = page.locator(`form.grant-card:has(a:text("Gallery"))`);
  await card.waitFor();
  await card.locator("input[name=userDelegatedPermissionIds]").first().check();
  await card.getByRole("button", { name: "Save access" }).click();
  await page.waitForSelector("#flash :text('Saved the access of Gallery to Photos.')");
  expect(listClientApis(server.deps.db, gallery.client.id)[0]).toMatchObject({ userDelegatedAccess: true, userDelegatedPermissionIds: [expect.any(String)] });
  await shot(page, "api-detail");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "api-detail-narrow");

  // The app's page lists the API under "API access", its permission ticked.
  const clientPage = await adminPage({ colorScheme: "dark" });
  await clientPage.goto(`${server.url}/settings/admin/oidc-clients/${gallery.client.id}#client-apis`);
  const section = clientPage.locator("#client-apis");
  expect(await section.locator("a.title").innerText()).toBe("Photos");
  expect(await section.locator("input[name=userDelegatedPermissionIds]").first().isChecked()).toBe(true);
  await section.scrollIntoViewIfNeeded();
  if (SHOTS) await section.screenshot({ path: path.join(SHOTS, "client-api-access-dark.png") });
  await clientPage.context().close();

  // A person asked to allow Gallery reads the API and the permission's name and description.
  const consent = await adminPage();
  const q = new URLSearchParams({
    client_id: gallery.client.id,
    redirect_uri: "https://gallery.example.com/cb",
    response_type: "code",
    scope: "openid photos:read",
    resource: "https://photos.example.com/api",
    state: "s",
    code_challenge: CHALLENGE,
    code_challenge_method: "S256",
    prompt: "consent",
  });
  await consent.goto(`${server.url}/authorize?${q}`);
  const list = consent.locator(".scope-list");
  expect(await list.innerText()).toContain("Access to Photos");
  expect(await list.innerText()).toContain("See your photos");
  expect(await list.innerText()).toContain("Lists your albums and opens your pictures");
  await shot(consent, "consent-with-api");
  await consent.context().close();

  // Deleting the API (after its confirmation) returns to the list with a notice.
  page.on("dialog", (d) => void d.accept());
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole("button", { name: "Delete API" }).click();
  await page.waitForURL(/\/settings\/admin\/apis\?deleted=Photos$/);
  expect(await page.locator(".alert-success").innerText()).toBe("Deleted the API Photos.");
  expect(listClientApis(server.deps.db, gallery.client.id)).toEqual([]);
  expect(apiId).toMatch(/^[0-9a-f-]{36}$/);
  await page.context().close();
}, 90_000);
