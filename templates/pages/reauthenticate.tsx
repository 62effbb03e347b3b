import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { ShieldIcon } from "../components/passkey-icons.tsx";
import { PasskeyMessages } from "../components/passkey-messages.tsx";

/** Asks the signed-in person for a fresh passkey assertion before a sensitive action. */
export function ReauthenticatePage({ ctx, redirect, hasPasskeys }: { ctx: PageContext; redirect: string; hasPasskeys: boolean }): JSX.Element {
  const { t } = ctx;
  const user = ctx.user;
  const safeWho = user ? ctx.rich("signIn.reauthSignedInAs", { name: () => String(<strong safe>{user.displayName}</strong>) }) : null;
  return (
    <Layout ctx={ctx} title={t("signIn.reauthTitle")} variant="card" scripts={["passkey.js"]}>
      <PasskeyMessages ctx={ctx} />
      <section class="card" aria-labelledby="reauth-title">
        <div class="hero-icon"><ShieldIcon /></div>
        <h1 id="reauth-title" safe>{t("signIn.reauthTitle")}</h1>
        {safeWho ? <p class="lead">{safeWho}</p> : ""}
        <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
        <noscript>
          <div class="alert alert-warning" safe>{t("passkeys.needsJavaScript")}</div>
        </noscript>
        {hasPasskeys ? (
          <button type="button" class="btn btn-lg btn-block" data-passkey-reauth data-redirect={redirect} safe>{t("signIn.reauthContinue")}</button>
        ) : (
          <div class="alert alert-warning">
            <strong safe>{t("signIn.reauthNoPasskeyTitle")}</strong>
            <span safe>{t("signIn.reauthNoPasskey")}</span>
          </div>
        )}
        <p class="footer-note"><a href="/settings/account" safe>{t("signIn.cancel")}</a></p>
      </section>
    </Layout>
  );
}
