/**
 * The whole OIDC journey: openid-client as the application, headless Chromium with a virtual passkey
 * authenticator as the person, against the app in this process and against the compiled binary.
 * discovery → authorization URL (PKCE, state, nonce) → passkey sign-in → consent → code → tokens →
 * ID token verified against the JWKS → userinfo → refresh (rotation checked) → prompt=login
 * re-authentication (confidential client) → end-session;
 * once for a confidential client and once for a public client. The applications are stand-ins on loopback
 * (../helpers/app-hosts.ts): every leg that leaves for one ends on its loaded page, reached by the same
 * redirect chain as in real life (so CSP form-action is exercised on the consent and re-authentication forms).
 */
import { describe, expect, test } from "bun:test";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import * as oidc from "openid-client";
import type { Page } from "playwright-core";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { redirect, type AppHandler, type AppHosts } from "../helpers/app-hosts.ts";
import { startBinary } from "../helpers/binary.ts";
import { newPasskeyPage, setUpFirstAdmin, signOutFromHeader, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import { authorizationRequest, discoverClient } from "../helpers/relying-party.ts";
import { startTestServer } from "../helpers/server.ts";
import { TEST_ENCRYPTION_KEY } from "../helpers/test-deps.ts";

interface ClientSpec {
  name: string;
  callbackUrl: string;
  logoutUrl: string;
  isPublic: boolean;
}

interface Target {
  url: string;
  /** Registers a client the way an operator would script it; returns id and (confidential) secret. */
  createClient(spec: ClientSpec): Promise<{ id: string; secret?: string }>;
  stop(): Promise<unknown>;
}

const TARGETS: [string, () => Promise<Target>][] = [
  [
    "in-process server",
    async () => {
      const server = await startTestServer();
      return {
        url: server.url,
        async createClient(spec) {
          const { client, secret } = createClient(server.deps, CLI_ACTOR, {
            name: spec.name,
            callbackUrls: [spec.callbackUrl],
            logoutCallbackUrls: [spec.logoutUrl],
            isPublic: spec.isPublic,
            pkceEnabled: true,
            unrestricted: true,
          });
          return { id: client.id, secret: secret?.secret };
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
        async createClient(spec) {
          const args = ["client", "create", "--name", spec.name, "--callback-url", spec.callbackUrl, "--logout-callback-url", spec.logoutUrl, "--pkce", "--unrestricted"];
          if (spec.isPublic) args.push("--public");
          // A second process on the same data folder while the server runs (SQLite WAL).
          const cli = await startBinary({ args, cwd: bin.dir, env: { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, APP_URL: bin.url }, waitUntilHealthy: false });
          expect(await cli.exited).toBe(0);
          const out = JSON.parse(cli.stdout()) as { id: string; secret?: string };
          await cli.cleanup();
          return out;
        },
        stop: () => bin.cleanup(),
      };
    },
  ],
];

/** Where both applications' callbacks send the browser on to (like oauth2-proxy, to the protected app). */
const ONWARD = "https://protected.example.com/home";

/** The applications: a callback sends the browser on to ONWARD; any other page (the logout landing) is a plain page. */
const app: AppHandler = (url) => (url.pathname.endsWith("/callback") ? redirect(ONWARD) : null);
const APPS = { "git.example.com": app, "spa.example.com": app, "protected.example.com": null };

async function journey(page: Page, base: string, target: Target, apps: AppHosts, spec: ClientSpec): Promise<void> {
  const registered = await target.createClient(spec);
  expect(registered.id).toMatch(/^[0-9a-f-]{36}$/);
  if (spec.isPublic) expect(registered.secret).toBeUndefined();
  else expect(registered.secret).toMatch(/^[A-Za-z0-9]{32}$/);

  // The ID token's signature is checked against the JWKS (discoverClient turns that on).
  const config = await discoverClient(base, registered.id, registered.secret);
  const appHost = new URL(spec.callbackUrl).host;
  const request = await authorizationRequest(config, spec.callbackUrl, { nonce: true });

  // Not signed in: the passkey sign-in page, then back into the flow.
  await page.goto(request.url.href);
  await page.waitForURL((u) => u.pathname === "/login");
  await page.locator("[data-passkey-login]").click();

  // First use of this application: the consent screen.
  await page.waitForURL((u) => u.pathname === "/authorize");
  expect(await page.locator("h1").textContent()).toContain(`Allow ${spec.name}?`);
  expect(await page.locator(".scope-list").textContent()).toContain("See your email address");
  // The form's answer redirects to the callback, which redirects on: CSP form-action must allow the whole chain.
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL(ONWARD);
  const callback = apps.last(appHost)!;
  expect(callback.href.startsWith(`${spec.callbackUrl}?`)).toBe(true);
  expect(callback.searchParams.get("state")).toBe(request.state);
  expect(callback.searchParams.get("iss")).toBe(base);

  const tokens = await oidc.authorizationCodeGrant(config, callback, request.checks);
  const claims = tokens.claims()!;
  expect(claims.iss).toBe(base);
  expect(claims.aud).toBe(registered.id);
  expect(claims.preferred_username).toBe("ada");
  expect(claims.email).toBe("ada@example.com");
  expect(claims.amr).toEqual(["phr"]);
  expect(typeof claims.auth_time).toBe("number");

  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  expect(info).toMatchObject({ sub: claims.sub, name: "Ada Lovelace", given_name: "Ada", family_name: "Lovelace", email: "ada@example.com", groups: [] });

  // Refresh: a new refresh token each time; the old one is dead.
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  expect(refreshed.refresh_token).toBeTruthy();
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  expect(refreshed.claims()!.sub).toBe(claims.sub);
  const again = await oidc.refreshTokenGrant(config, refreshed.refresh_token!);
  expect(again.refresh_token).not.toBe(refreshed.refresh_token);
  await expect(oidc.fetchUserInfo(config, again.access_token, claims.sub)).resolves.toMatchObject({ sub: claims.sub });

  if (!spec.isPublic) {
    // prompt=login: a fresh passkey assertion on /reauthenticate, then straight back (consent is remembered).
    // auth_time counts whole seconds: wait until the clock has left the first sign-in's second, so the new one differs.
    await Bun.sleep(Math.max(0, ((claims.auth_time as number) + 1) * 1000 - Date.now()));
    const fresh = await authorizationRequest(config, spec.callbackUrl, { nonce: true, params: { prompt: "login" } });
    await page.goto(fresh.url.href);
    await page.waitForURL((u) => u.pathname === "/reauthenticate");
    await page.locator("[data-passkey-reauth]").click();
    await page.waitForURL(ONWARD);
    const second = await oidc.authorizationCodeGrant(config, apps.last(appHost)!, fresh.checks);
    expect(second.claims()!.auth_time as number).toBeGreaterThan(claims.auth_time as number);
  }

  // RP-initiated logout: back to the application with state; the browser session is over.
  const endUrl = oidc.buildEndSessionUrl(config, { id_token_hint: again.id_token ?? tokens.id_token!, post_logout_redirect_uri: spec.logoutUrl, state: "bye" });
  await page.goto(endUrl.href); // resolves once the application's logout page has loaded
  const logoutLanding = new URL(page.url());
  expect(logoutLanding.href.startsWith(spec.logoutUrl)).toBe(true);
  expect(logoutLanding.searchParams.get("state")).toBe("bye");
  // The refresh tokens of that sign-in are revoked.
  await expect(oidc.refreshTokenGrant(config, again.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
  // The browser session is over (asked with the browser's own cookies).
  const account = await page.context().request.get(`${base}/settings/account`, { maxRedirects: 0 });
  expect(account.status()).toBeGreaterThanOrEqual(300);
  expect(account.status()).toBeLessThan(400);
  expect(new URL(account.headers()["location"]!, base).pathname).toBe("/login");
}

for (const [label, start] of TARGETS) {
  describe(`OIDC journey in Chromium (${label})`, () => {
    let target: Target;
    let apps: AppHosts;
    let browser: TestBrowser;
    browserWorld(
      (w) => {
        ({ server: target, browser } = w);
        apps = w.apps!;
      },
      { start, appHosts: APPS },
    );

    test("confidential and public client: passkey sign-in → consent → tokens → userinfo → refresh → end-session", async () => {
      const base = target.url;
      const { page } = await newPasskeyPage(browser);
      await setUpFirstAdmin(page, base);
      await signOutFromHeader(page, base);
      await journey(page, base, target, apps, {
        name: "Forgejo",
        callbackUrl: "https://git.example.com/user/oauth2/Pocket/callback",
        logoutUrl: "https://git.example.com/logged-out",
        isPublic: false,
      });
      await journey(page, base, target, apps, {
        name: "Single-page app",
        callbackUrl: "https://spa.example.com/callback",
        logoutUrl: "https://spa.example.com/",
        isPublic: true,
      });
    }, 120_000);
  });
}
