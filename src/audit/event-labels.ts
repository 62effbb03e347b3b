/**
 * Audit events in plain words for the activity pages and the CSV export. The stored event names stay
 * Pocket ID's (SIGN_IN, PASSKEY_ADDED, …); this is only their reading.
 */
import type { MessageKey } from "../i18n/catalog.ts";
import { msg, type Message, type Text } from "../i18n/message.ts";
import { englishText } from "../i18n/translator.ts";
import { ownValue } from "../lib/own.ts";

export interface EventDescription {
  title: string;
  /** Extra facts from the event data (passkey name, client, reason, what changed); never secrets. */
  detail: string | null;
  tone: "neutral" | "success" | "warning" | "danger";
}

/** Each known event's title in the catalogue (the activity pages, the event filter, the CSV export). */
export const EVENT_TITLES: Record<string, MessageKey> = {
  SIGN_IN: "audit.eventSignIn",
  SIGN_IN_FAILED: "audit.eventSignInFailed",
  TOKEN_SIGN_IN: "audit.eventTokenSignIn",
  REMOTE_SIGN_IN: "audit.eventRemoteSignIn",
  SIGN_OUT: "audit.eventSignOut",
  SESSION_REVOKED: "audit.eventSessionRevoked",
  ACCOUNT_CREATED: "audit.eventAccountCreated",
  PASSKEY_ADDED: "audit.eventPasskeyAdded",
  PASSKEY_REMOVED: "audit.eventPasskeyRemoved",
  PASSKEY_RENAMED: "audit.eventPasskeyRenamed",
  PASSKEY_COUNTER_REGRESSION: "audit.eventPasskeyCounterRegression",
  CLIENT_AUTHORIZATION: "audit.eventClientAuthorization",
  NEW_CLIENT_AUTHORIZATION: "audit.eventNewClientAuthorization",
  DEVICE_CODE_AUTHORIZATION: "audit.eventDeviceCodeAuthorization",
  NEW_DEVICE_CODE_AUTHORIZATION: "audit.eventNewDeviceCodeAuthorization",
  REFRESH_TOKEN_REUSE: "audit.eventRefreshTokenReuse",
  AUTHORIZATION_CODE_REUSE: "audit.eventAuthorizationCodeReuse",
  ONE_TIME_ACCESS_TOKEN_CREATED: "audit.eventOneTimeAccessTokenCreated",
  ADMIN_CHANGE: "audit.eventAdminChange",
  LDAP_SYNC: "audit.eventLdapSync",
  POCKET_ID_IMPORT: "audit.eventPocketIdImport",
  FORWARD_AUTH_GRANTED: "audit.eventForwardAuthGranted",
  FORWARD_AUTH_DENIED: "audit.eventForwardAuthDenied",
};

const TONES: Record<string, EventDescription["tone"]> = {
  SIGN_IN_FAILED: "warning",
  PASSKEY_COUNTER_REGRESSION: "danger",
  REFRESH_TOKEN_REUSE: "danger",
  AUTHORIZATION_CODE_REUSE: "danger",
  FORWARD_AUTH_DENIED: "warning",
  SIGN_IN: "success",
  TOKEN_SIGN_IN: "success",
  REMOTE_SIGN_IN: "success",
  ACCOUNT_CREATED: "success",
};

const ENTITY_NAMES: Record<string, MessageKey> = {
  user: "audit.entityUser",
  user_group: "audit.entityUserGroup",
  oidc_client: "audit.entityOidcClient",
  api_key: "audit.entityApiKey",
  signup_token: "audit.entitySignupToken",
  application_configuration: "audit.entityConfiguration",
  app_config: "audit.entityConfiguration",
  application_image: "audit.entityBrandingImage",
  passkey: "audit.entityPasskey",
  session: "audit.entitySession",
  protected_app: "audit.entityProtectedApp",
  api: "audit.entityApi",
  signing_key: "audit.entitySigningKey",
  encryption_key: "audit.entityEncryptionKey",
  backup: "audit.entityBackup",
  export_archive: "audit.entityExport",
  scim_service_provider: "audit.entityScimProvider",
};

/** An administrator's change as "<action> <thing>", each action one message with the thing inside (word order is the language's). */
const ACTION_NAMES: Record<string, MessageKey> = {
  create: "audit.actionCreate",
  update: "audit.actionUpdate",
  delete: "audit.actionDelete",
  revoke: "audit.actionRevoke",
  revoke_all: "audit.actionRevokeAll",
  renew: "audit.actionRenew",
  upload: "audit.actionUpload",
  create_secret: "audit.actionCreateSecret",
  revoke_secret: "audit.actionRevokeSecret",
  set_logo: "audit.actionSetLogo",
  delete_logo: "audit.actionDeleteLogo",
  set_allowed_groups: "audit.actionSetAllowedGroups",
  set_allowed_clients: "audit.actionSetAllowedClients",
  set_allowed_protected_apps: "audit.actionSetAllowedProtectedApps",
  set_custom_claims: "audit.actionSetCustomClaims",
  set_members: "audit.actionSetMembers",
  set_groups: "audit.actionSetGroups",
  set_profile_picture: "audit.actionSetProfilePicture",
  reset_profile_picture: "audit.actionResetProfilePicture",
  create_login_code: "audit.actionCreateLoginCode",
  email_login_code: "audit.actionEmailLoginCode",
  restrict: "audit.actionRestrict",
  unrestrict: "audit.actionUnrestrict",
  rotate: "audit.actionRotate",
  restore: "audit.actionRestore",
  import: "audit.actionImport",
  download: "audit.actionDownload",
  set_permissions: "audit.actionSetPermissions",
  set_client_access: "audit.actionSetClientAccess",
  remove_client_access: "audit.actionRemoveClientAccess",
  set_cimd_access: "audit.actionSetCimdAccess",
  refresh_metadata: "audit.actionRefreshMetadata",
  sync: "audit.actionSync",
};

