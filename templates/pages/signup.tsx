/** Self sign-up (/signup when open, /st/<token> with an invitation link); ends by adding a passkey. */
import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { TextField } from "../components/text-field.tsx";

export type SignupValues = { firstName: string; lastName: string; username: string; email: string };

export function SignupForm(p: { ctx: PageContext; action: string; values: SignupValues; errors?: Record<string, string>; message?: string; requireEmail: boolean }): JSX.Element {
  const e = p.errors ?? {};
  return (
    <form id="signup-form" method="post" action={p.action} hx-post={p.action} hx-target="this" hx-swap="outerHTML" novalidate>
      <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
      {p.message ? <div class="alert alert-error" role="alert" safe>{p.message}</div> : ""}
      <div class="grid-2">
        <TextField name="firstName" label="First name" value={p.values.firstName} error={e.firstName} autocomplete="given-name" required maxlength={50} autofocus />
        <TextField name="lastName" label="Last name" value={p.values.lastName} error={e.lastName} autocomplete="family-name" maxlength={50} />
      </div>
      <TextField name="username" label="Username" value={p.values.username} error={e.username} autocomplete="username" required maxlength={50} hint="Letters, digits and _ . @ -" />
      <TextField name="email" label="Email" type="email" value={p.values.email} error={e.email} autocomplete="email" required={p.requireEmail} />
      <button type="submit" class="btn btn-lg btn-block">Continue</button>
    </form>
  );
}

export function SignupPage(p: { ctx: PageContext; action: string; values: SignupValues; errors?: Record<string, string>; message?: string; requireEmail: boolean; invited: boolean }): JSX.Element {
  return (
    <Layout ctx={p.ctx} title="Create your account" variant="card">
      <section class="card" aria-labelledby="signup-title">
        <div class="brand-mark">
          <img src="/branding/logo" alt="" />
          <span safe>{p.ctx.appName}</span>
        </div>
        <h1 id="signup-title">Create your account</h1>
        <p class="lead">{p.invited ? "You were invited. " : ""}Enter your details, then add a passkey — no password needed.</p>
        <SignupForm ctx={p.ctx} action={p.action} values={p.values} errors={p.errors} message={p.message} requireEmail={p.requireEmail} />
        <p class="footer-note">
          Already have an account? <a href="/login">Sign in</a>
        </p>
      </section>
    </Layout>
  );
}

export function SignupUnavailablePage(p: { ctx: PageContext; title: string; message: string; status: number }): JSX.Element {
  return (
    <Layout ctx={p.ctx} title={p.title} variant="card">
      <section class="card" aria-labelledby="signup-off-title">
        <p class="eyebrow" safe>{`Error ${p.status}`}</p>
        <h1 id="signup-off-title" safe>{p.title}</h1>
        <p class="lead" safe>{p.message}</p>
        <p><a class="btn btn-secondary" href="/login">Go to sign in</a></p>
      </section>
    </Layout>
  );
}
