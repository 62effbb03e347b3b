/**
 * In Chromium, a client's SCIM section: an administrator enters the endpoint and token and saves, presses
 * "Sync now" and sees the outcome and the counts in place (htmx, no reload), the users arrive at the real SCIM
 * server on loopback; after a reload the token field is empty and says a token is stored; a refused token is
 * shown as the last error. Screenshots go to SCIM_SCREENSHOT_DIR when it is set.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { findScimProviderByClient } from "../../src/db/scim.ts";
import { adminBrowserWorld } from "../helpers/admin-browser.ts";
import { startScimServer, type ScimTestServer } from "../helpers/scim-server.ts";
import type { TestServer } from "../helpers/server.ts";

const SHOTS = process.env.SCIM_SCREENSHOT_DIR ?? null;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

let server: TestServer;
let scim: ScimTestServer;
const { clientPage } = adminBrowserWorld((s) => (server = s));
beforeAll(async () => {
  scim = await startScimServer();
});
afterAll(() => scim.stop());

test("save the endpoint and token, sync now, see the outcome in place; the token never comes back", async () => {
  const { client, page, loads } = await clientPage();

  const section = page.locator("#client-scim");
  await section.getByLabel("SCIM endpoint").fill(scim.endpoint);
  await section.getByLabel("Bearer token").fill(scim.token);
  await section.getByRole("button", { name: "Turn on SCIM provisioning" }).click();
  await section.getByText("SCIM settings saved.").waitFor();
  expect(await section.getByLabel("Bearer token").inputValue()).toBe("");
  expect(await section.innerText()).toContain("A token is stored.");

  await section.getByRole("button", { name: "Sync now" }).click();
  await page.locator("#client-scim").getByText("Sync completed.").waitFor();
  const text = await page.locator("#client-scim").innerText();
  expect(text).toContain("Users: 2 created, 0 updated, 0 removed, 0 unchanged");
  expect(text).toContain("Groups: 0 created, 0 updated, 0 removed, 0 unchanged");
  expect([...scim.users.values()].map((u) => u.userName).sort()).toEqual(["alice", "bob"]);
  expect(loads).toEqual([]);
  if (SHOTS) await page.locator("#client-scim").screenshot({ path: path.join(SHOTS, "scim-synced.png") });

  // The server's token changes: the next sync shows why it did not complete.
  scim.token = "rotated";
  await page.locator("#client-scim").getByRole("button", { name: "Sync now" }).click();
  await page.locator("#client-scim .alert-error").waitFor();
  expect(await page.locator("#client-scim .alert-error").innerText()).toMatch(/^The sync did not complete: PUT \/Users\/u-\d+: HTTP 401: the SCIM server refused the token/);
  expect(await page.locator("#client-scim .scim-error").innerText()).toMatch(/HTTP 401: the SCIM server refused the token/);
  if (SHOTS) await page.locator("#client-scim").screenshot({ path: path.join(SHOTS, "scim-failed.png") });

  // A reload: the page shows the stored settings, never the token.
  await page.reload();
  const html = await page.content();
  expect(html).not.toContain(scim.token);
  expect(html).not.toContain("scim-test-token");
  expect(await page.locator("#scim-endpoint").inputValue()).toBe(scim.endpoint);
  expect(await page.locator("#scim-token").inputValue()).toBe("");
  expect(findScimProviderByClient(server.deps.db, client.id)!.sealedToken).not.toBeNull();
  await page.context().close();
}, 60_000);
