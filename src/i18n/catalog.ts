/**
 * The message catalogue: one JSON file per namespace per locale (src/i18n/locales/<locale>/<ns>.json),
 * flat `{ "key": "ICU message" }`, used as `t("<ns>.<key>")`. Imported statically so `bun build
 * --compile` carries every language inside the executable.
 *
 * Adding a namespace: create the ten files and add one block below. The type check then refuses a
 * locale that lacks any English key (tests/unit/i18n/catalog.test.ts also refuses extra keys and
 * placeholders that differ from English).
 */
import type { Locale } from "./locales.ts";

import commonEn from "./locales/en/common.json";
import commonDe from "./locales/de/common.json";
import commonFr from "./locales/fr/common.json";
import commonEs from "./locales/es/common.json";
import commonIt from "./locales/it/common.json";
import commonNl from "./locales/nl/common.json";
import commonPtBr from "./locales/pt-BR/common.json";
import commonPl from "./locales/pl/common.json";
import commonZhHans from "./locales/zh-Hans/common.json";
import commonJa from "./locales/ja/common.json";

import validationEn from "./locales/en/validation.json";
import validationDe from "./locales/de/validation.json";
import validationFr from "./locales/fr/validation.json";
import validationEs from "./locales/es/validation.json";
import validationIt from "./locales/it/validation.json";
import validationNl from "./locales/nl/validation.json";
import validationPtBr from "./locales/pt-BR/validation.json";
import validationPl from "./locales/pl/validation.json";
import validationZhHans from "./locales/zh-Hans/validation.json";
import validationJa from "./locales/ja/validation.json";

import oidcEn from "./locales/en/oidc.json";
import oidcDe from "./locales/de/oidc.json";
import oidcFr from "./locales/fr/oidc.json";
import oidcEs from "./locales/es/oidc.json";
import oidcIt from "./locales/it/oidc.json";
import oidcNl from "./locales/nl/oidc.json";
import oidcPtBr from "./locales/pt-BR/oidc.json";
import oidcPl from "./locales/pl/oidc.json";
import oidcZhHans from "./locales/zh-Hans/oidc.json";
import oidcJa from "./locales/ja/oidc.json";

import forwardAuthEn from "./locales/en/forwardAuth.json";
import forwardAuthDe from "./locales/de/forwardAuth.json";
import forwardAuthFr from "./locales/fr/forwardAuth.json";
import forwardAuthEs from "./locales/es/forwardAuth.json";
import forwardAuthIt from "./locales/it/forwardAuth.json";
import forwardAuthNl from "./locales/nl/forwardAuth.json";
import forwardAuthPtBr from "./locales/pt-BR/forwardAuth.json";
import forwardAuthPl from "./locales/pl/forwardAuth.json";
import forwardAuthZhHans from "./locales/zh-Hans/forwardAuth.json";
import forwardAuthJa from "./locales/ja/forwardAuth.json";
import adminEn from "./locales/en/admin.json";
import adminDe from "./locales/de/admin.json";
import adminFr from "./locales/fr/admin.json";
import adminEs from "./locales/es/admin.json";
import adminIt from "./locales/it/admin.json";
import adminNl from "./locales/nl/admin.json";
import adminPtBr from "./locales/pt-BR/admin.json";
import adminPl from "./locales/pl/admin.json";
import adminZhHans from "./locales/zh-Hans/admin.json";
import adminJa from "./locales/ja/admin.json";

import usersEn from "./locales/en/users.json";
import usersDe from "./locales/de/users.json";
import usersFr from "./locales/fr/users.json";
import usersEs from "./locales/es/users.json";
import usersIt from "./locales/it/users.json";
import usersNl from "./locales/nl/users.json";
import usersPtBr from "./locales/pt-BR/users.json";
import usersPl from "./locales/pl/users.json";
import usersZhHans from "./locales/zh-Hans/users.json";
import usersJa from "./locales/ja/users.json";

