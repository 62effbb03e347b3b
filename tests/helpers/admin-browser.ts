/**
 * The set-up the admin pages' browser tests share: a server on a fixed clock and Chromium for the file
 * (browserWorld), an admin and a member made on first use, and pages signed in as that admin.
 *
 *   let server: TestServer;
 *   const { fixture, adminPage } = adminBrowserWorld((s) => (server = s));
 *   const page = await adminPage({ width: 390, colorScheme: "dark" });
 */
import type { Page } from "playwright-core";
import { makeAdminFixture, type AdminFixture } from "./admin-fixture.ts";
import { signedInPage, type TestBrowser } from "./browser.ts";
import { browserWorld } from "./browser-world.ts";
import { startTestServer, type TestServer } from "./server.ts";

export interface AdminBrowserWorld {
  /** The admin and member rows, made once per file on first use. */
  fixture(): AdminFixture;
  /** A new page carrying the admin's session cookie. */
  adminPage(opts?: { width?: number; colorScheme?: "light" | "dark" }): Promise<Page>;
}

export function adminBrowserWorld(assign: (server: TestServer) => void): AdminBrowserWorld {
  let server: TestServer;
  let browser: TestBrowser;
  let fx: AdminFixture | null = null;
  browserWorld(
    (w) => {
      ({ server, browser } = w);
      fx = null;
      assign(server);
    },
    { start: () => startTestServer({}, { clock: "fixed" }) },
  );
  const fixture = (): AdminFixture => (fx ??= makeAdminFixture(server.deps));
  return { fixture, adminPage: (opts = {}) => signedInPage(browser, server.url, fixture().admin.cookie, opts) };
}
