/**
 * One date format (issue 20, problem 7): every moment a page shows is a <time> in the viewer's
 * language and time zone — medium date and short time — with the exact time on hover; no page shows
 * a bare ISO date or a UTC time instead. A browser in Tokyo reading German sees German dates in
 * Tokyo time; the server renders them in that zone itself from the next page on (the zone is kept
 * in a cookie).
 */
import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { newPasskeyPage, setUpFirstAdmin, type TestBrowser } from "../helpers/browser.ts";
import { browserWorld } from "../helpers/browser-world.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
let browser: TestBrowser;
browserWorld((w) => ({ server, browser } = w));

const ZONE = "Asia/Tokyo";

/** Each <time> against what Intl says for the page's language and ZONE, and the text around them. */
async function dateProblems(page: Page): Promise<string[]> {
  return page.evaluate((zone) => {
    const problems: string[] = [];
    const lang = document.documentElement.lang;
    const medium = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone: zone });
    const exact = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "long", timeZone: zone });
    const times = Array.from(document.querySelectorAll("time"));
    for (const t of times) {
      const when = new Date(t.getAttribute("datetime") ?? "");
      if (Number.isNaN(when.getTime())) problems.push(`<time> without a machine-readable datetime: ${t.outerHTML}`);
      else {
        if (t.getAttribute("title") !== exact.format(when)) problems.push(`title ${t.getAttribute("title")} ≠ ${exact.format(when)}`);
        if (t.dataset.format === "medium" && t.textContent !== medium.format(when)) problems.push(`text ${t.textContent} ≠ ${medium.format(when)}`);
      }
    }
    // Text outside <time> and <code>: no ISO dates, no times stated in UTC.
    const clone = document.body.cloneNode(true) as HTMLElement;
    clone.querySelectorAll("time, code, pre, script, input, textarea, select").forEach((e) => e.remove());
    const text = clone.textContent ?? "";
    const MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*";
    const outside = new RegExp(`\\b\\d{4}-\\d{2}-\\d{2}\\b|\\bUTC\\b|\\b\\d{1,2}:\\d{2}(:\\d{2})?\\s*(AM|PM)?\\b|\\b\\d{1,2} ${MONTH} \\d{4}\\b|\\b${MONTH} \\d{1,2}, \\d{4}\\b`, "g");
    for (const m of text.match(outside) ?? []) problems.push(`a date outside <time>: ${m}`);
    return problems;
  }, ZONE);
}

describe("dates", () => {
  test("every date is a <time> in the viewer's language and zone, exact on hover, on every page that shows dates", async () => {
    const base = server.url;
    const { page } = await newPasskeyPage(browser, { timezoneId: ZONE, locale: "de-DE" });
    await setUpFirstAdmin(page, base);
    server.deps.db.query("UPDATE users SET locale = 'de' WHERE username = 'ada'").run();
    const { client } = createClient(server.deps, CLI_ACTOR, { name: "Forgejo", callbackUrls: ["https://git.example.com/user/oauth2/Latchkey/callback"] });
    const adaId = server.deps.db.query<{ id: string }, []>("SELECT id FROM users WHERE username = 'ada'").get()!.id;
    const pages = ["/settings/account", "/settings/audit-log", `/settings/admin/users/${adaId}`, `/settings/admin/oidc-clients/${client.id}`, "/settings/admin/api-keys", "/settings/admin/backups"];
    let seen = 0;
    for (const path of pages) {
      await page.goto(`${base}${path}`);
      expect({ path, problems: await dateProblems(page) }).toEqual({ path, problems: [] });
      seen += await page.locator("time").count();
    }
    expect(seen).toBeGreaterThan(3);
    // The browser's zone is now known: the server renders in it (no re-rendering needed).
    const html = await (await page.request.get(`${base}/settings/audit-log`)).text();
    expect(html).toContain(`data-tz="${ZONE}"`);
  });
});
