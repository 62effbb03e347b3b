/**
 * SMTP settings from the application configuration.
 * - The password is stored sealed (app-config-admin.ts); it is opened only here, right before use.
 * - With UI_CONFIG_DISABLED=true every value comes from SMTP_* (plain, possibly via SMTP_PASSWORD_FILE).
 * - "Not configured" (no host or no from address) is a state, not an error: flows skip sending.
 */
import { msg, type Message } from "../i18n/message.ts";
import { englishText } from "../i18n/translator.ts";
import type { Database } from "../db/database.ts";
import type { Config } from "../config.ts";
import { readAppConfig, type AppConfig } from "../admin/app-config.ts";
import { sealPurposeOf } from "../admin/app-config-admin.ts";
import type { SealedBox } from "../lib/sealed-box.ts";

export interface SmtpSettings {
  host: string;
  port: number;
  from: string;
  user: string;
  password: string;
  tls: "none" | "starttls" | "tls";
  skipCertVerify: boolean;
}

export type MailDeps = { db: Database; config: Config; box: SealedBox };

export function appConfigFor(deps: { db: Database; config: Config }): AppConfig {
  return readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
}

/** Settings that cannot be used as stored (the password needs entering again); `problem` says so in any language. */
export class SmtpSettingsError extends Error {
  constructor(readonly problem: Message) {
    super(englishText(problem));
  }
}

/** The SMTP settings, or null while no host / from address is configured. */
export function readSmtpSettings(deps: MailDeps, app: AppConfig = appConfigFor(deps)): SmtpSettings | null {
  if (!app.smtpHost.trim() || !app.smtpFrom.trim()) return null;
  let password = app.smtpPassword;
  if (password && !deps.config.uiConfigDisabled) {
    try {
      password = deps.box.openText(sealPurposeOf("smtpPassword"), password);
    } catch {
      // Sealed under another ENCRYPTION_KEY (or tampered with): the admin must enter it again.
      throw new SmtpSettingsError(msg("emailSettings.errPasswordSealed"));
    }
  }
  return {
    host: app.smtpHost.trim(),
    port: app.smtpPort,
    from: app.smtpFrom.trim(),
    user: app.smtpUser,
    password,
    tls: app.smtpTls,
    skipCertVerify: app.smtpSkipCertVerify,
  };
}
