import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { KeyIcon } from "../components/passkey-icons.tsx";

/** /login/alternative/email: ask for a login code by email. */
export function EmailLoginPage(p: { ctx: PageContext; redirect: string | null; email?: string; error?: string }): JSX.Element {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("signIn.emailMeCode")} variant="card">
      <section class="card" aria-labelledby="email-code-title">
        <div class="hero-icon"><KeyIcon /></div>
        <h1 id="email-code-title" safe>{t("signIn.emailMeCode")}</h1>
        <p class="lead" safe>{t("signIn.emailLead")}</p>
        {p.error ? <div class="alert alert-error" role="alert" safe>{p.error}</div> : ""}
        <form method="post" action="/login/alternative/email">
          <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
          {p.redirect ? <input type="hidden" name="redirect" value={p.redirect} /> : ""}
          <div class="field">
            <label for="email-code-address" safe>{t("signIn.emailLabel")}</label>
            <input id="email-code-address" name="email" type="email" value={p.email ?? ""} autocomplete="email" required maxlength="254" autofocus />
          </div>
          <button type="submit" class="btn btn-lg btn-block" safe>{t("signIn.emailSend")}</button>
        </form>
        <div class="divider" safe>{t("signIn.or")}</div>
        <a class="btn btn-secondary btn-block" href={p.redirect ? `/login?redirect=${encodeURIComponent(p.redirect)}` : "/login"} safe>{t("signIn.withPasskeyInstead")}</a>
      </section>
    </Layout>
  );
}

/** After a request: the same answer whether or not the address exists, with the code form. */
export function EmailLoginSentPage(p: { ctx: PageContext; redirect: string | null }): JSX.Element {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("signIn.emailSentTitle")} variant="card">
      <section class="card" aria-labelledby="email-sent-title">
        <div class="hero-icon"><KeyIcon /></div>
        <h1 id="email-sent-title" safe>{t("signIn.emailSentTitle")}</h1>
        <div class="alert alert-info" role="status" safe>{t("signIn.emailSent")}</div>
        <form method="post" action="/lc">
          <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
          {p.redirect ? <input type="hidden" name="redirect" value={p.redirect} /> : ""}
          <div class="field">
            <label for="login-code" safe>{t("signIn.codeLabel")}</label>
            <input id="login-code" name="code" type="text" class="code-input" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required maxlength="64" autofocus />
          </div>
          <button type="submit" class="btn btn-lg btn-block" safe>{t("signIn.submit")}</button>
        </form>
        <div class="divider" safe>{t("signIn.or")}</div>
        <a class="btn btn-secondary btn-block" href="/login/alternative/email" safe>{t("signIn.emailSendAnother")}</a>
      </section>
    </Layout>
  );
}
