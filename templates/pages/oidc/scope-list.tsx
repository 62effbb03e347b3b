import { SCOPE_DESCRIPTIONS, type Scope } from "../../../src/oidc/scopes.ts";
import type { PageContext } from "../../page-context.ts";

/** What an app asks for, in plain words (consent and device approval pages). */
export function ScopeList({ ctx, scopes }: { ctx: PageContext; scopes: Scope[] }): JSX.Element {
  return (
    <ul class="scope-list">
      {scopes.map((s) => (
        <li>
          <strong safe>{ctx.text(SCOPE_DESCRIPTIONS[s].title)}</strong>
          <span class="muted small" safe>
            {ctx.text(SCOPE_DESCRIPTIONS[s].detail)}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Deny / Allow submit buttons posting `decision`; Allow has focus. */
export function DecisionButtons({ ctx }: { ctx: PageContext }): JSX.Element {
  const { t } = ctx;
  return (
    <>
      <button type="submit" name="decision" value="deny" class="btn btn-secondary btn-lg" safe>
        {t("oidc.deny")}
      </button>
      <button type="submit" name="decision" value="allow" class="btn btn-lg" autofocus safe>
        {t("oidc.allow")}
      </button>
    </>
  );
}