import apiKeysEn from "./locales/en/apiKeys.json";
import apiKeysDe from "./locales/de/apiKeys.json";
import apiKeysFr from "./locales/fr/apiKeys.json";
import apiKeysEs from "./locales/es/apiKeys.json";
import apiKeysIt from "./locales/it/apiKeys.json";
import apiKeysNl from "./locales/nl/apiKeys.json";
import apiKeysPtBr from "./locales/pt-BR/apiKeys.json";
import apiKeysPl from "./locales/pl/apiKeys.json";
import apiKeysZhHans from "./locales/zh-Hans/apiKeys.json";
import apiKeysJa from "./locales/ja/apiKeys.json";

import signupsEn from "./locales/en/signups.json";
import signupsDe from "./locales/de/signups.json";
import signupsFr from "./locales/fr/signups.json";
import signupsEs from "./locales/es/signups.json";
import signupsIt from "./locales/it/signups.json";
import signupsNl from "./locales/nl/signups.json";
import signupsPtBr from "./locales/pt-BR/signups.json";
import signupsPl from "./locales/pl/signups.json";
import signupsZhHans from "./locales/zh-Hans/signups.json";
import signupsJa from "./locales/ja/signups.json";

import auditEn from "./locales/en/audit.json";
import auditDe from "./locales/de/audit.json";
import auditFr from "./locales/fr/audit.json";
import auditEs from "./locales/es/audit.json";
import auditIt from "./locales/it/audit.json";
import auditNl from "./locales/nl/audit.json";
import auditPtBr from "./locales/pt-BR/audit.json";
import auditPl from "./locales/pl/audit.json";
import auditZhHans from "./locales/zh-Hans/audit.json";
import auditJa from "./locales/ja/audit.json";

import appConfigEn from "./locales/en/appConfig.json";
import appConfigDe from "./locales/de/appConfig.json";
import appConfigFr from "./locales/fr/appConfig.json";
import appConfigEs from "./locales/es/appConfig.json";
import appConfigIt from "./locales/it/appConfig.json";
import appConfigNl from "./locales/nl/appConfig.json";
import appConfigPtBr from "./locales/pt-BR/appConfig.json";
import appConfigPl from "./locales/pl/appConfig.json";
import appConfigZhHans from "./locales/zh-Hans/appConfig.json";
import appConfigJa from "./locales/ja/appConfig.json";

import emailSettingsEn from "./locales/en/emailSettings.json";
import emailSettingsDe from "./locales/de/emailSettings.json";
import emailSettingsFr from "./locales/fr/emailSettings.json";
import emailSettingsEs from "./locales/es/emailSettings.json";
import emailSettingsIt from "./locales/it/emailSettings.json";
import emailSettingsNl from "./locales/nl/emailSettings.json";
import emailSettingsPtBr from "./locales/pt-BR/emailSettings.json";
import emailSettingsPl from "./locales/pl/emailSettings.json";
import emailSettingsZhHans from "./locales/zh-Hans/emailSettings.json";
import emailSettingsJa from "./locales/ja/emailSettings.json";

import scimEn from "./locales/en/scim.json";
import scimDe from "./locales/de/scim.json";
import scimFr from "./locales/fr/scim.json";
import scimEs from "./locales/es/scim.json";
import scimIt from "./locales/it/scim.json";
import scimNl from "./locales/nl/scim.json";
import scimPtBr from "./locales/pt-BR/scim.json";
import scimPl from "./locales/pl/scim.json";
import scimZhHans from "./locales/zh-Hans/scim.json";
import scimJa from "./locales/ja/scim.json";

import ldapEn from "./locales/en/ldap.json";
import ldapDe from "./locales/de/ldap.json";
import ldapFr from "./locales/fr/ldap.json";
import ldapEs from "./locales/es/ldap.json";
import ldapIt from "./locales/it/ldap.json";
import ldapNl from "./locales/nl/ldap.json";
import ldapPtBr from "./locales/pt-BR/ldap.json";
import ldapPl from "./locales/pl/ldap.json";
import ldapZhHans from "./locales/zh-Hans/ldap.json";
import ldapJa from "./locales/ja/ldap.json";

