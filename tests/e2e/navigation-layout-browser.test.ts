/**
 * The navigation fits at every width (issue 20, problem 2): at phone, laptop and wide-desktop widths,
 * on the admin users and LDAP pages, every item of the top navigation and of the administration
 * sections is fully on screen (not clipped by its container or the viewport), the active section is
 * visible, and on phones the items are reached through a menu that works without JavaScript.
 * Set NAV_SHOTS=<dir> to also write screenshots (light and dark) there for review.
 */
import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { join } from "node:path";
import { newPasskeyPage, setUpFirstAdmin, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w));

const MAIN = ["My account", "My apps", "Activity", "Administration"];
const ADMIN = ["Users", "User groups", "OIDC clients", "Protected apps", "Sign-up links", "API keys", "Configuration", "Backups", "LDAP"];

/** Every link of `navLabel` is visible, inside the viewport and its nav, and not clipped; the nav does not scroll sideways. */
async function expectFits(page: Page, navLabel: string, labels: string[]): Promise<void> {
  const nav = page.locator(`nav[aria-label="${navLabel}"]`);
  // On a phone the items sit behind a disclosure menu: open it (a <details>, no script needed).
  const toggle = page.locator("details", { has: nav }).locator(":scope > summary");
  if ((await toggle.count()) > 0 && (await toggle.isVisible())) {
    await toggle.click();
    await nav.waitFor({ state: "visible" });
  }
  for (const label of labels) expect(await nav.getByRole("link", { name: label, exact: true }).isVisible()).toBe(true);
  const report = await nav.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const problems: string[] = [];
    if (el.scrollWidth > el.clientWidth) problems.push(`nav scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
    for (const a of Array.from(el.querySelectorAll("a"))) {
      const r = a.getBoundingClientRect();
      const name = a.textContent!.trim();
      if (r.width === 0 || r.height === 0) problems.push(`${name}: no box`);
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) problems.push(`${name}: outside its nav (${r.left}–${r.right} vs ${box.left}–${box.right})`);
      if (r.left < 0 || r.right > window.innerWidth + 0.5) problems.push(`${name}: outside the viewport (${r.left}–${r.right} of ${window.innerWidth})`);
      if (a.scrollWidth > a.clientWidth + 0.5) problems.push(`${name}: text clipped`);
    }
    return problems;
  });
  expect(report).toEqual([]);
}

async function closeMenus(page: Page): Promise<void> {
  await page.evaluate(() => document.querySelectorAll("details[open]").forEach((d) => d.removeAttribute("open")));
}

describe("navigation layout", () => {
  test("top navigation and administration sections fit at 390, 1280 and 1920 px, active section visible", async () => {
    const base = server.url;
    const { page } = await newPasskeyPage(browser);
    await setUpFirstAdmin(page, base);
    const shots = process.env.NAV_SHOTS;

    for (const width of [390, 1280, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [path, active] of [["/settings/admin/users", "Users"], ["/settings/admin/ldap", "LDAP"]] as const) {
        await page.goto(`${base}${path}`);
        await expectFits(page, "Main", MAIN);
        await closeMenus(page);
        await expectFits(page, "Administration", ADMIN);
        const current = page.locator("nav[aria-label=Administration]").locator("[aria-current=page]");
        expect(await current.count()).toBe(1);
        expect(await current.textContent()).toBe(active);
        expect(await current.isVisible()).toBe(true);
        if (shots && width !== 1920) {
          for (const scheme of ["light", "dark"] as const) {
            await page.emulateMedia({ colorScheme: scheme });
            await page.reload();
            const name = join(shots, `${path.split("/").pop()}-${width}-${scheme}`);
            await page.screenshot({ path: `${name}.png` });
            for (const menu of ["nav-menu", "section-menu"]) {
              const toggle = page.locator(`details.${menu} > summary`);
              if (!(await toggle.isVisible())) continue;
              await toggle.click();
              await page.screenshot({ path: `${name}-${menu}.png` });
              await closeMenus(page);
            }
          }
          await page.emulateMedia({ colorScheme: "light" });
        }
      }
    }
  });
});