/** "Revoked all sessions": the whole phrase, where the language's plural would not follow from the single noun. */
const REVOKE_ALL: Record<string, MessageKey> = { session: "audit.revokedAllSessions", api_key: "audit.revokedAllApiKeys" };

/** How an account or a code came to be (the `method`/`via` the domain records), in words. */
const HOW: Record<string, MessageKey> = { "initial setup": "audit.howInitialSetup", signup_token: "audit.howSignupToken", open_signup: "audit.howOpenSignup" };

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : null;
}

function humanise(s: string): string {
  return s.replace(/_/g, " ");
}

/** Renders a `changes` object ({field: value} or {field: {from, to}}) as "field: a → b; …" (field names and values are data). */
function describeChanges(changes: unknown): string | null {
  if (!changes || typeof changes !== "object") return null;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(changes as Record<string, unknown>)) {
    if (v && typeof v === "object" && !Array.isArray(v) && ("from" in v || "to" in v)) {
      const { from, to } = v as { from?: unknown; to?: unknown };
      parts.push(`${k}: ${JSON.stringify(from ?? null)} → ${JSON.stringify(to ?? null)}`);
    } else parts.push(`${k}: ${JSON.stringify(v)}`);
  }
  return parts.length ? parts.join("; ") : null;
}

/** A fact that is technical data (what changed: field names and values), shown as code, never translated. */
export interface CodeFact {
  code: string;
}
export type EventFact = Text | CodeFact;

export function isCodeFact(fact: EventFact): fact is CodeFact {
  return typeof fact === "object" && "code" in fact;
}

/** The event's title and facts as messages (or data); `describeEvent` puts them into one language. */
export function describeEventMessages(event: string, data: Record<string, unknown>): { title: Text; facts: EventFact[]; tone: EventDescription["tone"] } {
  const tone = ownValue(TONES, event) ?? "neutral";
  if (event === "ADMIN_CHANGE") {
    const entityKey = ownValue(ENTITY_NAMES, String(data.entity));
    const entity: Text = entityKey ? msg(entityKey) : humanise(String(data.entity ?? "item"));
    const actionKey = ownValue(ACTION_NAMES, String(data.action));
    const revokeAll = data.action === "revoke_all" ? ownValue(REVOKE_ALL, String(data.entity)) : undefined;
    const title: Text = revokeAll ? msg(revokeAll) : actionKey ? msg(actionKey, { entity }) : msg("audit.actionOther", { action: humanise(String(data.action ?? "changed")), entity });
    const via: Message | null = data.via === "api_key" ? msg("audit.viaApiKey") : data.via === "cli" ? msg("audit.viaCli") : null;
    const changes = describeChanges(data.changes);
    const facts = [str(data.name), changes === null ? null : { code: changes }, via, str(data.actor)].filter((f): f is EventFact => f !== null);
    return { title, facts, tone };
  }
  const titleKey = ownValue(EVENT_TITLES, event);
  const title: Text = titleKey ? msg(titleKey) : humanise(event.toLowerCase()).replace(/^./, (c) => c.toUpperCase());
  const facts: (Text | null)[] = [];
  const client = str(data.clientName) ?? str(data.clientId);
  if (client) facts.push(client);
  // Forward-auth: the protected app and the host it was reached at.
  const protectedApp = str(data.appName);
  if (protectedApp) facts.push(str(data.host) ? `${protectedApp} (${str(data.host)})` : protectedApp);
  if (event === "PASSKEY_RENAMED" && str(data.oldName)) facts.push(`${str(data.oldName)} → ${str(data.passkeyName) ?? ""}`);
  else if (str(data.passkeyName)) facts.push(str(data.passkeyName));
  if (str(data.reason)) facts.push(humanise(str(data.reason)!));
  const how = str(data.method) ?? str(data.via);
  const howKey = how === null ? undefined : ownValue(HOW, how);
  if (event === "ACCOUNT_CREATED" && how) facts.push(howKey ? msg(howKey) : humanise(how));
  if (event === "ONE_TIME_ACCESS_TOKEN_CREATED" && how) facts.push(how === "cli" ? msg("audit.viaCli") : msg("audit.viaMethod", { method: howKey ? msg(howKey) : humanise(how) }));
  if (data.everywhere === true) facts.push(msg("audit.everywhere"));
  if (event === "LDAP_SYNC") {
    facts.push(msg("audit.ldapSyncFacts", { created: Number(data.usersCreated ?? 0), updated: Number(data.usersUpdated ?? 0), removed: Number(data.usersDisabled ?? 0) + Number(data.usersDeleted ?? 0), skipped: Number(data.skipped ?? 0) }));
  }
  if (event === "POCKET_ID_IMPORT") {
    facts.push(msg("audit.importFacts", { users: Number(data.users ?? 0), passkeys: Number(data.passkeys ?? 0), clients: Number(data.clients ?? 0), skipped: Number(data.skipped ?? 0) }));
  }
  return { title, facts: facts.filter((f): f is Text => f !== null), tone };
}

/** The event in one language (English by default: the CSV export, the JSON API, logs). */
export function describeEvent(event: string, data: Record<string, unknown>, text: (t: Text) => string = englishText): EventDescription {
  const d = describeEventMessages(event, data);
  const detail = d.facts.map((f) => (isCodeFact(f) ? f.code : text(f))).filter(Boolean).join(" · ");
  return { title: text(d.title), detail: detail || null, tone: d.tone };
}
