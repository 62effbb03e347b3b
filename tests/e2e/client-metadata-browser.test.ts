/**
 * In Chromium, an administrator and a client registered by its Client ID Metadata Document: the list marks it, its
 * page shows the document read-only (no name or callback inputs), "Fetch the document now" shows the new name in
 * place, the page's one Save keeps the administrator's settings, and a logo downloads from a URL (a private
 * address is refused in the section). The document and the image are served by a loopback HTTPS host.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { updateAppConfig } from "../../src/admin/app-config.ts";
import { findClientById } from "../../src/oidc/clients.ts";
import { resolveClientMetadata } from "../../src/oidc/client-metadata-documents.ts";
import { clientPathSegment } from "../../src/http/client-id-param.ts";
import { nowSeconds } from "../../src/lib/clock.ts";
import { makeAdminFixture, type AdminFixture } from "../helpers/admin-fixture.ts";
import { signedInPage, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import { startDocumentHost, type DocumentHost } from "../helpers/document-host.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

// A 1×1 PNG.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

let server: TestServer;
let browser: TestBrowser;
let host: DocumentHost;
let f: AdminFixture;
let clientId: string;
let name = "Inspector";

browserWorld((w) => ({ server, browser } = w), { start: () => startTestServer({}, { clock: "fixed" }) });
beforeAll(async () => {
  host = await startDocumentHost();
  clientId = host.url("mcp.test", "/oauth/client.json");
  host.serve("/oauth/client.json", () =>
    Response.json({ client_id: clientId, client_name: name, redirect_uris: ["http://127.0.0.1:6274/oauth/callback"], token_endpoint_auth_method: "none" }),
  );
  host.serve("/logo.png", () => new Response(PNG, { headers: { "content-type": "image/png" } }));
});
afterAll(() => host.stop());

async function adminPage(): Promise<Page> {
  server.app.web.outbound = host.policy;
  f ??= makeAdminFixture(server.deps);
  updateAppConfig(server.deps.db, { cimdUrlAllowlist: [host.url("mcp.test", "/oauth/**")] }, nowSeconds(server.deps.clock));
  if (!findClientById(server.deps.db, clientId)) expect((await resolveClientMetadata({ ...server.deps, outbound: host.policy }, clientId)).kind).toBe("client");
  return signedInPage(browser, server.url, f.admin.cookie);
}

test("the list marks the document's client; its page shows the document read-only and fetches it again in place", async () => {
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/oidc-clients`);
  const row = page.locator("#client-list .list-item", { hasText: "Inspector" });
  expect(await row.locator(".badge", { hasText: "Metadata document" }).count()).toBe(1);
  await row.locator("a.title").click();
  await page.waitForURL(`**/settings/admin/oidc-clients/${clientPathSegment(clientId)}`);
  const section = page.locator("#client-document");
  expect(await section.innerText()).toContain("http://127.0.0.1:6274/oauth/callback");
  expect(await page.locator('#client-form input[name="name"]').count()).toBe(0);
  expect(await page.locator('#client-form input[name="callbackUrl"]').count()).toBe(0);
  name = "Inspector 2";
  await section.getByRole("button", { name: "Fetch the document now" }).click();
  await page.waitForSelector("#client-document dd:text('Inspector 2')");
  expect(findClientById(server.deps.db, clientId)!.name).toBe("Inspector 2");
  // The page was replaced, not nested inside the section; its header shows the new name.
  expect(await page.locator("#client-page").count()).toBe(1);
  expect(await page.locator("h1").innerText()).toContain("Inspector 2");
  // A refused document: the reason in the section, the rest of the page as it was.
  host.serve("/oauth/client.json", () => new Response("gone", { status: 410 }));
  await section.getByRole("button", { name: "Fetch the document now" }).click();
  await page.waitForSelector("#client-document .alert-error");
  expect(await page.locator("#client-document .alert-error").innerText()).toContain("answered 410");
  expect(await page.locator("#client-page").count()).toBe(1);
  host.serve("/oauth/client.json", () => Response.json({ client_id: clientId, client_name: name, redirect_uris: ["http://127.0.0.1:6274/oauth/callback"], token_endpoint_auth_method: "none" }));
  await page.context().close();
}, 60_000);

test("the one Save keeps the administrator's settings of a document's client", async () => {
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/oidc-clients/${clientPathSegment(clientId)}`);
  await page.locator("#client-form input[name=description]").fill("Our MCP inspector");
  await page.getByRole("button", { name: /^Save/ }).click();
  await page.waitForSelector("#client-form .save-status:text('All changes saved.')");
  expect(findClientById(server.deps.db, clientId)!).toMatchObject({ description: "Our MCP inspector", callbackUrls: ["http://127.0.0.1:6274/oauth/callback"] });
  await page.context().close();
}, 60_000);

test("a logo downloads from a URL; a private address is refused in the section", async () => {
  const page = await adminPage();
  await page.goto(`${server.url}/settings/admin/oidc-clients/${clientPathSegment(clientId)}`);
  await page.locator("#logo-url-light").fill("https://10.1.2.3/logo.png");
  await page.locator("#logo-url-light").press("Enter");
  await page.waitForSelector("#client-logo .alert-error");
  expect(await page.locator("#client-logo .alert-error").innerText()).toContain("not public");
  await page.locator("#logo-url-light").fill(host.url("logos.test", "/logo.png"));
  await page.locator("#logo-url-light").press("Enter");
  await page.waitForSelector("#client-logo .logo-light img");
  expect(findClientById(server.deps.db, clientId)!.hasLogo).toBe(true);
  await page.context().close();
}, 60_000);
