/**
 * Editing the application configuration (page and REST API) on top of app-config.ts.
 * - Values arrive as strings (forms, Pocket ID's JSON) or typed JSON; each is checked by its kind
 *   and the definition's rule, and every problem is reported per field.
 * - An empty value resets the key to its default (Pocket ID's PUT semantics); unknown keys (SMTP,
 *   LDAP… that Latchkey does not implement yet) are ignored so Pocket ID scripts keep working.
 * - With UI_CONFIG_DISABLED=true nothing can be changed: the environment is the source of truth.
 * - An administrator's change is audited (ADMIN_CHANGE application_configuration update, with the keys that
 *   changed, never values); the LDAP and backup pages record their own section (src/ldap/settings.ts,
 *   src/backup/backups.ts).
 */
import type { Database } from "../db/database.ts";
import { deleteAppConfigEntry, upsertAppConfigEntries } from "../db/app-config.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { safeLocalPath } from "../lib/local-path.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { APP_CONFIG_DEFINITIONS, readAppConfig, type AppConfig, type AppConfigKey } from "./app-config.ts";
import { checkGroupIds } from "./user-groups.ts";
import { claimList, FieldErrors, isRecord } from "./validation.ts";
import { ownValue } from "../lib/own.ts";
import { msg, type Message } from "../i18n/message.ts";

/** Keys anyone may read (GET /api/application-configuration), as in Pocket ID. */
export const PUBLIC_CONFIG_KEYS = new Set<string>(["appName", "homePageUrl", "accentColor", "disableAnimations", "allowOwnAccountEdit", "allowUserSignups", "requireUserEmail", "emailOneTimeAccessAsUnauthenticatedEnabled", "emailOneTimeAccessAsAdminEnabled", "emailVerificationEnabled", "ldapEnabled"]);

/** What a sensitive value reads as (Pocket ID's placeholder); sending it back keeps the stored value. */
export const SENSITIVE_PLACEHOLDER = "XXXXXXXXXX";

/** The sealed-box purpose of a sensitive key (src/mail/settings.ts opens smtpPassword with it). */
export const sealPurposeOf = (key: string) => `app-config:${key}`;

const TYPE_NAMES = { string: "string", int: "number", bool: "bool", json: "array" } as const;

export interface ConfigEntry {
  key: string;
  type: string;
  value: string;
  isPublic?: boolean;
}

export function configEntries(config: AppConfig, opts: { publicOnly: boolean }): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  for (const [key, d] of Object.entries(APP_CONFIG_DEFINITIONS) as [AppConfigKey, { kind: keyof typeof TYPE_NAMES; sensitive?: boolean }][]) {
    const isPublic = PUBLIC_CONFIG_KEYS.has(key);
    if (opts.publicOnly && !isPublic) continue;
    const v = config[key];
    const value = d.sensitive ? (v ? SENSITIVE_PLACEHOLDER : "") : typeof v === "object" ? JSON.stringify(v) : String(v);
    out.push(opts.publicOnly ? { key, type: TYPE_NAMES[d.kind], value } : { key, type: TYPE_NAMES[d.kind], value, isPublic });
  }
  return out;
}

function extraRule(key: AppConfigKey, value: unknown): Message | null {
  if (key === "homePageUrl") {
    const v = String(value);
    if (v.startsWith("/")) return safeLocalPath(v) ? null : msg("appConfig.errHomePagePath");
    try {
      const u = new URL(v);
      return u.protocol === "http:" || u.protocol === "https:" ? null : msg("appConfig.errHomePage");
    } catch {
      return msg("appConfig.errHomePage");
    }
  }
  if (key === "accentColor") return value === "default" || /^#[0-9a-fA-F]{6}$/.test(String(value)) ? null : msg("appConfig.errAccentColor");
  return null;
}