import backupsEn from "./locales/en/backups.json";
import backupsDe from "./locales/de/backups.json";
import backupsFr from "./locales/fr/backups.json";
import backupsEs from "./locales/es/backups.json";
import backupsIt from "./locales/it/backups.json";
import backupsNl from "./locales/nl/backups.json";
import backupsPtBr from "./locales/pt-BR/backups.json";
import backupsPl from "./locales/pl/backups.json";
import backupsZhHans from "./locales/zh-Hans/backups.json";
import backupsJa from "./locales/ja/backups.json";

import emailsEn from "./locales/en/emails.json";
import emailsDe from "./locales/de/emails.json";
import emailsFr from "./locales/fr/emails.json";
import emailsEs from "./locales/es/emails.json";
import emailsIt from "./locales/it/emails.json";
import emailsNl from "./locales/nl/emails.json";
import emailsPtBr from "./locales/pt-BR/emails.json";
import emailsPl from "./locales/pl/emails.json";
import emailsZhHans from "./locales/zh-Hans/emails.json";
import emailsJa from "./locales/ja/emails.json";

import accountEn from "./locales/en/account.json";
import accountDe from "./locales/de/account.json";
import accountFr from "./locales/fr/account.json";
import accountEs from "./locales/es/account.json";
import accountIt from "./locales/it/account.json";
import accountNl from "./locales/nl/account.json";
import accountPtBr from "./locales/pt-BR/account.json";
import accountPl from "./locales/pl/account.json";
import accountZhHans from "./locales/zh-Hans/account.json";
import accountJa from "./locales/ja/account.json";

import signInEn from "./locales/en/signIn.json";
import signInDe from "./locales/de/signIn.json";
import signInFr from "./locales/fr/signIn.json";
import signInEs from "./locales/es/signIn.json";
import signInIt from "./locales/it/signIn.json";
import signInNl from "./locales/nl/signIn.json";
import signInPtBr from "./locales/pt-BR/signIn.json";
import signInPl from "./locales/pl/signIn.json";
import signInZhHans from "./locales/zh-Hans/signIn.json";
import signInJa from "./locales/ja/signIn.json";

import passkeysEn from "./locales/en/passkeys.json";
import passkeysDe from "./locales/de/passkeys.json";
import passkeysFr from "./locales/fr/passkeys.json";
import passkeysEs from "./locales/es/passkeys.json";
import passkeysIt from "./locales/it/passkeys.json";
import passkeysNl from "./locales/nl/passkeys.json";
import passkeysPtBr from "./locales/pt-BR/passkeys.json";
import passkeysPl from "./locales/pl/passkeys.json";
import passkeysZhHans from "./locales/zh-Hans/passkeys.json";
import passkeysJa from "./locales/ja/passkeys.json";

import myAppsEn from "./locales/en/myApps.json";
import myAppsDe from "./locales/de/myApps.json";
import myAppsFr from "./locales/fr/myApps.json";
import myAppsEs from "./locales/es/myApps.json";
import myAppsIt from "./locales/it/myApps.json";
import myAppsNl from "./locales/nl/myApps.json";
import myAppsPtBr from "./locales/pt-BR/myApps.json";
import myAppsPl from "./locales/pl/myApps.json";
import myAppsZhHans from "./locales/zh-Hans/myApps.json";
import myAppsJa from "./locales/ja/myApps.json";

import groupsEn from "./locales/en/groups.json";
import groupsDe from "./locales/de/groups.json";
import groupsFr from "./locales/fr/groups.json";
import groupsEs from "./locales/es/groups.json";
import groupsIt from "./locales/it/groups.json";
import groupsNl from "./locales/nl/groups.json";
import groupsPtBr from "./locales/pt-BR/groups.json";
import groupsPl from "./locales/pl/groups.json";
import groupsZhHans from "./locales/zh-Hans/groups.json";
import groupsJa from "./locales/ja/groups.json";

