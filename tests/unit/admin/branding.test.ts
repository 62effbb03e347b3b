import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { encodePng } from "../../../src/lib/png.ts";
import { emailBrand } from "../../../src/mail/emails.ts";
import { adminWorld, apiReq, json, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;

adminWorld((w) => ({ app, deps, f } = w));

const png = encodePng(2, 2, new Uint8Array(12).fill(90));
function upload(path: string, bytes: Uint8Array, key = f.admin.key) {
  const fd = new FormData();
  fd.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), "img");
  return app.handle(new Request(deps.config.appUrl + path, { method: "PUT", headers: { "X-API-Key": key }, body: fd }));
}

describe("branding", () => {
  test("every page links /branding.css; the accent colour and animations setting reach it", async () => {
    const page = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/users"))).text();
    expect(page).toContain('<link rel="stylesheet" href="/branding.css"/>');
    expect(page).toContain('<img src="/branding/logo"');
    const plain = await (await app.handle(req(deps, "/branding.css"))).text();
    expect(plain).not.toContain("--accent:");
    await json(app, apiReq(deps, f.admin.key, "PUT", "/api/application-configuration", { accentColor: "#0f766e", disableAnimations: true }));
    const css = await app.handle(req(deps, "/branding.css"));
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const text = await css.text();
    expect(text).toContain("--accent: #0f766e;");
    expect(text).toContain("animation: none !important");
  });

  test("images: upload by content type, serve, fall back, delete; the built-in icon by default", async () => {
    const def = await app.handle(req(deps, "/branding/logo"));
    expect(def.headers.get("content-type")).toBe("image/svg+xml");
    // Nothing uploaded: Pocket ID's paths serve a built-in default (the icon; a background picture), cacheable.
    for (const [path, marker] of [["/api/application-images/logo", "#4f46e5"], ["/api/application-images/logo?light=false", "#4f46e5"], ["/api/application-images/favicon", "stroke"], ["/api/application-images/background", "linearGradient"]] as const) {
      const res = await app.handle(req(deps, path));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/svg+xml");
      expect(res.headers.get("cache-control")).toBe("public, max-age=300");
      expect(res.headers.get("content-security-policy")).toStartWith("default-src 'none'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await res.text()).toContain(marker);
      const etag = res.headers.get("etag")!;
      expect(etag).toMatch(/^"[0-9a-f]+"$/);
      const again = await app.handle(new Request(deps.config.appUrl + path, { headers: { "if-none-match": etag } }));
      expect(again.status).toBe(304);
    }
    const defaultLogo = await (await app.handle(req(deps, "/api/application-images/logo"))).text();
    expect((await upload("/api/application-images/logo", new TextEncoder().encode("<svg/>"))).status).toBe(415);
    expect((await upload("/api/application-images/logo", png, f.member.key)).status).toBe(403);
    expect((await upload("/api/application-images/logo", png)).status).toBe(204);
    expect((await app.handle(req(deps, "/branding/logo?light=false"))).headers.get("content-type")).toBe("image/png");
    expect((await app.handle(req(deps, "/api/application-images/logo?light=false"))).status).toBe(200);
    expect((await upload("/api/application-images/background", png)).status).toBe(204);
    expect(await (await app.handle(req(deps, "/branding.css"))).text()).toContain('url("/api/application-images/background?v=');
    expect((await upload("/api/application-images/nonsense", png)).status).toBe(404);
    const uploaded = await app.handle(req(deps, "/api/application-images/logo"));
    expect(uploaded.headers.get("content-type")).toBe("image/png");
    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", "/api/application-images/logo"))).status).toBe(204);
    const reset = await app.handle(req(deps, "/api/application-images/logo"));
    expect(reset.headers.get("content-type")).toBe("image/svg+xml");
    expect(await reset.text()).toBe(defaultLogo);
  });

  test.each([
    "..%2F..%2Fetc%2Fpasswd",
    "..%2Fbackground",
    "favicon%00.png",
    "logo.svg",
    "LOGO",
    "default-profile-picture%2F..%2Ffavicon",
    "constructor",
    "__proto__",
  ])("images: an unknown kind %p is 404 for GET, PUT and DELETE; nothing is read or written", async (kind) => {
    for (const method of ["GET", "DELETE"]) {
      const res = await app.handle(apiReq(deps, f.admin.key, method, `/api/application-images/${kind}`));
      expect([method, res.status]).toEqual([method, 404]);
    }
    expect((await upload(`/api/application-images/${kind}`, png)).status).toBe(404);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM kv WHERE key LIKE 'app_image:%'").get()!.n).toBe(0);
  });

  test("configuration page uploads branding images", async () => {
    const fd = new FormData();
    fd.append("file", new Blob([png as Uint8Array<ArrayBuffer>]), "fav.png");
    const res = await app.handle(
      new Request(deps.config.appUrl + "/settings/admin/application-configuration/images/favicon", { method: "POST", headers: { Cookie: f.admin.cookie, "X-CSRF-Token": f.admin.csrf, "HX-Request": "true" }, body: fd }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Image updated.");
    expect((await app.handle(req(deps, "/branding/favicon"))).headers.get("content-type")).toBe("image/png");
  });
});

describe("the e-mail logo (Pocket ID's /api/application-images/email)", () => {
  const gif = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (c) => c.charCodeAt(0));
  const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9]);

  test("falls back to the logo, then the icon; PUT takes PNG or JPEG only (admin); e-mails use it; DELETE falls back again", async () => {
    const icon = await app.handle(req(deps, "/api/application-images/email"));
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
    expect(emailBrand(deps).logoUrl).toBeNull();

    const logo = encodePng(3, 1, new Uint8Array(9).fill(10));
    expect((await upload("/api/application-images/logo", logo)).status).toBe(204);
    const fallback = await app.handle(req(deps, "/api/application-images/email"));
    expect(fallback.headers.get("content-type")).toBe("image/png");
    expect([...new Uint8Array(await fallback.arrayBuffer())]).toEqual([...logo]);
    expect(emailBrand(deps).logoUrl).toBe(`${deps.config.appUrl}/branding/logo`);

    const refused = await upload("/api/application-images/email", gif);
    expect(refused.status).toBe(415);
    expect(((await refused.json()) as { message: string }).message).toBe("Upload the e-mail logo as PNG or JPEG: mail apps do not show other formats reliably.");
    expect((await upload("/api/application-images/email", png, f.member.key)).status).toBe(403);
    expect((await upload("/api/application-images/email", jpeg)).status).toBe(204);
    expect((await app.handle(req(deps, "/api/application-images/email"))).headers.get("content-type")).toBe("image/jpeg");
    expect((await upload("/api/application-images/email", png)).status).toBe(204);
    const own = await app.handle(req(deps, "/api/application-images/email"));
    expect([...new Uint8Array(await own.arrayBuffer())]).toEqual([...png]);
    expect(emailBrand(deps).logoUrl).toBe(`${deps.config.appUrl}/api/application-images/email`);
    // The logo itself is unchanged by it.
    expect([...new Uint8Array(await (await app.handle(req(deps, "/api/application-images/logo"))).arrayBuffer())]).toEqual([...logo]);

    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", "/api/application-images/email"))).status).toBe(204);
    expect([...new Uint8Array(await (await app.handle(req(deps, "/api/application-images/email"))).arrayBuffer())]).toEqual([...logo]);
    const audited = deps.db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit_logs WHERE data LIKE '%logo-email%'").get()!.n;
    expect(audited).toBeGreaterThanOrEqual(3);
  });

  test("the configuration page has its slot (PNG or JPEG), showing the logo until one is uploaded", async () => {
    const page = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/application-configuration"))).text();
    expect(page).toContain('action="/settings/admin/application-configuration/images/logo-email"');
    expect(page).toMatch(/id="img-logo-email"[^>]*accept="image\/png,image\/jpeg"/);
    expect(page).toContain("None: e-mails show the name");
    expect((await upload("/api/application-images/logo", png)).status).toBe(204);
    const after = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/application-configuration"))).text();
    expect(after).toMatch(/<img src="\/api\/application-images\/email\?v=\d+"/);
  });
});

