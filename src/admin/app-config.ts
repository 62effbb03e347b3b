/**
 * Application configuration: Pocket ID's keys, types and defaults.
 * - Stored in the app_config table (UI editable), or — with UI_CONFIG_DISABLED=true — read from the
 *   environment variable of the same meaning, and then read-only.
 * - Readers get a fully typed snapshot; an unset or invalid stored value falls back to the default.
 */
import type { Database } from "../db/database.ts";
import { listAppConfigEntries, upsertAppConfigEntries } from "../db/app-config.ts";
import { readChangeVersion } from "../db/change-versions.ts";
import { LDAP_CONFIG_DEFINITIONS } from "../ldap/ldap-config.ts";
import { ownValue } from "../lib/own.ts";
import { msg, type Message } from "../i18n/message.ts";
import { englishText } from "../i18n/translator.ts";
import { callbackUrlProblem } from "../oidc/redirect-uri.ts";

type Kind = "string" | "int" | "bool" | "json";

interface Definition<T> {
  env: string;
  kind: Kind;
  default: T;
  /** Stored sealed with ENCRYPTION_KEY, never shown back. */
  sensitive?: boolean;
  /** Returns what is wrong (a catalogue message), or null when valid. */
  validate?: (value: T) => Message | null;
}

const def = <T,>(d: Definition<T>) => d;

/** A JSON array of callback URL patterns (Pocket ID's cimd_url_allowlist validation), at most 100. */
function cimdAllowlistProblem(value: unknown): Message | null {
  if (!Array.isArray(value) || value.length > 100 || value.some((p) => typeof p !== "string")) return msg("appConfig.errCimdAllowlist");
  for (const pattern of value as string[]) {
    const problem = callbackUrlProblem(pattern);
    if (problem) return msg("appConfig.errCimdPattern", { pattern: pattern.slice(0, 200), problem });
  }
  return null;
}

