/**
 * The audit log in headless Chromium: behind a trusted proxy forwarding a London address, a person
 * sets up, signs in with a passkey, and finds the sign-in on /settings/audit-log with the right
 * location and the time in their own time zone; the admin filters the global log with htmx. With a
 * large log (over a hundred users, over 10,000 events) the user filter is a text field that takes a
 * username, and a broad filter's total reads "More than 10,000 events".
 * Screenshots (light, dark, phone) go to AUDIT_SCREENSHOT_DIR when set.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { createSession } from "../../src/account/sessions.ts";
import { createUser } from "../../src/admin/users.ts";
import { recordAuditEvent } from "../../src/audit/audit-log.ts";
import { insertAuditLog } from "../../src/db/audit-logs.ts";
import { cookieName } from "../../src/http/cookies.ts";
import { SESSION_COOKIE } from "../../src/http/request-context.ts";
import { createGeolocator } from "../../src/audit/geolocation.ts";
import { silentLog } from "../../src/lib/log.ts";
import { addVirtualAuthenticator, disablePasskeyAutofill, launchBrowser, setUpFirstAdmin, signOutFromHeader, type TestBrowser } from "../helpers/browser.ts";
import { buildTestCityDb } from "../helpers/mmdb-writer.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const SHOTS = process.env.AUDIT_SCREENSHOT_DIR ?? null;
let server: TestServer;
let browser: TestBrowser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // The browser connects from 127.0.0.1, our "reverse proxy"; it forwards the client's address.
  [server, browser] = await Promise.all([startTestServer({ TRUST_PROXY: "127.0.0.1" }), launchBrowser()]);
  const file = path.join(server.deps.dir, "GeoLite2-City.mmdb");
  writeFileSync(file, buildTestCityDb());
  server.app.web.geo = createGeolocator({ path: file, log: silentLog });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
}, 60_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

async function newPage(opts: { colorScheme?: "light" | "dark"; viewport?: { width: number; height: number }; cookiesFrom?: BrowserContext } = {}): Promise<Page> {
  const context = await browser.browser.newContext({
    colorScheme: opts.colorScheme ?? "light",
    viewport: opts.viewport ?? { width: 1280, height: 860 },
    timezoneId: "Asia/Tokyo",
    locale: "en-GB",
    extraHTTPHeaders: { "X-Forwarded-For": "81.2.69.142" },
  });
  contexts.push(context);
  if (opts.cookiesFrom) await context.addCookies(await opts.cookiesFrom.cookies());
  return context.newPage();
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

test("sign in with a passkey, then find the sign-in with its location and local time in the activity page", async () => {
  const base = server.url;
  const page = await newPage();
  await disablePasskeyAutofill(page);
  await addVirtualAuthenticator(page);

  await setUpFirstAdmin(page, base);
  await signOutFromHeader(page, base);
  await page.locator("[data-passkey-login]").click();
  await page.waitForURL(`${base}/settings/account`);

  await page.locator('nav.nav a[href="/settings/audit-log"]').click();
  await page.waitForURL(`${base}/settings/audit-log`);
  const signIn = page.locator(".audit-item", { hasText: "Signed in with a passkey" }).first();
  await expect(signIn.locator(".audit-meta").textContent()).resolves.toContain("London, United Kingdom");
  expect(await signIn.locator(".audit-meta").textContent()).toContain("81.2.69.142");
  expect(await signIn.locator(".audit-meta").textContent()).toMatch(/Headless Chrome \d+ on Linux|Chrome \d+ on Linux/);
  // The time is shown in the reader's zone (Asia/Tokyo here), from the ISO instant in datetime=.
  const time = signIn.locator("time");
  await page.waitForFunction(() => document.documentElement.getAttribute("data-tz") === "Asia/Tokyo");
  const iso = (await time.getAttribute("datetime"))!;
  const expected = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Tokyo" }).format(new Date(iso));
  expect(await time.textContent()).toBe(expected);
  expect(await time.getAttribute("title")).toBe(new Intl.DateTimeFormat("en", { dateStyle: "full", timeStyle: "long", timeZone: "Asia/Tokyo" }).format(new Date(iso)));
  // The whole story of this person is there, in order.
  const titles = await page.locator(".audit-item .audit-title .title").allTextContents();
  expect(titles).toEqual(["Signed in with a passkey", "Signed out", "Passkey added", "Account created"]);
  await shot(page, "own-light");

  // Some history from elsewhere, so the admin view has something to filter.
  const userId = server.deps.db.query<{ id: string }, []>("SELECT id FROM users").get()!.id;
  const web = server.app.web;
  recordAuditEvent(web, "SIGN_IN_FAILED", { userId, origin: { ip: "89.160.20.115", userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1" }, data: { passkeyName: "Passkey", reason: "This passkey response was made for a different website." } });
  recordAuditEvent(web, "NEW_CLIENT_AUTHORIZATION", { userId, origin: { ip: "216.160.83.57", userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0" }, data: { clientId: "c1", clientName: "Grafana" } });
  recordAuditEvent(web, "ADMIN_CHANGE", { userId, origin: { ip: "192.168.1.4", userAgent: "curl/8.5.0" }, data: { entity: "oidc_client", action: "create", id: "c1", changes: { name: "Grafana", callbackUrls: ["https://grafana.example.com/login/generic_oauth"] }, via: "api_key" } });

  // The global log, filtered through htmx (no full reload: the filter form stays the same node).
  await page.goto(`${base}/settings/audit-log/global`);
  expect(await page.locator(".audit-item").count()).toBe(7);
  await page.evaluate(() => document.querySelector("form.audit-filters")!.setAttribute("data-marker", "kept"));
  await page.locator("#f-event").selectOption("SIGN_IN_FAILED");
  await page.waitForFunction(() => document.querySelectorAll(".audit-item").length === 1);
  expect(await page.locator("form.audit-filters").getAttribute("data-marker")).toBe("kept");
  expect(page.url()).toBe(`${base}/settings/audit-log/global?user=&event=SIGN_IN_FAILED&client=&ip=&from=&to=`);
  expect(await page.locator(".audit-item .audit-meta").textContent()).toContain("Linköping, Sweden");
  expect(await page.locator('a[download="audit-log.csv"]').getAttribute("href")).toBe("/settings/audit-log/global.csv?event=SIGN_IN_FAILED");
  await page.locator("#f-event").selectOption("");
  await page.waitForFunction(() => document.querySelectorAll(".audit-item").length === 7);
  await shot(page, "global-light");

  // The CSV download carries the session.
  const csv = await page.evaluate(async () => (await fetch("/settings/audit-log/global.csv")).text());
  expect(csv.split("\r\n")[0]).toBe('"time_utc","event","description","details","user","ip_address","country","city","device","user_agent"');
  expect(csv).toContain('"Milton"');

  // Dark scheme and a phone: same pages, same session.
  const dark = await newPage({ colorScheme: "dark", cookiesFrom: page.context() });
  await dark.goto(`${base}/settings/audit-log/global`);
  await shot(dark, "global-dark");
  await dark.goto(`${base}/settings/audit-log`);
  await shot(dark, "own-dark");
  const phone = await newPage({ viewport: { width: 390, height: 844 }, cookiesFrom: page.context() });
  await phone.goto(`${base}/settings/audit-log`);
  await shot(phone, "own-phone");
  // Nothing wider than the screen on a phone.
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await phone.goto(`${base}/settings/audit-log/global`);
  await shot(phone, "global-phone");
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const phoneDark = await newPage({ colorScheme: "dark", viewport: { width: 390, height: 844 }, cookiesFrom: page.context() });
  await phoneDark.goto(`${base}/settings/audit-log/global`);
  await shot(phoneDark, "global-phone-dark");
}, 90_000);

test("a large log: the user filter is a text field taking a username; broad filters report a lower bound", async () => {
  const base = server.url;
  const db = server.deps.db;
  const admin = createUser(server.deps, { username: "grace", email: "grace@example.com", firstName: "Grace", lastName: "Hopper", isAdmin: true });
  const now = Math.floor(Date.now() / 1000);
  const people = Array.from({ length: 120 }, (_, i) => createUser(server.deps, { username: `member${i}`, email: `member${i}@example.com`, firstName: "Member", lastName: String(i) }).id);
  db.transaction(() => {
    for (let i = 0; i < 10_050; i++) {
      const log = { id: `bulk-${i}`, createdAt: now - 86400 + Math.floor(i / 3), event: i % 2 ? "SIGN_IN" : "SIGN_OUT", userId: people[i % people.length]!, ipAddress: `198.51.100.${i % 200}`, userAgent: null, data: {}, country: null, city: null };
      insertAuditLog(db, log);
    }
  })();
  for (let i = 0; i < 3; i++) recordAuditEvent(server.app.web, "PASSKEY_ADDED", { userId: admin.id, origin: { ip: "81.2.69.142", userAgent: "curl/8.5.0" }, data: { passkeyName: `Key ${i}` } });
  const { token } = createSession(server.deps, { userId: admin.id, amr: ["phr"], durationMinutes: 60 });
  const page = await newPage();
  await page.context().addCookies([{ name: cookieName(server.deps.config, SESSION_COOKIE), value: token, url: base }]);

  await page.goto(`${base}/settings/audit-log/global`);
  expect(await page.locator("#f-user").evaluate((el) => `${el.tagName} ${el.getAttribute("type")}`)).toBe("INPUT search");
  expect(await page.locator(".pager .muted").textContent()).toMatch(/^10,0\d\d events · page 1 of 40\d$/);
  await page.evaluate(() => document.querySelector("form.audit-filters")!.setAttribute("data-marker", "kept"));
  await page.locator("#f-user").fill("grace");
  await page.locator("#f-user").press("Enter");
  await page.waitForFunction(() => document.querySelectorAll(".audit-item").length === 3);
  expect(await page.locator("form.audit-filters").getAttribute("data-marker")).toBe("kept");
  expect(page.url()).toContain("user=grace");
  expect(await page.locator(".pager .muted").textContent()).toBe("3 events · page 1 of 1");
  await shot(page, "global-large-user");

  await page.locator("#f-user").fill("");
  await page.locator("#f-ip").fill("198.51.100.*");
  await page.locator("#f-ip").press("Enter");
  await page.waitForFunction(() => document.querySelector(".pager .muted")?.textContent === "More than 10,000 events · page 1");
  await page.locator(".pager a", { hasText: "Older" }).click();
  await page.waitForFunction(() => document.querySelector(".pager .muted")?.textContent === "More than 10,000 events · page 2");
  expect(await page.locator(".audit-item").count()).toBe(25);
  await shot(page, "global-large-event");
  const phone = await newPage({ viewport: { width: 390, height: 844 }, cookiesFrom: page.context() });
  await phone.goto(`${base}/settings/audit-log/global?user=grace`);
  expect(await phone.locator("#f-user").inputValue()).toBe("grace");
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(phone, "global-large-phone");
}, 90_000);
