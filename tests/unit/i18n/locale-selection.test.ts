/**
 * Which language a person gets: their own setting, then the picker's cookie, then Accept-Language,
 * then English; the picker's form keeps the choice (account and cookie), refuses what is not a
 * supported language, needs its CSRF token and only ever returns to a local path.
 */
import { describe, expect, test } from "bun:test";
import { findUserById } from "../../../src/db/users.ts";
import { matchLocale, negotiateLocale } from "../../../src/i18n/locales.ts";
import { translatorFor } from "../../../src/i18n/translator.ts";
import { msg } from "../../../src/i18n/message.ts";
import { adminWorld, pageReq, type AdminWorld } from "../../helpers/admin-fixture.ts";
import { req } from "../../helpers/test-deps.ts";

describe("language tags", () => {
  test("map to the supported locales, regions and scripts falling back to the language", () => {
    expect(matchLocale("de-DE")).toBe("de");
    expect(matchLocale("de_CH")).toBe("de");
    expect(matchLocale("pt")).toBe("pt-BR");
    expect(matchLocale("pt-PT")).toBe("pt-BR");
    expect(matchLocale("zh-CN")).toBe("zh-Hans");
    expect(matchLocale("zh-Hans-SG")).toBe("zh-Hans");
    expect(matchLocale("zh-TW")).toBeNull();
    expect(matchLocale("ja-JP")).toBe("ja");
    expect(matchLocale("sv")).toBeNull();
    expect(matchLocale("../../etc")).toBeNull();
    expect(matchLocale("")).toBeNull();
  });

  test("Accept-Language: the highest q-value that is supported wins, ties in order", () => {
    expect(negotiateLocale("sv-SE, fr;q=0.8, de;q=0.9")).toBe("de");
    expect(negotiateLocale("zh-TW, ja;q=0.5")).toBe("ja");
    expect(negotiateLocale("nl;q=0, pl")).toBe("pl");
    expect(negotiateLocale("*")).toBeNull();
    expect(negotiateLocale("sv")).toBeNull();
    expect(negotiateLocale(null)).toBeNull();
  });

  test("hostile Accept-Language headers: odd q-values, empty parts, huge lists, junk tags", () => {
    expect(negotiateLocale("de;q=abc, fr;q=0.5")).toBe("fr");
    expect(negotiateLocale("de;q=-1, ja;q=0.1")).toBe("ja");
    expect(negotiateLocale(",,, ;q=1, ,de")).toBe("de");
    expect(negotiateLocale(`${"xx, ".repeat(5000)}de`)).toBeNull(); // only the first 32 ranges are read
    expect(negotiateLocale("de\u0000, <script>, ../../fr, fr")).toBe("fr");
    expect(negotiateLocale("DE-at;Q=0.9")).toBe("de");
    expect(negotiateLocale("")).toBeNull();
  });

  test("messages with plurals follow each language's rules", () => {
    expect(translatorFor("pl").t("validation.tooLong", { max: 2 })).toBe("Użyj najwyżej 2 znaków.");
    expect(translatorFor("en").t("validation.tooLong", { max: 1 })).toBe("Use at most 1 character.");
    expect(translatorFor("de").text(msg("validation.outOfRange", { min: 1, max: 5 }))).toBe("Geben Sie eine Zahl von 1 bis 5 ein.");
  });

  test("rich messages escape their text and values", () => {
    // A value with markup is escaped; the message's own text too.
    expect(translatorFor("en").rich("common.titleSuffix", { title: "<b>x</b>", appName: "A & B" })).toBe("&lt;b&gt;x&lt;/b&gt; · A &amp; B");
  });
});

describe("the request's language", () => {
  let w: AdminWorld;
  adminWorld((world) => (w = world));

  const lang = async (request: Request) => {
    const html = await (await w.app.handle(request)).text();
    return /<html lang="([^"]+)"/.exec(html)?.[1];
  };

  test("Accept-Language, then English", async () => {
    expect(await lang(req(w.deps, "/login", { headers: { "Accept-Language": "fr-CA,fr;q=0.9" } }))).toBe("fr");
    expect(await lang(req(w.deps, "/login"))).toBe("en");
    expect(await lang(req(w.deps, "/login", { headers: { "Accept-Language": "en-XA" } }))).toBe("en");
  });

  test("the picker's cookie beats Accept-Language; the person's own setting beats both", async () => {
    expect(await lang(req(w.deps, "/login", { headers: { "Accept-Language": "fr", Cookie: "latchkey_locale=ja" } }))).toBe("ja");
    w.deps.db.query("UPDATE users SET locale = 'de-DE' WHERE id = ?").run(w.f.member.user.id);
    const r = pageReq(w.deps, w.f.member, "GET", "/settings/no-such-page");
    r.headers.set("Accept-Language", "fr");
    r.headers.set("Cookie", `${r.headers.get("Cookie")}; latchkey_locale=ja`);
    expect(await lang(r)).toBe("de");
  });

  test("the time zone cookie: a zone this runtime knows, else UTC", async () => {
    const zoneOf = async (value: string) => {
      const r = pageReq(w.deps, w.f.member, "GET", "/settings/no-such-page");
      r.headers.set("Cookie", `${r.headers.get("Cookie")}; latchkey_tz=${encodeURIComponent(value)}`);
      return /data-tz="([^"]*)"/.exec(await (await w.app.handle(r)).text())?.[1];
    };
    expect(await zoneOf("Europe/Berlin")).toBe("Europe/Berlin");
    expect(await zoneOf("Etc/GMT+5")).toBe("Etc/GMT+5");
    for (const hostile of ["Mars/Olympus", "../../etc/passwd", "Europe/Berlin\u0000", "x".repeat(500), "", "\"><script>"]) expect(await zoneOf(hostile)).toBe("UTC");
  });

  test("JSON errors answer in the caller's language; English without one", async () => {
    const en = await (await w.app.handle(req(w.deps, "/api/users", { headers: { "X-API-Key": "nope" } }))).json();
    const de = await (await w.app.handle(req(w.deps, "/api/no-such", { headers: { "Accept-Language": "de" } }))).json();
    expect(typeof en.message).toBe("string");
    expect(de.message).toBe("Unter dieser Adresse gibt es nichts.");
  });

  test("the picker saves the choice on the account and in a cookie, and returns to a local path", async () => {
    const res = await w.app.handle(pageReq(w.deps, w.f.member, "POST", "/language", { form: { locale: "nl", returnTo: "/settings/account?x=1" } }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/settings/account?x=1");
    expect(res.headers.get("set-cookie")).toContain("latchkey_locale=nl");
    expect(findUserById(w.deps.db, w.f.member.user.id)!.locale).toBe("nl");
  });

  test("the picker never redirects off-site and refuses unsupported languages", async () => {
    for (const returnTo of ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
      const res = await w.app.handle(pageReq(w.deps, w.f.member, "POST", "/language", { form: { locale: "de", returnTo } }));
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/");
    }
    for (const locale of ["sv", "de-DE", "", "<script>"]) {
      const res = await w.app.handle(pageReq(w.deps, w.f.member, "POST", "/language", { form: { locale, returnTo: "/" } }));
      expect(res.status).toBe(422);
    }
    expect(findUserById(w.deps.db, w.f.member.user.id)!.locale).toBe("de");
  });

  test("the picker needs its CSRF token", async () => {
    const res = await w.app.handle(pageReq(w.deps, w.f.member, "POST", "/language", { form: { locale: "ja", returnTo: "/" }, csrf: false }));
    expect(res.status).toBe(403);
    expect(findUserById(w.deps.db, w.f.member.user.id)!.locale).toBeNull();
  });
});
