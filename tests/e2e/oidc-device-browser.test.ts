/**
 * Device authorization grant with a real person: openid-client (the "TV") starts the flow and polls;
 * headless Chromium with a virtual passkey follows verification_uri_complete, signs in with the passkey
 * (/login?redirect=/device?code=…), sees the application and scopes, and approves.
 */
import { beforeAll, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import * as oidc from "openid-client";
import type { Page } from "playwright-core";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { newPasskeyPage, setUpFirstAdmin, signOutFromHeader, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
let page: Page;
browserWorld((w) => ({ server, browser } = w));

beforeAll(async () => {
  ({ page } = await newPasskeyPage(browser));
  // First run: the administrator with a passkey, then signed out.
  await setUpFirstAdmin(page, server.url);
  await signOutFromHeader(page, server.url);
}, 60_000);

test("the person signs in with a passkey on /device and approves; the device gets tokens", async () => {
  const { client } = createClient(server.deps, CLI_ACTOR, { name: "Living room TV", callbackUrls: ["https://tv.example.com/cb"], isPublic: true, unrestricted: true });
  const config = await oidc.discovery(new URL(server.url), client.id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  oidc.enableNonRepudiationChecks(config);
  const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile email" });
  const polling = oidc.pollDeviceAuthorizationGrant(config, started);

  await page.goto(started.verification_uri_complete!);
  await page.waitForURL((u) => u.pathname === "/login");
  await page.locator("[data-passkey-login]").click();
  await page.waitForURL((u) => u.pathname === "/device");
  expect(await page.locator("h1").textContent()).toContain("Connect Living room TV?");
  expect(await page.locator(".device-code").textContent()).toBe(started.user_code);
  expect(await page.locator(".scope-list").textContent()).toContain("See your email address");
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((u) => u.pathname === "/device");
  expect(await page.locator("h1").textContent()).toBe("Device connected");

  const tokens = await polling;
  const claims = tokens.claims()!;
  expect(claims.preferred_username).toBe("ada");
  expect(claims.email).toBe("ada@example.com");
  expect(claims.amr).toEqual(["phr"]);
  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  expect(info.name).toBe("Ada Lovelace");

  // Typing the code by hand works too, and a spent code is refused on the page.
  await page.goto(`${server.url}/device`);
  await page.locator("#device-code").fill(started.user_code.toLowerCase());
  await page.locator("form[action='/device'] button[type=submit]").click();
  await page.waitForURL((u) => u.pathname === "/device");
  expect(await page.locator("#device-error").textContent()).toContain("not valid or has expired");
}, 60_000);
