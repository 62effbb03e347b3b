/**
 * Sign in with another device, with two real browsers (headless Chromium, two contexts): the laptop, signed out,
 * follows "Sign in with another device" from the sign-in page and shows a QR code and a code; the phone, signed in
 * with a virtual passkey, types the code on /device, sees the laptop's browser and address, and approves with a
 * fresh passkey assertion; the laptop, waiting on its exchange, ends up signed in on its own.
 */
import { beforeAll, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { newPasskeyPage, setUpFirstAdmin, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
let phone: Page;
browserWorld((w) => ({ server, browser } = w));

beforeAll(async () => {
  ({ page: phone } = await newPasskeyPage(browser));
  // First run on the phone: Ada with a passkey, signed in.
  await setUpFirstAdmin(phone, server.url);
}, 60_000);

test("the laptop shows a QR code and a code; the phone approves with its passkey; the laptop is signed in", async () => {
  const laptop = await browser.newPage();
  const errors: string[] = [];
  laptop.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  laptop.on("pageerror", (e) => errors.push(String(e)));

  await laptop.goto(`${server.url}/login`);
  await laptop.getByRole("link", { name: "Sign in with another device" }).click();
  await laptop.waitForURL((u) => u.pathname === "/login/alternative/device");
  const qr = laptop.getByRole("img", { name: "QR code to sign in with another device" });
  expect(await qr.locator("svg").count()).toBe(1);
  expect((await qr.boundingBox())!.width).toBeGreaterThan(150);
  const code = (await laptop.getByTestId("device-login-code").textContent())!;
  expect(code).toMatch(/^P[A-Z0-9]{3}-[A-Z0-9]{4}$/);
  const row = server.deps.db.query<{ user_code: string; status: string }, []>("SELECT user_code, status FROM device_login_requests").get()!;
  expect(row).toEqual({ user_code: code.replace("-", ""), status: "pending" });
  expect(await laptop.locator("#device-login-status").textContent()).toBe("Waiting for approval…");

  // The phone: types the code on /device and sees what asks.
  await phone.goto(`${server.url}/device`);
  await phone.locator("#device-code").fill(code.toLowerCase());
  await phone.locator("form[action='/device'] button[type=submit]").click();
  await phone.waitForURL((u) => u.pathname === "/device");
  expect(await phone.locator("h1").textContent()).toBe("Sign in on another device?");
  const details = (await phone.locator("#device-login-details").textContent())!;
  expect(details).toContain("Headless Chrome");
  expect(details).toContain("127.0.0.1");

  // Approve: the passkey first (the virtual authenticator answers), then the form is sent.
  await phone.getByRole("button", { name: "Approve" }).click();
  await phone.waitForURL((u) => u.pathname === "/device/sign-in");
  expect(await phone.locator("h1").textContent()).toBe("Device signed in");

  // The laptop notices within its poll and continues, signed in as Ada.
  await laptop.waitForURL((u) => u.pathname === "/settings/account", { timeout: 15_000 });
  expect(await laptop.locator("header").textContent()).toContain("Ada Lovelace");
  const audit = server.deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'REMOTE_SIGN_IN'").get()!.n;
  expect(audit).toBe(1);
  expect(server.deps.db.query<{ status: string }, []>("SELECT status FROM device_login_requests").get()!.status).toBe("consumed");
  expect(errors).toEqual([]);
}, 60_000);
