/** Admin: backups (/settings/admin/backups): the last backup and what made it, the kept files (downloadable), the schedule. */
import type { PageContext } from "../../page-context.ts";
import type { BackupKind, LastBackupResult } from "../../../src/backup/backups.ts";
import { AdminLayout, Csrf, Field, FormErrors, PageHeader } from "./admin-shell.tsx";

export interface BackupsView {
  last: LastBackupResult | null;
  files: { name: string; kind: BackupKind | null; bytes: number; at: number }[];
  intervalHours: number | string;
  keep: number | string;
  readOnly: boolean;
  folder: string;
}

const when = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
const KIND_LABEL: Record<BackupKind, string> = { automatic: "Automatic", manual: "Manual" };
/** "Automatic" or "Manual"; "" when not recorded (backups from older versions). */
const kindLabel = (kind: BackupKind | null | undefined) => (kind ? KIND_LABEL[kind] : "");
const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

export function BackupsPage(p: { ctx: PageContext; view: BackupsView }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="Backups">
      <PageHeader title="Backups" lead="Snapshots of the database in the data folder, on a schedule or when you ask. Download them and keep them off this machine, together with the encryption key." />
      <BackupsPanel ctx={p.ctx} view={p.view} />
    </AdminLayout>
  );
}

export function BackupsPanel(p: { ctx: PageContext; view: BackupsView; errors?: Record<string, string>; notice?: string }): JSX.Element {
  const v = p.view;
  const action = "/settings/admin/backups";
  return (
    <div id="backups" class="stack">
      {p.notice ? <div class="alert alert-success" role="status" data-autofocus tabindex="-1" safe>{p.notice}</div> : ""}
      <section class="section">
        <h2>Last backup</h2>
        {v.last === null ? (
          <p class="muted">None yet.</p>
        ) : v.last.ok ? (
          <div class="alert alert-success" role="status">
            <BackupKindBadge label={kindLabel(v.last.kind)} /> <strong safe>{`Succeeded ${when(v.last.at)}`}</strong> <span safe>{`${v.last.file ?? ""} (${size(v.last.bytes ?? 0)})`}</span>
          </div>
        ) : (
          <div class="alert alert-error" role="alert">
            <BackupKindBadge label={kindLabel(v.last.kind)} /> <strong safe>{`Failed ${when(v.last.at)}`}</strong> <span safe>{v.last.error ?? ""}</span>
          </div>
        )}
        <form method="post" action={`${action}/run`} hx-post={`${action}/run`} hx-target="#backups" hx-swap="outerHTML">
          <Csrf ctx={p.ctx} />
          <button type="submit" class="btn btn-secondary">Back up now</button>
        </form>
      </section>
      <section class="section">
        <h2>Kept backups</h2>
        <p class="muted small" safe>{`In ${v.folder}. Restore one with: latchkey restore FILE (with the server stopped).`}</p>
        {v.files.length === 0 ? (
          <p class="muted">No backup files yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>File</th>
                <th>Kind</th>
                <th>Written</th>
                <th>Size</th>
                <th><span class="sr-only">Download</span></th>
              </tr>
            </thead>
            <tbody>
              {v.files.map((f) => (
                <tr>
                  <td safe>{f.name}</td>
                  <td safe>{kindLabel(f.kind) || "Not recorded"}</td>
                  <td safe>{when(f.at)}</td>
                  <td safe>{size(f.bytes)}</td>
                  <td>
                    <a class="btn btn-secondary btn-sm" href={`/settings/admin/backups/files/${encodeURIComponent(f.name)}`} download={f.name} aria-label={`Download ${f.name}`}>Download</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="section">
        <h2>Schedule</h2>
        <form method="post" action={action} hx-post={action} hx-target="#backups" hx-swap="outerHTML" novalidate>
          <Csrf ctx={p.ctx} />
          <FormErrors errors={p.errors} />
          <div class="config-grid">
            <Field name="backupIntervalHours" label="Every (hours)" type="number" min="0" max="8760" value={v.intervalHours} error={p.errors?.backupIntervalHours} required disabled={v.readOnly} hint="0 turns automatic backups off." />
            <Field name="backupKeep" label="Keep the newest" type="number" min="1" max="1000" value={v.keep} error={p.errors?.backupKeep} required disabled={v.readOnly} hint="Older backups, automatic and manual, are deleted." />
          </div>
          {v.readOnly ? <p class="muted small">Set by BACKUP_INTERVAL_HOURS and BACKUP_KEEP (UI_CONFIG_DISABLED=true).</p> : <button type="submit" class="btn">Save schedule</button>}
        </form>
      </section>
    </div>
  );
}

function BackupKindBadge({ label }: { label: string }): JSX.Element {
  return label ? <span class="badge" safe>{label}</span> : "";
}
