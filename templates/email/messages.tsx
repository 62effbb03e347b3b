/**
 * Every email Latchkey sends, as HTML (JSX, escaped) and plain text, with Pocket ID's subjects.
 * Links are absolute, built from APP_URL by the caller.
 */
import type { Children } from "@kitajs/html";
import { EmailButton, EmailLayout, type EmailBrand } from "./email-layout.tsx";

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const P = ({ children }: { children?: Children }) => <p style="margin:0 0 12px 0">{children}</p>;
const footerText = (b: EmailBrand) => `\n--\nSent by ${b.appName} (${b.appUrl}).`;

export function testEmail(b: EmailBrand): RenderedEmail {
  const title = "Test email";
  return {
    subject: "Test email",
    html: (
      <EmailLayout brand={b} title={title}>
        <P>
          <span safe>{`This is a test email from ${b.appName}. Your SMTP settings work.`}</span>
        </P>
      </EmailLayout>
    ) as string,
    text: `${title}\n\nThis is a test email from ${b.appName}. Your SMTP settings work.\n${footerText(b)}`,
  };
}

export interface LoginCodeEmail {
  name: string;
  code: string;
  /** /lc/<code> (+ ?redirect=) — opens the prefilled form. */
  link: string;
  /** /lc — where the code can be typed. */
  codePage: string;
  expiresIn: string;
  /** Only the browser that asked can use it (self-requested codes). */
  boundToBrowser: boolean;
}

export function loginCodeEmail(b: EmailBrand, d: LoginCodeEmail): RenderedEmail {
  const where = d.boundToBrowser ? " It works only in the browser where you asked for it." : "";
  return {
    subject: "Login Code",
    html: (
      <EmailLayout brand={b} title="Your login code">
        <P>
          <span safe>{`Hello ${d.name},`}</span>
        </P>
        <P>
          <span safe>{`Use this code to sign in to ${b.appName}. It expires in ${d.expiresIn} and works once.${where}`}</span>
        </P>
        <p style="font-size:28px;font-weight:700;letter-spacing:4px;font-family:ui-monospace,Menlo,Consolas,monospace;margin:16px 0" safe>
          {d.code}
        </p>
        <EmailButton href={d.link} accent={b.accent} label="Sign in" />
        <p style="margin:0 0 12px 0;color:#52525b;font-size:13px">
          Or type the code at <a href={d.codePage} safe>{d.codePage}</a>. After signing in, add a passkey so you do not need a code next time.
        </p>
        <p style="margin:0;color:#52525b;font-size:13px">If you did not ask for this code, ignore this email: nobody can use it without access to your inbox.</p>
      </EmailLayout>
    ) as string,
    text:
      `Hello ${d.name},\n\nUse this code to sign in to ${b.appName}. It expires in ${d.expiresIn} and works once.${where}\n\n` +
      `    ${d.code}\n\nSign in: ${d.link}\nOr type the code at ${d.codePage}\n\n` +
      `After signing in, add a passkey so you do not need a code next time.\nIf you did not ask for this code, ignore this email.\n${footerText(b)}`,
  };
}

export function verificationEmail(b: EmailBrand, d: { name: string; email: string; link: string }): RenderedEmail {
  const subject = `Verify your ${b.appName} email address`;
  return {
    subject,
    html: (
      <EmailLayout brand={b} title="Verify your email address">
        <P>
          <span safe>{`Hello ${d.name},`}</span>
        </P>
        <P>
          <span safe>{`Confirm that ${d.email} is your address for ${b.appName}. The link works once, for 24 hours.`}</span>
        </P>
        <EmailButton href={d.link} accent={b.accent} label="Verify email address" />
        <p style="margin:0 0 12px 0;color:#52525b;font-size:13px;word-break:break-all">
          Or open: <a href={d.link} safe>{d.link}</a>
        </p>
        <p style="margin:0;color:#52525b;font-size:13px">If you did not change your address, you can ignore this email.</p>
      </EmailLayout>
    ) as string,
    text: `Hello ${d.name},\n\nConfirm that ${d.email} is your address for ${b.appName}. The link works once, for 24 hours:\n\n${d.link}\n\nIf you did not change your address, you can ignore this email.\n${footerText(b)}`,
  };
}

export interface NewDeviceEmail {
  name: string;
  device: string;
  ip: string;
  location: string | null;
  time: string;
  accountUrl: string;
}

export function newDeviceEmail(b: EmailBrand, d: NewDeviceEmail): RenderedEmail {
  const rows: [string, string][] = [["Device", d.device], ["IP address", d.ip], ...(d.location ? ([["Approximate location", d.location]] as [string, string][]) : []), ["Time", d.time]];
  return {
    subject: `New device login with ${b.appName}`,
    html: (
      <EmailLayout brand={b} title="New sign-in to your account">
        <P>
          <span safe>{`Hello ${d.name}, your ${b.appName} account was just signed in to from a device or network it had not seen before.`}</span>
        </P>
        <table role="presentation" cellpadding="0" cellspacing="0" style="margin:16px 0;font-size:14px">
          {rows.map(([k, v]) => (
            <tr>
              <td style="padding:4px 16px 4px 0;color:#52525b" safe>{k}</td>
              <td style="padding:4px 0;font-weight:600" safe>{v}</td>
            </tr>
          ))}
        </table>
        <P>If this was you, there is nothing to do.</P>
        <P>
          <strong>If it was not you:</strong> open your account, sign out the sessions you do not recognise and remove any passkey you did not add, then tell your administrator.
        </P>
        <EmailButton href={d.accountUrl} accent={b.accent} label="Review my account" />
      </EmailLayout>
    ) as string,
    text:
      `Hello ${d.name}, your ${b.appName} account was just signed in to from a device or network it had not seen before.\n\n` +
      rows.map(([k, v]) => `${k}: ${v}`).join("\n") +
      `\n\nIf this was you, there is nothing to do.\nIf it was not you: open ${d.accountUrl}, sign out the sessions you do not recognise and remove any passkey you did not add, then tell your administrator.\n${footerText(b)}`,
  };
}

export function apiKeyExpiringEmail(b: EmailBrand, d: { name: string; keyName: string; expiresAt: string; manageUrl: string }): RenderedEmail {
  return {
    subject: `API Key "${d.keyName}" Expiring Soon`,
    html: (
      <EmailLayout brand={b} title="An API key expires soon">
        <P>
          <span safe>{`Hello ${d.name}, your ${b.appName} API key “${d.keyName}” expires on ${d.expiresAt}.`}</span>
        </P>
        <P>Renew it or create a new one before then, or the scripts using it will stop working.</P>
        <EmailButton href={d.manageUrl} accent={b.accent} label="Manage API keys" />
      </EmailLayout>
    ) as string,
    text: `Hello ${d.name}, your ${b.appName} API key "${d.keyName}" expires on ${d.expiresAt}.\n\nRenew it or create a new one before then, or the scripts using it will stop working:\n${d.manageUrl}\n${footerText(b)}`,
  };
}