export const APP_CONFIG_DEFINITIONS = {
  appName: def<string>({ env: "APP_NAME", kind: "string", default: "Latchkey", validate: (v) => (v.length >= 1 && v.length <= 30 ? null : msg("appConfig.errAppName")) }),
  sessionDuration: def<number>({ env: "SESSION_DURATION", kind: "int", default: 60, validate: (v) => (v >= 1 && v <= 525600 ? null : msg("appConfig.errSessionDuration")) }),
  homePageUrl: def<string>({ env: "HOME_PAGE_URL", kind: "string", default: "/settings/account" }),
  emailsVerified: def<boolean>({ env: "EMAILS_VERIFIED", kind: "bool", default: false }),
  accentColor: def<string>({ env: "ACCENT_COLOR", kind: "string", default: "default" }),
  disableAnimations: def<boolean>({ env: "DISABLE_ANIMATIONS", kind: "bool", default: false }),
  allowOwnAccountEdit: def<boolean>({ env: "ALLOW_OWN_ACCOUNT_EDIT", kind: "bool", default: true }),
  allowUserSignups: def<"disabled" | "withToken" | "open">({ env: "ALLOW_USER_SIGNUPS", kind: "string", default: "disabled", validate: (v) => (["disabled", "withToken", "open"].includes(v) ? null : msg("appConfig.errSignups")) }),
  signupDefaultUserGroupIDs: def<string[]>({ env: "SIGNUP_DEFAULT_USER_GROUP_IDS", kind: "json", default: [] }),
  signupDefaultCustomClaims: def<{ key: string; value: string }[]>({ env: "SIGNUP_DEFAULT_CUSTOM_CLAIMS", kind: "json", default: [] }),
  requireUserEmail: def<boolean>({ env: "REQUIRE_USER_EMAIL", kind: "bool", default: false }),
  webauthnUserVerification: def<"required" | "preferred">({ env: "WEBAUTHN_USER_VERIFICATION", kind: "string", default: "required", validate: (v) => (v === "required" || v === "preferred" ? null : msg("appConfig.errUserVerification")) }),
  webauthnAllowSyncedPasskeys: def<boolean>({ env: "WEBAUTHN_ALLOW_SYNCED_PASSKEYS", kind: "bool", default: true }),
  webauthnAuthenticatorAttachment: def<"any" | "platform" | "cross-platform">({ env: "WEBAUTHN_AUTHENTICATOR_ATTACHMENT", kind: "string", default: "any", validate: (v) => (["any", "platform", "cross-platform"].includes(v) ? null : msg("appConfig.errAttachment")) }),
  ...LDAP_CONFIG_DEFINITIONS,
  // Client ID Metadata Documents (Pocket ID v2.13): the URL patterns (callback URL wildcards) a client_id URL must
  // match before its document is fetched. Empty (the default) turns the feature off.
  cimdUrlAllowlist: def<string[]>({ env: "CIMD_URL_ALLOWLIST", kind: "json", default: [], validate: cimdAllowlistProblem }),
  // Email (src/mail). smtpPassword is stored sealed with ENCRYPTION_KEY: the snapshot holds the sealed
  // text (plain only from SMTP_PASSWORD with UI_CONFIG_DISABLED); src/mail/settings.ts opens it.
  smtpHost: def<string>({ env: "SMTP_HOST", kind: "string", default: "" }),
  smtpPort: def<number>({ env: "SMTP_PORT", kind: "int", default: 587, validate: (v) => (v >= 1 && v <= 65535 ? null : msg("appConfig.errSmtpPort")) }),
  smtpFrom: def<string>({ env: "SMTP_FROM", kind: "string", default: "", validate: (v) => (v === "" || /^[^\s@<>]+@[^\s@<>]+$/.test(v) ? null : msg("appConfig.errSmtpFrom")) }),
  smtpUser: def<string>({ env: "SMTP_USER", kind: "string", default: "" }),
  smtpPassword: def<string>({ env: "SMTP_PASSWORD", kind: "string", default: "", sensitive: true }),
  // The default follows the port when the mode is unset (smtpTlsForPort below): 587, the default, is STARTTLS.
  smtpTls: def<"none" | "starttls" | "tls">({ env: "SMTP_TLS", kind: "string", default: "starttls", validate: (v) => (["none", "starttls", "tls"].includes(v) ? null : msg("appConfig.errSmtpTls")) }),
  smtpSkipCertVerify: def<boolean>({ env: "SMTP_SKIP_CERT_VERIFY", kind: "bool", default: false }),
  emailLoginNotificationEnabled: def<boolean>({ env: "EMAIL_LOGIN_NOTIFICATION_ENABLED", kind: "bool", default: false }),
  emailOneTimeAccessAsUnauthenticatedEnabled: def<boolean>({ env: "EMAIL_ONE_TIME_ACCESS_AS_UNAUTHENTICATED_ENABLED", kind: "bool", default: false }),
  emailOneTimeAccessAsAdminEnabled: def<boolean>({ env: "EMAIL_ONE_TIME_ACCESS_AS_ADMIN_ENABLED", kind: "bool", default: false }),
  // The longest lifetime an API key may be given at creation or renewal (src/admin/api-keys.ts).
  apiKeyMaxLifetimeDays: def<number>({ env: "API_KEY_MAX_LIFETIME_DAYS", kind: "int", default: 365, validate: (v) => (v >= 1 && v <= 3650 ? null : msg("appConfig.errApiKeyLifetime")) }),
  emailApiKeyExpirationEnabled: def<boolean>({ env: "EMAIL_API_KEY_EXPIRATION_ENABLED", kind: "bool", default: false }),
  emailVerificationEnabled: def<boolean>({ env: "EMAIL_VERIFICATION_ENABLED", kind: "bool", default: false }),
  // Automatic backups into <data>/backups (src/backup): every N hours (0 = off), keeping the newest M files.
  backupIntervalHours: def<number>({ env: "BACKUP_INTERVAL_HOURS", kind: "int", default: 24, validate: (v) => (v >= 0 && v <= 8760 ? null : msg("appConfig.errBackupInterval")) }),
  backupKeep: def<number>({ env: "BACKUP_KEEP", kind: "int", default: 7, validate: (v) => (v >= 1 && v <= 1000 ? null : msg("appConfig.errBackupKeep")) }),
} as const;

export type AppConfigKey = keyof typeof APP_CONFIG_DEFINITIONS;
export type AppConfig = { -readonly [K in AppConfigKey]: (typeof APP_CONFIG_DEFINITIONS)[K]["default"] };

/** A value that does not parse, with what is wrong. */
class ValueProblem extends Error {
  constructor(readonly problem: Message) {
    super(englishText(problem));
  }
}

