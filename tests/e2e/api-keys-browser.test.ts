/**
 * Creating an API key in headless Chromium with a CDP virtual authenticator: the first administrator
 * (set up with a passkey, but whose session never signed in with one) asks for a key, is asked to
 * confirm with a passkey in place, confirms, and gets the key with the form's values; then "sign out
 * everywhere" with "also revoke my API key" makes the key stop working.
 */
import { describe, expect, test } from "bun:test";
import { newPasskeyPage, setUpFirstAdmin, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w));

describe("API keys in the browser", () => {
  test("create → 'confirm it's you' in place → passkey → the key is shown once and works; sign out everywhere revokes it", async () => {
    const base = server.url;
    const { page } = await newPasskeyPage(browser);
    await setUpFirstAdmin(page, base);

    await page.goto(`${base}/settings/admin/api-keys`);
    expect(await page.locator("#f-expiresAt").getAttribute("max")).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await page.locator("#f-name").fill("Terraform");
    await page.locator("#f-description").fill("Infrastructure runs");
    await page.getByRole("button", { name: "Create key" }).click();

    // No passkey sign-in on this session: the server asks for one, keeping what was typed.
    const prompt = page.locator("#api-key-form .reauth-box");
    await prompt.waitFor();
    expect(await prompt.textContent()).toContain("A new API key acts as you, so it needs a fresh check with one of your passkeys.");
    expect(await page.locator("#f-name").inputValue()).toBe("Terraform");
    expect(await page.locator("#api-key-form code.secret").count()).toBe(0);

    await page.getByRole("button", { name: "Confirm with passkey" }).click();
    const secret = page.locator("#api-key-form code.secret");
    await secret.waitFor();
    const key = (await secret.textContent())!;
    expect(key).toMatch(/^[A-Za-z0-9]{32}$/);
    await page.locator("#api-key-list").getByText("Terraform").waitFor();
    expect(await page.locator("#api-key-form .reauth-box").count()).toBe(0);
    const use = () => fetch(`${base}/api/users`, { headers: { "X-API-Key": key } });
    expect((await use()).status).toBe(200);

    // Sign out everywhere, with the keys.
    await page.goto(`${base}/settings/account`);
    await page.getByLabel("Also revoke my API key").check();
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.waitForURL((u) => u.pathname === "/login");
    expect((await use()).status).toBe(401);
  }, 120_000);
});
