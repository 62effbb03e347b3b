/** Activity pages, the global audit log (filters, htmx pagination, CSV) and the REST endpoints. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { App } from "../../../src/app.ts";
import { recordAuditEvent, type AuditEvent } from "../../../src/audit/audit-log.ts";
import { createGeolocator } from "../../../src/audit/geolocation.ts";
import { createUser } from "../../../src/admin/users.ts";
import { AUDIT_COUNT_BOUND, insertAuditLog, type AuditLog } from "../../../src/db/audit-logs.ts";
import { FILTER_OPTION_LIMIT } from "../../../src/http/routes/audit-log.ts";
import { silentLog } from "../../../src/lib/log.ts";
import { apiReq, json, makeAdminFixture, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import { buildTestCityDb } from "../../helpers/mmdb-writer.ts";
import { createTestApp, makeTestDeps, req, type TestDeps } from "../../helpers/test-deps.ts";

const FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

let deps: TestDeps;
let app: App;
let f: AdminFixture;

beforeEach(async () => {
  deps = makeTestDeps();
  const file = path.join(deps.dir, "GeoLite2-City.mmdb");
  writeFileSync(file, buildTestCityDb());
  deps.geo = createGeolocator({ path: file, log: silentLog });
  app = await createTestApp(deps);
  f = makeAdminFixture(deps);
});
afterEach(() => deps.cleanup());

function record(event: AuditEvent, userId: string | null, ip: string, ua: string, data: Record<string, unknown> = {}) {
  recordAuditEvent(deps, event, { userId, origin: { ip, userAgent: ua }, data });
  deps.clock.advance(60);
}

async function html(r: Request): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await app.handle(r);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

function seed() {
  record("SIGN_IN", f.member.user.id, "81.2.69.142", FIREFOX, { passkeyName: "YubiKey 5" });
  record("NEW_CLIENT_AUTHORIZATION", f.member.user.id, "81.2.69.142", FIREFOX, { clientId: "c-1", clientName: "Grafana" });
  record("PASSKEY_ADDED", f.member.user.id, "192.168.1.20", IPHONE, { credentialID: "abc", passkeyName: "iPhone" });
  record("SIGN_IN", f.admin.user.id, "89.160.20.115", IPHONE, { passkeyName: "iCloud Keychain" });
  record("ADMIN_CHANGE", f.admin.user.id, "89.160.20.115", IPHONE, { entity: "user", action: "update", id: f.member.user.id, changes: { fields: ["email"] }, via: "session" });
  record("CLIENT_AUTHORIZATION", f.admin.user.id, "216.160.83.58", FIREFOX, { clientId: "c-2", clientName: "Nextcloud" });
}

describe("/settings/audit-log (own events)", () => {
  test("in the viewer's language: event titles, devices, the internal network, dates and the pager", async () => {
    seed();
    const request = pageReq(deps, f.member, "GET", "/settings/audit-log");
    request.headers.set("Accept-Language", "de");
    const r = await html(request);
    expect(r.status).toBe(200);
    expect(r.text).toContain("Mit Passkey angemeldet");
    expect(r.text).toContain("Neue App zugelassen");
    expect(r.text).toContain("Firefox 133 unter Windows");
    expect(r.text).toContain("Internes Netzwerk");
    expect(r.text).toContain(">28.11.2026, 12:02</time>");
    expect(r.text).toContain("3 Ereignisse · Seite 1 von 1");
    expect(r.text).not.toContain("Signed in with a passkey");
  });

  test("a person sees only their own events: plain words, device, location, time element", async () => {
    seed();
    const r = await html(pageReq(deps, f.member, "GET", "/settings/audit-log"));
    expect(r.status).toBe(200);
    expect(r.text).toContain("Signed in with a passkey");
    expect(r.text).toContain("YubiKey 5");
    expect(r.text).toContain("Allowed a new app");
    expect(r.text).toContain("Grafana");
    expect(r.text).toContain("Firefox 133 on Windows");
    expect(r.text).toContain("Safari 17.4 on iOS 17.4");
    expect(r.text).toContain("London, United Kingdom");
    expect(r.text).toContain("Internal network");
    // One date format (<DateTime>): the viewer's locale and zone (UTC until the browser has said), the exact time on hover.
    expect(r.text).toContain('<time datetime="2026-11-28T12:02:00.000Z" title="Saturday, November 28, 2026 at 12:02:00 PM UTC" data-format="medium">Nov 28, 2026, 12:02 PM</time>');
    // Alice's events are not Bob's business.
    expect(r.text).not.toContain("iCloud Keychain");
    expect(r.text).not.toContain("Linköping");
    expect(r.text).not.toContain("Nextcloud");
    // Non-admins get no link to the global log.
    expect(r.text).not.toContain('href="/settings/audit-log/global"');
    expect(r.text).not.toMatch(/<script>|\sstyle="|\son[a-z]+="/);
  });

  test("anonymous visitors are sent to sign in and come back", async () => {
    const res = await app.handle(req(deps, "/settings/audit-log"));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?redirect=%2Fsettings%2Faudit-log");
  });

  test("empty log says so", async () => {
    const r = await html(pageReq(deps, f.member, "GET", "/settings/audit-log"));
    expect(r.text).toContain("No activity yet");
    expect(r.text).toContain("0 events · page 1 of 1");
  });

  test("htmx paging returns only #audit-list, newest first, 25 per page", async () => {
    for (let i = 0; i < 30; i++) record("SIGN_IN", f.member.user.id, "81.2.69.142", FIREFOX, { passkeyName: `key ${i}` });
    const first = await html(pageReq(deps, f.member, "GET", "/settings/audit-log"));
    expect(first.text.match(/class="audit-item /g)?.length).toBe(25);
    expect(first.text).toContain("key 29");
    expect(first.text).not.toContain("key 4<");
    expect(first.text).toContain('hx-get="/settings/audit-log?page=2"');
    const second = await html(pageReq(deps, f.member, "GET", "/settings/audit-log?page=2", { htmx: true }));
    expect(second.status).toBe(200);
    expect(second.text.startsWith('<div id="audit-list"')).toBe(true);
    expect(second.text).not.toContain("<html");
    expect(second.text.match(/class="audit-item /g)?.length).toBe(5);
    expect(second.text).toContain("key 0");
    expect(second.text).toContain("30 events · page 2 of 2");
    // Out-of-range pages are clamped to an empty page, never an error.
    expect((await html(pageReq(deps, f.member, "GET", "/settings/audit-log?page=999999999"))).status).toBe(200);
  });
});

describe("/settings/audit-log/global (administrators)", () => {
  test("non-admins get 403; anonymous visitors are sent to sign in", async () => {
    expect((await html(pageReq(deps, f.member, "GET", "/settings/audit-log/global"))).status).toBe(403);
    expect((await html(pageReq(deps, f.member, "GET", "/settings/audit-log/global.csv"))).status).toBe(403);
    const anon = await app.handle(req(deps, "/settings/audit-log/global"));
    expect(anon.status).toBe(303);
    expect(anon.headers.get("location")).toBe("/login?redirect=%2Fsettings%2Faudit-log%2Fglobal");
  });

  test("admins see everyone's events with users, filter options and the export link", async () => {
    seed();
    const r = await html(pageReq(deps, f.admin, "GET", "/settings/audit-log/global"));
    expect(r.status).toBe(200);
    for (const s of ["Bob Member", "Alice Admin", "Linköping, Sweden", "Milton, United States", "Updated user", "fields: [&quot;email&quot;]", "Export CSV", 'href="/settings/audit-log/global.csv"']) {
      expect([s, r.text.includes(s)]).toEqual([s, true]);
    }
    expect(r.text).toContain('<option value="Grafana">Grafana</option>');
    expect(r.text).toContain('<option value="NEW_CLIENT_AUTHORIZATION">Allowed a new app</option>');
    expect(r.text).toContain(`<option value="${f.member.user.id}">Bob Member (@bob)</option>`);
    expect(r.text).not.toMatch(/<script>|\sstyle="|\son[a-z]+="/);
    // The admin's own page links to the global one.
    expect((await html(pageReq(deps, f.admin, "GET", "/settings/audit-log"))).text).toContain('href="/settings/audit-log/global"');
  });

  const count = (text: string) => text.match(/class="audit-item /g)?.length ?? 0;

  test("filters: user, event, client, IP (exact and prefix), date range; combined; echoed into paging and export", async () => {
    seed();
    const get = async (q: string) => (await html(pageReq(deps, f.admin, "GET", `/settings/audit-log/global${q}`, { htmx: true }))).text;
    expect(count(await get(""))).toBe(6);
    expect(count(await get(`?user=${f.member.user.id}`))).toBe(3);
    expect(count(await get("?event=SIGN_IN"))).toBe(2);
    expect(count(await get("?event=sign_in"))).toBe(2);
    expect(count(await get("?client=Grafana"))).toBe(1);
    expect(count(await get("?client=c-2"))).toBe(1);
    expect(count(await get("?ip=81.2.69.142"))).toBe(2);
    expect(count(await get("?ip=89.160.*"))).toBe(2);
    expect(count(await get("?ip=8%25"))).toBe(0); // % is literal, not a wildcard
    expect(count(await get(`?user=${f.admin.user.id}&event=SIGN_IN`))).toBe(1);
    expect(count(await get("?from=2026-11-28&to=2026-11-28"))).toBe(6);
    expect(count(await get("?from=2026-11-29"))).toBe(0);
    expect(count(await get("?to=2026-11-27"))).toBe(0);
    const filtered = await get("?event=SIGN_IN&ip=89.160.*");
    expect(filtered).toContain("Showing events that match the filters.");
    expect(filtered).toContain('href="/settings/audit-log/global.csv?event=SIGN_IN&ip=89.160.*"');
    expect(await get("?event=NOPE")).toContain("No matching events");
  });

  test("bad filters are precise 4xx, never 500", async () => {
    for (const q of ["?from=2026-13-01", "?to=yesterday", "?event=DROP%20TABLE", `?ip=${"1".repeat(80)}`, "?from=2026-02-30"]) {
      const r = await html(pageReq(deps, f.admin, "GET", `/settings/audit-log/global${q}`));
      expect([q, r.status]).toEqual([q, 422]);
    }
    const api = await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all?from=nope"));
    expect(api.status).toBe(400);
  });

  test("pagination keeps the filters", async () => {
    for (let i = 0; i < 27; i++) record("SIGN_IN", f.member.user.id, "81.2.69.142", FIREFOX);
    record("PASSKEY_ADDED", f.member.user.id, "81.2.69.142", FIREFOX);
    const r = await html(pageReq(deps, f.admin, "GET", "/settings/audit-log/global?event=SIGN_IN", { htmx: true }));
    expect(count(r.text)).toBe(25);
    expect(r.text).toContain('hx-get="/settings/audit-log/global?event=SIGN_IN&page=2"');
    const p2 = await html(pageReq(deps, f.admin, "GET", "/settings/audit-log/global?event=SIGN_IN&page=2", { htmx: true }));
    expect(count(p2.text)).toBe(2);
    expect(p2.text).toContain("27 events · page 2 of 2");
  });
});

describe("CSV export", () => {
  test("content, headers, filters, and formula cells neutralised", async () => {
    seed();
    record("SIGN_IN_FAILED", f.member.user.id, "81.2.69.142", '=HYPERLINK("http://evil","x")', { passkeyName: "@SUM(A1)", reason: "+1 bad \"quoted\"" });
    const res = await app.handle(pageReq(deps, f.admin, "GET", "/settings/audit-log/global.csv"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="audit-log-2026-11-28.csv"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe('"time_utc","event","description","details","user","ip_address","country","city","device","user_agent"');
    expect(lines.length).toBe(1 + 7 + 1); // header, rows, trailing empty
    expect(lines[1]).toBe(
      `"2026-11-28T12:08:00.000Z","SIGN_IN_FAILED","Sign-in failed","'@SUM(A1) · +1 bad ""quoted""","bob","81.2.69.142","United Kingdom","London","'=HYPERLINK(""http://evil"",""x"")","'=HYPERLINK(""http://evil"",""x"")"`,
    );
    expect(lines[2]).toContain('"CLIENT_AUTHORIZATION","Signed in to an app","Nextcloud","alice","216.160.83.58","United States","Milton","Firefox 133 on Windows"');
    // Every cell is quoted; no cell starts with a formula character.
    for (const line of lines.slice(1, -1)) for (const cell of line.slice(1, -1).split('","')) expect(/^[=+\-@\t\r]/.test(cell)).toBe(false);

    const filtered = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/audit-log/global.csv?event=SIGN_IN"))).text();
    expect(filtered.split("\r\n").length).toBe(1 + 2 + 1);
    const viaApi = await app.handle(apiReq(deps, f.admin.key, "GET", "/api/audit-logs/export?user=" + f.member.user.id));
    expect(viaApi.status).toBe(200);
    expect((await viaApi.text()).split("\r\n").length).toBe(1 + 4 + 1);
    expect((await app.handle(apiReq(deps, f.member.key, "GET", "/api/audit-logs/export"))).status).toBe(403);
  });
});

describe("REST (Pocket ID paths)", () => {
  test("GET /api/audit-logs: own events, Pocket ID's DTO and page shape; session or API key", async () => {
    seed();
    const r = await json(app, apiReq(deps, f.member.key, "GET", "/api/audit-logs?pagination[limit]=2"));
    expect(r.status).toBe(200);
    expect(r.body.pagination).toEqual({ totalPages: 2, totalItems: 3, currentPage: 1, itemsPerPage: 2 });
    expect(r.body.data[0]).toEqual({
      id: expect.any(String),
      createdAt: "2026-11-28T12:04:00.000Z",
      event: "PASSKEY_ADDED",
      ipAddress: "192.168.1.20",
      country: "Internal network",
      city: null,
      device: "Safari 17.4 on iOS 17.4",
      userID: f.member.user.id,
      username: "bob",
      data: { credentialID: "abc", passkeyName: "iPhone" },
    });
    const viaCookie = await json(app, pageReq(deps, f.member, "GET", "/api/audit-logs"));
    expect(viaCookie.body.data.length).toBe(3);
    expect((await json(app, apiReq(deps, null, "GET", "/api/audit-logs"))).status).toBe(401);
  });

  test("GET /api/audit-logs/all: admins only, with filters; filter option lists", async () => {
    seed();
    expect((await json(app, apiReq(deps, f.member.key, "GET", "/api/audit-logs/all"))).status).toBe(403);
    const all = await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all"));
    expect(all.body.pagination.totalItems).toBe(6);
    const byEvent = await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all?filters[event]=SIGN_IN&filters[userId]=" + f.admin.user.id));
    expect(byEvent.body.data.map((d: { data: { passkeyName: string } }) => d.data.passkeyName)).toEqual(["iCloud Keychain"]);
    const byClient = await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all?filters[clientName]=Grafana"));
    expect(byClient.body.data.length).toBe(1);
    expect((await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/filters/client-names"))).body).toEqual(["Grafana", "Nextcloud"]);
    const users = (await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/filters/users"))).body;
    expect(users.map((u: { username: string }) => u.username)).toEqual(["alice", "bob"]);
    expect((await json(app, apiReq(deps, f.member.key, "GET", "/api/audit-logs/filters/users"))).status).toBe(403);
  });
});

describe("retention", () => {
  test("events older than AUDIT_LOG_RETENTION_DAYS are deleted, newer kept", async () => {
    const { cleanupAuditLogs } = await import("../../../src/audit/audit-queries.ts");
    record("SIGN_IN", f.member.user.id, "81.2.69.142", FIREFOX);
    deps.clock.advance(10 * 86400);
    record("SIGN_IN", f.member.user.id, "81.2.69.142", FIREFOX);
    deps.clock.advance(85 * 86400);
    expect(cleanupAuditLogs(deps, 90)).toBe(1 + 0);
    expect(deps.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_logs").get()!.n).toBe(1);
    expect(cleanupAuditLogs(deps, 3)).toBe(1);
  });
});

describe("a large log (issue 6): page numbers, bounded totals, text filters", () => {
  let n = 0;
  /** Rows written straight to the table, `count` of them in bursts of `perSecond` same-second events. */
  function bulk(count: number, perSecond: number, fields: Partial<AuditLog> = {}, start = 1_700_000_000): string[] {
    const ids: string[] = [];
    deps.db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const id = `bulk-${String(++n).padStart(6, "0")}`;
        ids.push(id);
        insertAuditLog(deps.db, { id, createdAt: start + Math.floor(i / perSecond), event: "SIGN_IN", userId: null, ipAddress: "198.51.100.1", userAgent: null, data: {}, country: null, city: null, ...fields });
      }
    })();
    return ids;
  }
  const ids = (body: { data: { id: string }[] }) => body.data.map((d) => d.id);

  test("same-second events across page boundaries: every page in insertion order newest first, no overlap, no gap", async () => {
    // 45 events in one second, then 10 more in bursts of 3 (seconds +100 … +103): newest second first,
    // and within a second the last written first.
    const written = bulk(45, 45).concat(bulk(10, 3, {}, 1_700_000_100));
    const second = (i: number) => (i < 45 ? 0 : 100 + Math.floor((i - 45) / 3));
    const newestFirst = written.map((id, i) => ({ id, i })).sort((a, b) => second(b.i) - second(a.i) || b.i - a.i).map((r) => r.id);
    const seen: string[] = [];
    for (let page = 1; page <= 4; page++) {
      const r = await json(app, apiReq(deps, f.admin.key, "GET", `/api/audit-logs/all?pagination[page]=${page}&pagination[limit]=20`));
      expect(r.body.pagination).toEqual({ totalPages: 3, totalItems: 55, currentPage: page, itemsPerPage: 20 });
      seen.push(...ids(r.body));
    }
    expect(seen).toEqual(newestFirst);
    const filtered: string[] = [];
    for (let page = 1; page <= 3; page++) filtered.push(...ids((await json(app, apiReq(deps, f.admin.key, "GET", `/api/audit-logs/all?filters[event]=SIGN_IN&ip=198.51.100.*&pagination[page]=${page}&pagination[limit]=7`))).body));
    expect(filtered).toEqual(newestFirst.slice(0, 21));
  });

  test("deep page numbers reach their rows (no clamp at page 1,000), on the API and the pages", async () => {
    const written = bulk(2_050, 4).reverse(); // newest first (one burst per second, written in order)
    const deep = await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all?pagination[page]=2001&pagination[limit]=1"));
    expect(deep.body.pagination).toEqual({ totalPages: 2_050, totalItems: 2_050, currentPage: 2_001, itemsPerPage: 1 });
    expect(ids(deep.body)).toEqual([written[2_000]!]);
    const filtered = await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all?filters[event]=SIGN_IN&pagination[page]=1025&pagination[limit]=2"));
    expect(ids(filtered.body)).toEqual(written.slice(2_048, 2_050));
    const past = await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all?pagination[page]=5000&pagination[limit]=1"));
    expect([past.status, past.body.data, past.body.pagination.currentPage]).toEqual([200, [], 5_000]);
    const html = await app.handle(pageReq(deps, f.admin, "GET", "/settings/audit-log/global?page=82", { htmx: true }));
    const text = await html.text();
    expect(text).toContain("2,050 events · page 82 of 82");
    expect(text.match(/class="audit-item /g)?.length).toBe(0 + 2_050 - 81 * 25);
  });

  test("a filter matching more than the bound reports a lower bound ('More than 10,000'); without filters the total is exact", async () => {
    bulk(AUDIT_COUNT_BOUND + 50, 5);
    const all = await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all"));
    expect(all.body.pagination).toEqual({ totalPages: Math.ceil((AUDIT_COUNT_BOUND + 50) / 25), totalItems: AUDIT_COUNT_BOUND + 50, currentPage: 1, itemsPerPage: 25 });
    const filtered = await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all?filters[event]=SIGN_IN&pagination[limit]=20"));
    expect(filtered.body.pagination).toEqual({ totalPages: Math.ceil((AUDIT_COUNT_BOUND + 1) / 20), totalItems: AUDIT_COUNT_BOUND + 1, currentPage: 1, itemsPerPage: 20 });
    // The last page is counted exactly: a client paging until currentPage = totalPages stops at the end.
    const end = await json(app, apiReq(deps, f.admin.key, "GET", `/api/audit-logs/all?filters[event]=SIGN_IN&pagination[limit]=20&pagination[page]=${Math.ceil((AUDIT_COUNT_BOUND + 50) / 20)}`));
    expect(end.body.pagination).toMatchObject({ totalItems: AUDIT_COUNT_BOUND + 50, totalPages: Math.ceil((AUDIT_COUNT_BOUND + 50) / 20) });
    expect(end.body.data.length).toBe((AUDIT_COUNT_BOUND + 50) % 20 || 20);
    const page = await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/audit-log/global?event=SIGN_IN", { htmx: true }))).text();
    expect(page).toContain("More than 10,000 events · page 1<");
    expect(page).toContain('hx-get="/settings/audit-log/global?event=SIGN_IN&page=2"');
    expect(await (await app.handle(pageReq(deps, f.admin, "GET", "/settings/audit-log/global", { htmx: true }))).text()).toContain("10,050 events · page 1 of 402");
  });

  test("past FILTER_OPTION_LIMIT users or apps in the log, the filters are text fields; a username filters like the id", async () => {
    record("SIGN_IN", f.member.user.id, "81.2.69.142", FIREFOX);
    for (let i = 0; i < FILTER_OPTION_LIMIT; i++) {
      const u = createUser(deps, { username: `user${i}`, email: `user${i}@example.com`, firstName: "U", lastName: String(i) });
      record("CLIENT_AUTHORIZATION", u.id, "198.51.100.7", FIREFOX, { clientId: `c-${i}`, clientName: `App ${i}` });
    }
    record("CLIENT_AUTHORIZATION", f.admin.user.id, "198.51.100.7", FIREFOX, { clientId: "c-x", clientName: "App X" });
    const page = await html(pageReq(deps, f.admin, "GET", "/settings/audit-log/global"));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<input id="f-user" type="search" name="user" value="" placeholder="Username" autocomplete="off" spellcheck="false"/>');
    expect(page.text).toContain('<input id="f-client" type="search" name="client" value="" placeholder="App name or client ID"');
    expect(page.text).not.toContain('<select id="f-user"');
    expect(page.text).not.toContain('<select id="f-client"');
    expect(page.text).toContain('<select id="f-event"');
    const byName = await html(pageReq(deps, f.admin, "GET", "/settings/audit-log/global?user=bob"));
    expect(byName.text).toContain('name="user" value="bob"');
    expect(byName.text).toContain("1 event · page 1 of 1");
    expect(byName.text).toContain("Signed in with a passkey");
    // A link from an entry names the user by id; the field shows the username.
    const byId = await html(pageReq(deps, f.admin, "GET", `/settings/audit-log/global?user=${f.member.user.id}`));
    expect(byId.text).toContain('name="user" value="bob"');
    expect(byId.text).toContain("1 event · page 1 of 1");
    expect((await html(pageReq(deps, f.admin, "GET", "/settings/audit-log/global?user=nobody"))).text).toContain("No matching events");
    expect((await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/all?filters[userId]=user7"))).body.pagination.totalItems).toBe(1);
    expect((await html(pageReq(deps, f.admin, "GET", "/settings/audit-log/global?client=App%2042", { htmx: true }))).text).toContain("1 event · page 1 of 1");
    // The API's option lists stay complete (Pocket ID's contract).
    expect((await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/filters/users"))).body.length).toBe(FILTER_OPTION_LIMIT + 2);
    expect((await json(app, apiReq(deps, f.admin.key, "GET", "/api/audit-logs/filters/client-names"))).body.length).toBe(FILTER_OPTION_LIMIT + 1);
  });

  test("IP filters ignore case (addresses are recorded in lowercase)", async () => {
    record("SIGN_IN", f.member.user.id, "2001:db8::7", FIREFOX);
    record("SIGN_IN", f.member.user.id, "2001:db9::7", FIREFOX);
    const get = async (q: string) => (await json(app, apiReq(deps, f.admin.key, "GET", `/api/audit-logs/all?${q}`))).body.data.map((d: { ipAddress: string }) => d.ipAddress);
    expect(await get("ip=2001:DB8:*")).toEqual(["2001:db8::7"]);
    expect(await get("ip=2001:DB8::7")).toEqual(["2001:db8::7"]);
    expect(await get("ip=2001:db*")).toEqual(["2001:db9::7", "2001:db8::7"]);
  });
});
