import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.ts";
import { initialsAvatarSvg, initialsOf } from "../../../src/admin/initials-avatar.ts";
import { insertTestUser } from "../../helpers/oidc-fixtures.ts";
import { adminWorld, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { decodePng, distinctColours } from "../../helpers/png-decode.ts";
import { req, type TestDeps } from "../../helpers/test-deps.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
adminWorld((w) => ({ app, deps, f } = w));

const names = (firstName: string, lastName: string, displayName = "", username = "someone") => ({ firstName, lastName, displayName, username });

describe("initials", () => {
  test.each([
    ["first and last name", names("Ada", "Lovelace"), "AL"],
    ["accents kept, upper-cased", names("élodie", "Zürn"), "ÉZ"],
    ["Greek and Cyrillic", names("Σωκράτης", "Жуков"), "ΣЖ"],
    ["two words of the display name", names("", "", "marie curie"), "MC"],
    ["username split at . _ @ -", names("", "", "", "grace.hopper"), "GH"],
    ["one word: its first two characters", names("", "", "", "alice"), "AL"],
    ["leading punctuation skipped", names("(Bob)", "!Smith"), "BS"],
    ["ß upper-cases to one letter", names("ßigrid", "Ode"), "SO"],
    ["a script the typeface lacks: none (a silhouette is drawn)", names("太郎", "山田", "山田 太郎", "山田"), ""],
  ])("%s", (_, u, want) => {
    expect(initialsOf(u)).toBe(want);
  });

  test("the SVG sets the initials in a real font stack, escaped, on a colour from the seed", () => {
    const svg = initialsAvatarSvg("AL", "user-1");
    expect(svg).toStartWith('<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256"');
    expect(svg).toMatch(/<text [^>]*font-family='Inter, ui-sans-serif, system-ui,[^']*sans-serif'[^>]*>AL<\/text>/);
    expect(initialsAvatarSvg("AL", "user-1")).toBe(svg);
    expect(initialsAvatarSvg("<&", "x")).toContain(">&#60;&#38;</text>");
    // No initials: a drawn silhouette, no text (nothing for a missing glyph to spoil).
    expect(initialsAvatarSvg("", "x")).not.toContain("<text");
    expect(initialsAvatarSvg("", "x")).toContain("<circle");
  });
});

describe("GET /api/users/:id/profile-picture(.png)", () => {
  test("the .png is a 256 px PNG with anti-aliased initials (not the old 5×7 bitmap); 304 on its ETag", async () => {
    const user = insertTestUser(deps, { username: "ada", firstName: "Ada", lastName: "Lovelace" });
    const res = await app.handle(req(deps, `/api/users/${user.id}/profile-picture.png`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const png = decodePng(new Uint8Array(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([256, 256]);
    // Smooth glyph edges: many shades between the background and white (a bitmap font has exactly two colours).
    expect(distinctColours(png)).toBeGreaterThan(20);
    const etag = res.headers.get("etag")!;
    const again = await app.handle(new Request(deps.config.appUrl + `/api/users/${user.id}/profile-picture.png`, { headers: { "If-None-Match": etag } }));
    expect(again.status).toBe(304);
  });

  test("pages get the same avatar as SVG, which may load and run nothing", async () => {
    const user = insertTestUser(deps, { username: "grace", firstName: "Grace", lastName: "Hopper" });
    const res = await app.handle(req(deps, `/api/users/${user.id}/profile-picture`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toContain(">GH</text>");
    expect((await app.handle(req(deps, "/api/users/nope/profile-picture"))).status).toBe(404);
  });

  test("a new name gives a new ETag, so caches fetch the new initials", async () => {
    const user = insertTestUser(deps, { username: "lin", firstName: "Lin", lastName: "Wu" });
    const before = (await app.handle(req(deps, `/api/users/${user.id}/profile-picture.png`))).headers.get("etag");
    deps.db.query("UPDATE users SET first_name = 'Mei' WHERE id = ?").run(user.id);
    const after = await app.handle(req(deps, `/api/users/${user.id}/profile-picture.png`));
    expect(after.headers.get("etag")).not.toBe(before);
    expect(after.status).toBe(200);
  });

  test("an uploaded picture is served as stored at both URLs", async () => {
    const raster = new Uint8Array(await (await app.handle(req(deps, `/api/users/${f.member.user.id}/profile-picture.png`))).arrayBuffer());
    const fd = new FormData();
    fd.append("file", new Blob([raster]), "me.png");
    const put = await app.handle(new Request(deps.config.appUrl + "/api/users/me/profile-picture", { method: "PUT", headers: { "X-API-Key": f.member.key }, body: fd }));
    expect(put.status).toBe(204);
    for (const path of ["profile-picture", "profile-picture.png"]) {
      const res = await app.handle(req(deps, `/api/users/${f.member.user.id}/${path}`));
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("content-security-policy")).not.toBe("default-src 'none'");
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(raster);
    }
  });
});
