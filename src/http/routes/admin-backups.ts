/** Admin page: /settings/admin/backups — last automatic backup, kept files, schedule, "back up now". */
import { Elysia } from "elysia";
import path from "node:path";
import type { Session } from "../../account/sessions.ts";
import { readAppConfig } from "../../admin/app-config.ts";
import { updateAppConfigFromInput } from "../../admin/app-config-admin.ts";
import { BACKUP_DIR, lastBackupResult, listBackups, runAutomaticBackup } from "../../backup/backups.ts";
import { BackupsPage, BackupsPanel, type BackupsView } from "../../../templates/pages/admin/backups.tsx";
import { auditAdminChange, requireAdminPage } from "../admin-auth.ts";
import { afterChange, attempt, formOf, pageCtx } from "../admin-pages.ts";
import { htmlResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

const PAGE = "/settings/admin/backups";

export function adminBackupRoutes(web: WebDeps) {
  const admin = (request: Request, fn: (session: Session) => Response): Response => {
    const s = requireAdminPage(web, request);
    return s instanceof Response ? s : fn(s);
  };
  const view = (over: Partial<BackupsView> = {}): BackupsView => {
    const cfg = readAppConfig(web.db, { uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv });
    return {
      last: lastBackupResult(web.db),
      files: listBackups(web.config.dataDir),
      intervalHours: cfg.backupIntervalHours,
      keep: cfg.backupKeep,
      readOnly: web.config.uiConfigDisabled,
      folder: path.join(web.config.dataDir, BACKUP_DIR),
      ...over,
    };
  };

  return new Elysia({ name: "admin-backups" })
    .get(PAGE, ({ request }) => admin(request, () => htmlResponse(BackupsPage({ ctx: pageCtx(web, request), view: view() }))))
    .post(`${PAGE}/run`, ({ request }) =>
      admin(request, (session) => {
        const r = runAutomaticBackup(web);
        auditAdminChange(web, request, session, { entity: "backup", action: "create", id: r.file ?? "failed" });
        return afterChange(request, PAGE, () => htmlResponse(BackupsPanel({ ctx: pageCtx(web, request), view: view(), notice: r.ok ? "Backup written." : undefined })));
      }),
    )
    .post(PAGE, ({ request, body }) =>
      admin(request, (session) => {
        const f = formOf(body);
        const input = { backupIntervalHours: String(f.backupIntervalHours ?? ""), backupKeep: String(f.backupKeep ?? "") };
        const r = attempt(() => updateAppConfigFromInput({ db: web.db, clock: web.clock, uiConfigDisabled: web.config.uiConfigDisabled, env: web.config.appConfigEnv, box: web.box }, input));
        if (!r.ok) {
          return htmlResponse(BackupsPanel({ ctx: pageCtx(web, request), view: view({ intervalHours: input.backupIntervalHours, keep: input.backupKeep }), errors: r.errors }), { status: 422 });
        }
        auditAdminChange(web, request, session, { entity: "app_config", action: "update", id: "backups" });
        return afterChange(request, PAGE, () => htmlResponse(BackupsPanel({ ctx: pageCtx(web, request), view: view(), notice: "Schedule saved." })));
      }),
    );
}
