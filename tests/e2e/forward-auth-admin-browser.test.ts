/** Protected apps in the admin console, driven in headless Chromium: add, groups, edit (snippets follow), unrestrict, delete. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createUserGroup } from "../../src/admin/user-groups.ts";
import { makeAdminFixture } from "../helpers/admin-fixture.ts";
import { launchBrowser, type TestBrowser } from "../helpers/browser.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startTestServer({}, { clock: "fixed" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
  await server.stop();
});

test("an administrator sets up a protected app end to end", async () => {
  const fx = makeAdminFixture(server.deps);
  createUserGroup(server.deps, { friendlyName: "Family", name: "family" });
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const [name, value] = fx.admin.cookie.split("=");
  await page.context().addCookies([{ name: name!, value: value!, url: server.url }]);
  page.on("dialog", (d) => d.accept());

  await page.goto(`${server.url}/settings/admin/protected-apps`);
  await page.getByRole("link", { name: "Add protected app" }).click();
  await page.locator("#f-name").fill("Grafana");
  await page.locator("#f-hosts").fill("grafana.example.com\n*.apps.example.com");
  await page.locator("#f-pathPrefix").fill("/admin");
  await page.locator("#protected-app-form button[type=submit]").click();
  await page.waitForURL(/\/settings\/admin\/protected-apps\/[0-9a-f-]{36}\?created=1$/);
  expect(await page.locator("h1").innerText()).toBe("Grafana");
  expect(await page.locator("#app-groups .alert-warning").innerText()).toContain("Nobody can use this app yet.");

  await page.locator("#app-groups input[type=checkbox]").first().check();
  await page.locator("#app-groups button", { hasText: "Save allowed groups" }).click();
  expect(await page.locator("#app-groups .alert-success").innerText()).toBe("Allowed groups saved.");

  await page.locator("#f-name").fill("Grafana admin");
  await page.locator("input[name=passHeaders][value=Remote-Email]").uncheck();
  await Promise.all([page.waitForEvent("load"), page.locator("#protected-app-form button[type=submit]").click()]);
  expect(await page.locator("h1").innerText()).toBe("Grafana admin");
  const caddy = await page.locator(".fa-snippets pre").first().innerText();
  expect(caddy).toContain("copy_headers Remote-User Remote-Groups Remote-Name");
  expect(caddy).toContain("@protected path /admin* /.latchkey/callback");

  await page.locator("#app-groups button", { hasText: "Unrestrict" }).click();
  await page.waitForSelector("#app-groups .alert-info");

  await Promise.all([page.waitForURL(/deleted=/), page.locator(".danger-zone button").click()]);
  expect(await page.locator(".alert-success").innerText()).toBe("Deleted the protected app Grafana admin.");
}, 60_000);
