/** Admin backups page: last result shown, "back up now", schedule validated and saved, admins only. */
import { afterEach, expect, test } from "bun:test";
import { readAppConfig } from "../../../src/admin/app-config.ts";
import { makeAdminFixture, pageReq } from "../../helpers/admin-fixture.ts";
import { makeTestApp, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
afterEach(() => deps.cleanup());

test("shows the last result, backs up on demand, validates and saves the schedule", async () => {
  const made = await makeTestApp();
  deps = made.deps;
  const app = made.app;
  const f = makeAdminFixture(deps);
  const page = await app.handle(pageReq(deps, f.admin, "GET", "/settings/admin/backups"));
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("None yet.");

  const run = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/backups/run", { htmx: true, form: {} }));
  expect(run.status).toBe(200);
  const html = await run.text();
  expect(html).toContain("Backup written.");
  expect(html).toMatch(/Succeeded \d{4}-\d\d-\d\d/);
  expect(html).toMatch(/latchkey-backup-\d{8}T\d{6}Z\.db/);

  const bad = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/backups", { htmx: true, form: { backupIntervalHours: "-1", backupKeep: "0" } }));
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain("must be from 0 (off) to 8760 hours");
  const ok = await app.handle(pageReq(deps, f.admin, "POST", "/settings/admin/backups", { htmx: true, form: { backupIntervalHours: "12", backupKeep: "3" } }));
  expect(ok.status).toBe(200);
  const cfg = readAppConfig(deps.db, { uiConfigDisabled: false, env: {} });
  expect([cfg.backupIntervalHours, cfg.backupKeep]).toEqual([12, 3]);

  expect((await app.handle(pageReq(deps, f.member, "GET", "/settings/admin/backups"))).status).toBe(403);
  expect((await app.handle(pageReq(deps, f.member, "POST", "/settings/admin/backups/run", { htmx: true, form: {} }))).status).toBe(403);
});
