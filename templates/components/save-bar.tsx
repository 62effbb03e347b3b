/**
 * The one Save of a page's form, kept in view at the bottom while the form is long. Its status line says
 * "Saved." only when the page was just rendered from what was stored; admin.js switches it to the
 * unsaved-changes text as soon as anything in the form differs from that.
 */
export function SaveBar(p: { saved?: boolean; label?: string; cancelHref?: string }): JSX.Element {
  const savedText = "All changes saved.";
  return (
    <div class="save-bar">
      <p class="save-status" data-save-status data-dirty-text="Unsaved changes" data-clean-text={p.saved ? savedText : ""} role="status" aria-live="polite">
        {p.saved ? savedText : ""}
      </p>
      <div class="row">
        {p.cancelHref ? <a class="btn btn-secondary" href={p.cancelHref}>Cancel</a> : ""}
        <button type="submit" class="btn" safe>{p.label ?? "Save changes"}</button>
      </div>
    </div>
  );
}
