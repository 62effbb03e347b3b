/**
 * The token preview on a client's admin page (templates/pages/admin/client-preview.tsx), through app.handle:
 * - htmx gets only #client-preview-result: the three claim sets, or the reason it cannot (422);
 * - a plain GET (no JavaScript) gets the whole client page with the result in place;
 * - what the admin typed comes back escaped; members are refused (403); nothing is written.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { createClient } from "../../../src/admin/oidc-clients.ts";
import type { OidcClient } from "../../../src/oidc/clients.ts";
import { adminWorld, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
adminWorld((w) => ({ app, deps, f } = w));

let client: OidcClient;
beforeEach(() => {
  client = createClient(deps, CLI_ACTOR, { name: "Wiki", callbackUrls: ["https://wiki.example.com/callback"], unrestricted: true }).client;
});

async function previewPage(query: string, opts: { htmx?: boolean; as?: "admin" | "member" } = {}) {
  const res = await app.handle(pageReq(deps, f[opts.as ?? "admin"], "GET", `/settings/admin/oidc-clients/${client.id}/preview?${query}`, { htmx: opts.htmx }));
  return { status: res.status, html: await res.text() };
}

const decode = (s: string) => s.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&amp;", "&");

describe("the token preview on a client's page", () => {
  test("htmx: only the result, with the ticked scopes' claims", async () => {
    const r = await previewPage("user=bob%40example.com&scope=openid&scope=email", { htmx: true });
    expect(r.status).toBe(200);
    expect(r.html.startsWith('<div id="client-preview-result"')).toBe(true);
    expect(r.html).not.toContain("<html");
    const text = decode(r.html);
    expect(text).toContain('"email": "bob@example.com"');
    expect(text).toContain(`"aud": "${client.id}"`);
    expect(text).not.toContain('"preferred_username"');
    expect(r.html).toContain("ID token");
    expect(r.html).toContain("Userinfo");
  });

  test("without openid: the ID token and userinfo say they are not issued", async () => {
    const r = await previewPage("user=bob&scope=profile", { htmx: true });
    expect(r.status).toBe(200);
    expect(r.html.split("Not issued without the openid scope.").length - 1).toBe(2);
  });

  test("a plain GET renders the whole page with the result and the form as sent", async () => {
    const r = await previewPage("user=bob&scope=openid&scope=profile");
    expect(r.status).toBe(200);
    expect(r.html).toContain("<html");
    expect(r.html).toContain('id="client-form"');
    expect(decode(r.html)).toContain('"preferred_username": "bob"');
    expect(r.html).toMatch(/<input[^>]*name="scope"[^>]*value="profile"[^>]*checked/);
    expect(r.html).not.toMatch(/<input[^>]*name="scope"[^>]*value="groups"[^>]*checked/);
  });

  test("refusals come back as the reason, 422, escaped", async () => {
    const nobody = await previewPage(`user=${encodeURIComponent('<img src=x onerror="alert(1)">')}&scope=openid`, { htmx: true });
    expect(nobody.status).toBe(422);
    expect(nobody.html).not.toContain("<img");
    expect(nobody.html).toContain("Nobody has the username or email “&lt;img src=x onerror=");
    const empty = await previewPage("user=&scope=openid", { htmx: true });
    expect(empty.status).toBe(422);
    expect(empty.html).toContain("Enter the username or email of the person to preview.");
    const noScope = await previewPage("user=bob", { htmx: true });
    expect(noScope.status).toBe(422);
    expect(noScope.html).toContain("at least one of: openid profile email groups offline_access");
  });

  test("members are refused; nothing is written", async () => {
    const before = deps.db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit_logs").get()!.n;
    expect((await previewPage("user=bob&scope=openid", { as: "member" })).status).toBe(403);
    expect((await previewPage("user=bob&scope=openid", { htmx: true })).status).toBe(200);
    expect(deps.db.query<{ n: number }, []>("SELECT count(*) AS n FROM oidc_grants").get()!.n).toBe(0);
    expect(deps.db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit_logs").get()!.n).toBe(before);
  });
});
