/** Admin: backups (/settings/admin/backups): the last backup and what made it, the kept files (downloadable), the schedule. */
import type { PageContext } from "../../page-context.ts";
import type { BackupKind, LastBackupResult } from "../../../src/backup/backups.ts";
import { AdminLayout, Csrf, Field, FormErrors, PageHeader } from "./admin-shell.tsx";
import { DateTime } from "../../components/date-time.tsx";

export interface BackupsView {
  last: LastBackupResult | null;
  files: { name: string; kind: BackupKind | null; bytes: number; at: number }[];
  intervalHours: number | string;
  keep: number | string;
  readOnly: boolean;
  folder: string;
  /** PostgreSQL: no file backups here; the page says how to back up instead. */
  engine: "sqlite" | "postgres";
}

/** A moment given in milliseconds, shown the one way every page shows dates. */
const when = (ctx: PageContext, ms: number) => <DateTime ctx={ctx} at={Math.floor(ms / 1000)} />;
/** "Automatic" or "Manual"; "" when not recorded (backups from older versions). */
const kindLabel = (ctx: PageContext, kind: BackupKind | null | undefined) => (kind ? ctx.t(kind === "automatic" ? "backups.kindAutomatic" : "backups.kindManual") : "");
const size = (ctx: PageContext, bytes: number) =>
  bytes >= 1024 * 1024 ? ctx.t("backups.sizeMb", { size: Math.round((bytes / 1024 / 1024) * 10) / 10 }) : ctx.t("backups.sizeKb", { size: Math.max(1, Math.round(bytes / 1024)) });

export function BackupsPage(p: { ctx: PageContext; view: BackupsView }): JSX.Element {
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("backups.title")}>
      <PageHeader title={t("backups.title")} lead={p.view.engine === "postgres" ? undefined : t("backups.lead")} />
      <BackupsPanel ctx={p.ctx} view={p.view} />
    </AdminLayout>
  );
}

export function BackupsPanel(p: { ctx: PageContext; view: BackupsView; errors?: Record<string, string>; notice?: string }): JSX.Element {
  const { ctx } = p;
  const { t } = ctx;
  const v = p.view;
  const action = "/settings/admin/backups";
  // Catalogue HTML (rich() escapes the text and values; the <time> and <code> are ours).
  const safeLastAt = v.last ? ctx.rich(v.last.ok ? "backups.succeeded" : "backups.failed", { when: () => String(when(ctx, v.last!.at)) }) : "";
  const safeKeptLead = ctx.rich("backups.keptLead", { folder: (text) => `<code>${text}</code>`, command: (text) => `<code>${text}</code>`, path: v.folder });
  if (v.engine === "postgres") {
    const safePostgresLead = ctx.rich("backups.postgresLead", { command: (text) => `<code class="command">${text}</code>` });
    return (
      <div id="backups" class="stack">
        <section class="section">
          <h2 safe>{t("backups.postgresTitle")}</h2>
          <p>{safePostgresLead}</p>
        </section>
      </div>
    );
  }
  return (
    <div id="backups" class="stack">
      {p.notice ? <div class="alert alert-success" role="status" data-autofocus tabindex="-1" safe>{p.notice}</div> : ""}
      <section class="section">
        <h2 safe>{t("backups.lastBackup")}</h2>
        {v.last === null ? (
          <p class="muted" safe>{t("backups.noneYet")}</p>
        ) : v.last.ok ? (
          <div class="alert alert-success" role="status">
            <BackupKindBadge label={kindLabel(ctx, v.last.kind)} /> <strong>{safeLastAt}</strong>{" "}
            <span translate="no" safe>{v.last.file ?? ""}</span> <span safe>{t("backups.sizeInParentheses", { size: size(ctx, v.last.bytes ?? 0) })}</span>
          </div>
        ) : (
          <div class="alert alert-error" role="alert">
            <BackupKindBadge label={kindLabel(ctx, v.last.kind)} /> <strong>{safeLastAt}</strong> <span safe>{v.last.error ?? ""}</span>
          </div>
        )}
        <form method="post" action={`${action}/run`} hx-post={`${action}/run`} hx-target="#backups" hx-swap="outerHTML">
          <Csrf ctx={p.ctx} />
          <button type="submit" class="btn btn-secondary" safe>{t("backups.backUpNow")}</button>
        </form>
      </section>
      <section class="section">
        <h2 safe>{t("backups.kept")}</h2>
        <p class="muted small">
          {safeKeptLead}
        </p>
        {v.files.length === 0 ? (
          <p class="muted" safe>{t("backups.noFiles")}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th safe>{t("backups.colFile")}</th>
                <th safe>{t("backups.colKind")}</th>
                <th safe>{t("backups.colWritten")}</th>
                <th safe>{t("backups.colSize")}</th>
                <th><span class="sr-only" safe>{t("backups.download")}</span></th>
              </tr>
            </thead>
            <tbody>
              {v.files.map((f) => (
                <tr>
                  <td translate="no" safe>{f.name}</td>
                  <td safe>{kindLabel(ctx, f.kind) || t("backups.kindNotRecorded")}</td>
                  <td>{when(ctx, f.at)}</td>
                  <td safe>{size(ctx, f.bytes)}</td>
                  <td>
                    <a class="btn btn-secondary btn-sm" href={`/settings/admin/backups/files/${encodeURIComponent(f.name)}`} download={f.name} aria-label={t("backups.downloadFile", { name: f.name })} safe>
                      {t("backups.download")}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="section">
        <h2 safe>{t("backups.schedule")}</h2>
        <form method="post" action={action} hx-post={action} hx-target="#backups" hx-swap="outerHTML" novalidate>
          <Csrf ctx={p.ctx} />
          <FormErrors ctx={p.ctx} errors={p.errors} />
          <div class="config-grid">
            <Field ctx={p.ctx} name="backupIntervalHours" label={t("backups.interval")} type="number" min="0" max="8760" value={v.intervalHours} error={p.errors?.backupIntervalHours} required disabled={v.readOnly} hint={t("backups.intervalHint")} />
            <Field ctx={p.ctx} name="backupKeep" label={t("backups.keep")} type="number" min="1" max="1000" value={v.keep} error={p.errors?.backupKeep} required disabled={v.readOnly} hint={t("backups.keepHint")} />
          </div>
          {v.readOnly ? <p class="muted small" safe>{t("backups.readOnly")}</p> : <button type="submit" class="btn" safe>{t("backups.saveSchedule")}</button>}
        </form>
      </section>
    </div>
  );
}

function BackupKindBadge({ label }: { label: string }): JSX.Element {
  return label ? <span class="badge" safe>{label}</span> : "";
}
