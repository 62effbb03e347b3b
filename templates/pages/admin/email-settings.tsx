/**
 * Admin console, email (issue 7): the "Email" section of the application configuration form, the
 * "Send test email" panel, and the "Email a login code" panel of a user's page.
 * The SMTP password is never rendered: the page says whether one is set, and lets the admin replace
 * or clear it.
 */
import type { PageContext } from "../../page-context.ts";
import type { Text } from "../../../src/i18n/message.ts";
import { Csrf, Field, Toggle } from "./admin-shell.tsx";

export interface EmailSettingsValues {
  smtpHost: string;
  smtpPort: number | string;
  smtpFrom: string;
  smtpUser: string;
  /** Only whether one is stored: the value itself never reaches a page. */
  smtpPasswordSet: boolean;
  smtpTls: string;
  smtpSkipCertVerify: boolean;
  emailVerificationEnabled: boolean;
  emailLoginNotificationEnabled: boolean;
  emailOneTimeAccessAsAdminEnabled: boolean;
  emailOneTimeAccessAsUnauthenticatedEnabled: boolean;
  emailApiKeyExpirationEnabled: boolean;
}

/** Inside the configuration <form>. */
export function EmailSettingsSection(p: { ctx: PageContext; values: EmailSettingsValues; readOnly: boolean; errors: Record<string, string> }): JSX.Element {
  const { t } = p.ctx;
  const c = p.values;
  const e = p.errors;
  const ro = p.readOnly;
  return (
    <section class="section" aria-labelledby="email-settings-title">
      <h2 id="email-settings-title" safe>{t("emailSettings.title")}</h2>
      <p class="muted small" safe>{t("emailSettings.lead")}</p>
      <div class="config-grid">
        <Field ctx={p.ctx} name="smtpHost" label={t("emailSettings.host")} value={c.smtpHost} error={e.smtpHost} disabled={ro} placeholder={t("emailSettings.hostPlaceholder")} />
        <Field ctx={p.ctx} name="smtpPort" label={t("emailSettings.port")} type="number" min="1" max="65535" value={c.smtpPort} error={e.smtpPort} required disabled={ro} hint={t("emailSettings.portHint")} />
        <Field ctx={p.ctx} name="smtpFrom" label={t("emailSettings.from")} value={c.smtpFrom} error={e.smtpFrom} disabled={ro} placeholder={t("emailSettings.fromPlaceholder")} />
        <div class="field">
          <label for="f-smtpTls" safe>{t("emailSettings.encryption")}</label>
          <select id="f-smtpTls" name="smtpTls" disabled={ro}>
            <option value="none" selected={c.smtpTls === "none"} safe>{t("emailSettings.tlsNone")}</option>
            <option value="starttls" selected={c.smtpTls === "starttls"} safe>{t("emailSettings.tlsStarttls")}</option>
            <option value="tls" selected={c.smtpTls === "tls"} safe>{t("emailSettings.tlsTls")}</option>
          </select>
          {e.smtpTls ? <p class="error-text" safe>{e.smtpTls}</p> : ""}
        </div>
        <Field ctx={p.ctx} name="smtpUser" label={t("emailSettings.user")} value={c.smtpUser} error={e.smtpUser} disabled={ro} hint={t("emailSettings.userHint")} />
        <div class="field">
          <label for="f-smtpPassword">
            <span safe>{t("emailSettings.password")}</span> <span class={c.smtpPasswordSet ? "badge badge-success" : "badge"} safe>{c.smtpPasswordSet ? t("emailSettings.passwordSet") : t("emailSettings.passwordNotSet")}</span>
          </label>
          <input id="f-smtpPassword" name="smtpPassword" type="password" value="" autocomplete="new-password" disabled={ro} placeholder={c.smtpPasswordSet ? t("emailSettings.passwordKeep") : ""} aria-describedby="f-smtpPassword-hint" />
          <p class="hint" id="f-smtpPassword-hint" safe>{t("emailSettings.passwordHint")}</p>
          {e.smtpPassword ? <p class="error-text" safe>{e.smtpPassword}</p> : ""}
          {c.smtpPasswordSet && !ro ? <Toggle name="smtpPasswordClear" label={t("emailSettings.passwordClear")} checked={false} value="true" /> : ""}
        </div>
      </div>
      <Toggle name="smtpSkipCertVerify" label={t("emailSettings.skipCert")} checked={c.smtpSkipCertVerify} disabled={ro} value="true" hint={t("emailSettings.skipCertHint")} />
      <h3 safe>{t("emailSettings.emailsToSend")}</h3>
      <Toggle name="emailVerificationEnabled" label={t("emailSettings.verification")} checked={c.emailVerificationEnabled} disabled={ro} value="true" hint={t("emailSettings.verificationHint")} />
      <Toggle name="emailLoginNotificationEnabled" label={t("emailSettings.newDevice")} checked={c.emailLoginNotificationEnabled} disabled={ro} value="true" hint={t("emailSettings.newDeviceHint")} />
      <Toggle name="emailOneTimeAccessAsAdminEnabled" label={t("emailSettings.adminCodes")} checked={c.emailOneTimeAccessAsAdminEnabled} disabled={ro} value="true" hint={t("emailSettings.adminCodesHint")} />
      <Toggle name="emailOneTimeAccessAsUnauthenticatedEnabled" label={t("emailSettings.selfCodes")} checked={c.emailOneTimeAccessAsUnauthenticatedEnabled} disabled={ro} value="true" hint={t("emailSettings.selfCodesHint")} />
      <Toggle name="emailApiKeyExpirationEnabled" label={t("emailSettings.apiKeyExpiry")} checked={c.emailApiKeyExpirationEnabled} disabled={ro} value="true" hint={t("emailSettings.apiKeyExpiryHint")} />
    </section>
  );
}

