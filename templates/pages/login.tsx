import { Layout } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";
import { PasskeyIcon } from "../components/passkey-icons.tsx";
import { ClientTile, type ClientMark } from "./oidc/client-badge.tsx";
import { PasskeyMessages } from "../components/passkey-messages.tsx";

/**
 * Passkey-only sign-in: one button (discoverable assertion) plus passkey autofill where supported.
 * - `brandLogo`: an application logo was uploaded; it replaces the built-in key (dark variant in dark mode).
 * - `client`: the application the sign-in continues to (from /authorize), named and shown with its logo.
 */
export function LoginPage({ ctx, redirect, notice, emailCode, loginHint, brandLogo = false, client = null }: { ctx: PageContext; redirect: string | null; notice?: string; emailCode?: boolean; loginHint?: string | null; brandLogo?: boolean; client?: ClientMark | null }): JSX.Element {
  const codeLink = redirect ? `/lc?redirect=${encodeURIComponent(redirect)}` : "/lc";
  const deviceLink = redirect ? `/login/alternative/device?redirect=${encodeURIComponent(redirect)}` : "/login/alternative/device";
  const emailLink = redirect ? `/login/alternative/email?redirect=${encodeURIComponent(redirect)}` : "/login/alternative/email";
  const { t } = ctx;
  const title = client ? t("signIn.titleTo", { app: client.name }) : t("signIn.title");
  return (
    <Layout ctx={ctx} title={title} variant="card" scripts={["passkey.js"]}>
      <PasskeyMessages ctx={ctx} />
      <section class="card" aria-labelledby="login-title">
        <div class="brand-mark">
          {brandLogo ? (
            <picture>
              <source media="(prefers-color-scheme: dark)" srcset="/branding/logo?light=false" />
              <img src="/branding/logo" alt="" class="brand-logo" />
            </picture>
          ) : (
            <img src={ctx.asset("favicon.svg")} alt="" />
          )}
          <span safe>{ctx.appName}</span>
        </div>
        {notice ? <div class="alert alert-success" role="status" safe>{notice}</div> : ""}
        {client ? (
          <div class="consent-head">
            <ClientTile client={client} />
            <h1 id="login-title" safe>{title}</h1>
          </div>
        ) : (
          <h1 id="login-title" safe>{title}</h1>
        )}
        <p class="lead" safe>{t("signIn.lead")}</p>
        <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
        <noscript>
          <div class="alert alert-warning" safe>{t("passkeys.needsJavaScript")}</div>
        </noscript>
        <form class="passkey-login" data-passkey-login-form data-redirect={redirect ?? ""}>
          <div class="field">
            <label for="login-username" safe>{t("signIn.username")}</label>
            <input id="login-username" name="username" type="text" autocomplete="username webauthn" placeholder={t("signIn.usernamePlaceholder")} autocapitalize="none" spellcheck="false" value={loginHint ?? undefined} />
            <p class="hint" safe>{t("signIn.usernameHint")}</p>
          </div>
          <button type="submit" class="btn btn-lg btn-block" data-passkey-login data-redirect={redirect ?? ""}>
            <PasskeyIcon /> <span safe>{t("signIn.withPasskey")}</span>
          </button>
        </form>
        <div class="divider" safe>{t("signIn.or")}</div>
        <a class="btn btn-secondary btn-block" href={deviceLink} safe>{t("signIn.withAnotherDevice")}</a>
        <a class="btn btn-secondary btn-block" href={codeLink} safe>{t("signIn.useCode")}</a>
        {emailCode ? <a class="btn btn-ghost btn-block" href={emailLink} safe>{t("signIn.emailMeCode")}</a> : ""}
      </section>
      <p class="footer-note" safe>{t("signIn.lostPasskey")}</p>
    </Layout>
  );
}
