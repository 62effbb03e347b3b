/**
 * Protected apps: the admin's definition of what forward-auth guards.
 * - Restricted by default (same model as OIDC clients): only members of the allowed groups get in.
 * - Two apps may not claim the same host pattern with the same path prefix.
 * - Re-authentication age is whole minutes in the UI/API, seconds in the database.
 * - Every change is audited here (ADMIN_CHANGE protected_app), in the change's transaction.
 */
import type { Database } from "../db/database.ts";
import {
  deleteProtectedAppById,
  existingAppIds,
  existingGroupIds,
  findProtectedAppById,
  IDENTITY_HEADERS,
  insertProtectedApp,
  isUserInAllowedGroupOfApp,
  listAllProtectedApps,
  listGroupBriefs,
  listAllowedAppIdsOfGroup,
  listAllowedGroupIdsOfApp,
  replaceAllowedAppsOfGroup,
  replaceAllowedGroupsOfApp,
  updateProtectedAppSettings,
  type IdentityHeader,
  type ProtectedApp,
} from "../db/protected-apps.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { AppError } from "../errors.ts";
import { msg, type Text } from "../i18n/message.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { randomUuid } from "../lib/random.ts";
import { normaliseHostPattern, normalisePathPrefix } from "./patterns.ts";

// The value types live with their mapping in src/db/protected-apps.ts.
export { IDENTITY_HEADERS, type IdentityHeader, type ProtectedApp };

export interface ProtectedAppInput {
  name?: unknown;
  hosts?: unknown;
  pathPrefix?: unknown;
  isGroupRestricted?: unknown;
  reauthMaxAgeMinutes?: unknown;
  passHeaders?: unknown;
}

export function listProtectedApps(db: Database): ProtectedApp[] {
  return listAllProtectedApps(db);
}

export function getProtectedApp(db: Database, id: string): ProtectedApp {
  const app = findProtectedAppById(db, id);
  if (!app) throw AppError.notFound(msg("protectedApps.errorNotFound"));
  return app;
}

function listInput(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  // One per line or comma-separated; spaces inside an entry make it invalid rather than two entries.
  if (typeof v === "string") return v.split(/[\r\n,]+/).map((s) => s.trim());
  return [];
}

interface Validated {
  name: string;
  hosts: string[];
  pathPrefix: string;
  isGroupRestricted: boolean;
  reauthMaxAgeMinutes: number | null;
  passHeaders: IdentityHeader[];
}

function validate(db: Database, input: ProtectedAppInput, selfId: string | null, current: ProtectedApp | null): Validated {
  const errors: Record<string, Text> = {};
  const name = typeof input.name === "string" ? input.name.trim() : current?.name ?? "";
  if (!name) errors.name = msg("protectedApps.errorNameRequired");
  else if (name.length > 80) errors.name = msg("protectedApps.errorNameTooLong");

  const rawHosts = input.hosts === undefined && current ? current.hosts : listInput(input.hosts).map((h) => h.trim()).filter(Boolean);
  const hosts: string[] = [];
  const bad: string[] = [];
  for (const h of rawHosts) {
    const n = normaliseHostPattern(h);
    if (n) {
      if (!hosts.includes(n)) hosts.push(n);
    } else bad.push(h);
  }
  if (bad.length) errors.hosts = msg("protectedApps.errorHostsBad", { hosts: bad.slice(0, 3).join(", ") });
  else if (hosts.length === 0) errors.hosts = msg("protectedApps.errorHostsRequired");
  else if (hosts.length > 20) errors.hosts = msg("protectedApps.errorHostsTooMany");

  const rawPrefix = input.pathPrefix === undefined ? current?.pathPrefix ?? "/" : typeof input.pathPrefix === "string" ? input.pathPrefix : "";
  const pathPrefix = normalisePathPrefix(rawPrefix);
  if (pathPrefix === null) errors.pathPrefix = msg("protectedApps.errorPathPrefix");

  let reauthMaxAgeMinutes: number | null = current?.reauthMaxAgeMinutes || null;
  if (input.reauthMaxAgeMinutes !== undefined) {
    const v = input.reauthMaxAgeMinutes;
    if (v === null || v === "" || v === 0 || v === "0") reauthMaxAgeMinutes = null;
    else {
      const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > 525_600) errors.reauthMaxAgeMinutes = msg("protectedApps.errorReauth");
      else reauthMaxAgeMinutes = n;
    }
  }

  let passHeaders: IdentityHeader[] = current?.passHeaders ?? [...IDENTITY_HEADERS];
  if (input.passHeaders !== undefined) {
    const asked = listInput(input.passHeaders).filter(Boolean);
    const unknown = asked.filter((h) => !IDENTITY_HEADERS.some((k) => k.toLowerCase() === h.toLowerCase()));
    if (unknown.length) errors.passHeaders = msg("protectedApps.errorUnknownHeader", { headers: unknown.slice(0, 3).join(", "), known: IDENTITY_HEADERS.join(", ") });
    passHeaders = IDENTITY_HEADERS.filter((k) => asked.some((h) => h.toLowerCase() === k.toLowerCase()));
  }

  let isGroupRestricted = current?.isGroupRestricted ?? true;
  if (input.isGroupRestricted !== undefined) {
    if (typeof input.isGroupRestricted !== "boolean") errors.isGroupRestricted = msg("protectedApps.errorBoolean");
    else isGroupRestricted = input.isGroupRestricted;
  }

  if (!errors.hosts && pathPrefix !== null) {
    for (const other of listProtectedApps(db)) {
      if (other.id === selfId || other.pathPrefix !== pathPrefix) continue;
      const clash = other.hosts.find((h) => hosts.includes(h));
      if (clash) {
        errors.hosts = msg("protectedApps.errorHostTaken", { host: clash, prefix: pathPrefix, app: other.name });
        break;
      }
    }
  }
  if (Object.keys(errors).length) throw AppError.validation(msg("validation.summary"), errors);
  return { name, hosts, pathPrefix: pathPrefix!, isGroupRestricted, reauthMaxAgeMinutes, passHeaders };
}

