/** Self sign-up (/signup when open, /st/<token> with an invitation link); ends by adding a passkey. */
import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { TextField } from "../components/text-field.tsx";

export type SignupValues = { firstName: string; lastName: string; username: string; email: string };

export function SignupForm(p: { ctx: PageContext; action: string; values: SignupValues; errors?: Record<string, string>; message?: string; requireEmail: boolean }): JSX.Element {
  const e = p.errors ?? {};
  const { ctx } = p;
  const { t } = ctx;
  return (
    <form id="signup-form" method="post" action={p.action} hx-post={p.action} hx-target="this" hx-swap="outerHTML" novalidate>
      <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
      {p.message ? <div class="alert alert-error" role="alert" safe>{p.message}</div> : ""}
      <div class="grid-2">
        <TextField name="firstName" ctx={ctx} label={t("signIn.firstName")} value={p.values.firstName} error={e.firstName} autocomplete="given-name" required maxlength={50} autofocus />
        <TextField name="lastName" ctx={ctx} label={t("signIn.lastName")} value={p.values.lastName} error={e.lastName} autocomplete="family-name" maxlength={50} />
      </div>
      <TextField name="username" ctx={ctx} label={t("signIn.username")} value={p.values.username} error={e.username} autocomplete="username" required maxlength={50} hint={t("signIn.usernameRules")} />
      <TextField name="email" ctx={ctx} label={t("signIn.email")} type="email" value={p.values.email} error={e.email} autocomplete="email" required={p.requireEmail} />
      <button type="submit" class="btn btn-lg btn-block" safe>{t("signIn.continue")}</button>
    </form>
  );
}

export function SignupPage(p: { ctx: PageContext; action: string; values: SignupValues; errors?: Record<string, string>; message?: string; requireEmail: boolean; invited: boolean }): JSX.Element {
  const { t } = p.ctx;
  const safeHaveAccount = p.ctx.rich("signIn.haveAccount", { link: (text) => `<a href="/login">${text}</a>` });
  return (
    <Layout ctx={p.ctx} title={t("signIn.signupTitle")} variant="card">
      <section class="card" aria-labelledby="signup-title">
        <div class="brand-mark">
          <img src="/branding/logo" alt="" />
          <span safe>{p.ctx.appName}</span>
        </div>
        <h1 id="signup-title" safe>{t("signIn.signupTitle")}</h1>
        <p class="lead" safe>{p.invited ? `${t("signIn.signupInvited")} ${t("signIn.signupLead")}` : t("signIn.signupLead")}</p>
        <SignupForm ctx={p.ctx} action={p.action} values={p.values} errors={p.errors} message={p.message} requireEmail={p.requireEmail} />
        <p class="footer-note">{safeHaveAccount}</p>
      </section>
    </Layout>
  );
}

export function SignupUnavailablePage(p: { ctx: PageContext; title: string; message: string; status: number }): JSX.Element {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={p.title} variant="card">
      <section class="card" aria-labelledby="signup-off-title">
        <p class="eyebrow" safe>{t("signIn.errorEyebrow", { status: p.status })}</p>
        <h1 id="signup-off-title" safe>{p.title}</h1>
        <p class="lead" safe>{p.message}</p>
        <p><a class="btn btn-secondary" href="/login" safe>{t("signIn.goToSignIn")}</a></p>
      </section>
    </Layout>
  );
}
