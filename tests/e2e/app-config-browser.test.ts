/**
 * Administration → Configuration in Chromium: saving says "Configuration saved." once; the new application
 * name and accent colour show on the page at once (no reload); the accent colour has a native picker paired
 * with the hex field and a live preview; the branding previews show the images served now (the built-in ones
 * too), on backdrops that do not glare in dark mode; an uploaded logo reaches the header without a reload.
 * Screenshots (phone and desktop, light and dark) go to APP_CONFIG_SCREENSHOT_DIR when it is set.
 */
import { beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { createSession } from "../../src/account/sessions.ts";
import { createUser } from "../../src/admin/users.ts";
import { cookieName } from "../../src/http/cookies.ts";
import { SESSION_COOKIE } from "../../src/http/request-context.ts";
import { encodePng } from "../../src/lib/png.ts";
import type { TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

const SHOTS = process.env.APP_CONFIG_SCREENSHOT_DIR ?? null;
const PATH = "/settings/admin/application-configuration";

let server: TestServer;
let browser: TestBrowser;
let adminCookie: { name: string; value: string };
browserWorld((w) => ({ server, browser } = w));

beforeAll(() => {
  const admin = createUser(server.deps, { username: "ada", email: "ada@example.com", firstName: "Ada", lastName: "Admin", isAdmin: true });
  const { token } = createSession(server.deps, { userId: admin.id, amr: ["phr"], durationMinutes: 600 });
  adminCookie = { name: cookieName(server.deps.config, SESSION_COOKIE), value: token };
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

async function configPage(opts: Parameters<TestBrowser["newPage"]>[0] = {}): Promise<Page> {
  const page = await browser.newPage(opts);
  await page.context().addCookies([{ ...adminCookie, url: server.url }]);
  await page.goto(server.url + PATH);
  await page.waitForLoadState("load");
  return page;
}

const background = (page: Page, selector: string) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).backgroundColor);
/** Waits for the element's background (buttons fade between colours) and returns the colour it settled on. */
async function settledBackground(page: Page, selector: string, expected: string): Promise<string> {
  await page.waitForFunction(([sel, want]) => {
    const el = document.querySelector(sel!);
    return el !== null && getComputedStyle(el).backgroundColor === want;
  }, [selector, expected], { timeout: 3000 }).catch(() => {});
  return background(page, selector);
}

test("saving shows one confirmation, and the new name and accent colour at once", async () => {
  const page = await configPage();
  await page.locator("#f-appName").fill("Homelab ID");
  // The native picker writes the hex field, and the preview takes the colour before anything is saved.
  const picker = page.locator("input[type=color]");
  expect(await picker.isVisible()).toBe(true);
  await picker.fill("#0f766e");
  expect(await page.locator("#f-accentColor").inputValue()).toBe("#0f766e");
  expect(await settledBackground(page, ".accent-preview .btn", "rgb(15, 118, 110)")).toBe("rgb(15, 118, 110)");
  // Typing a hex colour moves the picker and the preview too.
  await page.locator("#f-accentColor").fill("#b91c1c");
  expect(await picker.inputValue()).toBe("#b91c1c");
  expect(await settledBackground(page, ".accent-preview .btn", "rgb(185, 28, 28)")).toBe("rgb(185, 28, 28)");
  await page.locator("#f-accentColor").fill("#0f766e");

  const before = page.url();
  await page.getByRole("button", { name: "Save configuration" }).click();
  await page.getByText("Configuration saved.").first().waitFor();
  expect(await page.getByText("Configuration saved.").count()).toBe(1);
  // No reload: the header names the application and the page's buttons take the colour.
  await page.waitForFunction(() => document.querySelector(".topbar .brand")?.textContent?.trim() === "Homelab ID", null, { timeout: 5000 });
  await page.waitForFunction(() => {
    const btn = document.querySelector("#app-config button[type=submit]");
    return btn !== null && getComputedStyle(btn).backgroundColor === "rgb(15, 118, 110)";
  }, null, { timeout: 5000 });
  expect(await page.title()).toBe("Application configuration · Homelab ID");
  expect(page.url()).toBe(before);
  expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);

  // "Use the default" goes back to the built-in accent in the field and the preview.
  await page.getByRole("button", { name: "Use the default" }).click();
  expect(await page.locator("#f-accentColor").inputValue()).toBe("default");
  expect(await settledBackground(page, ".accent-preview .btn", "rgb(79, 70, 229)")).toBe("rgb(79, 70, 229)");
  await page.context().close();
}, 60_000);

test("branding previews show the images in use, on backdrops that suit each theme", async () => {
  for (const [colorScheme, width] of [["light", 1280], ["dark", 1280], ["light", 390], ["dark", 390]] as const) {
    const page = await configPage({ colorScheme, viewport: { width, height: 900 } });
    const previews = page.locator("#branding .logo-preview img");
    // Logo, dark logo and favicon: the built-in icon is what is served before any upload.
    expect(await previews.count()).toBe(3);
    for (const img of await previews.all()) {
      await img.evaluate((el) => (el as HTMLImageElement).decode());
      expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    }
    expect(await page.locator("#branding").getByText("Default", { exact: true }).count()).toBe(0);
    // No preview is a white box on a dark page.
    for (const box of await page.locator("#branding .logo-preview").all()) {
      const bg = await box.evaluate((el) => getComputedStyle(el).backgroundColor);
      if (colorScheme === "dark") expect(bg).not.toBe("rgb(255, 255, 255)");
    }
    if (SHOTS) {
      await page.locator("#f-accentColor").fill("#0f766e");
      await page.screenshot({ path: path.join(SHOTS, `config-${width}-${colorScheme}.png`), fullPage: true });
      await page.locator("#branding").screenshot({ path: path.join(SHOTS, `branding-${width}-${colorScheme}.png`) });
    }
    await page.context().close();
  }
}, 60_000);

test("an uploaded logo shows in its preview and in the header without a reload", async () => {
  const page = await configPage();
  const size = 48;
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) rgb.set([200, 60, 20], i * 3);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "latchkey-logo-")), "logo.png");
  await Bun.write(file, encodePng(size, size, rgb));
  await page.locator("#img-logo-light").setInputFiles(file);
  await page.locator("#img-logo-light").locator("xpath=..").getByRole("button", { name: "Upload" }).click();
  await page.getByText("Image updated.").waitFor();
  await page.waitForFunction((n) => {
    // The logo's own preview, the e-mail logo's (it uses the logo until one is uploaded) and the header's.
    const imgs = [...document.querySelectorAll<HTMLImageElement>("[data-image=logo-light] .logo-preview img, [data-image=logo-email] .logo-preview img, .topbar .brand img")];
    return imgs.length === 3 && imgs.every((i) => i.complete && i.naturalWidth === n);
  }, size, { timeout: 5000 });
  await page.context().close();
}, 60_000);
