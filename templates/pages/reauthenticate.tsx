import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { ShieldIcon } from "../components/passkey-icons.tsx";

/** Asks the signed-in person for a fresh passkey assertion before a sensitive action. */
export function ReauthenticatePage({ ctx, redirect, hasPasskeys }: { ctx: PageContext; redirect: string; hasPasskeys: boolean }): JSX.Element {
  return (
    <Layout ctx={ctx} title="Confirm it's you" variant="card" scripts={["passkey.js"]}>
      <section class="card" aria-labelledby="reauth-title">
        <div class="hero-icon"><ShieldIcon /></div>
        <h1 id="reauth-title">Confirm it's you</h1>
        {ctx.user ? <p class="lead">Signed in as <strong safe>{ctx.user.displayName}</strong>. Use one of your passkeys to continue.</p> : ""}
        <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
        <noscript>
          <div class="alert alert-warning">Passkeys need JavaScript. Turn it on for this site, or use a login code.</div>
        </noscript>
        {hasPasskeys ? (
          <button type="button" class="btn btn-lg btn-block" data-passkey-reauth data-redirect={redirect}>Continue with passkey</button>
        ) : (
          <div class="alert alert-warning">
            <strong>You have no passkey yet.</strong>
            Add one on your account page first, then try again.
          </div>
        )}
        <p class="footer-note"><a href="/settings/account">Cancel</a></p>
      </section>
    </Layout>
  );
}