import saveBarEn from "./locales/en/saveBar.json";
import saveBarDe from "./locales/de/saveBar.json";
import saveBarFr from "./locales/fr/saveBar.json";
import saveBarEs from "./locales/es/saveBar.json";
import saveBarIt from "./locales/it/saveBar.json";
import saveBarNl from "./locales/nl/saveBar.json";
import saveBarPtBr from "./locales/pt-BR/saveBar.json";
import saveBarPl from "./locales/pl/saveBar.json";
import saveBarZhHans from "./locales/zh-Hans/saveBar.json";
import saveBarJa from "./locales/ja/saveBar.json";

import clientsEn from "./locales/en/clients.json";
import clientsDe from "./locales/de/clients.json";
import clientsFr from "./locales/fr/clients.json";
import clientsEs from "./locales/es/clients.json";
import clientsIt from "./locales/it/clients.json";
import clientsNl from "./locales/nl/clients.json";
import clientsPtBr from "./locales/pt-BR/clients.json";
import clientsPl from "./locales/pl/clients.json";
import clientsZhHans from "./locales/zh-Hans/clients.json";
import clientsJa from "./locales/ja/clients.json";

import protectedAppsEn from "./locales/en/protectedApps.json";
import protectedAppsDe from "./locales/de/protectedApps.json";
import protectedAppsFr from "./locales/fr/protectedApps.json";
import protectedAppsEs from "./locales/es/protectedApps.json";
import protectedAppsIt from "./locales/it/protectedApps.json";
import protectedAppsNl from "./locales/nl/protectedApps.json";
import protectedAppsPtBr from "./locales/pt-BR/protectedApps.json";
import protectedAppsPl from "./locales/pl/protectedApps.json";
import protectedAppsZhHans from "./locales/zh-Hans/protectedApps.json";
import protectedAppsJa from "./locales/ja/protectedApps.json";

import callbackUrlsEn from "./locales/en/callbackUrls.json";
import callbackUrlsDe from "./locales/de/callbackUrls.json";
import callbackUrlsFr from "./locales/fr/callbackUrls.json";
import callbackUrlsEs from "./locales/es/callbackUrls.json";
import callbackUrlsIt from "./locales/it/callbackUrls.json";
import callbackUrlsNl from "./locales/nl/callbackUrls.json";
import callbackUrlsPtBr from "./locales/pt-BR/callbackUrls.json";
import callbackUrlsPl from "./locales/pl/callbackUrls.json";
import callbackUrlsZhHans from "./locales/zh-Hans/callbackUrls.json";
import callbackUrlsJa from "./locales/ja/callbackUrls.json";

import federatedEn from "./locales/en/federated.json";
import federatedDe from "./locales/de/federated.json";
import federatedFr from "./locales/fr/federated.json";
import federatedEs from "./locales/es/federated.json";
import federatedIt from "./locales/it/federated.json";
import federatedNl from "./locales/nl/federated.json";
import federatedPtBr from "./locales/pt-BR/federated.json";
import federatedPl from "./locales/pl/federated.json";
import federatedZhHans from "./locales/zh-Hans/federated.json";
import federatedJa from "./locales/ja/federated.json";
import apisEn from "./locales/en/apis.json";
import apisDe from "./locales/de/apis.json";
import apisFr from "./locales/fr/apis.json";
import apisEs from "./locales/es/apis.json";
import apisIt from "./locales/it/apis.json";
import apisNl from "./locales/nl/apis.json";
import apisPtBr from "./locales/pt-BR/apis.json";
import apisPl from "./locales/pl/apis.json";
import apisZhHans from "./locales/zh-Hans/apis.json";
import apisJa from "./locales/ja/apis.json";