function parseValue(kind: Kind, raw: string): unknown {
  switch (kind) {
    case "string":
      return raw;
    case "int": {
      if (!/^-?\d+$/.test(raw.trim())) throw new ValueProblem(msg("appConfig.errWholeNumber"));
      return Number(raw.trim());
    }
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (v === "true" || v === "1") return true;
      if (v === "false" || v === "0") return false;
      throw new ValueProblem(msg("appConfig.errTrueFalse"));
    }
    case "json":
      try {
        return JSON.parse(raw);
      } catch {
        throw new ValueProblem(msg("appConfig.errJson"));
      }
  }
}

function serialise(kind: Kind, value: unknown): string {
  return kind === "json" ? JSON.stringify(value) : String(value);
}

/** Parses raw values into a typed config; invalid values produce problems ("NAME: what is wrong") and keep the default. */
export function buildAppConfig(raw: Record<string, string | undefined>, byEnvName: boolean): { config: AppConfig; problems: Message[] } {
  const config = {} as Record<string, unknown>;
  const problems: Message[] = [];
  for (const [key, d] of Object.entries(APP_CONFIG_DEFINITIONS) as [AppConfigKey, Definition<unknown>][]) {
    const name = byEnvName ? d.env : key;
    const value = raw[name];
    if (value === undefined || value === "") {
      config[key] = d.default;
      continue;
    }
    try {
      const parsed = parseValue(d.kind, value);
      const err = d.validate?.(parsed);
      if (err) throw new ValueProblem(err);
      config[key] = parsed;
    } catch (e) {
      if (!(e instanceof ValueProblem)) throw e;
      problems.push(msg("appConfig.fieldProblem", { name, problem: e.problem }));
      config[key] = d.default;
    }
  }
  // An unset SMTP_TLS / smtpTls follows the port: 587 (submission) needs STARTTLS, 465 is implicit TLS.
  // Any other port keeps Pocket ID's default, "none", so a plain relay on port 25 set up without SMTP_TLS
  // keeps working. A stored or given mode always wins.
  const tls = raw[byEnvName ? APP_CONFIG_DEFINITIONS.smtpTls.env : "smtpTls"];
  if (tls === undefined || tls === "") config.smtpTls = smtpTlsForPort(config.smtpPort as number);
  return { config: config as AppConfig, problems };
}

/** The encryption an SMTP port implies when none is configured. */
export function smtpTlsForPort(port: number): AppConfig["smtpTls"] {
  return port === 587 ? "starttls" : port === 465 ? "tls" : "none";
}

/**
 * Reads the effective application configuration.
 *
 * Cached per database and checked on every read against the `app_config` change version (migration 0024: bumped by
 * triggers in the transaction of every change, by this process, another process on the same file or another
 * instance on the same PostgreSQL database), so a change is seen at the next read, never later. The check is one
 * indexed row; reading every row and parsing each value was a measurable part of a passkey sign-in, which reads
 * the configuration four times (bench/README.md). Nothing is cached inside a transaction (it may roll back what it
 * read), and the snapshot is frozen, so no reader can change what the next one gets.
 */
export function readAppConfig(db: Database, opts: { uiConfigDisabled: boolean; env: Record<string, string> }): AppConfig {
  if (opts.uiConfigDisabled) return buildAppConfig(opts.env, true).config;
  const version = readChangeVersion(db, "app_config");
  const cached = fromDatabase.get(db);
  if (cached && cached.version === version && version >= 0) return cached.config;
  const rows = Object.fromEntries(listAppConfigEntries(db).map((r) => [r.key, r.value]));
  const config = deepFreeze(buildAppConfig(rows, false).config);
  if (!db.inTransaction) fromDatabase.set(db, { version, config });
  return config;
}
const fromDatabase = new WeakMap<Database, { version: number; config: AppConfig }>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Validates and stores a partial update; throws with every problem listed. */
export function updateAppConfig(db: Database, values: Partial<Record<AppConfigKey, unknown>>, now: number): void {
  const rows: { key: string; value: string }[] = [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values) as [AppConfigKey, unknown][]) {
    const d = ownValue(APP_CONFIG_DEFINITIONS as Record<string, Definition<unknown>>, key);
    if (!d) {
      problems.push(`${key} is not a configuration key`);
      continue;
    }
    const err = d.validate?.(value);
    if (err) problems.push(`${key}: ${englishText(err)}`);
    else rows.push({ key, value: serialise(d.kind, value) });
  }
  if (problems.length) throw new Error(problems.join("; "));
  upsertAppConfigEntries(db, rows, now);
}