describe("default profile picture (Pocket ID's /api/application-images/default-profile-picture)", () => {
  const PATH = "/api/application-images/default-profile-picture";
  const pic = encodePng(3, 3, new Uint8Array(27).fill(200));
  const picture = (id: string, suffix = ".png") => app.handle(req(deps, `/api/users/${id}/profile-picture${suffix}`));

  test("admin only; 404 while none is set; PUT 204 by content type; GET serves it; DELETE 204 then 404; audited", async () => {
    expect((await app.handle(apiReq(deps, f.admin.key, "GET", PATH))).status).toBe(404);
    expect((await app.handle(apiReq(deps, f.member.key, "GET", PATH))).status).toBe(403);
    expect((await app.handle(req(deps, PATH))).status).toBe(401);
    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", PATH))).status).toBe(404);
    expect((await upload(PATH, pic, f.member.key)).status).toBe(403);
    expect((await upload(PATH, new TextEncoder().encode("<svg/>"))).status).toBe(415);
    expect((await upload(PATH, new Uint8Array(0))).status).toBe(400);
    expect((await upload(PATH, pic)).status).toBe(204);
    const got = await app.handle(apiReq(deps, f.admin.key, "GET", PATH));
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(new Uint8Array(pic));
    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", PATH))).status).toBe(204);
    expect((await app.handle(apiReq(deps, f.admin.key, "GET", PATH))).status).toBe(404);
    const audited = deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs WHERE event = 'ADMIN_CHANGE' AND data LIKE '%default-profile-picture%'").get()!.n;
    expect(audited).toBe(2);
  });

  test("shown for users without their own picture instead of the initials; their own picture still wins", async () => {
    expect((await picture(f.member.user.id)).headers.get("content-type")).toBe("image/png"); // initials PNG
    const initials = new Uint8Array(await (await picture(f.member.user.id)).arrayBuffer());
    expect((await picture(f.member.user.id, "")).headers.get("content-type")).toBe("image/svg+xml");
    expect((await upload(PATH, pic)).status).toBe(204);
    for (const suffix of [".png", ""]) {
      const res = await picture(f.member.user.id, suffix);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(pic));
    }
    expect(initials).not.toEqual(pic);
    const own = encodePng(2, 2, new Uint8Array(12).fill(10));
    expect((await upload("/api/users/me/profile-picture", own, f.admin.key)).status).toBe(204);
    expect(new Uint8Array(await (await picture(f.admin.user.id)).arrayBuffer())).toEqual(new Uint8Array(own));
    // Removed: the initials again.
    expect((await app.handle(apiReq(deps, f.admin.key, "DELETE", PATH))).status).toBe(204);
    expect(new Uint8Array(await (await picture(f.member.user.id)).arrayBuffer())).toEqual(initials);
  });

  test("the configuration page has its control beside the other images, and uploads it", async () => {
    const page = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/application-configuration"))).text();
    expect(page).toContain("Default profile picture");
    expect(page).toContain("None: users&#x27; initials");
    const fd = new FormData();
    fd.append("file", new Blob([pic as Uint8Array<ArrayBuffer>]), "pic.png");
    const res = await app.handle(
      new Request(deps.config.appUrl + "/settings/admin/application-configuration/images/default-profile-picture", { method: "POST", headers: { Cookie: f.admin.cookie, "X-CSRF-Token": f.admin.csrf, "HX-Request": "true" }, body: fd }),
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Image updated.");
    expect(html).toMatch(/src="\/api\/application-images\/default-profile-picture\?v=\d+"/);
    expect((await app.handle(apiReq(deps, f.admin.key, "GET", PATH))).status).toBe(200);
  });
});
