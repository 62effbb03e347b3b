/**
 * Every email Latchkey sends, as HTML (JSX, escaped) and plain text, in the recipient's language
 * (the caller passes the Translator for users.locale). Subjects keep Pocket ID's meaning.
 * Links are absolute, built from APP_URL by the caller.
 */
import type { Children } from "@kitajs/html";
import type { Translator } from "../../src/i18n/translator.ts";
import { EmailButton, EmailLayout, type EmailBrand } from "./email-layout.tsx";

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const P = ({ children }: { children?: Children }) => <p style="margin:0 0 12px 0">{children}</p>;
const footerText = (b: EmailBrand, tr: Translator) => `\n--\n${tr.t("emails.footerText", { appName: b.appName, appUrl: b.appUrl })}`;

export function testEmail(b: EmailBrand, tr: Translator): RenderedEmail {
  const title = tr.t("emails.testTitle");
  const body = tr.t("emails.testBody", { appName: b.appName });
  return {
    subject: tr.t("emails.testSubject"),
    html: (
      <EmailLayout brand={b} tr={tr} title={title}>
        <P>
          <span safe>{body}</span>
        </P>
      </EmailLayout>
    ) as string,
    text: `${title}\n\n${body}\n${footerText(b, tr)}`,
  };
}

export interface LoginCodeEmail {
  name: string;
  code: string;
  /** /lc/<code> (+ ?redirect=) — opens the prefilled form. */
  link: string;
  /** /lc — where the code can be typed. */
  codePage: string;
  /** How long the code lasts, in words ("15 minutes"), in the recipient's language. */
  expiresIn: string;
  /** Only the browser that asked can use it (self-requested codes). */
  boundToBrowser: boolean;
}

export function loginCodeEmail(b: EmailBrand, tr: Translator, d: LoginCodeEmail): RenderedEmail {
  const { t } = tr;
  const body = [t("emails.loginBody", { appName: b.appName, expiresIn: d.expiresIn }), d.boundToBrowser ? t("emails.loginBrowserOnly") : ""].filter(Boolean).join(" ");
  const safeOrType = tr.rich("emails.loginOrType", { link: (text) => `<a href="${Bun.escapeHTML(d.codePage)}">${text}</a>`, url: d.codePage });
  return {
    subject: t("emails.loginSubject"),
    html: (
      <EmailLayout brand={b} tr={tr} title={t("emails.loginTitle")}>
        <P>
          <span safe>{t("emails.hello", { name: d.name })}</span>
        </P>
        <P>
          <span safe>{body}</span>
        </P>
        <p style="font-size:28px;font-weight:700;letter-spacing:4px;font-family:ui-monospace,Menlo,Consolas,monospace;margin:16px 0" safe>
          {d.code}
        </p>
        <EmailButton href={d.link} accent={b.accent} label={t("emails.signIn")} />
        <p style="margin:0 0 12px 0;color:#52525b;font-size:13px">
          {safeOrType} <span safe>{t("emails.addPasskey")}</span>
        </p>
        <p style="margin:0;color:#52525b;font-size:13px" safe>{t("emails.loginIgnore")}</p>
      </EmailLayout>
    ) as string,
    text:
      `${t("emails.hello", { name: d.name })}\n\n${body}\n\n` +
      `    ${d.code}\n\n${t("emails.signInText", { url: d.link })}\n${t("emails.loginOrTypeText", { url: d.codePage })}\n\n` +
      `${t("emails.addPasskey")}\n${t("emails.loginIgnore")}\n${footerText(b, tr)}`,
  };
}

