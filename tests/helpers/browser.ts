/**
 * Headless Debian Chromium for end-to-end tests, with CDP virtual WebAuthn authenticators.
 *
 *   const browser = await launchBrowser();
 *   const page = await browser.newPage();                 // fresh context (own cookies), light scheme
 *   const auth = await addVirtualAuthenticator(page);     // a platform authenticator with UV; returns its id
 *   …                                                      // passkey prompts now complete by themselves
 *   await removeVirtualAuthenticator(page, auth);         // "switch devices": remove, then add another
 *   await browser.close();
 *
 * - Never downloads a browser: uses /usr/bin/chromium (override with CHROMIUM_PATH).
 * - `launchBrowser({ appHosts })` sends the stand-in applications' host names to their server
 *   (./app-hosts.ts) and its contexts accept that server's self-signed certificate.
 * - Virtual authenticators: ctap2, transport "internal", resident keys, user verification (verified),
 *   automatic presence simulation. Several may exist at once; Chromium then uses any that matches,
 *   so to choose one, remove the others (or set `opts.isUserVerified`/`automaticPresenceSimulation`).
 * - `addResidentCredential(page, id, …)` puts a passkey made elsewhere into a virtual authenticator.
 * - `listCredentials(page, id)` returns the credentials a virtual authenticator holds (id, userHandle, signCount).
 * - WebAuthn refuses IP addresses: point pages at http://localhost:<port>.
 */
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from "playwright-core";
import type { AppHosts } from "./app-hosts.ts";

export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface TestBrowser {
  browser: Browser;
  /** A new isolated context and page. */
  /** `timezoneId` and `locale` emulate a browser elsewhere (e.g. "Asia/Tokyo", "de-DE"). */
  newPage(opts?: { colorScheme?: "light" | "dark"; viewport?: { width: number; height: number }; timezoneId?: string; locale?: string }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(launch: { appHosts?: AppHosts } = {}): Promise<TestBrowser> {
  const args = launch.appHosts ? [...CHROMIUM_ARGS, `--host-resolver-rules=${launch.appHosts.resolverRules}`] : CHROMIUM_ARGS;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true, args });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage(opts = {}) {
      const context = await browser.newContext({
        colorScheme: opts.colorScheme ?? "light",
        viewport: opts.viewport ?? { width: 1280, height: 860 },
        ignoreHTTPSErrors: launch.appHosts !== undefined,
        timezoneId: opts.timezoneId,
        locale: opts.locale,
      });
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
    },
  };
}

const sessions = new WeakMap<Page, CDPSession>();

async function cdp(page: Page): Promise<CDPSession> {
  let session = sessions.get(page);
  if (!session) {
    session = await page.context().newCDPSession(page);
    await session.send("WebAuthn.enable", { enableUI: false });
    sessions.set(page, session);
  }
  return session;
}

export interface VirtualAuthenticatorOptions {
  isUserVerified?: boolean;
  automaticPresenceSimulation?: boolean;
  transport?: "internal" | "usb" | "nfc" | "ble";
}

/** Adds a virtual authenticator to the page's tab; returns its id. */
export async function addVirtualAuthenticator(page: Page, opts: VirtualAuthenticatorOptions = {}): Promise<string> {
  const session = await cdp(page);
  const { authenticatorId } = await session.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: opts.transport ?? "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: opts.isUserVerified ?? true,
      automaticPresenceSimulation: opts.automaticPresenceSimulation ?? true,
    },
  });
  return authenticatorId;
}

export async function removeVirtualAuthenticator(page: Page, authenticatorId: string): Promise<void> {
  const session = await cdp(page);
  await session.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
}

export async function listCredentials(page: Page, authenticatorId: string): Promise<{ credentialId: string; userHandle?: string; signCount: number }[]> {
  const session = await cdp(page);
  const { credentials } = await session.send("WebAuthn.getCredentials", { authenticatorId });
  return credentials;
}

/**
 * Puts an existing passkey into a virtual authenticator (a credential made elsewhere, e.g. one imported from Pocket
 * ID): credential id and user handle as bytes, the P-256 private key as PKCS#8 base64.
 */
