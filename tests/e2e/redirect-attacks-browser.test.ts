/**
 * Issue 17 finding 1 in a real Chromium: a signed-in person follows an attacker's /authorize or
 * end-session link whose redirect URI aims past a wildcard registration. The browser must stay on our
 * 400 page and never ask another host for anything; a registered host still gets its code (the
 * control that shows the trap would catch a leak).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import type { Page } from "playwright-core";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { type OidcClient } from "../../src/oidc/clients.ts";
import { launchBrowser, type TestBrowser } from "../helpers/browser.ts";
import { CHALLENGE } from "../helpers/oidc-flow.ts";
import { insertTestUser, signIn } from "../helpers/oidc-fixtures.ts";
import { HOST_ATTACKS, PATH_ANY_ATTACKS, PATH_ONE_ATTACKS } from "../helpers/redirect-attacks.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let client: OidcClient;
/** Every request the browser started to a host other than ours. */
const foreign: string[] = [];

const PATTERNS = ["https://*.example.com/cb", "https://app.example.com/p/*", "https://app.example.com/d/**"];

beforeAll(async () => {
  server = await startTestServer({ DISABLE_RATE_LIMITING: "true" });
  const user = insertTestUser(server.deps, { username: "alice" });
  const { token } = signIn(server.deps, user.id);
  client = createClient(server.deps, CLI_ACTOR, {
    name: "Wildcard app",
    callbackUrls: PATTERNS,
    logoutCallbackUrls: PATTERNS,
    isPublic: true,
    unrestricted: true,
    skipConsent: true,
  }).client;
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.context().addCookies([{ name: "latchkey_session", value: token, url: server.url }]);
  // Redirects are not routed through context.route, so every request the page starts is watched instead
  // (*.example.com does not resolve here: a followed redirect shows up as a request, then fails).
  const ours = new URL(server.url).host;
  page.on("request", (request) => {
    if (new URL(request.url()).host !== ours) foreign.push(request.url());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function authorizeQuery(redirectUri: string): string {
  return new URLSearchParams({
    client_id: client.id,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: "openid",
    state: "st4te",
    code_challenge: CHALLENGE,
    code_challenge_method: "S256",
  }).toString();
}

/** Opens `path` and returns the status of the last response of our own that the page shows. */
async function open(path: string): Promise<number | null> {
  foreign.length = 0;
  const res = await page.goto(server.url + path, { waitUntil: "load" }).catch(() => null);
  return res?.status() ?? null;
}

// Variants that parse at all (the rest cannot even be typed into a link meaningfully, and the unit and
// app.handle tests cover them). Both decoded forms of the string are among them.
const VARIANTS = [...HOST_ATTACKS, ...PATH_ONE_ATTACKS, ...PATH_ANY_ATTACKS].filter((c) => c !== "" && !c.startsWith(" ")).filter((_, i) => i % 2 === 0);

describe("Chromium never leaves for an attacker's redirect URI", () => {

  test("the issue's link, exactly as sent", async () => {
    const status = await open(
      `/authorize?client_id=${client.id}&redirect_uri=https%3A%2F%2Fevil%252Ecom%5C.example.com%2Fcb&response_type=code&scope=openid&state=s&code_challenge=${CHALLENGE}&code_challenge_method=S256`,
    );
    expect(status).toBe(400);
    expect(foreign).toEqual([]);
    expect(await page.locator("h1").textContent()).toBe("Invalid callback URL");
  });

  test("every /authorize variant stays on our error page", async () => {
    const leaks: string[] = [];
    for (const candidate of VARIANTS) {
      const status = await open(`/authorize?${authorizeQuery(candidate)}`);
      if (status !== 400 || foreign.length > 0 || new URL(page.url()).origin !== server.url) leaks.push(`${JSON.stringify(candidate)} → ${status} ${foreign.join(" ")}`);
    }
    expect(leaks).toEqual([]);
    expect(VARIANTS.length).toBeGreaterThan(60);
  }, 120_000);

  test("every post_logout_redirect_uri variant stays on our error page", async () => {
    const leaks: string[] = [];
    for (const candidate of VARIANTS) {
      const q = new URLSearchParams({ client_id: client.id, post_logout_redirect_uri: candidate, state: "bye" });
      const status = await open(`/api/oidc/end-session?${q}`);
      if (status !== 400 || foreign.length > 0 || new URL(page.url()).origin !== server.url) leaks.push(`${JSON.stringify(candidate)} → ${status} ${foreign.join(" ")}`);
    }
    expect(leaks).toEqual([]);
  }, 120_000);

  // Last: the failed navigation to the unresolvable host would interrupt the next page.goto.
  test("control: a registered host gets the code", async () => {
    await open(`/authorize?${authorizeQuery("https://a.example.com/cb")}`);
    expect(foreign.length).toBe(1);
    const leaked = new URL(foreign[0]!);
    expect(leaked.host).toBe("a.example.com");
    expect(leaked.searchParams.get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
