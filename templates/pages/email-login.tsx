import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { KeyIcon } from "../components/passkey-icons.tsx";

/** /login/alternative/email: ask for a login code by email. */
export function EmailLoginPage(p: { ctx: PageContext; redirect: string | null; email?: string; error?: string }): JSX.Element {
  return (
    <Layout ctx={p.ctx} title="Email me a login code" variant="card">
      <section class="card" aria-labelledby="email-code-title">
        <div class="hero-icon"><KeyIcon /></div>
        <h1 id="email-code-title">Email me a login code</h1>
        <p class="lead">Enter the email address of your account. We will send a code that works in this browser for 15 minutes.</p>
        {p.error ? <div class="alert alert-error" role="alert" safe>{p.error}</div> : ""}
        <form method="post" action="/login/alternative/email">
          <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
          {p.redirect ? <input type="hidden" name="redirect" value={p.redirect} /> : ""}
          <div class="field">
            <label for="email-code-address">Email address</label>
            <input id="email-code-address" name="email" type="email" value={p.email ?? ""} autocomplete="email" required maxlength="254" autofocus />
          </div>
          <button type="submit" class="btn btn-lg btn-block">Send login code</button>
        </form>
        <div class="divider">or</div>
        <a class="btn btn-secondary btn-block" href={p.redirect ? `/login?redirect=${encodeURIComponent(p.redirect)}` : "/login"}>Sign in with a passkey</a>
      </section>
    </Layout>
  );
}

/** After a request: the same answer whether or not the address exists, with the code form. */
export function EmailLoginSentPage(p: { ctx: PageContext; redirect: string | null }): JSX.Element {
  return (
    <Layout ctx={p.ctx} title="Check your email" variant="card">
      <section class="card" aria-labelledby="email-sent-title">
        <div class="hero-icon"><KeyIcon /></div>
        <h1 id="email-sent-title">Check your email</h1>
        <div class="alert alert-info" role="status">If an account uses that address, a login code is on its way. It works once, for 15 minutes, and only in this browser.</div>
        <form method="post" action="/lc">
          <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
          {p.redirect ? <input type="hidden" name="redirect" value={p.redirect} /> : ""}
          <div class="field">
            <label for="login-code">Login code</label>
            <input id="login-code" name="code" type="text" class="code-input" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required maxlength="64" autofocus />
          </div>
          <button type="submit" class="btn btn-lg btn-block">Sign in</button>
        </form>
        <div class="divider">or</div>
        <a class="btn btn-secondary btn-block" href="/login/alternative/email">Send another code</a>
      </section>
    </Layout>
  );
}
