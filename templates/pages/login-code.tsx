import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { KeyIcon } from "../components/passkey-icons.tsx";

/** Sign in with a one-time login code: typed in, or prefilled from a /lc/<code> link. */
export function LoginCodePage({ ctx, code, redirect, error }: { ctx: PageContext; code?: string; redirect: string | null; error?: string }): JSX.Element {
  return (
    <Layout ctx={ctx} title="Sign in with a login code" variant="card">
      <section class="card" aria-labelledby="code-title">
        <div class="hero-icon"><KeyIcon /></div>
        <h1 id="code-title">Sign in with a login code</h1>
        <p class="lead">
          {code && !error ? "Your login link is ready. Continue to sign in; the code works only once." : "Enter the code from your administrator or your email."}
        </p>
        {error ? <div class="alert alert-error" role="alert" safe>{error}</div> : ""}
        <form method="post" action="/lc">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          {redirect ? <input type="hidden" name="redirect" value={redirect} /> : ""}
          <div class="field">
            <label for="login-code">Login code</label>
            <input id="login-code" name="code" type="text" class="code-input" value={code ?? ""} autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required maxlength="64" autofocus={!code} aria-invalid={error ? "true" : undefined} />
          </div>
          <button type="submit" class="btn btn-lg btn-block">Sign in</button>
        </form>
        <div class="divider">or</div>
        <a class="btn btn-secondary btn-block" href={redirect ? `/login?redirect=${encodeURIComponent(redirect)}` : "/login"}>Sign in with a passkey</a>
      </section>
    </Layout>
  );
}