/** Validates a (partial) config body and stores it. Returns the keys whose stored value changed. */
export function updateAppConfigFromInput(deps: { db: Database; clock: Clock; uiConfigDisabled: boolean; env: Record<string, string>; box?: SealedBox }, input: unknown): AppConfigKey[] {
  if (deps.uiConfigDisabled) throw AppError.forbidden(msg("appConfig.errReadOnly"));
  if (!isRecord(input)) throw AppError.validation(msg("appConfig.errNotObject"), { body: msg("appConfig.errNotObject") });
  const before = readAppConfig(deps.db, { uiConfigDisabled: false, env: {} });
  const errors = new FieldErrors();
  const set: { key: string; value: string }[] = [];
  const reset: AppConfigKey[] = [];
  const changed: AppConfigKey[] = [];
  for (const [key, raw] of Object.entries(input)) {
    const d = ownValue(APP_CONFIG_DEFINITIONS as Record<string, { kind: string; default: unknown; sensitive?: boolean; validate?: (v: never) => Message | null }>, key);
    if (!d) continue;
    const k = key as AppConfigKey;
    if (d.sensitive && raw === SENSITIVE_PLACEHOLDER) continue;
    if (raw === null || raw === "" || (Array.isArray(raw) && raw.length === 0 && d.kind === "json")) {
      reset.push(k);
      if (JSON.stringify(before[k]) !== JSON.stringify(d.default)) changed.push(k);
      continue;
    }
    let value: unknown = raw;
    if (d.kind === "int") {
      value = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
      if (!Number.isInteger(value)) {
        errors.add(key, msg("appConfig.errWholeNumber"));
        continue;
      }
    } else if (d.kind === "bool") {
      if (raw === true || raw === "true" || raw === "on" || raw === "1") value = true;
      else if (raw === false || raw === "false" || raw === "off" || raw === "0") value = false;
      else {
        errors.add(key, msg("appConfig.errTrueFalse"));
        continue;
      }
    } else if (d.kind === "json") {
      if (typeof raw === "string") {
        try {
          value = JSON.parse(raw);
        } catch {
          errors.add(key, msg("appConfig.errJson"));
          continue;
        }
      }
      if (k === "signupDefaultUserGroupIDs") {
        if (!Array.isArray(value) || !value.every((x) => typeof x === "string")) {
          errors.add(key, msg("appConfig.errGroupIds"));
          continue;
        }
        checkGroupIds(deps.db, errors, key, value as string[]);
      } else if (k === "signupDefaultCustomClaims") {
        value = claimList(errors, value, key);
      }
    } else if (typeof raw !== "string") {
      errors.add(key, msg("appConfig.errText"));
      continue;
    } else value = raw.trim();
    const problem = d.validate?.(value as never) ?? extraRule(k, value);
    if (problem) {
      errors.add(key, problem);
      continue;
    }
    if (d.sensitive) {
      // Sealed with ENCRYPTION_KEY: the database file never holds the plain secret.
      if (!deps.box) throw new Error(`${key} needs the sealed box to be stored`);
      set.push({ key, value: deps.box.seal(sealPurposeOf(key), String(value)) });
      changed.push(k);
      continue;
    }
    set.push({ key, value: d.kind === "json" ? JSON.stringify(value) : String(value) });
    if (JSON.stringify(before[k]) !== JSON.stringify(value)) changed.push(k);
  }
  errors.throwIfAny();
  deps.db.transaction(() => {
    upsertAppConfigEntries(deps.db, set, nowSeconds(deps.clock));
    for (const k of reset) deleteAppConfigEntry(deps.db, k);
  }).immediate();
  return changed;
}

/** What an audited configuration change needs. */
export type ConfigChangeDeps = AuditDeps & { config: Pick<Config, "uiConfigDisabled" | "appConfigEnv">; box?: SealedBox };

/** The configuration store as updateAppConfigFromInput takes it. */
export function configStoreOf(deps: ConfigChangeDeps) {
  return { db: deps.db, clock: deps.clock, uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv, box: deps.box };
}

/** An administrator changes the application configuration (its page, PUT /api/application-configuration). */
export function updateAppConfiguration(deps: ConfigChangeDeps, actor: Actor, input: unknown): AppConfigKey[] {
  return auditedChange(
    deps,
    actor,
    () => updateAppConfigFromInput(configStoreOf(deps), input),
    (keys) => ({ entity: "application_configuration", action: "update", id: "application-configuration", changes: { keys } }),
  );
}
