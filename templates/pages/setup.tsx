import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { TextField } from "../components/text-field.tsx";

export interface SetupValues {
  firstName?: string;
  lastName?: string;
  username?: string;
  email?: string;
}

/** The first-run form; its root (#setup-form) is what htmx swaps on a 422. */
export function SetupForm({ ctx, values = {}, errors = {}, message }: { ctx: PageContext; values?: SetupValues; errors?: Record<string, string>; message?: string }): JSX.Element {
  const { t } = ctx;
  return (
    <form id="setup-form" method="post" action="/setup" hx-post="/setup" hx-target="this" hx-swap="outerHTML" novalidate>
      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
      {message ? <div class="alert alert-error" role="alert" safe>{message}</div> : ""}
      <div class="grid-2">
        <TextField name="firstName" ctx={ctx} label={t("signIn.firstName")} value={values.firstName} error={errors.firstName} autocomplete="given-name" required maxlength={50} autofocus />
        <TextField name="lastName" ctx={ctx} label={t("signIn.lastName")} value={values.lastName} error={errors.lastName} autocomplete="family-name" maxlength={50} />
      </div>
      <TextField name="username" ctx={ctx} label={t("signIn.username")} value={values.username} error={errors.username} autocomplete="username" required maxlength={50} hint={t("signIn.usernameRulesSetup")} />
      <TextField name="email" ctx={ctx} label={t("signIn.email")} type="email" value={values.email} error={errors.email} autocomplete="email" />
      <button type="submit" class="btn btn-lg btn-block" safe>{t("signIn.continue")}</button>
    </form>
  );
}

export function SetupPage(props: { ctx: PageContext; values?: SetupValues; errors?: Record<string, string>; message?: string }): JSX.Element {
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t("signIn.setupTitle")} variant="card">
      <section class="card" aria-labelledby="setup-title">
        <div class="brand-mark">
          <img src={props.ctx.asset("favicon.svg")} alt="" />
          <span safe>{props.ctx.appName}</span>
        </div>
        <ol class="steps" aria-label={t("passkeys.setupProgress")}>
          <li class="step current" aria-current="step"><span class="step-dot">1</span> <span safe>{t("passkeys.stepAccount")}</span></li>
          <li class="step"><span class="step-dot">2</span> <span safe>{t("passkeys.stepPasskey")}</span></li>
        </ol>
        <h1 id="setup-title" safe>{t("signIn.setupHeading")}</h1>
        <p class="lead" safe>{t("signIn.setupLead")}</p>
        <SetupForm {...props} />
      </section>
    </Layout>
  );
}
