import { LOCALE_NAMES, LOCALES } from "../../src/i18n/locales.ts";
import type { PageContext } from "../page-context.ts";

/**
 * The language picker: a plain form (works without script; static/js/app.js submits it on change).
 * Posts to /language, which keeps the choice and comes back to this page.
 */
export function LanguagePicker({ ctx, compact = false }: { ctx: PageContext; compact?: boolean }): JSX.Element {
  const { t } = ctx;
  return (
    <form method="post" action="/language" class={compact ? "language-picker compact" : "language-picker"} data-language-picker>
      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
      <input type="hidden" name="returnTo" value={ctx.currentUrl} />
      <label for="language-select" class={compact ? "sr-only" : undefined} safe>
        {t("common.language")}
      </label>
      <select id="language-select" name="locale" autocomplete="off">
        {LOCALES.map((l) => (
          <option value={l} lang={l} translate="no" selected={l === ctx.locale} safe>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
      <button type="submit" class="btn btn-secondary btn-sm" data-language-apply safe>
        {t("common.languageApply")}
      </button>
    </form>
  );
}
