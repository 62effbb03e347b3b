/**
 * Every page a person uses, in German and Japanese as well as English, fits a phone and a desktop: no
 * page scrolls sideways at 390 or 1280 px (long German words and CJK text included), the page is in
 * the language chosen (`<html lang>`), and the language picker on the sign-in page switches it.
 * Set PAGE_SHOTS=<dir> to also write screenshots of every page at both widths, light and dark, in
 * English, German and Japanese, for review.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { createSignupToken } from "../../src/admin/signup-tokens.ts";
import { createUserGroup } from "../../src/admin/user-groups.ts";
import { createUser } from "../../src/admin/users.ts";
import { createProtectedApp } from "../../src/forward-auth/protected-apps.ts";
import { newPasskeyPage, setUpFirstAdmin, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w));

const LANGUAGES = ["en", "de", "ja"] as const;
const WIDTHS = [390, 1280] as const;

/** Pages with rows to show: a second person, a group with members, a client, a protected app, a sign-up link. */
function seed(): { userId: string; groupId: string; clientId: string; appId: string } {
  const deps = server.deps;
  const user = createUser(deps, { username: "grace", email: "grace@example.com", firstName: "Grace", lastName: "Hopper" });
  const group = createUserGroup(deps, CLI_ACTOR, { friendlyName: "Familie Müller", name: "family" });
  const { client } = createClient(deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: ["https://git.example.com/user/oauth2/Latchkey/callback"] });
  const app = createProtectedApp(deps, CLI_ACTOR, { name: "Linkding", hosts: ["links.example.com"] });
  createSignupToken(deps, CLI_ACTOR, { ttl: "1d", usageLimit: "3" });
  return { userId: user.id, groupId: group.id, clientId: client.id, appId: app.id };
}

function signedInPages(ids: ReturnType<typeof seed>): string[] {
  return [
    "/settings/account",
    "/settings/apps",
    "/settings/audit-log",
    "/settings/admin/users",
    `/settings/admin/users/${ids.userId}`,
    "/settings/admin/users/new",
    "/settings/admin/user-groups",
    `/settings/admin/user-groups/${ids.groupId}`,
    "/settings/admin/oidc-clients",
    "/settings/admin/oidc-clients/new",
    `/settings/admin/oidc-clients/${ids.clientId}`,
    "/settings/admin/protected-apps",
    "/settings/admin/protected-apps/new",
    `/settings/admin/protected-apps/${ids.appId}`,
    "/settings/admin/signup-tokens",
    "/settings/admin/api-keys",
    "/settings/admin/application-configuration",
    "/settings/admin/backups",
    "/settings/admin/ldap",
    "/settings/no-such-page",
  ];
}

const SIGNED_OUT_PAGES = ["/login", "/lc", "/device", "/no-such-page"];

/** The page does not scroll sideways, and is in `lang`. */
async function expectFits(page: Page, path: string, lang: string): Promise<void> {
  const report = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect({ path, lang: report.lang }).toEqual({ path, lang });
  expect({ path, overflow: report.scrollWidth > report.width + 1 ? report.scrollWidth - report.width : 0 }).toEqual({ path, overflow: 0 });
}

async function shoot(page: Page, dir: string | undefined, name: string): Promise<void> {
  if (!dir) return;
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // Let colour transitions finish, or a button is caught halfway between the themes.
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(dir, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

const slug = (path: string) => path.replace(/^\//, "").replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "") || "home";

describe("pages in three languages at phone and desktop width", () => {
  test("signed in: every page fits and speaks the person's language", async () => {
    const base = server.url;
    const { page } = await newPasskeyPage(browser);
    await setUpFirstAdmin(page, base);
    const ids = seed();
    const shots = process.env.PAGE_SHOTS;
    for (const lang of LANGUAGES) {
      server.deps.db.query("UPDATE users SET locale = ? WHERE username = 'ada'").run(lang);
      for (const width of WIDTHS) {
        // Without screenshots, English is checked at desktop width only (its words are the shortest).
        if (!shots && lang === "en" && width === 390) continue;
        await page.setViewportSize({ width, height: 900 });
        for (const path of signedInPages(ids)) {
          await page.goto(`${base}${path}`);
          await expectFits(page, path, lang);
          await shoot(page, shots, `${lang}-${width}-${slug(path)}`);
        }
      }
    }
  }, 600_000);

  test("signed out: the picker switches the sign-in pages' language, and they fit", async () => {
    const base = server.url;
    // Someone exists, so the sign-in pages are served (not /setup) whichever test runs first.
    createUser(server.deps, { username: "lin", email: "lin@example.com", firstName: "Lin", lastName: "Wei" });
    const page = await browser.newPage();
    const shots = process.env.PAGE_SHOTS;
    await page.goto(`${base}/login`);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    for (const lang of LANGUAGES) {
      await page.goto(`${base}/login`);
      await Promise.all([page.waitForURL(`${base}/login`), page.locator("form[data-language-picker] select").selectOption(lang)]);
      await page.waitForFunction((l) => document.documentElement.lang === l, lang);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        for (const path of SIGNED_OUT_PAGES) {
          await page.goto(`${base}${path}`);
          await expectFits(page, path, lang);
          await shoot(page, shots, `${lang}-${width}-${slug(path)}`);
        }
      }
    }
  }, 300_000);
});
