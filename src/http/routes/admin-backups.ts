/** Admin page: /settings/admin/backups — last backup (automatic or manual), kept files to download, schedule, "back up now". */
import { Elysia } from "elysia";
import path from "node:path";
import { readAppConfig } from "../../admin/app-config.ts";
import { BACKUP_DIR, backupEngine, backupForDownload, lastBackupResult, listBackups, runBackupNow, setBackupSchedule } from "../../backup/backups.ts";
import { BackupsPage, BackupsPanel, type BackupsView } from "../../../templates/pages/admin/backups.tsx";
import { actorOf } from "../request-context.ts";
import { afterChange, attempt, formOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

const PAGE = "/settings/admin/backups";

export function adminBackupRoutes(web: WebDeps) {
  const view = (over: Partial<BackupsView> = {}): BackupsView => {
    const cfg = readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv });
    return {
      last: lastBackupResult(web.db),
      files: listBackups(web.config.dataDir),
      intervalHours: cfg.backupIntervalHours,
      keep: cfg.backupKeep,
      readOnly: web.config.uiConfigDisabled,
      folder: path.join(web.config.dataDir, BACKUP_DIR),
      engine: backupEngine(web),
      ...over,
    };
  };

  return new Elysia({ name: "admin-backups" })
    .use(routePolicy(web))
    .get(PAGE, ({ request }) => htmlResponse(BackupsPage({ ctx: pageCtx(web, request), view: view() })), { adminPage: true })
    // The name is looked up among the kept backups (never used as a path); the download is audited.
    .get(`${PAGE}/files/:name`, ({ request, params, session }) => {
      const b = backupForDownload(web, actorOf(request, session), params.name);
      return new Response(Bun.file(b.file), {
        headers: {
          "Content-Type": "application/vnd.sqlite3",
          "Content-Length": String(b.bytes),
          "Content-Disposition": `attachment; filename="${b.name}"`,
          "Cache-Control": "no-store",
        },
      });
    }, { adminPage: true })
    .post(`${PAGE}/run`, ({ request, session }) => {
      const r = runBackupNow(web, actorOf(request, session));
      return afterChange(request, PAGE, () => {
        const ctx = pageCtx(web, request);
        return htmlResponse(BackupsPanel({ ctx, view: view(), notice: r.ok ? ctx.t("backups.written") : undefined }));
      });
    }, { adminPage: true })
    .post(PAGE, ({ request, body, session }) => {
      const f = formOf(body);
      const input = { backupIntervalHours: String(f.backupIntervalHours ?? ""), backupKeep: String(f.backupKeep ?? "") };
      const r = attempt(web, request, () => setBackupSchedule(web, actorOf(request, session), input));
      if (!r.ok) {
        return htmlResponse(BackupsPanel({ ctx: pageCtx(web, request), view: view({ intervalHours: input.backupIntervalHours, keep: input.backupKeep }), errors: r.errors }), { status: 422 });
      }
      return afterChange(request, PAGE, () => {
        const ctx = pageCtx(web, request);
        return htmlResponse(BackupsPanel({ ctx, view: view(), notice: ctx.t("backups.scheduleSaved") }));
      });
    }, { adminPage: true });
}
