import { SCOPE_DESCRIPTIONS, type Scope } from "../../../src/oidc/scopes.ts";
import type { ResolvedResource } from "../../../src/oidc/resources.ts";
import type { PageContext } from "../../page-context.ts";

/**
 * What an app asks for, in plain words (consent and device approval pages): the identity scopes, then the API
 * it wants a token for (RFC 8707) and each of that API's permissions, by the name and description the
 * administrator gave them.
 */
export function ScopeList({ ctx, scopes, resource = null }: { ctx: PageContext; scopes: Scope[]; resource?: ResolvedResource | null }): JSX.Element {
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
      {resource ? (
        <li class="scope-api">
          <strong safe>{ctx.t("oidc.scopeApiTitle", { api: resource.name })}</strong>
          <span class="muted small" safe>
            {ctx.t("oidc.scopeApiDetail", { audience: resource.audience })}
          </span>
        </li>
      ) : (
        ""
      )}
      {(resource?.permissions ?? []).map((p) => (
        <li class="scope-permission">
          <strong safe>{p.name}</strong>
          <span class="muted small" safe>
            {p.description ?? p.key}
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