const NAMESPACES = {
  common: { en: commonEn, de: commonDe, fr: commonFr, es: commonEs, it: commonIt, nl: commonNl, "pt-BR": commonPtBr, pl: commonPl, "zh-Hans": commonZhHans, ja: commonJa },
  validation: { en: validationEn, de: validationDe, fr: validationFr, es: validationEs, it: validationIt, nl: validationNl, "pt-BR": validationPtBr, pl: validationPl, "zh-Hans": validationZhHans, ja: validationJa },
  oidc: { en: oidcEn, de: oidcDe, fr: oidcFr, es: oidcEs, it: oidcIt, nl: oidcNl, "pt-BR": oidcPtBr, pl: oidcPl, "zh-Hans": oidcZhHans, ja: oidcJa },
  forwardAuth: { en: forwardAuthEn, de: forwardAuthDe, fr: forwardAuthFr, es: forwardAuthEs, it: forwardAuthIt, nl: forwardAuthNl, "pt-BR": forwardAuthPtBr, pl: forwardAuthPl, "zh-Hans": forwardAuthZhHans, ja: forwardAuthJa },
  appConfig: { en: appConfigEn, de: appConfigDe, fr: appConfigFr, es: appConfigEs, it: appConfigIt, nl: appConfigNl, "pt-BR": appConfigPtBr, pl: appConfigPl, "zh-Hans": appConfigZhHans, ja: appConfigJa },
  emailSettings: { en: emailSettingsEn, de: emailSettingsDe, fr: emailSettingsFr, es: emailSettingsEs, it: emailSettingsIt, nl: emailSettingsNl, "pt-BR": emailSettingsPtBr, pl: emailSettingsPl, "zh-Hans": emailSettingsZhHans, ja: emailSettingsJa },
  scim: { en: scimEn, de: scimDe, fr: scimFr, es: scimEs, it: scimIt, nl: scimNl, "pt-BR": scimPtBr, pl: scimPl, "zh-Hans": scimZhHans, ja: scimJa },
  ldap: { en: ldapEn, de: ldapDe, fr: ldapFr, es: ldapEs, it: ldapIt, nl: ldapNl, "pt-BR": ldapPtBr, pl: ldapPl, "zh-Hans": ldapZhHans, ja: ldapJa },
  backups: { en: backupsEn, de: backupsDe, fr: backupsFr, es: backupsEs, it: backupsIt, nl: backupsNl, "pt-BR": backupsPtBr, pl: backupsPl, "zh-Hans": backupsZhHans, ja: backupsJa },
  emails: { en: emailsEn, de: emailsDe, fr: emailsFr, es: emailsEs, it: emailsIt, nl: emailsNl, "pt-BR": emailsPtBr, pl: emailsPl, "zh-Hans": emailsZhHans, ja: emailsJa },
  account: { en: accountEn, de: accountDe, fr: accountFr, es: accountEs, it: accountIt, nl: accountNl, "pt-BR": accountPtBr, pl: accountPl, "zh-Hans": accountZhHans, ja: accountJa },
  signIn: { en: signInEn, de: signInDe, fr: signInFr, es: signInEs, it: signInIt, nl: signInNl, "pt-BR": signInPtBr, pl: signInPl, "zh-Hans": signInZhHans, ja: signInJa },
  passkeys: { en: passkeysEn, de: passkeysDe, fr: passkeysFr, es: passkeysEs, it: passkeysIt, nl: passkeysNl, "pt-BR": passkeysPtBr, pl: passkeysPl, "zh-Hans": passkeysZhHans, ja: passkeysJa },
  myApps: { en: myAppsEn, de: myAppsDe, fr: myAppsFr, es: myAppsEs, it: myAppsIt, nl: myAppsNl, "pt-BR": myAppsPtBr, pl: myAppsPl, "zh-Hans": myAppsZhHans, ja: myAppsJa },
  admin: { en: adminEn, de: adminDe, fr: adminFr, es: adminEs, it: adminIt, nl: adminNl, "pt-BR": adminPtBr, pl: adminPl, "zh-Hans": adminZhHans, ja: adminJa },
  users: { en: usersEn, de: usersDe, fr: usersFr, es: usersEs, it: usersIt, nl: usersNl, "pt-BR": usersPtBr, pl: usersPl, "zh-Hans": usersZhHans, ja: usersJa },
  apiKeys: { en: apiKeysEn, de: apiKeysDe, fr: apiKeysFr, es: apiKeysEs, it: apiKeysIt, nl: apiKeysNl, "pt-BR": apiKeysPtBr, pl: apiKeysPl, "zh-Hans": apiKeysZhHans, ja: apiKeysJa },
  signups: { en: signupsEn, de: signupsDe, fr: signupsFr, es: signupsEs, it: signupsIt, nl: signupsNl, "pt-BR": signupsPtBr, pl: signupsPl, "zh-Hans": signupsZhHans, ja: signupsJa },
  audit: { en: auditEn, de: auditDe, fr: auditFr, es: auditEs, it: auditIt, nl: auditNl, "pt-BR": auditPtBr, pl: auditPl, "zh-Hans": auditZhHans, ja: auditJa },
  groups: { en: groupsEn, de: groupsDe, fr: groupsFr, es: groupsEs, it: groupsIt, nl: groupsNl, "pt-BR": groupsPtBr, pl: groupsPl, "zh-Hans": groupsZhHans, ja: groupsJa },
  saveBar: { en: saveBarEn, de: saveBarDe, fr: saveBarFr, es: saveBarEs, it: saveBarIt, nl: saveBarNl, "pt-BR": saveBarPtBr, pl: saveBarPl, "zh-Hans": saveBarZhHans, ja: saveBarJa },
  clients: { en: clientsEn, de: clientsDe, fr: clientsFr, es: clientsEs, it: clientsIt, nl: clientsNl, "pt-BR": clientsPtBr, pl: clientsPl, "zh-Hans": clientsZhHans, ja: clientsJa },
  protectedApps: { en: protectedAppsEn, de: protectedAppsDe, fr: protectedAppsFr, es: protectedAppsEs, it: protectedAppsIt, nl: protectedAppsNl, "pt-BR": protectedAppsPtBr, pl: protectedAppsPl, "zh-Hans": protectedAppsZhHans, ja: protectedAppsJa },
  callbackUrls: { en: callbackUrlsEn, de: callbackUrlsDe, fr: callbackUrlsFr, es: callbackUrlsEs, it: callbackUrlsIt, nl: callbackUrlsNl, "pt-BR": callbackUrlsPtBr, pl: callbackUrlsPl, "zh-Hans": callbackUrlsZhHans, ja: callbackUrlsJa },
  federated: { en: federatedEn, de: federatedDe, fr: federatedFr, es: federatedEs, it: federatedIt, nl: federatedNl, "pt-BR": federatedPtBr, pl: federatedPl, "zh-Hans": federatedZhHans, ja: federatedJa },
  apis: { en: apisEn, de: apisDe, fr: apisFr, es: apisEs, it: apisIt, nl: apisNl, "pt-BR": apisPtBr, pl: apisPl, "zh-Hans": apisZhHans, ja: apisJa },
};

