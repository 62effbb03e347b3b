/**
 * The effective LDAP settings (typed), with the bind password opened from its sealed form.
 * - Read from app_config, or from LDAP_* with UI_CONFIG_DISABLED=true (then the password is plain).
 * - Saving from the LDAP page goes through updateAppConfigFromInput (which seals sensitive keys);
 *   a blank password field keeps the stored one. Audited as ADMIN_CHANGE application_configuration
 *   update, id "ldap", with the keys that changed.
 */
import { msg, type Message } from "../i18n/message.ts";
import type { Database } from "../db/database.ts";
import type { Config } from "../config.ts";
import { readAppConfig, type AppConfig } from "../admin/app-config.ts";
import { configStoreOf, sealPurposeOf, updateAppConfigFromInput, type ConfigChangeDeps } from "../admin/app-config-admin.ts";
import { auditedChange, type Actor } from "../audit/actor.ts";
import { AppError } from "../errors.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { LDAP_CONFIG_DEFINITIONS, type LdapConfigKey } from "./ldap-config.ts";

export interface LdapSettings {
  enabled: boolean;
  url: string;
  startTls: boolean;
  skipCertVerify: boolean;
  bindDn: string;
  bindPassword: string;
  base: string;
  userFilter: string;
  groupFilter: string;
  attr: {
    userId: string;
    username: string;
    email: string;
    firstName: string;
    lastName: string;
    displayName: string;
    picture: string;
    groupMember: string;
    groupId: string;
    groupName: string;
  };
  adminGroupName: string;
  softDeleteUsers: boolean;
}

export type LdapSettingsDeps = { db: Database; config: Config; box: SealedBox };

export const LDAP_KEYS = Object.keys(LDAP_CONFIG_DEFINITIONS) as LdapConfigKey[];

export function readLdapConfig(deps: { db: Database; config: Config }): AppConfig {
  return readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
}

/** Opens the stored bind password; a password sealed under another ENCRYPTION_KEY must be entered again. */
export function openBindPassword(deps: LdapSettingsDeps, stored: string): string {
  if (!stored || deps.config.uiConfigDisabled) return stored;
  try {
    return deps.box.openText(sealPurposeOf("ldapBindPassword"), stored);
  } catch {
    throw AppError.badRequest(msg("ldap.errPasswordSealed"));
  }
}

export function toLdapSettings(c: AppConfig, bindPassword: string): LdapSettings {
  return {
    enabled: c.ldapEnabled,
    url: c.ldapUrl.trim(),
    startTls: c.ldapStartTls,
    skipCertVerify: c.ldapSkipCertVerify,
    bindDn: c.ldapBindDn.trim(),
    bindPassword,
    base: c.ldapBase.trim(),
    userFilter: c.ldapUserSearchFilter,
    groupFilter: c.ldapUserGroupSearchFilter,
    attr: {
      userId: c.ldapAttributeUserUniqueIdentifier,
      username: c.ldapAttributeUserUsername,
      email: c.ldapAttributeUserEmail,
      firstName: c.ldapAttributeUserFirstName,
      lastName: c.ldapAttributeUserLastName,
      displayName: c.ldapAttributeUserDisplayName,
      picture: c.ldapAttributeUserProfilePicture,
      groupMember: c.ldapAttributeGroupMember,
      groupId: c.ldapAttributeGroupUniqueIdentifier,
      groupName: c.ldapAttributeGroupName,
    },
    adminGroupName: c.ldapAdminGroupName.trim(),
    softDeleteUsers: c.ldapSoftDeleteUsers,
  };
}

export function readLdapSettings(deps: LdapSettingsDeps): LdapSettings {
  const c = readLdapConfig(deps);
  return toLdapSettings(c, openBindPassword(deps, c.ldapBindPassword));
}

/** What is missing before a connection can be attempted (empty when ready). */
/** What must be filled in before the directory can be asked anything (null: nothing). */
export function missingLdapSettings(s: LdapSettings): Message | null {
  if (!s.url && !s.base) return msg("ldap.errMissingBoth");
  if (!s.url) return msg("ldap.errMissingUrl");
  if (!s.base) return msg("ldap.errMissingBase");
  return null;
}

/** Keeps only LDAP keys of a form/JSON body; a blank password means "keep the stored one". */
export function ldapInputFrom(body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const k of LDAP_KEYS) {
    if (!(k in body)) continue;
    if (k === "ldapBindPassword" && (body[k] === "" || body[k] === undefined)) continue;
    input[k] = body[k];
  }
  return input;
}

/** Stores LDAP settings (sealing the password). Returns the changed keys. */
export function saveLdapSettings(deps: ConfigChangeDeps & { box: SealedBox }, actor: Actor, body: Record<string, unknown>): string[] {
  return auditedChange(
    deps,
    actor,
    () => updateAppConfigFromInput(configStoreOf(deps), ldapInputFrom(body)),
    (keys) => ({ entity: "application_configuration", action: "update", id: "ldap", changes: { keys } }),
  );
}
