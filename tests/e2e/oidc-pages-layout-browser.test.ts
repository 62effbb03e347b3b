/**
 * The sign-in flow's own pages at phone width, in the languages whose words are longest (German) or
 * have no spaces (Japanese), measured in Chromium: the device code field is a full-width text field,
 * an error page's labels sit above their values (a long label never squeezes the URL), and Japanese
 * headings break between phrases.
 */
import { beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { makeAdminFixture, type AdminFixture } from "../helpers/admin-fixture.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import type { TestBrowser } from "../helpers/browser.ts";

let server: TestServer;
let browser: TestBrowser;
let f: AdminFixture;
let forgejo: { id: string };
browserWorld((w) => ({ server, browser } = w), { start: () => startTestServer({ DISABLE_RATE_LIMITING: "true" }, { clock: "fixed" }) });

beforeAll(() => {
  f = makeAdminFixture(server.deps);
  forgejo = createClient(server.deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: ["https://git.example.com/user/oauth2/latchkey/callback"], unrestricted: true }).client;
});

async function phonePage(b: Browser, locale: string, scheme: "light" | "dark" = "light") {
  const context = await b.newContext({ locale, colorScheme: scheme, viewport: { width: 390, height: 844 } });
  const [name, value] = f.member.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, domain: "localhost", path: "/" }]);
  return { page: await context.newPage(), close: () => context.close() };
}

const authorize = (redirectUri: string) =>
  `/authorize?${new URLSearchParams({ client_id: forgejo.id, redirect_uri: redirectUri, response_type: "code", scope: "openid profile email", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" })}`;

test("the device code field fills its form at phone width, light and dark", async () => {
  for (const scheme of ["light", "dark"] as const) {
    const { page, close } = await phonePage(browser.browser, "de-DE", scheme);
    await page.goto(`${server.url}/device?code=nope`);
    const field = (await page.locator(".field").first().boundingBox())!;
    const input = (await page.locator("#device-code").boundingBox())!;
    expect(input.width).toBeGreaterThanOrEqual(field.width - 1);
    // The same field style as every other form control (the language picker's select), not the browser's default box.
    await page.locator("#device-code").blur();
    // (Waited for: the border colour eases back from the focus colour.)
    await page.waitForFunction(() => {
      const style = (selector: string) => {
        const c = getComputedStyle(document.querySelector(selector)!);
        return `${c.borderTopWidth} ${c.borderTopStyle} ${c.borderTopColor} ${c.borderTopLeftRadius}`;
      };
      return style("#device-code") === style("#language-select");
    }, undefined, { timeout: 3000 });
    await close();
  }
});

test("an error page's long German label sits above the callback URL at phone width", async () => {
  const { page, close } = await phonePage(browser.browser, "de-DE");
  await page.goto(server.url + authorize("https://evil.example.com/cb"));
  expect(await page.locator("h1").innerText()).toBe("Ungültige Callback-URL");
  const label = (await page.locator(".details dt").nth(1).boundingBox())!;
  const value = (await page.locator(".details dd").nth(1).boundingBox())!;
  expect(await page.locator(".details dt").nth(1).innerText()).toBe("Angeforderte Callback-URL");
  expect(value.y).toBeGreaterThanOrEqual(label.y + label.height - 1);
  // The URL keeps one line: it has the card's width, not what a label column leaves over.
  const code = (await page.locator(".details dd code").boundingBox())!;
  expect(code.height).toBeLessThan(30);
  await close();
});

test("Japanese headings break between phrases", async () => {
  const { page, close } = await phonePage(browser.browser, "ja-JP");
  await page.goto(server.url + authorize("https://git.example.com/user/oauth2/latchkey/callback"));
  expect(await page.locator("h1").innerText()).toContain("Forgejo を許可しますか？");
  expect(await page.locator("h1").evaluate((h) => getComputedStyle(h).wordBreak)).toBe("auto-phrase");
  await close();
});