export type EmailTestOutcome = { ok: true; to: string } | { ok: false; error: Text };

/** Outside the configuration form (forms cannot nest); sends to the signed-in admin's address. */
export function EmailTestSection(p: { ctx: PageContext; adminEmail: string | null; outcome?: EmailTestOutcome }): JSX.Element {
  const { t } = p.ctx;
  const action = "/settings/admin/application-configuration/test-email";
  return (
    <section class="section" id="email-test" aria-labelledby="email-test-title">
      <h2 id="email-test-title" safe>{t("emailSettings.testTitle")}</h2>
      <p class="muted small" safe>{p.adminEmail ? t("emailSettings.testLead") : t("emailSettings.testLeadNoAddress")}</p>
      {p.outcome?.ok ? (
        <div class="alert alert-success" role="status" safe>{t("emailSettings.testSent", { to: p.outcome.to })}</div>
      ) : p.outcome ? (
        <div class="alert alert-error" role="alert">
          <strong safe>{t("emailSettings.testFailed")}</strong> <span safe>{p.ctx.text(p.outcome.error)}</span>
        </div>
      ) : (
        ""
      )}
      <form method="post" action={action} hx-post={action} hx-target="#email-test" hx-swap="outerHTML" hx-disabled-elt="find button">
        <Csrf ctx={p.ctx} />
        <button type="submit" class="btn btn-secondary" disabled={!p.adminEmail} safe>{t("emailSettings.testSend")}</button>
      </form>
    </section>
  );
}

/** On a user's admin page, when admins may email login codes. */
export function EmailLoginCodeSection(p: { ctx: PageContext; userId: string; email: string | null; notice?: { kind: "success" | "error"; message: string } }): JSX.Element {
  const { t } = p.ctx;
  const action = `/settings/admin/users/${p.userId}/login-code-email`;
  return (
    <section class="section" id="login-code-email" aria-labelledby="login-code-email-title">
      <h2 id="login-code-email-title" safe>{t("emailSettings.codeTitle")}</h2>
      <p class="muted small" safe>{p.email ? t("emailSettings.codeLead", { email: p.email }) : t("emailSettings.codeNoEmail")}</p>
      {p.notice ? <div class={`alert alert-${p.notice.kind}`} role={p.notice.kind === "error" ? "alert" : "status"} safe>{p.notice.message}</div> : ""}
      <form method="post" action={action} hx-post={action} hx-target="#login-code-email" hx-swap="outerHTML" hx-disabled-elt="find button">
        <Csrf ctx={p.ctx} />
        <button type="submit" class="btn btn-secondary" disabled={!p.email} safe>{t("emailSettings.codeSend")}</button>
      </form>
    </section>
  );
}
