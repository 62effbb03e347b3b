/**
 * Passkey autofill waits in the background: when its start is refused (the sign-in rate limit spent by
 * earlier page loads), the sign-in page shows no error to someone who has not done anything yet; the
 * button still reports the limit when pressed.
 */
import { describe, expect, test } from "bun:test";
import { createUser } from "../../src/admin/users.ts";
import type { TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w));

describe("passkey autofill", () => {
  test("a refused autofill start is silent; the button says why", async () => {
    createUser(server.deps, { username: "lin", email: "lin@example.com", firstName: "Lin", lastName: "Wei" });
    const page = await browser.newPage();
    await page.goto(`${server.url}/login`);
    // Spend the per-address sign-in budget (Pocket ID's: a burst of 10) from this browser.
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
    let refused = false;
    for (let i = 0; i < 20 && !refused; i++) {
      const res = await page.request.post(`${server.url}/api/webauthn/login/start`, { headers: { "X-CSRF-Token": csrf ?? "", Accept: "application/json" }, data: {} });
      refused = res.status() === 429;
    }
    expect(refused).toBe(true);
    await page.goto(`${server.url}/login`);
    // The autofill request has been answered (429) by the time the page is idle.
    await page.waitForLoadState("networkidle");
    expect(await page.locator("#passkey-error").isVisible()).toBe(false);
    await page.locator("[data-passkey-login]").click();
    await page.locator("#passkey-error").waitFor({ state: "visible" });
    expect((await page.locator("#passkey-error").textContent())!.length).toBeGreaterThan(10);
  });
});
