/**
 * The one Save of a page's form, kept in view (sticky) while the form holds unsaved changes. Its status line says
 * "Saved." only when the page was just rendered from what was stored; admin.js switches it to the
 * unsaved-changes text as soon as anything in the form differs from that.
 */
import type { Children } from "@kitajs/html";
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

/**
 * A page's one form (create and edit): posts by htmx and swaps itself with the answer, and admin.js guards
 * it against leaving with unsaved changes (a form re-rendered with errors starts out unsaved).
 */
export function OneSaveForm(p: { ctx: PageContext; id: string; action: string; target: string; dirty: boolean; children?: Children }): JSX.Element {
  return (
    <form
      id={p.id}
      class="edit-form"
      method="post"
      action={p.action}
      hx-post={p.action}
      hx-target={p.target}
      hx-swap="outerHTML"
      novalidate
      data-unsaved-guard
      data-unsaved-message={p.ctx.t("saveBar.unsavedConfirm")}
      data-dirty-initially={p.dirty ? "true" : undefined}
    >
      {p.children}
    </form>
  );
}
