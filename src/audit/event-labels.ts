/**
 * Audit events in plain words for the activity pages and the CSV export. The stored event names stay
 * Pocket ID's (SIGN_IN, PASSKEY_ADDED, …); this is only their reading.
 */
import { ownValue } from "../lib/own.ts";

export interface EventDescription {
  title: string;
  /** Extra facts from the event data (passkey name, client, reason, what changed); never secrets. */
  detail: string | null;
  tone: "neutral" | "success" | "warning" | "danger";
}

export const EVENT_TITLES: Record<string, string> = {
  SIGN_IN: "Signed in with a passkey",
  SIGN_IN_FAILED: "Sign-in failed",
  TOKEN_SIGN_IN: "Signed in with a one-time code",
  REMOTE_SIGN_IN: "Signed in from another device",
  SIGN_OUT: "Signed out",
  SESSION_REVOKED: "Session ended",
  ACCOUNT_CREATED: "Account created",
  PASSKEY_ADDED: "Passkey added",
  PASSKEY_REMOVED: "Passkey removed",
  PASSKEY_RENAMED: "Passkey renamed",
  PASSKEY_COUNTER_REGRESSION: "Passkey may have been cloned",
  CLIENT_AUTHORIZATION: "Signed in to an app",
  NEW_CLIENT_AUTHORIZATION: "Allowed a new app",
  DEVICE_CODE_AUTHORIZATION: "Signed in to an app on another device",
  NEW_DEVICE_CODE_AUTHORIZATION: "Allowed a new app on another device",
  REFRESH_TOKEN_REUSE: "App tokens revoked after reuse",
  AUTHORIZATION_CODE_REUSE: "Sign-in code reused; tokens revoked",
  ONE_TIME_ACCESS_TOKEN_CREATED: "One-time sign-in code created",
  ADMIN_CHANGE: "Administrator change",
  LDAP_SYNC: "LDAP sync",
  POCKET_ID_IMPORT: "Imported from Pocket ID",
  FORWARD_AUTH_GRANTED: "Opened a protected app",
  FORWARD_AUTH_DENIED: "Refused at a protected app",
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

const ENTITY_NAMES: Record<string, string> = {
  user: "user",
  user_group: "user group",
  oidc_client: "OIDC client",
  api_key: "API key",
  signup_token: "sign-up link",
  application_configuration: "configuration",
  application_image: "branding image",
  passkey: "passkey",
  session: "session",
  protected_app: "protected app",
  signing_key: "signing key",
  encryption_key: "encryption key",
  backup: "backup",
  export_archive: "export",
};

const ACTION_NAMES: Record<string, string> = {
  create: "Created",
  update: "Updated",
  delete: "Deleted",
  revoke: "Revoked",
  revoke_all: "Revoked all",
  renew: "Renewed",
  upload: "Uploaded",
  create_secret: "Created a secret for",
  revoke_secret: "Revoked a secret of",
  set_logo: "Set the logo of",
  delete_logo: "Removed the logo of",
  set_allowed_groups: "Changed the allowed groups of",
  set_allowed_clients: "Changed the allowed clients of",
  set_custom_claims: "Changed the custom claims of",
  set_members: "Changed the members of",
  set_groups: "Changed the groups of",
  set_profile_picture: "Set the picture of",
  reset_profile_picture: "Reset the picture of",
  create_login_code: "Created a login code for",
  restrict: "Restricted",
  unrestrict: "Unrestricted",
  rotate: "Rotated",
  restore: "Restored",
  import: "Imported",
  download: "Downloaded",
};

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : null;
}

function humanise(s: string): string {
  return s.replace(/_/g, " ");
}

/** Renders a `changes` object ({field: value} or {field: {from, to}}) as "field: a → b; …". */
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

export function describeEvent(event: string, data: Record<string, unknown>): EventDescription {
  const tone = ownValue(TONES, event) ?? "neutral";
  if (event === "ADMIN_CHANGE") {
    const entity = ownValue(ENTITY_NAMES, String(data.entity)) ?? humanise(String(data.entity ?? "item"));
    const action = ownValue(ACTION_NAMES, String(data.action)) ?? humanise(String(data.action ?? "changed"));
    const title = `${action} ${entity}${data.action === "revoke_all" ? "s" : ""}`;
    const via = data.via === "api_key" ? "via API key" : data.via === "cli" ? "via the command line" : null;
    const details = [str(data.name), describeChanges(data.changes), via, str(data.actor)].filter(Boolean);
    return { title, detail: details.length ? details.join(" · ") : null, tone };
  }
  const title = ownValue(EVENT_TITLES, event) ?? humanise(event.toLowerCase()).replace(/^./, (c) => c.toUpperCase());
  const facts: (string | null)[] = [];
  const client = str(data.clientName) ?? str(data.clientId);
  if (client) facts.push(client);
  // Forward-auth: the protected app and the host it was reached at.
  const protectedApp = str(data.appName);
  if (protectedApp) facts.push(str(data.host) ? `${protectedApp} (${str(data.host)})` : protectedApp);
  if (event === "PASSKEY_RENAMED" && str(data.oldName)) facts.push(`${str(data.oldName)} → ${str(data.passkeyName) ?? ""}`);
  else if (str(data.passkeyName)) facts.push(str(data.passkeyName));
  if (str(data.reason)) facts.push(humanise(str(data.reason)!));
  const how = str(data.method) ?? str(data.via);
  if (event === "ACCOUNT_CREATED" && how) facts.push(humanise(how));
  if (event === "ONE_TIME_ACCESS_TOKEN_CREATED" && how) facts.push(`via ${humanise(how)}`);
  if (data.everywhere === true) facts.push("everywhere");
  if (event === "LDAP_SYNC") facts.push(`${Number(data.usersCreated ?? 0)} users created, ${Number(data.usersUpdated ?? 0)} updated, ${Number(data.usersDisabled ?? 0) + Number(data.usersDeleted ?? 0)} removed; ${Number(data.skipped ?? 0)} skipped`);
  if (event === "POCKET_ID_IMPORT") facts.push(`${Number(data.users ?? 0)} users, ${Number(data.passkeys ?? 0)} passkeys, ${Number(data.clients ?? 0)} clients; ${Number(data.skipped ?? 0)} skipped`);
  const detail = facts.filter(Boolean).join(" · ");
  return { title, detail: detail || null, tone };
}
