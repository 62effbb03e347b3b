import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";

/**
 * /verify-email?token=…: a button, not an automatic verification, so mail scanners that open
 * links do not use up the single-use token.
 */
export function VerifyEmailPage(p: { ctx: PageContext; token: string; error?: string; verifiedEmail?: string }): JSX.Element {
  return (
    <Layout ctx={p.ctx} title="Verify your email address" variant="card">
      <section class="card" aria-labelledby="verify-title">
        <h1 id="verify-title">Verify your email address</h1>
        {p.verifiedEmail ? (
          <>
            <div class="alert alert-success" role="status">
              <span safe>{`${p.verifiedEmail} is verified. Thank you.`}</span>
            </div>
            <a class="btn btn-block" href="/settings/account">Go to my account</a>
          </>
        ) : p.error ? (
          <>
            <div class="alert alert-error" role="alert" safe>{p.error}</div>
            <a class="btn btn-secondary btn-block" href="/settings/account">Go to my account</a>
          </>
        ) : (
          <form method="post" action="/verify-email">
            <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
            <input type="hidden" name="token" value={p.token} />
            <p class="lead">Confirm that this address belongs to you.</p>
            <button type="submit" class="btn btn-lg btn-block">Verify email address</button>
          </form>
        )}
      </section>
    </Layout>
  );
}

/** On the account page, under the email field: verified or not, and a button to get a new link. */
export function EmailVerificationStatus(p: { email: string | null; verified: boolean; enabled: boolean; csrfToken?: string; notice?: string }): JSX.Element {
  if (!p.email) return <div id="email-verification" />;
  return (
    <div id="email-verification" class="email-verification">
      {p.verified ? (
        <span class="badge badge-success">Email verified</span>
      ) : (
        <span class="badge badge-warning">Email not verified</span>
      )}
      {p.notice ? (
        <span class="hint" role="status" safe>{p.notice}</span>
      ) : !p.verified && p.enabled && p.csrfToken ? (
        <form method="post" action="/settings/account/email/verification" hx-post="/settings/account/email/verification" hx-target="#email-verification" hx-swap="outerHTML" class="inline-form">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <button type="submit" class="btn btn-link btn-sm">Send a verification link</button>
        </form>
      ) : (
        ""
      )}
    </div>
  );
}
