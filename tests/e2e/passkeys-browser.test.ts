/**
 * The passkey journey in headless Chromium with CDP virtual authenticators, against the app in this
 * process and against the compiled binary started from an empty folder:
 * /setup → first passkey → sign out → sign in with no username typed → add a second passkey from a
 * second authenticator → sign out → sign in with the second → rename and delete the first.
 * Plus: passkey autofill (conditional mediation) signs in, and a login-code link leads to adding a passkey.
 */
import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { startBinary } from "../helpers/binary.ts";
import { addVirtualAuthenticator, createPasskey, listCredentials, newPasskeyPage, removeVirtualAuthenticator, submitSetupForm, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import { startTestServer } from "../helpers/server.ts";
import { TEST_ENCRYPTION_KEY } from "../helpers/test-deps.ts";
import { oneTimeAccessTokenCommand } from "../../src/cli/one-time-access-token.ts";
import { silentLog } from "../../src/lib/log.ts";

interface Target {
  url: string;
  /** Runs `latchkey one-time-access-token <user>` against the target's data folder; returns the printed link. */
  loginLink(user: string): Promise<string>;
  stop(): Promise<unknown>;
}

const TARGETS: [string, () => Promise<Target>][] = [
  [
    "in-process server",
    async () => {
      const server = await startTestServer();
      return {
        url: server.url,
        async loginLink(user) {
          let out = "";
          const code = await oneTimeAccessTokenCommand({ config: server.deps.config, log: silentLog, stdout: (t) => void (out += t), stderr: () => {} }, [user]);
          expect(code).toBe(0);
          return out.trim();
        },
        stop: () => server.stop(),
      };
    },
  ],
  [
    "compiled binary",
    async () => {
      const bin = await startBinary({ env: { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }, timeoutMs: 30000 });
      return {
        url: bin.url,
        async loginLink(user) {
          // A second process on the same data folder while the server runs (SQLite WAL).
          const cli = await startBinary({ args: ["one-time-access-token", user], cwd: bin.dir, env: { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, APP_URL: bin.url }, waitUntilHealthy: false });
          expect(await cli.exited).toBe(0);
          const link = cli.stdout().trim();
          await cli.cleanup();
          return link;
        },
        stop: () => bin.cleanup(),
      };
    },
  ],
];

async function passkeyNames(page: Page): Promise<string[]> {
  return page.locator(".passkey-item .passkey-name").allTextContents();
}

async function signOut(page: Page, base: string): Promise<void> {
  await page.locator("header form.signout button").click();
  await page.waitForURL(`${base}/login?signed_out=1`);
  expect(await page.locator(".alert-success").textContent()).toBe("You have been signed out.");
}

async function signInWithButton(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  expect(await page.locator("#login-username").inputValue()).toBe(""); // nothing typed: discoverable
  await page.locator("[data-passkey-login]").click();
  await page.waitForURL(`${base}/settings/account`);
}

for (const [label, start] of TARGETS) {
  describe(`passkey journey (${label})`, () => {
    let target: Target;
    let browser: TestBrowser;
    browserWorld((w) => ({ server: target, browser } = w), { start });

    test("setup → passkey → sign out/in → second passkey → sign in with it → rename and delete the first", async () => {
      const base = target.url;
      const { page, authenticator: first } = await newPasskeyPage(browser);

      // First run: / goes to /setup; inline validation answers in place.
      await page.goto(`${base}/`);
      expect(page.url()).toBe(`${base}/setup`);
      await page.locator("#field-username").fill("not valid!");
      await page.locator("#setup-form button[type=submit]").click();
      await expect(page.locator("#field-firstName-error").textContent()).resolves.toBe("Enter a first name.");
      expect(await page.locator("#field-username-error").textContent()).toContain("Use letters, digits");
      await submitSetupForm(page, base);

      // First passkey, straight from setup; the naming step offers browser and device, kept as they are.
      const suggested = await createPasskey(page);
      expect(suggested).toBe("Headless Chrome on Linux");
      expect(page.url()).toMatch(new RegExp(`^${base}/settings/account\\?added=`));
      expect(await passkeyNames(page)).toEqual([suggested]);
      expect(await page.locator(".banner-second-passkey").count()).toBe(1);
      expect(await listCredentials(page, first)).toHaveLength(1);

      // /setup is gone once a user exists.
      await page.goto(`${base}/setup`);
      expect(page.url()).toBe(`${base}/settings/account`);

      await signOut(page, base);
      await signInWithButton(page, base);

      // Second passkey from a second authenticator (the first one is put away).
      await removeVirtualAuthenticator(page, first);
      const second = await addVirtualAuthenticator(page);
      // The same browser and device again: the suggestion is made distinct.
      expect(await createPasskey(page, { button: "#passkeys [data-passkey-register]" })).toBe(`${suggested} (2)`);
      expect(await page.locator(".passkey-item").count()).toBe(2);
      expect(await page.locator(".banner-second-passkey").count()).toBe(0);
      expect(await listCredentials(page, second)).toHaveLength(1);

      // Sign in with the second (the only authenticator present).
      await signOut(page, base);
      await signInWithButton(page, base);
      const items = page.locator(".passkey-item");
      expect(await items.count()).toBe(2);
      expect(await items.nth(1).locator(".meta").textContent()).toContain("Last used now");

      // Rename the first (inline htmx form), then delete it (confirmation dialog).
      const firstItem = items.nth(0);
      await firstItem.getByRole("button", { name: /^Rename/ }).click();
      const input = page.locator(".passkey-item.editing input[name=name]");
      await input.fill("");
      await page.locator(".passkey-item.editing button[type=submit]").click();
      await expect(page.locator(".passkey-item.editing .error-text").textContent()).resolves.toBe("Enter a name.");
      await page.locator(".passkey-item.editing input[name=name]").fill("Old laptop");
      await page.locator(".passkey-item.editing button[type=submit]").click();
      await page.waitForFunction(() => document.querySelector(".passkey-item .passkey-name")?.textContent === "Old laptop");
      expect(await passkeyNames(page)).toEqual(["Old laptop", `${suggested} (2)`]);

      page.once("dialog", (dialog) => void dialog.accept());
      await page.locator(".passkey-item").first().getByRole("button", { name: /^Delete/ }).click();
      await page.waitForFunction(() => document.querySelectorAll(".passkey-item").length === 1);
      expect(await passkeyNames(page)).toEqual([`${suggested} (2)`]);
      expect(await page.locator(".banner-second-passkey").count()).toBe(1);

      // The remaining (second) passkey still signs in after a reload of the whole flow.
      await signOut(page, base);
      await signInWithButton(page, base);

      // Re-authentication (what OIDC uses for prompt=login / max_age): a fresh assertion, then back.
      await page.goto(`${base}/reauthenticate?redirect=${encodeURIComponent("/settings/account?after=reauth")}`);
      await page.getByRole("button", { name: "Continue with passkey" }).click();
      await page.waitForURL(`${base}/settings/account?after=reauth`);
    }, 120_000);

    test("a refused or cancelled passkey prompt shows a sentence, not an error code", async () => {
      const base = target.url;
      const { page } = await newPasskeyPage(browser); // its authenticator holds no passkey for this site
      await page.goto(`${base}/login`);
      await page.locator("[data-passkey-login]").click();
      const error = page.locator("#passkey-error:not([hidden])");
      await error.waitFor({ timeout: 15_000 });
      expect(await error.textContent()).toBe(
        "The passkey request was cancelled or not allowed. If you have no passkey for this site on this device, use another device or a login code.",
      );
      expect(await page.locator("[data-passkey-login]").isEnabled()).toBe(true);
      expect(page.url()).toBe(`${base}/login`);
    }, 60_000);

    test("login link from the CLI → add a passkey → passkey autofill signs in → the last passkey needs explicit confirmation", async () => {
      const base = target.url;
      const link = await target.loginLink("ada");
      expect(link).toMatch(new RegExp(`^${base}/lc/[A-Z2-9]{12}$`));

      // A new device: its own browser context and authenticator, dark mode.
      const page = await browser.newPage({ colorScheme: "dark" });
      const device = await addVirtualAuthenticator(page);
      await page.goto(link);
      expect(await page.locator("#login-code").inputValue()).toBe(link.split("/lc/")[1]!);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL(/\/signup\/add-passkey\?redirect=/);
      expect(await page.locator("h1").textContent()).toBe("Add a passkey");
      await createPasskey(page);
      await page.waitForURL((u) => u.pathname === "/settings/account");
      expect(await page.locator(".passkey-item").count()).toBe(2);

      // The link is single use.
      const again = await browser.newPage();
      await again.goto(link);
      await again.getByRole("button", { name: "Sign in", exact: true }).click();
      expect(await again.locator(".alert-error").textContent()).toContain("not valid");

      // Signed out, the login page's passkey autofill (conditional mediation) signs in by itself:
      // Chromium's virtual authenticator answers the conditional request without a click.
      await page.locator("header form.signout button").click();
      await page.waitForURL(`${base}/settings/account`, { timeout: 15_000 });
      expect(await listCredentials(page, device)).toHaveLength(1);

      // Delete down to the last passkey: that one goes through the explanation page.
      page.once("dialog", (dialog) => void dialog.accept());
      await page.locator(".passkey-item").first().getByRole("button", { name: /^Delete/ }).click();
      await page.waitForFunction(() => document.querySelectorAll(".passkey-item").length === 1);
      await page.locator(".passkey-item").first().getByRole("link", { name: /^Delete/ }).click();
      await page.waitForURL(/\/settings\/account\/passkeys\/[0-9a-f-]+\/delete$/);
      expect(await page.locator("h1").textContent()).toBe("Delete your only passkey?");
      expect(await page.locator(".alert-warning").textContent()).toContain("login code");
      await page.getByRole("button", { name: "Delete my only passkey" }).click();
      await page.waitForURL(`${base}/settings/account`);
      expect(await page.locator(".passkey-item").count()).toBe(0);
      expect(await page.locator("#passkeys .alert-warning").textContent()).toContain("You have no passkey");
    }, 120_000);
  });
}
