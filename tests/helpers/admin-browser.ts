/**
 * The set-up the admin pages' browser tests share: a server on a fixed clock and Chromium for the file
 * (browserWorld), an admin and a member made on first use, and pages signed in as that admin.
 *
 *   let server: TestServer;
 *   const { fixture, adminPage } = adminBrowserWorld((s) => (server = s));
 *   const page = await adminPage({ width: 390, colorScheme: "dark" });
 *   const { client, page, loads } = await clientPage();   // a new client "Wiki", its admin page open
 */
import type { Page } from "playwright-core";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { makeAdminFixture, type AdminFixture } from "./admin-fixture.ts";
import { signedInPage, type TestBrowser } from "./browser.ts";
import { browserWorld } from "./browser-world.ts";
import { startTestServer, type TestServer } from "./server.ts";

type OidcClient = ReturnType<typeof createClient>["client"];

export interface AdminBrowserWorld {
  /** The admin and member rows, made once per file on first use. */
  fixture(): AdminFixture;
  /** A new page carrying the admin's session cookie. */
  adminPage(opts?: { width?: number; colorScheme?: "light" | "dark" }): Promise<Page>;
  /**
   * A new confidential client "Wiki" and its admin page, open; `loads` records every full page load from then on,
   * so a test can show that its htmx sections work in place (no load).
   */
  clientPage(): Promise<{ client: OidcClient; page: Page; loads: string[] }>;
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
  const adminPage = (opts: { width?: number; colorScheme?: "light" | "dark" } = {}) => signedInPage(browser, server.url, fixture().admin.cookie, opts);
  const clientPage = async () => {
    const { client } = createClient(server.deps, CLI_ACTOR, { name: "Wiki", callbackUrls: ["https://wiki.example.com/callback"], unrestricted: true });
    const page = await adminPage();
    await page.goto(`${server.url}/settings/admin/oidc-clients/${client.id}`);
    const loads: string[] = [];
    page.on("load", () => loads.push(page.url()));
    return { client, page, loads };
  };
  return { fixture, adminPage, clientPage };
}