export async function addResidentCredential(
  page: Page,
  authenticatorId: string,
  credential: { credentialId: Uint8Array; rpId: string; privateKeyPkcs8: string; userHandle: Uint8Array; signCount?: number },
): Promise<void> {
  const session = await cdp(page);
  await session.send("WebAuthn.addCredential", {
    authenticatorId,
    credential: {
      credentialId: Buffer.from(credential.credentialId).toString("base64"),
      isResidentCredential: true,
      rpId: credential.rpId,
      privateKey: credential.privateKeyPkcs8,
      userHandle: Buffer.from(credential.userHandle).toString("base64"),
      signCount: credential.signCount ?? 0,
    },
  });
}

/**
 * A new page (own context) whose passkey prompts complete by themselves: autofill off, so the tests take the
 * button path deterministically, and one virtual authenticator (its id is returned).
 */
export async function newPasskeyPage(browser: TestBrowser, opts: Parameters<TestBrowser["newPage"]>[0] = {}): Promise<{ page: Page; authenticator: string }> {
  const page = await browser.newPage(opts);
  await disablePasskeyAutofill(page);
  return { page, authenticator: await addVirtualAuthenticator(page) };
}

/**
 * Turns off passkey autofill (conditional mediation) in this page's documents. Chromium's virtual
 * authenticator answers a conditional request by itself, which would sign in before a test clicks
 * the button; call this to exercise the button path deterministically.
 */
export async function disablePasskeyAutofill(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const pkc = (globalThis as unknown as { PublicKeyCredential?: { isConditionalMediationAvailable?: () => Promise<boolean> } }).PublicKeyCredential;
    if (pkc) pkc.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
}

/**
 * First run through the real /setup page: the administrator Ada Lovelace (`ada`) enrols a passkey with
 * the page's virtual authenticator and lands on her account page, still signed in (sign out with
 * `signOutFromHeader` when the test needs a signed-out browser).
 */
export async function setUpFirstAdmin(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/setup`);
  await submitSetupForm(page, base);
  await createPasskey(page);
  await page.waitForURL((u) => u.pathname === "/settings/account");
}

/**
 * Presses the page's "Create passkey" / "Add passkey" button (or `button`), waits for the naming step that
 * follows every new passkey, types `name` when given (else keeps the suggested one) and saves it.
 * Returns the suggested name the step offered.
 */
export async function createPasskey(page: Page, opts: { name?: string; button?: string } = {}): Promise<string> {
  await page.locator(opts.button ?? "[data-passkey-register]").click();
  await page.waitForURL((u) => /^\/settings\/account\/passkeys\/[^/]+\/name$/.test(u.pathname));
  const input = page.locator("#name-passkey-form input[name=name]");
  const suggested = await input.inputValue();
  if (opts.name !== undefined) await input.fill(opts.name);
  await page.locator("#name-passkey-form button[type=submit]").click();
  await page.waitForURL((u) => !u.pathname.endsWith("/name"));
  return suggested;
}

/** Fills the open /setup page with Ada Lovelace (`ada`), submits it and waits for the add-a-passkey page. */
export async function submitSetupForm(page: Page, base: string): Promise<void> {
  await page.locator("#field-firstName").fill("Ada");
  await page.locator("#field-lastName").fill("Lovelace");
  await page.locator("#field-username").fill("ada");
  await page.locator("#field-email").fill("ada@example.com");
  await page.locator("#setup-form button[type=submit]").click();
  await page.waitForURL(`${base}/signup/add-passkey?setup=1`);
}

/** Signs out with the header's button and waits for the signed-out login page. */
export async function signOutFromHeader(page: Page, base: string): Promise<void> {
  await page.locator("header form.signout button").click();
  await page.waitForURL(`${base}/login?signed_out=1`);
}

/** A fresh page (own context) signed in with a session cookie ("name=value") for `url`; 1280×900 unless told. */
export async function signedInPage(browser: TestBrowser, url: string, cookie: string, opts: { width?: number; colorScheme?: "light" | "dark" } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: 900 }, colorScheme: opts.colorScheme ?? "light" });
  const [name, value] = cookie.split("=");
  await page.context().addCookies([{ name: name!, value: value!, url }]);
  return page;
}

/** A full-page screenshot at `<dir>/<name>.png` when a test's screenshot folder is set (null: none taken). */
export async function screenshotTo(dir: string | null, page: Page, name: string): Promise<void> {
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}
