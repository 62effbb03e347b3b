/**
 * The frame of every email: the instance's name, logo and accent colour.
 * Email clients ignore external CSS and many drop <style>, so styles here are inline attributes —
 * the page CSP (no style attributes) does not apply to mail. Every dynamic value is escaped.
 */
import type { Children } from "@kitajs/html";
import type { Translator } from "../../src/i18n/translator.ts";

export interface EmailBrand {
  appName: string;
  appUrl: string;
  /** Absolute URL of the uploaded logo, or null for the name alone. */
  logoUrl: string | null;
  /** "#rrggbb" */
  accent: string;
}

export function EmailLayout({ children, ...p }: { brand: EmailBrand; tr: Translator; title: string; children?: Children }): JSX.Element {
  const b = p.brand;
  const tr = p.tr;
  // Catalogue HTML: the message's text and the name are escaped by rich(); the link is ours.
  const safeFooter = tr.rich("emails.footer", { link: (text) => `<a href="${Bun.escapeHTML(b.appUrl)}" style="color:#71717a">${text}</a>`, appName: b.appName });
  return (
    <>
      {"<!doctype html>"}
      <html lang={tr.lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{p.title}</title>
        </head>
        <body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b">
          <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 0">
            <tr>
              <td align="center">
                <table role="presentation" width="560" cellpadding="0" cellspacing="0" style={`max-width:560px;width:100%;background:#ffffff;border-radius:12px;border-top:4px solid ${b.accent};overflow:hidden`}>
                  <tr>
                    <td style="padding:24px 32px 8px 32px">
                      {b.logoUrl ? <img src={b.logoUrl} alt="" height="32" style="height:32px;vertical-align:middle;margin-right:8px" /> : ""}
                      <span style="font-size:18px;font-weight:600;vertical-align:middle" safe>{b.appName}</span>
                    </td>
                  </tr>
                  <tr>
                    <td style="padding:8px 32px 24px 32px;font-size:15px;line-height:1.55">
                      <h1 style="font-size:20px;margin:8px 0 16px 0" safe>{p.title}</h1>
                      {children}
                    </td>
                  </tr>
                  <tr>
                    <td style="padding:16px 32px;background:#fafafa;color:#71717a;font-size:12px">
                      {safeFooter}
                    </td>
                  </tr>
                </table>
              </td>
            </tr>
          </table>
        </body>
      </html>
    </>
  );
}

/** A button-like link in the accent colour. */
export function EmailButton(p: { href: string; accent: string; label: string }): JSX.Element {
  return (
    <p style="margin:24px 0">
      <a href={p.href} style={`display:inline-block;background:${p.accent};color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:8px;font-weight:600`} safe>
        {p.label}
      </a>
    </p>
  );
}
