/**
 * Passkeys can be told apart (issue 20, problem 5): every new passkey — from setup, the account page's
 * "Add passkey" and the add-a-passkey page after a login code — is named right away, prefilled with
 * provider and device (Chromium's virtual authenticator has no known AAGUID: browser and device), and
 * confirmed as "Passkey “…” added.". Headless Chromium with CDP virtual authenticators.
 */
import { expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { createOneTimeAccessToken } from "../../src/account/one-time-access.ts";
import { addVirtualAuthenticator, newPasskeyPage, removeVirtualAuthenticator, submitSetupForm, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w));

const nameInput = (page: Page) => page.locator("#name-passkey-form input[name=name]");
const onNamingStep = (page: Page) => page.waitForURL((u) => /^\/settings\/account\/passkeys\/[^/]+\/name$/.test(u.pathname));

test("two new passkeys are named on creation (suggested from browser and device), confirmed, and listed by their names", async () => {
  const base = server.url;
  const { page, authenticator: first } = await newPasskeyPage(browser);
  await page.goto(`${base}/setup`);
  await submitSetupForm(page, base);

  // The first passkey, from setup: the naming step comes next, prefilled.
  await page.locator("[data-passkey-register]").click();
  await onNamingStep(page);
  expect(await page.locator("h1").textContent()).toBe("Name your passkey");
  expect(await nameInput(page).inputValue()).toBe("Headless Chrome on Linux");

  // An empty name is refused in place, the passkey keeps its suggested name meanwhile.
  await nameInput(page).fill("  ");
  await page.locator("#name-passkey-form button[type=submit]").click();
  expect(await page.locator("#field-name-error").textContent()).toBe("Enter a name.");
  expect(await nameInput(page).getAttribute("aria-invalid")).toBe("true");

  await nameInput(page).fill("Work laptop");
  await page.locator("#name-passkey-form button[type=submit]").click();
  await page.waitForURL((u) => u.pathname === "/settings/account");
  expect(await page.locator("#passkeys .alert-success").textContent()).toBe("Passkey “Work laptop” added.");

  // The second, from the account page's "Add passkey" with another authenticator.
  await removeVirtualAuthenticator(page, first);
  await addVirtualAuthenticator(page);
  await page.locator("#passkeys [data-passkey-register]").click();
  await onNamingStep(page);
  expect(await nameInput(page).inputValue()).toBe("Headless Chrome on Linux");
  await nameInput(page).fill("Phone");
  await page.locator("#name-passkey-form button[type=submit]").click();
  await page.waitForURL((u) => u.pathname === "/settings/account");
  expect(await page.locator("#passkeys .alert-success").textContent()).toBe("Passkey “Phone” added.");
  expect(await page.locator(".passkey-item .passkey-name").allTextContents()).toEqual(["Work laptop", "Phone"]);

  // A reload of the plain account page does not repeat the confirmation.
  await page.goto(`${base}/settings/account`);
  expect(await page.locator("#passkeys .alert-success").count()).toBe(0);
  // The picture's "Choose file" is dressed as a button of the page, not the browser's grey default.
  const chooser = await page.locator("#picture-file").evaluate((el) => {
    const s = getComputedStyle(el, "::file-selector-button");
    return { radius: s.borderTopLeftRadius, weight: s.fontWeight };
  });
  expect(chooser).toEqual({ radius: "8px", weight: "600" });
  // The language section's heading names the picker; its own label stays for screen readers, not twice on screen.
  expect(await page.locator("#language h2").textContent()).toBe("Language");
  expect((await page.locator("#language label[for=language-select]").boundingBox())!.width).toBeLessThanOrEqual(1);
  expect(await page.locator("#language select").isVisible()).toBe(true);

  // A login code leading elsewhere: the confirmation page, then on to where the person was going.
  const ada = server.deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'ada'").get()!;
  const { token } = createOneTimeAccessToken(server.deps, ada.id, 3600);
  const { page: tablet } = await newPasskeyPage(browser);
  await tablet.goto(`${base}/lc/${token}?redirect=${encodeURIComponent("/settings/apps")}`);
  await tablet.locator("form[action='/lc'] button[type=submit]").click();
  await tablet.waitForURL((u) => u.pathname === "/signup/add-passkey");
  await tablet.locator("[data-passkey-register]").click();
  await onNamingStep(tablet);
  await nameInput(tablet).fill("Tablet");
  await tablet.locator("#name-passkey-form button[type=submit]").click();
  expect(await tablet.locator(".passkey-added").textContent()).toBe("Passkey “Tablet” added.");
  await tablet.getByRole("link", { name: "Continue" }).click();
  await tablet.waitForURL((u) => u.pathname === "/settings/apps");

  const names = server.deps.db.query<{ name: string }, []>("SELECT name FROM webauthn_credentials ORDER BY created_at, rowid").all().map((r) => r.name);
  expect(names).toEqual(["Work laptop", "Phone", "Tablet"]);
}, 90_000);

test("the passkey script speaks the page's language (its sentences come from the page, not the script)", async () => {
  const { page } = await newPasskeyPage(browser); // its authenticator holds no passkey for this site
  await page.context().setExtraHTTPHeaders({ "Accept-Language": "de-DE,de;q=0.9" });
  await page.goto(`${server.url}/login`);
  expect(await page.locator("html").getAttribute("lang")).toBe("de");
  await page.locator("[data-passkey-login]").click();
  const error = page.locator("#passkey-error:not([hidden])");
  await error.waitFor({ timeout: 15_000 });
  expect(await error.textContent()).toBe(
    "Die Passkey-Anfrage wurde abgebrochen oder nicht erlaubt. Wenn Sie auf diesem Gerät keinen Passkey für diese Website haben, verwenden Sie ein anderes Gerät oder einen Anmeldecode.",
  );
}, 60_000);
