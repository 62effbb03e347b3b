/**
 * Administering clients registered by a Client ID Metadata Document, and logos by URL: the API (GET by ~base64url id,
 * clientType, PUT changing only the administrator's fields, POST …/refresh, logoUrl/darkLogoUrl on create and update)
 * and the admin pages (badge, read-only document section, refresh and logo-URL forms with CSRF), against a real
 * loopback HTTPS host (tests/helpers/document-host.ts); downloads refused for private addresses, wrong types and size.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { updateAppConfig } from "../../../src/admin/app-config.ts";
import { clientLogo } from "../../../src/admin/client-logos.ts";
import { findClientById } from "../../../src/oidc/clients.ts";
import { resolveClientMetadata } from "../../../src/oidc/client-metadata-documents.ts";
import { clientIdFromPath, clientPathSegment } from "../../../src/http/client-id-param.ts";
import { nowSeconds } from "../../../src/lib/clock.ts";
import { adminWorld, apiReq, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { startDocumentHost, type DocumentHost } from "../../helpers/document-host.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";

// A 1×1 PNG.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

let app: App;
let deps: TestDeps;
let f: AdminFixture;
let host: DocumentHost;
let doc: Record<string, unknown>;
let clientId: string;

adminWorld((w) => ({ app, deps, f } = w));
beforeAll(async () => {
  host = await startDocumentHost({ timeoutMs: 1000 });
  clientId = host.url("app.test", "/oauth/client.json");
  host.serve("/oauth/client.json", () => Response.json(doc));
  host.serve("/img/logo.png", () => new Response(PNG, { headers: { "content-type": "image/png" } }));
  host.serve("/img/moved.png", () => Response.redirect(host.url("logos.test", "/img/logo.png"), 302));
  host.serve("/img/to-private.png", () => Response.redirect("https://10.0.0.5/logo.png", 302));
  host.serve("/img/logo.svg", () => new Response("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", { headers: { "content-type": "image/svg+xml" } }));
  host.serve("/img/page.html", () => new Response("<html></html>", { headers: { "content-type": "text/html" } }));
  host.serve("/img/huge.png", () => new Response(new Uint8Array(3 * 1024 * 1024), { headers: { "content-type": "image/png" } }));
});
afterAll(() => host.stop());

beforeEach(async () => {
  app.web.outbound = host.policy;
  updateAppConfig(deps.db, { cimdUrlAllowlist: [host.url("app.test", "/oauth/**")] }, nowSeconds(deps.clock));
  doc = { client_id: clientId, client_name: "Doc App", redirect_uris: ["https://app.example.com/cb"], token_endpoint_auth_method: "none" };
  const r = await resolveClientMetadata({ ...deps, outbound: host.policy }, clientId);
  expect(r.kind).toBe("client");
});

const enc = () => clientPathSegment(clientId);

describe("client ids in paths", () => {
  test("a URL id travels as ~base64url and comes back; plain ids are unchanged", () => {
    expect(enc().startsWith("~")).toBe(true);
    expect(clientIdFromPath(enc())).toBe(clientId);
    expect(clientPathSegment("my-app.1")).toBe("my-app.1");
    expect(clientIdFromPath("~%%%")).toBe("~%%%");
    expect(clientIdFromPath("~_w")).toBe("~_w"); // not UTF-8: left as it is (and then unknown)
  });
});

describe("API", () => {
  test("GET by ~base64url (and percent-encoded) id shows clientType cimd, its expiry and grant types", async () => {
    for (const segment of [enc(), encodeURIComponent(clientId)]) {
      const res = await app.handle(apiReq(deps, f.admin.key, "GET", `/api/oidc/clients/${segment}`));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: clientId, clientType: "cimd", name: "Doc App", isPublic: true, metadataGrantTypes: ["authorization_code"], metadataExpiresAt: expect.any(String) });
    }
    const meta = await app.handle(apiReq(deps, null, "GET", `/api/oidc/clients/${enc()}/meta`));
    expect(await meta.json()).toMatchObject({ clientType: "cimd" });
  });

  test("PUT changes only the administrator's fields; what the document owns is ignored", async () => {
    const res = await app.handle(
      apiReq(deps, f.admin.key, "PUT", `/api/oidc/clients/${enc()}`, { name: "Renamed", callbackURLs: ["https://evil.example.com/cb"], isPublic: false, description: "Ours", skipConsent: true, isGroupRestricted: true }),
    );
    expect(res.status).toBe(200);
    const c = findClientById(deps.db, clientId)!;
    expect(c).toMatchObject({ name: "Doc App", callbackUrls: ["https://app.example.com/cb"], isPublic: true, description: "Ours", skipConsent: true, unrestricted: false });
  });

  test("POST …/refresh fetches the document now and is audited; a refused document leaves the client as it was", async () => {
    doc = { ...doc, client_name: "Doc App 2" };
    const res = await app.handle(apiReq(deps, f.admin.key, "POST", `/api/oidc/clients/${enc()}/refresh`));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe("Doc App 2");
    const audit = deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE data LIKE '%refresh_metadata%'").get()!;
    expect(audit.n).toBe(1);
    doc = { ...doc, client_id: `${clientId}x` };
    const refused = await app.handle(apiReq(deps, f.admin.key, "POST", `/api/oidc/clients/${enc()}/refresh`));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toContain("client_id is not the URL");
    expect(findClientById(deps.db, clientId)!.name).toBe("Doc App 2");
  });

  test("POST …/refresh: a standard client is 400, an unknown one 404, a member 403", async () => {
    const created = await app.handle(apiReq(deps, f.admin.key, "POST", "/api/oidc/clients", { name: "Std", callbackURLs: ["https://std.example.com/cb"] }));
    const { id } = (await created.json()) as { id: string };
    expect((await app.handle(apiReq(deps, f.admin.key, "POST", `/api/oidc/clients/${id}/refresh`))).status).toBe(400);
    expect((await app.handle(apiReq(deps, f.admin.key, "POST", `/api/oidc/clients/nope/refresh`))).status).toBe(404);
    expect((await app.handle(apiReq(deps, f.member.key, "POST", `/api/oidc/clients/${enc()}/refresh`))).status).toBe(403);
  });
});

describe("logos by URL", () => {
  test("create with logoUrl and darkLogoUrl: downloaded (redirect followed and re-checked) and stored", async () => {
    const res = await app.handle(
      apiReq(deps, f.admin.key, "POST", "/api/oidc/clients", { name: "Logo App", callbackURLs: ["https://l.example.com/cb"], logoUrl: host.url("logos.test", "/img/logo.png"), darkLogoUrl: host.url("logos.test", "/img/moved.png") }),
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; hasLogo: boolean; hasDarkLogo: boolean };
    expect(body).toMatchObject({ hasLogo: true, hasDarkLogo: true });
    expect(clientLogo(deps.db, body.id, false)!.type).toBe("image/png");
  });

  test.each([
    ["a private address (production rules)", "https://10.0.0.5/logo.png", 400],
    ["a redirect to a private address", "/img/to-private.png", 400],
    ["cloud metadata over plain http", "http://169.254.169.254/latest/meta-data/", 400],
    ["SVG", "/img/logo.svg", 415],
    ["HTML", "/img/page.html", 400],
    ["more than 2 MB", "/img/huge.png", 413],
    ["a missing image", "/img/none.png", 400],
    ["a private address as IPv4-mapped IPv6", "https://[::ffff:10.0.0.5]/logo.png", 400],
    ["a private address in hexadecimal", "https://0x0a000005/logo.png", 400],
    ["the unspecified address", "https://0.0.0.0/logo.png", 400],
    ["link-local IPv6", "https://[fe80::1]/logo.png", 400],
    ["credentials", "https://u:p@logos.test/img/logo.png", 400],
    ["a file URL", "file:///etc/passwd", 400],
    ["a data URL", "data:image/png;base64,iVBORw0KGgo=", 400],
    ["whitespace only", "   ", 400],
    ["not a URL", "logo.png", 400],
    ["a huge URL", `https://logos.test/${"a".repeat(5000)}.png`, 400],
  ])("refused: %s — and no client is created", async (_name, url, status) => {
    const logoUrl = url.startsWith("/") ? host.url("logos.test", url) : url;
    const res = await app.handle(apiReq(deps, f.admin.key, "POST", "/api/oidc/clients", { name: "Bad Logo", callbackURLs: ["https://b.example.com/cb"], logoUrl }));
    expect(res.status).toBe(status);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM oidc_clients WHERE name = 'Bad Logo'").get()!.n).toBe(0);
  });

  test("update with logoUrl stores the light logo; a refused one changes nothing", async () => {
    const ok = await app.handle(apiReq(deps, f.admin.key, "PUT", `/api/oidc/clients/${enc()}`, { logoUrl: host.url("logos.test", "/img/logo.png") }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { hasLogo: boolean }).hasLogo).toBe(true);
    const bad = await app.handle(apiReq(deps, f.admin.key, "PUT", `/api/oidc/clients/${enc()}`, { description: "changed", darkLogoUrl: "https://192.168.1.1/x.png" }));
    expect(bad.status).toBe(400);
    expect(findClientById(deps.db, clientId)!).toMatchObject({ description: "", hasDarkLogo: false });
  });
});

describe("admin pages", () => {
  test("the list marks the client; its page shows the document read-only and no name or callback inputs", async () => {
    const list = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/oidc-clients"))).text();
    expect(list).toContain("Metadata document");
    expect(list).toContain(`/settings/admin/oidc-clients/${enc()}`);
    const res = await app.handle(pageReq(deps, f.admin, "GET", `/settings/admin/oidc-clients/${enc()}`));
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('id="client-document"');
    expect(page).toContain("https://app.example.com/cb");
    expect(page).not.toContain('name="name"');
    expect(page).not.toContain('name="callbackUrl"');
    expect(page).toContain('name="description"');
  });

  test("Fetch the document now: needs CSRF; shows the new name; a refusal is shown in the section (422)", async () => {
    const path = `/settings/admin/oidc-clients/${enc()}/refresh`;
    expect((await app.handle(pageReq(deps, f.admin, "POST", path, { csrf: false, htmx: true }))).status).toBe(403);
    doc = { ...doc, client_name: "Fresh Name" };
    const ok = await app.handle(pageReq(deps, f.admin, "POST", path, { htmx: true }));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("Fresh Name");
    host.serve("/oauth/client.json", () => new Response("no", { status: 503 }));
    const refused = await app.handle(pageReq(deps, f.admin, "POST", path, { htmx: true }));
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("answered 503");
    host.serve("/oauth/client.json", () => Response.json(doc));
  });

  test("the logo form downloads from a URL; a private address is refused in the section", async () => {
    const path = `/settings/admin/oidc-clients/${enc()}/logo-url?variant=dark`;
    const ok = await app.handle(pageReq(deps, f.admin, "POST", path, { htmx: true, form: { logoUrl: host.url("logos.test", "/img/logo.png") } }));
    expect(ok.status).toBe(200);
    expect(findClientById(deps.db, clientId)!.hasDarkLogo).toBe(true);
    const bad = await app.handle(pageReq(deps, f.admin, "POST", `/settings/admin/oidc-clients/${enc()}/logo-url?variant=light`, { htmx: true, form: { logoUrl: "https://169.254.169.254/x.png" } }));
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("not public");
    expect(findClientById(deps.db, clientId)!.hasLogo).toBe(false);
  });
});