export function verificationEmail(b: EmailBrand, tr: Translator, d: { name: string; email: string; link: string }): RenderedEmail {
  const { t } = tr;
  const body = t("emails.verifyBody", { email: d.email, appName: b.appName });
  const safeOrOpen = tr.rich("emails.orOpen", { link: (text) => `<a href="${Bun.escapeHTML(d.link)}">${text}</a>`, url: d.link });
  return {
    subject: t("emails.verifySubject", { appName: b.appName }),
    html: (
      <EmailLayout brand={b} tr={tr} title={t("emails.verifyTitle")}>
        <P>
          <span safe>{t("emails.hello", { name: d.name })}</span>
        </P>
        <P>
          <span safe>{body}</span>
        </P>
        <EmailButton href={d.link} accent={b.accent} label={t("emails.verifyButton")} />
        <p style="margin:0 0 12px 0;color:#52525b;font-size:13px;word-break:break-all">
          {safeOrOpen}
        </p>
        <p style="margin:0;color:#52525b;font-size:13px" safe>{t("emails.verifyIgnore")}</p>
      </EmailLayout>
    ) as string,
    text: `${t("emails.hello", { name: d.name })}\n\n${body}\n\n${d.link}\n\n${t("emails.verifyIgnore")}\n${footerText(b, tr)}`,
  };
}

export interface NewDeviceEmail {
  name: string;
  device: string;
  ip: string | null;
  location: string | null;
  /** The moment, in seconds; written in the recipient's language with its time zone named. */
  at: number;
  accountUrl: string;
}

export function newDeviceEmail(b: EmailBrand, tr: Translator, d: NewDeviceEmail): RenderedEmail {
  const { t } = tr;
  const rows: [string, string][] = [
    [t("emails.rowDevice"), d.device],
    [t("emails.rowIp"), d.ip ?? t("emails.ipUnknown")],
    ...(d.location ? ([[t("emails.rowLocation"), d.location]] as [string, string][]) : []),
    [t("emails.rowTime"), tr.formatExact(d.at, "UTC")],
  ];
  const intro = t("emails.newDeviceBody", { name: d.name, appName: b.appName });
  const safeNotYou = tr.rich("emails.newDeviceNotYou", { strong: (text) => `<strong>${text}</strong>` });
  return {
    subject: t("emails.newDeviceSubject", { appName: b.appName }),
    html: (
      <EmailLayout brand={b} tr={tr} title={t("emails.newDeviceTitle")}>
        <P>
          <span safe>{intro}</span>
        </P>
        <table role="presentation" cellpadding="0" cellspacing="0" style="margin:16px 0;font-size:14px">
          {rows.map(([k, v]) => (
            <tr>
              <td style="padding:4px 16px 4px 0;color:#52525b" safe>{k}</td>
              <td style="padding:4px 0;font-weight:600" safe>{v}</td>
            </tr>
          ))}
        </table>
        <P>
          <span safe>{t("emails.newDeviceWasYou")}</span>
        </P>
        <p style="margin:0 0 12px 0">{safeNotYou}</p>
        <EmailButton href={d.accountUrl} accent={b.accent} label={t("emails.reviewAccount")} />
      </EmailLayout>
    ) as string,
    text:
      `${intro}\n\n` +
      rows.map(([k, v]) => `${k}: ${v}`).join("\n") +
      `\n\n${t("emails.newDeviceWasYou")}\n${t("emails.newDeviceNotYouText", { url: d.accountUrl })}\n${footerText(b, tr)}`,
  };
}

export function apiKeyExpiringEmail(b: EmailBrand, tr: Translator, d: { name: string; keyName: string; expiresAt: number; manageUrl: string }): RenderedEmail {
  const { t } = tr;
  const body = t("emails.apiKeyBody", { name: d.name, appName: b.appName, keyName: d.keyName, date: tr.formatExact(d.expiresAt, "UTC") });
  return {
    subject: t("emails.apiKeySubject", { keyName: d.keyName }),
    html: (
      <EmailLayout brand={b} tr={tr} title={t("emails.apiKeyTitle")}>
        <P>
          <span safe>{body}</span>
        </P>
        <P>
          <span safe>{t("emails.apiKeyRenew")}</span>
        </P>
        <EmailButton href={d.manageUrl} accent={b.accent} label={t("emails.manageApiKeys")} />
      </EmailLayout>
    ) as string,
    text: `${body}\n\n${t("emails.apiKeyRenew")}\n${d.manageUrl}\n${footerText(b, tr)}`,
  };
}