function toApp(id: string, v: Validated, createdAt: number, updatedAt: number): ProtectedApp {
  return { id, ...v, createdAt, updatedAt };
}

/** Creates an app; `allowedGroupIds`, when given, are allowed in the same transaction (an unknown group refuses both). */
export function createProtectedApp(deps: AuditDeps, actor: Actor, input: ProtectedAppInput, allowedGroupIds?: unknown): ProtectedApp {
  const v = validate(deps.db, input, null, null);
  const now = nowSeconds(deps.clock);
  const app = toApp(randomUuid(deps.random), v, now, now);
  return auditedChange(
    deps,
    actor,
    () => {
      insertProtectedApp(deps.db, app);
      if (allowedGroupIds !== undefined) replaceAllowedGroups(deps.db, app.id, allowedGroupIds);
      return app;
    },
    (app) => ({ entity: "protected_app", action: "create", id: app.id, changes: { name: app.name, hosts: app.hosts, pathPrefix: app.pathPrefix } }),
  );
}

function update(deps: { db: Database; clock: Clock }, id: string, input: ProtectedAppInput): ProtectedApp {
  const current = getProtectedApp(deps.db, id);
  const v = validate(deps.db, input, id, current);
  const app = toApp(id, v, current.createdAt, nowSeconds(deps.clock));
  updateProtectedAppSettings(deps.db, app);
  return app;
}

export function updateProtectedApp(deps: AuditDeps, actor: Actor, id: string, input: ProtectedAppInput): ProtectedApp {
  return auditedChange(
    deps,
    actor,
    () => update(deps, id, input),
    (app) => ({
      entity: "protected_app",
      action: "update",
      id: app.id,
      changes: { name: app.name, hosts: app.hosts, pathPrefix: app.pathPrefix, isGroupRestricted: app.isGroupRestricted, reauthMaxAgeMinutes: app.reauthMaxAgeMinutes, passHeaders: app.passHeaders },
    }),
  );
}

/** Restricted: only members of the allowed groups get in; unrestricted: everyone with an account. */
export function setProtectedAppRestricted(deps: AuditDeps, actor: Actor, id: string, restricted: boolean): ProtectedApp {
  return auditedChange(deps, actor, () => update(deps, id, { isGroupRestricted: restricted }), () => ({ entity: "protected_app", action: restricted ? "restrict" : "unrestrict", id }));
}

export function deleteProtectedApp(deps: AuditDeps, actor: Actor, id: string): ProtectedApp {
  return auditedChange(
    deps,
    actor,
    () => {
      const app = deleteProtectedAppById(deps.db, id);
      if (!app) throw AppError.notFound(msg("protectedApps.errorNotFound"));
      return app;
    },
    (app) => ({ entity: "protected_app", action: "delete", id: app.id, changes: { name: app.name } }),
  );
}

/** Every group an app can be opened to, by friendly name, for the admin's group picker. */
export function listGroupChoices(db: Database): { id: string; name: string; friendlyName: string }[] {
  return listGroupBriefs(db);
}

