/**
 * The sign-in page's branding: the uploaded application logo replaces the built-in key, and a sign-in that
 * /authorize started names the application (read from the stored client, never from the URL) with its logo.
 */
import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { uploadAppImage } from "../../../src/admin/branding.ts";
import { saveClientLogo } from "../../../src/admin/client-logos.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import { encodePng } from "../../../src/lib/png.ts";
import { adminWorld } from "../../helpers/admin-fixture.ts";
import { CALLBACK, CHALLENGE } from "../../helpers/oidc-flow.ts";
import { req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
adminWorld((w) => ({ app, deps } = w));

const png = encodePng(2, 2, new Uint8Array(12).fill(90));

async function page(path: string): Promise<string> {
  const res = await app.handle(req(deps, path));
  expect(res.status).toBe(200);
  return res.text();
}

const loginVia = (redirect: string) => `/login?redirect=${encodeURIComponent(redirect)}`;

/** Starts an authorization as an anonymous visitor and returns where /authorize sends them (the sign-in page). */
async function authorizeAnonymously(clientId: string): Promise<string> {
  const q = new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, response_type: "code", scope: "openid", state: "s", code_challenge: CHALLENGE, code_challenge_method: "S256" });
  const res = await app.handle(req(deps, `/authorize?${q}`));
  expect(res.status).toBe(303);
  const location = res.headers.get("location")!;
  expect(location).toStartWith("/login?redirect=%2Fauthorize%3Finteraction%3D");
  return location;
}

describe("the application logo on the sign-in page", () => {
  test("without an uploaded logo the built-in key is shown", async () => {
    const html = await page("/login");
    expect(html).toMatch(/<div class="brand-mark"><img src="\/static\/[^"]*favicon[^"]*\.svg" alt=""\/?>/);
    expect(html).not.toContain("/branding/logo");
    expect(html).toContain('<h1 id="login-title">Sign in</h1>');
  });

  test("an uploaded logo replaces the key, with the dark variant for dark mode", async () => {
    await uploadAppImage(deps, CLI_ACTOR, "logo-light", png);
    const html = await page("/login");
    const mark = html.slice(html.indexOf('<div class="brand-mark">'), html.indexOf("</div>", html.indexOf('<div class="brand-mark">')));
    expect(mark).toContain('<source media="(prefers-color-scheme: dark)" srcset="/branding/logo?light=false"');
    expect(mark).toContain('<img src="/branding/logo" alt="" class="brand-logo"');
    expect(mark).not.toContain("favicon");
    const logo = await app.handle(req(deps, "/branding/logo"));
    expect(logo.headers.get("content-type")).toBe("image/png");
  });
});

describe("signing in to an application", () => {
  test("/authorize's sign-in page names the client and shows its logo", async () => {
    const { client } = createClient(deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: [CALLBACK], unrestricted: true });
    await saveClientLogo(deps, CLI_ACTOR, client.id, png, false);
    const html = await page(await authorizeAnonymously(client.id));
    expect(html).toContain('<h1 id="login-title">Sign in to Forgejo</h1>');
    expect(html).toContain("<title>Sign in to Forgejo · ");
    expect(html).toContain(`<img src="/api/oidc/clients/${client.id}/logo" alt="" width="40" height="40"`);
    expect(html).not.toContain("?light=false\""); // no dark client logo, no application logo: no dark sources
  });

  test("a client without a logo gets its initial; a client_id in the redirect works too", async () => {
    const { client } = createClient(deps, CLI_ACTOR, { name: "wiki", callbackUrls: [CALLBACK], unrestricted: true });
    const html = await page(loginVia(`/authorize?client_id=${client.id}&response_type=code`));
    expect(html).toContain('<h1 id="login-title">Sign in to wiki</h1>');
    expect(html).toContain('<div class="client-tile" aria-hidden="true"><span>W</span></div>');
    expect(html).not.toContain("/api/oidc/clients/");
  });

  test("an unknown client, an expired interaction or another path shows the plain page", async () => {
    for (const redirect of ["/authorize?client_id=nope&client_name=Evil", "/authorize?interaction=" + "a".repeat(43), "/authorize?interaction=x&client_id=nope", "/settings/account?client_id=nope"]) {
      const html = await page(loginVia(redirect));
      expect(html).toContain('<h1 id="login-title">Sign in</h1>');
      expect(html).not.toContain("client-tile");
      expect(html).not.toContain("Sign in to");
    }
  });

  test("the client's name is escaped", async () => {
    const name = `<img src=x onerror=alert(1)>"&'`;
    const { client } = createClient(deps, CLI_ACTOR, { name, callbackUrls: [CALLBACK], unrestricted: true });
    const html = await page(await authorizeAnonymously(client.id));
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("Sign in to &lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#x27;</h1>");
    expect(html).toContain('<span>&lt;</span>'); // the initial tile
  });
});
