/** Admin backups page: last result and what made it, "back up now", downloads, schedule validated and saved, admins only. */
import { describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync } from "node:fs";
import path from "node:path";
import type { App } from "../../../src/app.ts";
import { readAppConfig } from "../../../src/admin/app-config.ts";
import { BACKUP_DIR, runAutomaticBackup } from "../../../src/backup/backups.ts";
import { setKv } from "../../../src/db/kv.ts";
import { adminWorld, pageReq, type AdminFixture } from "../../helpers/admin-fixture.ts";
import type { TestDeps } from "../../helpers/test-deps.ts";
import { testEngine } from "../../helpers/template-database.ts";

let app: App;
let deps: TestDeps;
let f: AdminFixture;
adminWorld((w) => ({ app, deps, f } = w));

const PAGE = "/settings/admin/backups";
const page = async () => (await app.handle(pageReq(deps, f.admin, "GET", PAGE))).text();
/** File backups are SQLite's; on PostgreSQL (tests/run.sh's second pass) the page says how to back up instead. */
const onSqlite = testEngine() === "sqlite";

describe.skipIf(onSqlite)("on PostgreSQL", () => {
  test("the page explains pg_dump and latchkey export; backing up and scheduling here are refused, nothing written", async () => {
    const html = await page();
    expect(html).toContain("Backups with PostgreSQL");
    expect(html).toContain(`<code class="command">pg_dump -Fc</code>`);
    expect(html).toContain(`<code class="command">latchkey export</code>`);
    expect(html).not.toContain(`action="${PAGE}/run"`);
    const before = readAppConfig(deps.db, { uiConfigDisabled: false, env: {} });
    for (const [path, form] of [[`${PAGE}/run`, {}], [PAGE, { backupIntervalHours: "12", backupKeep: "3" }]] as const) {
      const res = await app.handle(pageReq(deps, f.admin, "POST", path, { htmx: true, form }));
      expect(res.status).toBe(409);
      expect(await res.text()).toContain("back it up with pg_dump");
    }
    expect(readAppConfig(deps.db, { uiConfigDisabled: false, env: {} })).toEqual(before);
  });
});

test.skipIf(!onSqlite)("shows the last result, backs up on demand, validates and saves the schedule", async () => {
  const first = await app.handle(pageReq(deps, f.admin, "GET", PAGE));
  expect(first.status).toBe(200);
  expect(await first.text()).toContain("None yet.");

  const run = await app.handle(pageReq(deps, f.admin, "POST", `${PAGE}/run`, { htmx: true, form: {} }));
  expect(run.status).toBe(200);
  const html = await run.text();
  expect(html).toContain("Backup written.");
  expect(html).toMatch(/Succeeded <time datetime="\d{4}-\d\d-\d\dT[^"]+" title="[^"]+" data-format="medium">/);
  expect(html).toMatch(/latchkey-backup-\d{8}T\d{6}Z-manual\.db/);

  const bad = await app.handle(pageReq(deps, f.admin, "POST", PAGE, { htmx: true, form: { backupIntervalHours: "-1", backupKeep: "0" } }));
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain("Enter a number of hours from 0 (off) to 8760.");
  const ok = await app.handle(pageReq(deps, f.admin, "POST", PAGE, { htmx: true, form: { backupIntervalHours: "12", backupKeep: "3" } }));
  expect(ok.status).toBe(200);
  const cfg = readAppConfig(deps.db, { uiConfigDisabled: false, env: {} });
  expect([cfg.backupIntervalHours, cfg.backupKeep]).toEqual([12, 3]);

  expect((await app.handle(pageReq(deps, f.member, "GET", PAGE))).status).toBe(403);
  expect((await app.handle(pageReq(deps, f.member, "POST", `${PAGE}/run`, { htmx: true, form: {} }))).status).toBe(403);
});

