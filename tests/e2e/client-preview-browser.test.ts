/**
 * In Chromium, the token preview on a client's admin page: an administrator names a person and ticks scopes,
 * and the claims appear in place (htmx) without leaving or reloading the page; a refusal shows its reason.
 * Screenshots go to CLIENT_PREVIEW_SCREENSHOT_DIR when it is set.
 */
import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { adminBrowserWorld } from "../helpers/admin-browser.ts";
import { screenshotTo } from "../helpers/browser.ts";
import type { TestServer } from "../helpers/server.ts";

const SHOTS = process.env.CLIENT_PREVIEW_SCREENSHOT_DIR ?? null;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

let server: TestServer;
const { fixture, clientPage } = adminBrowserWorld((s) => (server = s));

test("the claims appear in place for the named person and ticked scopes; a refusal shows why", async () => {
  const f = fixture();
  const { client, page, loads } = await clientPage();

  // An unsaved edit of the settings form stays, and previewing does not ask to leave the page.
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.type());
    void d.dismiss();
  });
  await page.locator("#f-description").fill("Our wiki");
  const section = page.locator("#client-preview");
  await section.getByLabel("Username or email").fill("bob@example.com");
  await section.getByLabel("groups").uncheck();
  await section.getByRole("button", { name: "Show the claims" }).click();
  const result = page.locator("#client-preview-result");
  await result.locator("pre").first().waitFor();
  const blocks = await result.locator("pre").allInnerTexts();
  expect(blocks).toHaveLength(3);
  const [idToken, accessToken, userinfo] = blocks.map((b) => JSON.parse(b) as Record<string, unknown>);
  expect(idToken!.email).toBe("bob@example.com");
  expect(idToken!.aud).toBe(client.id);
  expect(idToken!.groups).toBeUndefined();
  expect(accessToken!.scope).toBe("openid profile email");
  expect(userinfo!.sub).toBe(f.member.user.id);
  // In place: no navigation, the page's address unchanged.
  expect(loads).toEqual([]);
  expect(new URL(page.url()).pathname).toBe(`/settings/admin/oidc-clients/${client.id}`);
  expect(dialogs).toEqual([]);
  expect(await page.locator("#f-description").inputValue()).toBe("Our wiki");
  await screenshotTo(SHOTS, page, "client-preview");

  await section.getByLabel("Username or email").fill("nobody");
  await section.getByRole("button", { name: "Show the claims" }).click();
  await page.locator("#client-preview-result.alert-error").waitFor();
  expect(await page.locator("#client-preview-result").innerText()).toBe("Nobody has the username or email “nobody”.");
  await page.context().close();
}, 60_000);
