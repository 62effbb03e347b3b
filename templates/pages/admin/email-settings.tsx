/**
 * Admin console, email (issue 7): the "Email" section of the application configuration form, the
 * "Send test email" panel, and the "Email a login code" panel of a user's page.
 * The SMTP password is never rendered: the page says whether one is set, and lets the admin replace
 * or clear it.
 */
import type { PageContext } from "../../page-context.ts";
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
export function EmailSettingsSection(p: { values: EmailSettingsValues; readOnly: boolean; errors: Record<string, string> }): JSX.Element {
  const c = p.values;
  const e = p.errors;
  const ro = p.readOnly;
  return (
    <section class="section" aria-labelledby="email-settings-title">
      <h2 id="email-settings-title">Email</h2>
      <p class="muted small">The SMTP server Latchkey sends its emails through. Nothing is sent while the host or the from address is empty.</p>
      <div class="config-grid">
        <Field name="smtpHost" label="SMTP host" value={c.smtpHost} error={e.smtpHost} disabled={ro} placeholder="smtp.example.com" />
        <Field name="smtpPort" label="Port" type="number" min="1" max="65535" value={c.smtpPort} error={e.smtpPort} required disabled={ro} hint="587 for STARTTLS, 465 for TLS, 25 without." />
        <Field name="smtpFrom" label="From address" value={c.smtpFrom} error={e.smtpFrom} disabled={ro} placeholder="latchkey@example.com" />
        <div class="field">
          <label for="f-smtpTls">Encryption</label>
          <select id="f-smtpTls" name="smtpTls" disabled={ro}>
            <option value="none" selected={c.smtpTls === "none"}>None</option>
            <option value="starttls" selected={c.smtpTls === "starttls"}>STARTTLS</option>
            <option value="tls" selected={c.smtpTls === "tls"}>TLS</option>
          </select>
          {e.smtpTls ? <p class="error-text" safe>{e.smtpTls}</p> : ""}
        </div>
        <Field name="smtpUser" label="User name" value={c.smtpUser} error={e.smtpUser} disabled={ro} hint="Leave empty if the server needs no login." />
        <div class="field">
          <label for="f-smtpPassword">
            Password <span class={c.smtpPasswordSet ? "badge badge-success" : "badge"}>{c.smtpPasswordSet ? "set" : "not set"}</span>
          </label>
          <input id="f-smtpPassword" name="smtpPassword" type="password" value="" autocomplete="new-password" disabled={ro} placeholder={c.smtpPasswordSet ? "Leave empty to keep the current password" : ""} aria-describedby="f-smtpPassword-hint" />
          <p class="hint" id="f-smtpPassword-hint">Stored encrypted and never shown again.</p>
          {e.smtpPassword ? <p class="error-text" safe>{e.smtpPassword}</p> : ""}
          {c.smtpPasswordSet && !ro ? <Toggle name="smtpPasswordClear" label="Remove the stored password" checked={false} value="true" /> : ""}
        </div>
      </div>
      <Toggle name="smtpSkipCertVerify" label="Skip certificate verification" checked={c.smtpSkipCertVerify} disabled={ro} value="true" hint="Accept self-signed certificates. Only for servers on a network you trust." />
      <h3>Emails to send</h3>
      <Toggle name="emailVerificationEnabled" label="Email verification" checked={c.emailVerificationEnabled} disabled={ro} value="true" hint="New and changed addresses get a link to confirm them; email_verified stays false until then." />
      <Toggle name="emailLoginNotificationEnabled" label="New-device sign-in notification" checked={c.emailLoginNotificationEnabled} disabled={ro} value="true" hint="Tell people when their account is used from a device or network not seen before." />
      <Toggle name="emailOneTimeAccessAsAdminEnabled" label="Admins can email login codes" checked={c.emailOneTimeAccessAsAdminEnabled} disabled={ro} value="true" hint="A button on each user's page." />
      <Toggle name="emailOneTimeAccessAsUnauthenticatedEnabled" label="People can email themselves a login code" checked={c.emailOneTimeAccessAsUnauthenticatedEnabled} disabled={ro} value="true" hint="“Email me a login code” on the sign-in page. The code only works in the browser that asked." />
      <Toggle name="emailApiKeyExpirationEnabled" label="API key expiry warning" checked={c.emailApiKeyExpirationEnabled} disabled={ro} value="true" hint="Email the owner 7 days before an API key expires." />
    </section>
  );
}

export type EmailTestOutcome = { ok: true; to: string } | { ok: false; error: string };

/** Outside the configuration form (forms cannot nest); sends to the signed-in admin's address. */
export function EmailTestSection(p: { ctx: PageContext; adminEmail: string | null; outcome?: EmailTestOutcome }): JSX.Element {
  const action = "/settings/admin/application-configuration/test-email";
  return (
    <section class="section" id="email-test" aria-labelledby="email-test-title">
      <h2 id="email-test-title">Test the email settings</h2>
      <p class="muted small">Save the settings first. The test email goes to your own address{p.adminEmail ? "" : ", and you have none yet: add one on your account page"}.</p>
      {p.outcome?.ok ? (
        <div class="alert alert-success" role="status" safe>{`Test email sent to ${p.outcome.to}.`}</div>
      ) : p.outcome ? (
        <div class="alert alert-error" role="alert">
          <strong>The test email was not sent.</strong> <span safe>{p.outcome.error}</span>
        </div>
      ) : (
        ""
      )}
      <form method="post" action={action} hx-post={action} hx-target="#email-test" hx-swap="outerHTML" hx-disabled-elt="find button">
        <Csrf ctx={p.ctx} />
        <button type="submit" class="btn btn-secondary" disabled={!p.adminEmail}>Send test email</button>
      </form>
    </section>
  );
}

/** On a user's admin page, when admins may email login codes. */
export function EmailLoginCodeSection(p: { ctx: PageContext; userId: string; email: string | null; notice?: { kind: "success" | "error"; message: string } }): JSX.Element {
  const action = `/settings/admin/users/${p.userId}/login-code-email`;
  return (
    <section class="section" id="login-code-email" aria-labelledby="login-code-email-title">
      <h2 id="login-code-email-title">Email a login code</h2>
      <p class="muted small">
        {p.email ? <span safe>{`Sends a one-time login code (valid 1 hour) to ${p.email}.`}</span> : "This user has no email address."}
      </p>
      {p.notice ? <div class={`alert alert-${p.notice.kind}`} role={p.notice.kind === "error" ? "alert" : "status"} safe>{p.notice.message}</div> : ""}
      <form method="post" action={action} hx-post={action} hx-target="#login-code-email" hx-swap="outerHTML" hx-disabled-elt="find button">
        <Csrf ctx={p.ctx} />
        <button type="submit" class="btn btn-secondary" disabled={!p.email}>Email login code</button>
      </form>
    </section>
  );
}