describe.skipIf(!onSqlite)("what made a backup", () => {
  test('"Back up now" is labelled manual, the schedule\'s backup automatic, an old unmarked file "Not recorded"', async () => {
    await app.handle(pageReq(deps, f.admin, "POST", `${PAGE}/run`, { htmx: true, form: {} }));
    let html = await page();
    expect(html).toContain("<h2>Last backup</h2>");
    expect(html).not.toContain("Last automatic backup");
    expect(html).toMatch(/<span class="badge">Manual<\/span> <strong>Succeeded/);
    expect(html).toContain("<td>Manual</td>");

    deps.clock.advance(5);
    const auto = runAutomaticBackup(deps);
    expect(auto.file).toMatch(/^latchkey-backup-\d{8}T\d{6}Z-auto\.db$/);
    html = await page();
    expect(html).toMatch(/<span class="badge">Automatic<\/span> <strong>Succeeded/);
    expect(html).toContain("<td>Automatic</td>");

    // A file and a stored result from before the kind was recorded: listed, no kind claimed.
    const dir = path.join(deps.config.dataDir, BACKUP_DIR);
    copyFileSync(path.join(dir, auto.file!), path.join(dir, "latchkey-backup-20200101T000000Z.db"));
    setKv(deps.db, "backup_last_result", JSON.stringify({ at: 1, ok: true, file: "latchkey-backup-20200101T000000Z.db", bytes: 10 }));
    html = await page();
    expect(html).toContain('<td translate="no">latchkey-backup-20200101T000000Z.db</td>');
    expect(html).toContain("<td>Not recorded</td>");
    expect(html).not.toMatch(/<span class="badge">(Manual|Automatic)<\/span> <strong>Succeeded/);
  });
});

describe.skipIf(!onSqlite)("downloading a kept backup", () => {
  const made = async () => {
    await app.handle(pageReq(deps, f.admin, "POST", `${PAGE}/run`, { htmx: true, form: {} }));
    const name = /latchkey-backup-\d{8}T\d{6}Z-manual\.db/.exec(await page())![0];
    return { name, bytes: readFileSync(path.join(deps.config.dataDir, BACKUP_DIR, name)) };
  };
  const downloads = () =>
    deps.db.query<{ user_id: string | null; data: string }, []>("SELECT user_id, data FROM audit_logs WHERE event = 'ADMIN_CHANGE'").all().filter((r) => JSON.parse(r.data).action === "download");

  test("answers an admin the file's bytes as an attachment, not cached, and audits it", async () => {
    const { name, bytes } = await made();
    expect(await page()).toContain(`href="/settings/admin/backups/files/${name}" download="${name}"`);
    const res = await app.handle(pageReq(deps, f.admin, "GET", `${PAGE}/files/${name}`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${name}"`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-type")).toBe("application/vnd.sqlite3");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(bytes));
    const rows = downloads();
    expect(rows.length).toBe(1);
    expect(rows[0]!.user_id).toBe(f.admin.user.id);
    expect(JSON.parse(rows[0]!.data)).toEqual({ entity: "backup", action: "download", id: name, changes: { bytes: bytes.length }, via: "session" });
  });

  test("refuses members (403) and sends anonymous browsers to sign in", async () => {
    const { name } = await made();
    expect((await app.handle(pageReq(deps, f.member, "GET", `${PAGE}/files/${name}`))).status).toBe(403);
    const anon = await app.handle(new Request(`${deps.config.appUrl}${PAGE}/files/${name}`));
    expect(anon.status).toBe(303);
    expect(anon.headers.get("location")!.startsWith("/login?redirect=")).toBe(true);
    expect(downloads().length).toBe(0);
  });

  test("404 for a name that is not a kept backup: unknown, a path, traversal", async () => {
    const { name } = await made();
    const refused = [
      "latchkey-backup-20200101T000000Z-auto.db",
      `${name}.partial`,
      `..%2F${BACKUP_DIR}%2F${name}`,
      "..%2Flatchkey.db",
      "..%2F..%2F..%2Fetc%2Fpasswd",
      encodeURIComponent(path.join(deps.config.dataDir, BACKUP_DIR, name)),
      "%2Fetc%2Fpasswd",
      `.%2F${name}`,
    ];
    for (const n of refused) {
      const res = await app.handle(pageReq(deps, f.admin, "GET", `${PAGE}/files/${n}`));
      expect([n, res.status]).toEqual([n, 404]);
      expect(res.headers.get("content-disposition")).toBeNull();
    }
    // Unencoded dots are resolved by the URL before routing: the path is no longer a download.
    expect((await app.handle(pageReq(deps, f.admin, "GET", `${PAGE}/files/../../../latchkey.db`))).status).toBe(404);
    expect(downloads().length).toBe(0);
  });
});
