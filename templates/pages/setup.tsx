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
  return (
    <form id="setup-form" method="post" action="/setup" hx-post="/setup" hx-target="this" hx-swap="outerHTML" novalidate>
      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
      {message ? <div class="alert alert-error" role="alert" safe>{message}</div> : ""}
      <div class="grid-2">
        <TextField name="firstName" label="First name" value={values.firstName} error={errors.firstName} autocomplete="given-name" required maxlength={50} autofocus />
        <TextField name="lastName" label="Last name" value={values.lastName} error={errors.lastName} autocomplete="family-name" maxlength={50} />
      </div>
      <TextField name="username" label="Username" value={values.username} error={errors.username} autocomplete="username" required maxlength={50} hint="Letters, digits and _ . @ - — shown to the apps you sign in to." />
      <TextField name="email" label="Email" type="email" value={values.email} error={errors.email} autocomplete="email" />
      <button type="submit" class="btn btn-lg btn-block">Continue</button>
    </form>
  );
}

export function SetupPage(props: { ctx: PageContext; values?: SetupValues; errors?: Record<string, string>; message?: string }): JSX.Element {
  return (
    <Layout ctx={props.ctx} title="Set up" variant="card">
      <section class="card" aria-labelledby="setup-title">
        <div class="brand-mark">
          <img src={props.ctx.asset("favicon.svg")} alt="" />
          <span safe>{props.ctx.appName}</span>
        </div>
        <ol class="steps" aria-label="Setup progress">
          <li class="step current" aria-current="step"><span class="step-dot">1</span> Your account</li>
          <li class="step"><span class="step-dot">2</span> Your passkey</li>
        </ol>
        <h1 id="setup-title">Create the administrator</h1>
        <p class="lead">This is the first account. Next you will create a passkey for it — no password, ever.</p>
        <SetupForm {...props} />
      </section>
    </Layout>
  );
}
