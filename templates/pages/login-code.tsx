import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { KeyIcon } from "../components/passkey-icons.tsx";

/** Sign in with a one-time login code: typed in, or prefilled from a /lc/<code> link. */
export function LoginCodePage({ ctx, code, redirect, error }: { ctx: PageContext; code?: string; redirect: string | null; error?: string }): JSX.Element {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t("signIn.codeTitle")} variant="card">
      <section class="card" aria-labelledby="code-title">
        <div class="hero-icon"><KeyIcon /></div>
        <h1 id="code-title" safe>{t("signIn.codeTitle")}</h1>
        <p class="lead" safe>
          {code && !error ? t("signIn.codeReady") : t("signIn.codeEnter")}
        </p>
        {error ? <div class="alert alert-error" role="alert" safe>{error}</div> : ""}
        <form method="post" action="/lc">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          {redirect ? <input type="hidden" name="redirect" value={redirect} /> : ""}
          <div class="field">
            <label for="login-code" safe>{t("signIn.codeLabel")}</label>
            <input id="login-code" name="code" type="text" class="code-input" value={code ?? ""} autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required maxlength="64" autofocus={!code} aria-invalid={error ? "true" : undefined} />
          </div>
          <button type="submit" class="btn btn-lg btn-block" safe>{t("signIn.submit")}</button>
        </form>
        <div class="divider" safe>{t("signIn.or")}</div>
        <a class="btn btn-secondary btn-block" href={redirect ? `/login?redirect=${encodeURIComponent(redirect)}` : "/login"} safe>{t("signIn.withPasskeyInstead")}</a>
      </section>
    </Layout>
  );
}