export function getAllowedGroupIds(db: Database, appId: string): string[] {
  return listAllowedGroupIdsOfApp(db, appId);
}

/** Replaces the allowed groups; unknown group ids are a validation error. Returns the ids now allowed. */
export function setAllowedGroups(deps: AuditDeps, actor: Actor, appId: string, groupIds: unknown): string[] {
  getProtectedApp(deps.db, appId);
  return auditedChange(
    deps,
    actor,
    () => replaceAllowedGroups(deps.db, appId, groupIds),
    (ids) => ({ entity: "protected_app", action: "set_allowed_groups", id: appId, changes: { userGroupIds: ids } }),
  );
}

/**
 * The app page's one Save: its settings (with who may use it) and its allowed groups, in one transaction —
 * both, or neither. Unchanged groups are not rewritten (nor audited).
 */
export function saveProtectedAppPage(deps: AuditDeps, actor: Actor, id: string, input: ProtectedAppInput, groupIds: string[]): ProtectedApp {
  return deps.db
    .transaction(() => {
      const app = updateProtectedApp(deps, actor, id, input);
      const before = getAllowedGroupIds(deps.db, id);
      const same = before.length === new Set(groupIds).size && groupIds.every((g) => before.includes(g));
      if (!same) setAllowedGroups(deps, actor, id, groupIds);
      return app;
    })
    .immediate();
}

function replaceAllowedGroups(db: Database, appId: string, groupIds: unknown): string[] {
  const ids = [...new Set(listInput(groupIds).filter(Boolean))];
  const known = existingGroupIds(db, ids);
  const unknown = ids.filter((i) => !known.includes(i));
  if (unknown.length) throw AppError.validation(msg("validation.summary"), { userGroupIds: msg("protectedApps.errorUnknownGroups", { ids: unknown.slice(0, 3).join(", ") }) });
  replaceAllowedGroupsOfApp(db, appId, ids);
  return listAllowedGroupIdsOfApp(db, appId);
}

/** Whether a person may use the app: anyone signed in when it is not restricted, else a member of an allowed group. */
export function isUserAllowedForProtectedApp(db: Database, app: ProtectedApp, userId: string): boolean {
  return !app.isGroupRestricted || isUserInAllowedGroupOfApp(db, app.id, userId);
}

/** A protected app as "My apps" offers it: its name, and where to open it when that is one address. */
export interface LaunchableProtectedApp {
  id: string;
  name: string;
  /** Scheme (APP_URL's: the proxy in front of both serves them alike), first exact host, path prefix; null for wildcard-only apps. */
  launchUrl: string | null;
  /** The host it opens at, else its first host pattern ("*.apps.example.com"). */
  host: string;
}

/** The protected apps `userId` may use, for "My apps". */
export function listProtectedAppsOfUser(db: Database, userId: string, scheme: "http" | "https"): LaunchableProtectedApp[] {
  return listProtectedApps(db)
    .filter((app) => isUserAllowedForProtectedApp(db, app, userId))
    .map((app) => {
      const exact = app.hosts.find((h) => !h.startsWith("*.")) ?? null;
      return { id: app.id, name: app.name, host: exact ?? app.hosts[0]!, launchUrl: exact ? new URL(`${scheme}://${exact}${app.pathPrefix}`).href : null };
    });
}

/** The protected apps whose allowed groups include `groupId` (the group page's side of the same table). */
export function getGroupAllowedProtectedAppIds(db: Database, groupId: string): string[] {
  return listAllowedAppIdsOfGroup(db, groupId);
}

/**
 * From the group's side: the group becomes allowed on exactly `appIds` (other groups' access is untouched).
 * Unknown app ids are a validation error on `field`. Audited on the group (set_allowed_protected_apps).
 */
export function setGroupAllowedProtectedApps(deps: AuditDeps, actor: Actor, groupId: string, appIds: unknown, field = "protectedAppIds"): string[] {
  const ids = [...new Set(listInput(appIds).filter(Boolean))];
  const known = existingAppIds(deps.db, ids);
  const unknown = ids.filter((i) => !known.includes(i));
  if (unknown.length) throw AppError.validation(msg("validation.summary"), { [field]: msg("groups.errorUnknownProtectedApps", { ids: unknown.slice(0, 3).join(", ") }) });
  return auditedChange(
    deps,
    actor,
    () => {
      replaceAllowedAppsOfGroup(deps.db, groupId, ids);
      return listAllowedAppIdsOfGroup(deps.db, groupId);
    },
    (now) => ({ entity: "user_group", action: "set_allowed_protected_apps", id: groupId, changes: { protectedAppIds: now } }),
  );
}
