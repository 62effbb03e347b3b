import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";

/**
 * /verify-email?token=…: a button, not an automatic verification, so mail scanners that open
 * links do not use up the single-use token.
 */
export function VerifyEmailPage(p: { ctx: PageContext; token: string; error?: string; verifiedEmail?: string }): JSX.Element {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("account.verifyTitle")} variant="card">
      <section class="card" aria-labelledby="verify-title">
        <h1 id="verify-title" safe>{t("account.verifyTitle")}</h1>
        {p.verifiedEmail ? (
          <>
            <div class="alert alert-success" role="status">
              <span safe>{t("account.verifyDone", { email: p.verifiedEmail })}</span>
            </div>
            <a class="btn btn-block" href="/settings/account" safe>{t("account.goToAccount")}</a>
          </>
        ) : p.error ? (
          <>
            <div class="alert alert-error" role="alert" safe>{p.error}</div>
            <a class="btn btn-secondary btn-block" href="/settings/account" safe>{t("account.goToAccount")}</a>
          </>
        ) : (
          <form method="post" action="/verify-email">
            <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
            <input type="hidden" name="token" value={p.token} />
            <p class="lead" safe>{t("account.verifyLead")}</p>
            <button type="submit" class="btn btn-lg btn-block" safe>{t("account.verifyButton")}</button>
          </form>
        )}
      </section>
    </Layout>
  );
}

/** On the account page, under the email field: verified or not, and a button to get a new link. */
export function EmailVerificationStatus(p: { ctx: PageContext; email: string | null; verified: boolean; enabled: boolean; csrfToken?: string; notice?: string }): JSX.Element {
  const { t } = p.ctx;
  if (!p.email) return <div id="email-verification" />;
  return (
    <div id="email-verification" class="email-verification">
      {p.verified ? (
        <span class="badge badge-success" safe>{t("account.emailVerified")}</span>
      ) : (
        <span class="badge badge-warning" safe>{t("account.emailNotVerified")}</span>
      )}
      {p.notice ? (
        <span class="hint" role="status" safe>{p.notice}</span>
      ) : !p.verified && p.enabled && p.csrfToken ? (
        <form method="post" action="/settings/account/email/verification" hx-post="/settings/account/email/verification" hx-target="#email-verification" hx-swap="outerHTML" class="inline-form">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <button type="submit" class="btn btn-link btn-sm" safe>{t("account.sendVerification")}</button>
        </form>
      ) : (
        ""
      )}
    </div>
  );
}
