/**
 * The set-up every browser test file repeats: a server and a headless Chromium for the file (or describe
 * block), plus stand-in applications when the test leaves Latchkey for one; all stopped afterwards.
 *
 *   let server: TestServer; let browser: TestBrowser;
 *   browserWorld((w) => ({ server, browser } = w));                                  // startTestServer()
 *   browserWorld((w) => ({ server, browser, apps } = w), { appHosts: { "git.example.com": null } });
 *   browserWorld((w) => ({ server: target, browser } = w), { start: startMyTarget }); // any server with stop()
 *
 * `env` goes to startTestServer; `start` replaces it. The server and the browser start side by side.
 */
import { afterAll, beforeAll } from "bun:test";
import { startAppHosts, type AppHandler, type AppHosts } from "./app-hosts.ts";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { startTestServer, type TestServer } from "./server.ts";

export interface BrowserWorld<S> {
  server: S;
  browser: TestBrowser;
  /** The stand-in applications, when `appHosts` was given. */
  apps: AppHosts | null;
}

export function browserWorld<S extends { stop(): Promise<unknown> } = TestServer>(
  assign: (world: BrowserWorld<S>) => void,
  opts: { env?: Record<string, string>; start?: () => Promise<S>; appHosts?: Record<string, AppHandler> } = {},
): void {
  let world: Partial<BrowserWorld<S>> = {};
  beforeAll(async () => {
    const apps = opts.appHosts ? await startAppHosts(opts.appHosts) : null;
    world.apps = apps;
    const start = opts.start ?? (() => startTestServer(opts.env) as unknown as Promise<S>);
    const [server, browser] = await Promise.allSettled([start(), launchBrowser({ appHosts: apps ?? undefined })]);
    if (server.status === "fulfilled") world.server = server.value;
    if (browser.status === "fulfilled") world.browser = browser.value;
    if (server.status === "rejected") throw server.reason;
    if (browser.status === "rejected") throw browser.reason;
    assign(world as BrowserWorld<S>);
  }, 120_000);
  afterAll(async () => {
    await world.browser?.close();
    await world.server?.stop();
    world.apps?.stop();
    world = {};
  });
}
