/**
 * In Chromium: the sign-in page that /authorize leads to shows the uploaded application logo and names the
 * application with its logo, and both images load. Screenshots (phone and desktop, light and dark) go to
 * SIGNIN_SCREENSHOT_DIR when it is set.
 */
import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { uploadAppImage } from "../../src/admin/branding.ts";
import { saveClientLogo } from "../../src/admin/client-logos.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { encodePng } from "../../src/lib/png.ts";
import type { TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import { insertTestUser } from "../helpers/oidc-fixtures.ts";
import { CALLBACK, CHALLENGE } from "../helpers/oidc-flow.ts";
import type { TestServer } from "../helpers/server.ts";

const SHOTS = process.env.SIGNIN_SCREENSHOT_DIR ?? null;

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w));

/** A size × size square of one colour with a lighter inner square, so a logo is recognisable on screen. */
function squareLogo(size: number, outer: [number, number, number], inner: [number, number, number]): Uint8Array {
  const rgb = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = x >= size / 4 && x < (size * 3) / 4 && y >= size / 4 && y < (size * 3) / 4;
      rgb.set(inside ? inner : outer, (y * size + x) * 3);
    }
  }
  return encodePng(size, size, rgb);
}

test("the sign-in page reached through /authorize shows the brand logo and the application with its logo", async () => {
  insertTestUser(server.deps, { username: "alice" });
  await uploadAppImage(server.deps, CLI_ACTOR, "logo-light", squareLogo(64, [30, 90, 200], [255, 255, 255]));
  await uploadAppImage(server.deps, CLI_ACTOR, "logo-dark", squareLogo(64, [120, 170, 255], [20, 20, 30]));
  const { client } = createClient(server.deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: [CALLBACK], unrestricted: true });
  await saveClientLogo(server.deps, CLI_ACTOR, client.id, squareLogo(64, [240, 110, 30], [255, 240, 220]), false);
  const q = new URLSearchParams({ client_id: client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid", state: "s", code_challenge: CHALLENGE, code_challenge_method: "S256" });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });

  for (const colorScheme of ["light", "dark"] as const) {
    for (const width of [390, 1280]) {
      const page = await browser.newPage({ colorScheme, viewport: { width, height: 860 } });
      await page.goto(`${server.url}/authorize?${q}`);
      await page.waitForLoadState("load");
      expect(new URL(page.url()).pathname).toBe("/login");
      expect(await page.locator("h1").textContent()).toBe("Sign in to Forgejo");
      const loaded = (selector: string) => page.locator(selector).evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth);
      expect(await loaded(".consent-head .client-tile img")).toBeGreaterThan(0);
      expect(await loaded(".brand-mark img")).toBe(64);
      // The brand mark is the uploaded logo of the scheme in use, not the built-in key.
      expect(await page.locator(".brand-mark img").evaluate((img) => (img as HTMLImageElement).currentSrc)).toEndWith(colorScheme === "dark" ? "/branding/logo?light=false" : "/branding/logo");
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `signin-${width}-${colorScheme}.png`), fullPage: true });
      await page.context().close();
    }
  }
}, 60_000);
