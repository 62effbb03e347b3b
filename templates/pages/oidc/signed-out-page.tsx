import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";

export function SignedOutPage({ ctx, clientName }: { ctx: PageContext; clientName: string | null }): JSX.Element {
  return (
    <Layout ctx={ctx} title="Signed out" variant="card">
      <section class="card" aria-labelledby="signed-out-title">
        <p class="eyebrow"><span safe>{ctx.appName}</span></p>
        <h1 id="signed-out-title">You are signed out</h1>
        <p class="lead">
          {clientName ? (
            <>
              You have signed out of <strong safe>{clientName}</strong> and of <span safe>{ctx.appName}</span>.
            </>
          ) : (
            <>You have signed out of <span safe>{ctx.appName}</span>.</>
          )}{" "}
          You can close this tab.
        </p>
        <a class="btn btn-secondary" href="/login">
          Sign in again
        </a>
      </section>
    </Layout>
  );
}

/** Asked when a sign-out request cannot prove it comes from the application the person uses. */
export function ConfirmSignOutPage({ ctx, clientName, hidden }: { ctx: PageContext; clientName: string | null; hidden: Record<string, string> }): JSX.Element {
  return (
    <Layout ctx={ctx} title="Sign out?" variant="card">
      <section class="card" aria-labelledby="confirm-sign-out-title">
        <h1 id="confirm-sign-out-title">Sign out?</h1>
        <p class="lead">
          {clientName ? (
            <>
              <strong safe>{clientName}</strong> asks to sign you out of <span safe>{ctx.appName}</span>.
            </>
          ) : (
            <>Do you want to sign out of <span safe>{ctx.appName}</span>?</>
          )}
        </p>
        <form method="post" action="/api/oidc/end-session" class="row">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="confirm" value="yes" />
          {Object.entries(hidden).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <button type="submit" class="btn btn-lg">
            Sign out
          </button>
          <a class="btn btn-secondary btn-lg" href="/settings/account">
            Stay signed in
          </a>
        </form>
      </section>
    </Layout>
  );
}
