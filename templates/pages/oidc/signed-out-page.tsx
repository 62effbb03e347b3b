import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import { bold } from "./rich-parts.tsx";

export function SignedOutPage({ ctx, clientName }: { ctx: PageContext; clientName: string | null }): JSX.Element {
  const { t } = ctx;
  const safeLead = clientName
    ? ctx.rich("oidc.signedOutOfBoth", { client: clientName, appName: ctx.appName, b: bold })
    : ctx.rich("oidc.signedOutOf", { appName: ctx.appName });
  return (
    <Layout ctx={ctx} title={t("oidc.signedOutTitle")} variant="card">
      <section class="card" aria-labelledby="signed-out-title">
        <p class="eyebrow">
          <span safe>{ctx.appName}</span>
        </p>
        <h1 id="signed-out-title" safe>{t("oidc.signedOutHeading")}</h1>
        <p class="lead">{safeLead}</p>
        <a class="btn btn-secondary" href="/login" safe>
          {t("oidc.signInAgain")}
        </a>
      </section>
    </Layout>
  );
}

/** Asked when a sign-out request cannot prove it comes from the application the person uses. */
export function ConfirmSignOutPage({ ctx, clientName, hidden }: { ctx: PageContext; clientName: string | null; hidden: Record<string, string> }): JSX.Element {
  const { t } = ctx;
  const safeLead = clientName
    ? ctx.rich("oidc.confirmSignOutClient", { client: clientName, appName: ctx.appName, b: bold })
    : ctx.rich("oidc.confirmSignOutPlain", { appName: ctx.appName });
  return (
    <Layout ctx={ctx} title={t("oidc.confirmSignOutTitle")} variant="card">
      <section class="card" aria-labelledby="confirm-sign-out-title">
        <h1 id="confirm-sign-out-title" safe>{t("oidc.confirmSignOutTitle")}</h1>
        <p class="lead">{safeLead}</p>
        <form method="post" action="/api/oidc/end-session" class="row">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="confirm" value="yes" />
          {Object.entries(hidden).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <button type="submit" class="btn btn-lg" safe>
            {t("common.signOut")}
          </button>
          <a class="btn btn-secondary btn-lg" href="/settings/account" safe>
            {t("oidc.staySignedIn")}
          </a>
        </form>
      </section>
    </Layout>
  );
}
