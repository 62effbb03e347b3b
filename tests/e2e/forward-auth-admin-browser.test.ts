/** Protected apps in the admin console, driven in headless Chromium: add, groups, edit (snippets follow), unrestrict, delete. */
import { expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createUserGroup } from "../../src/admin/user-groups.ts";
import { makeAdminFixture } from "../helpers/admin-fixture.ts";
import type { TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w), { start: () => startTestServer({}, { clock: "fixed" }) });

test("an administrator sets up a protected app end to end", async () => {
  const fx = makeAdminFixture(server.deps);
  createUserGroup(server.deps, CLI_ACTOR, { friendlyName: "Family", name: "family" });
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

  // One form, one Save: the group, the name and the headers together.
  await page.locator("#app-groups input[type=checkbox]").first().check();
  await page.locator("#f-name").fill("Grafana admin");
  await page.locator("input[name=passHeaders][value=Remote-Email]").uncheck();
  await page.locator("#protected-app-form button[type=submit]").click();
  await page.locator("#protected-app-form .save-status", { hasText: "All changes saved." }).waitFor();
  expect(await page.locator("h1").innerText()).toBe("Grafana admin");
  expect(await page.locator("#app-nobody-allowed").count()).toBe(0);
  const id = /protected-apps\/([0-9a-f-]{36})/.exec(page.url())![1]!;
  const caddy = await page.locator(".fa-snippets pre").first().innerText();
  expect(caddy).toContain("copy_headers Remote-User Remote-Groups Remote-Name");
  expect(caddy).toContain(`uri /api/forward-auth/verify/${id}\n`);
  expect(caddy).not.toContain("@protected"); // every request goes to Latchkey, which decides by path
  // Each snippet says which URL it calls, which headers Latchkey then trusts, and from whom.
  expect(await page.locator("[data-trust=caddy]").innerText()).toContain(`/api/forward-auth/verify/${id}`);
  expect(await page.locator("[data-trust=caddy]").innerText()).toContain("X-Forwarded-Method, -Proto, -Host and -Uri");
  await page.locator("summary", { hasText: "nginx" }).click();
  const nginxTrust = await page.locator("[data-trust=nginx]").innerText();
  expect(nginxTrust).toContain(`/api/forward-auth/verify/${id}/nginx`);
  expect(nginxTrust).toContain("X-Original-URL and X-Original-Method");
  expect(nginxTrust).toContain("never the client’s Host");
  const nginx = await page.locator(".fa-snippets details").nth(2).locator("pre").innerText();
  // Two hosts on one port: one server block whose regex capture is the host nginx matched.
  expect(nginx).toContain('server_name "~^(?<latchkey_host>grafana\\.example\\.com|(?:[a-z0-9-]+\\.)+apps\\.example\\.com)$";');
  expect(nginx).toContain("proxy_set_header X-Original-URL $scheme://$latchkey_host$request_uri;");
  expect(nginx).not.toContain("$http_host");
  // TRUST_PROXY is unset on this server: the page says the snippets cannot work yet.
  expect(await page.locator(".fa-snippets .alert-warning").innerText()).toContain("TRUST_PROXY is not set.");

  await page.locator("#app-groups input[name=access][value=everyone]").check();
  await page.locator("#protected-app-form button[type=submit]").click();
  await page.locator("#protected-app-form .save-status", { hasText: "All changes saved." }).waitFor();
  expect(await page.locator("#app-groups input[name=access][value=everyone]").isChecked()).toBe(true);

  await Promise.all([page.waitForURL(/deleted=/), page.locator(".danger-zone button").click()]);
  expect(await page.locator(".alert-success").innerText()).toBe("Deleted the protected app Grafana admin.");
}, 60_000);
