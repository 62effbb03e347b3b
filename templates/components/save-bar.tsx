/**
 * The one Save of a page's form, kept in view (sticky) while the form holds unsaved changes. Its status line says
 * "Saved." only when the page was just rendered from what was stored; admin.js switches it to the
 * unsaved-changes text as soon as anything in the form differs from that.
 */
import type { PageContext } from "../page-context.ts";

export function SaveBar(p: { ctx: PageContext; saved?: boolean; label?: string; cancelHref?: string }): JSX.Element {
  const { t } = p.ctx;
  const status = p.saved ? t("saveBar.saved") : "";
  return (
    <div class="save-bar">
      <p class="save-status" data-save-status data-dirty-text={t("saveBar.dirty")} data-clean-text={status} role="status" aria-live="polite" safe>
        {status}
      </p>
      <div class="row">
        {p.cancelHref ? <a class="btn btn-secondary" href={p.cancelHref} safe>{t("saveBar.cancel")}</a> : ""}
        <button type="submit" class="btn" safe>{p.label ?? t("saveBar.save")}</button>
      </div>
    </div>
  );
}
