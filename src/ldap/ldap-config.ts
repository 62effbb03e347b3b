/**
 * LDAP settings: Pocket ID's `ldap*` keys (plus `ldapStartTls`), merged into the application
 * configuration definitions (src/admin/app-config.ts) so they are stored, read and exposed like the rest.
 * - The bind password is `sensitive`: stored sealed with ENCRYPTION_KEY (purpose "app-config.ldapBindPassword"),
 *   never shown back; with UI_CONFIG_DISABLED=true it comes in clear from LDAP_BIND_PASSWORD(_FILE).
 * - Attribute defaults fit OpenLDAP (entryUUID, uid, mail, givenName, sn, cn, member), so a stock
 *   directory works after entering the URL, bind DN, password and base DN.
 */

import { msg, type Message } from "../i18n/message.ts";

type Kind = "string" | "int" | "bool" | "json";
const def = <T,>(d: { env: string; kind: Kind; default: T; sensitive?: boolean; validate?: (value: T) => Message | null }) => d;

const filter = (v: string) => (v.startsWith("(") && v.endsWith(")") ? null : msg("ldap.errFilter"));
const attribute = (v: string) => (/^[A-Za-z][A-Za-z0-9-]*$|^\d+(\.\d+)+$/.test(v) ? null : msg("ldap.errAttribute"));
const optionalAttribute = (v: string) => (v === "" ? null : attribute(v));

export const LDAP_CONFIG_DEFINITIONS = {
  ldapEnabled: def<boolean>({ env: "LDAP_ENABLED", kind: "bool", default: false }),
  ldapUrl: def<string>({ env: "LDAP_URL", kind: "string", default: "", validate: (v) => (v === "" || /^ldaps?:\/\/[^\s/]+\/?$/i.test(v) ? null : msg("ldap.errUrl")) }),
  ldapStartTls: def<boolean>({ env: "LDAP_START_TLS", kind: "bool", default: false }),
  ldapSkipCertVerify: def<boolean>({ env: "LDAP_SKIP_CERT_VERIFY", kind: "bool", default: false }),
  ldapBindDn: def<string>({ env: "LDAP_BIND_DN", kind: "string", default: "" }),
  ldapBindPassword: def<string>({ env: "LDAP_BIND_PASSWORD", kind: "string", default: "", sensitive: true }),
  ldapBase: def<string>({ env: "LDAP_BASE", kind: "string", default: "" }),
  ldapUserSearchFilter: def<string>({ env: "LDAP_USER_SEARCH_FILTER", kind: "string", default: "(objectClass=person)", validate: filter }),
  ldapUserGroupSearchFilter: def<string>({ env: "LDAP_USER_GROUP_SEARCH_FILTER", kind: "string", default: "(objectClass=groupOfNames)", validate: filter }),
  ldapAttributeUserUniqueIdentifier: def<string>({ env: "LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER", kind: "string", default: "entryUUID", validate: attribute }),
  ldapAttributeUserUsername: def<string>({ env: "LDAP_ATTRIBUTE_USER_USERNAME", kind: "string", default: "uid", validate: attribute }),
  ldapAttributeUserEmail: def<string>({ env: "LDAP_ATTRIBUTE_USER_EMAIL", kind: "string", default: "mail", validate: optionalAttribute }),
  ldapAttributeUserFirstName: def<string>({ env: "LDAP_ATTRIBUTE_USER_FIRST_NAME", kind: "string", default: "givenName", validate: optionalAttribute }),
  ldapAttributeUserLastName: def<string>({ env: "LDAP_ATTRIBUTE_USER_LAST_NAME", kind: "string", default: "sn", validate: optionalAttribute }),
  ldapAttributeUserDisplayName: def<string>({ env: "LDAP_ATTRIBUTE_USER_DISPLAY_NAME", kind: "string", default: "cn", validate: optionalAttribute }),
  ldapAttributeUserProfilePicture: def<string>({ env: "LDAP_ATTRIBUTE_USER_PROFILE_PICTURE", kind: "string", default: "", validate: optionalAttribute }),
  ldapAttributeGroupMember: def<string>({ env: "LDAP_ATTRIBUTE_GROUP_MEMBER", kind: "string", default: "member", validate: attribute }),
  ldapAttributeGroupUniqueIdentifier: def<string>({ env: "LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER", kind: "string", default: "entryUUID", validate: attribute }),
  ldapAttributeGroupName: def<string>({ env: "LDAP_ATTRIBUTE_GROUP_NAME", kind: "string", default: "cn", validate: attribute }),
  ldapAdminGroupName: def<string>({ env: "LDAP_ADMIN_GROUP_NAME", kind: "string", default: "" }),
  ldapSoftDeleteUsers: def<boolean>({ env: "LDAP_SOFT_DELETE_USERS", kind: "bool", default: true }),
} as const;

export type LdapConfigKey = keyof typeof LDAP_CONFIG_DEFINITIONS;