type Namespaces = typeof NAMESPACES;
export type Namespace = keyof Namespaces;
type EnglishKeys<N extends Namespace> = keyof Namespaces[N]["en"] & string;

/** Every catalogue key, `"<namespace>.<key>"`: a typo or a key missing from English fails the type check. */
export type MessageKey = { [N in Namespace]: `${N}.${EnglishKeys<N>}` }[Namespace];

// Every locale carries every English key of every namespace (a missing translation fails `tsc`).
const complete: { [N in Namespace]: Record<Locale, Record<EnglishKeys<N>, string>> } = NAMESPACES;

/** The flat catalogue of one locale: "<ns>.<key>" → ICU message. */
export function messagesOf(locale: Locale): ReadonlyMap<string, string> {
  let flat = FLAT.get(locale);
  if (!flat) {
    flat = new Map();
    for (const [ns, byLocale] of Object.entries(complete) as [Namespace, Record<Locale, Record<string, string>>][]) {
      for (const [key, message] of Object.entries(byLocale[locale])) flat.set(`${ns}.${key}`, message);
    }
    FLAT.set(locale, flat);
  }
  return flat;
}
const FLAT = new Map<Locale, Map<string, string>>();

export function namespaces(): Namespace[] {
  return Object.keys(NAMESPACES) as Namespace[];
}
