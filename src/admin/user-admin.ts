/**
 * What administrators do to users: list/search, create, edit, delete, groups, passkeys, sessions.
 * - Usernames follow Pocket ID's pattern and are unique case-insensitively (the column is NOCASE).
 * - The last active administrator can be neither demoted, disabled nor deleted: that would lock
 *   everyone out of the admin console.
 * - Disabling a user ends their sessions at once (lookups refuse disabled users anyway).
 * - Every change is audited here (ADMIN_CHANGE, entity user / passkey / session) for the acting admin,
 *   API key, static key or CLI, in the change's transaction.
 */
import { msg, type Message } from "../i18n/message.ts";
import type { Database } from "../db/database.ts";
import { readAppConfig } from "./app-config.ts";
import { endAllSessionsOfUser } from "../account/sessions.ts";
import { listSessions, revokeAllSessionsOfUser, revokeSessionOfUser } from "../account/user-sessions.ts";
import { issueLoginCode } from "../account/one-time-access.ts";
import {
  countAdmins,
  deleteUser,
  listAllUsersBrief,
  searchUsers,
  updateUser,
  USER_SORT_COLUMNS,
  type UserBrief,
} from "../db/user-admin.ts";
import { listAllUserGroups, listGroupsOfUser, replaceUserGroupsOfUser } from "../db/user-groups.ts";
import { findUserById, type User } from "../db/users.ts";
import { createUser, validateUserProfile } from "./users.ts";
import { afterEmailAddressSet, emailLoginCode, isEmailConfigured } from "../mail/emails.ts";
import type { Log } from "../lib/log.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { AppError } from "../errors.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import type { Random } from "../lib/random.ts";
import { STATIC_API_KEY_USER_ID } from "./api-keys.ts";
import { getCustomClaims, type CustomClaim } from "./custom-claims.ts";
import { checkSortColumn, isoTime, toPage, type ListQuery, type Page } from "./pagination.ts";
import { checkGroupIds, toUserGroupDto, type UserGroupDto } from "./user-groups.ts";
import { bool, FieldErrors, isRecord, str, strList } from "./validation.ts";
import { deletePasskeyOfUser, listPasskeys, type PasskeyView } from "../webauthn/passkeys.ts";
import type { Config } from "../config.ts";
import { actorOrigin, actorUserId, auditedChange, recordAdminChange, type Actor } from "../audit/actor.ts";
import type { Geolocator } from "../audit/geolocation.ts";

type Deps = { db: Database; clock: Clock; random: Random; config: Config; geo?: Geolocator };

export interface UserDto {
  id: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  displayName: string;
  isAdmin: boolean;
  disabled: boolean;
  locale: string | null;
  ldapId: string | null;
  createdAt: string | null;
  customClaims: CustomClaim[];
  userGroups: { id: string; name: string; friendlyName: string }[];
}

export function toUserDto(db: Database, user: User): UserDto {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    firstName: user.firstName,
    lastName: user.lastName,
    displayName: user.displayName,
    isAdmin: user.isAdmin,
    disabled: user.disabled,
    locale: user.locale,
    ldapId: user.ldapId,
    createdAt: isoTime(user.createdAt),
    customClaims: getCustomClaims(db, { userId: user.id }),
    userGroups: listGroupsOfUser(db, user.id).map((g) => ({ id: g.id, name: g.name, friendlyName: g.friendlyName })),
  };
}

/** Every user, by username, with what a member picker shows. */
export function listUserChoices(db: Database): UserBrief[] {
  return listAllUsersBrief(db);
}

export function listUsers(db: Database, q: ListQuery): Page<UserDto> {
  checkSortColumn(q, USER_SORT_COLUMNS);
  const { users, total } = searchUsers(db, { search: q.search, limit: q.limit, offset: q.offset, sort: q.sort, direction: q.direction });
  return toPage(users.map((u) => toUserDto(db, u)), total, q);
}

export function getUser(db: Database, id: string): User {
  const row = id === STATIC_API_KEY_USER_ID ? null : findUserById(db, id);
  if (!row) throw AppError.notFound(msg("users.errNotFound"));
  return row;
}

/** The groups a user belongs to, ordered by name; not found for an unknown user. */
export function listUserGroupsOfUser(db: Database, id: string): UserGroupDto[] {
  getUser(db, id);
  return listGroupsOfUser(db, id).map((g) => toUserGroupDto(db, g));
}

export interface UserInput {
  username: string;
  email: string | null;
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  displayName: string;
  isAdmin: boolean;
  disabled: boolean;
  locale: string | null;
  userGroupIds: string[] | null;
}

/** Validates a create/update body (JSON or form). `existing` is the row being edited, if any. */
export function parseUserInput(deps: Deps, input: unknown, existing: User | null): UserInput {
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const app = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  const text = (field: string): string => {
    const v = body[field];
    if (v === undefined || v === null) return "";
    if (typeof v !== "string") {
      errors.add(field, msg("validation.notText"));
      return "";
    }
    return v;
  };
  // Profile fields follow the same rules as sign-up and self-service edits (src/admin/users.ts).
  let profile = { username: "", email: null as string | null, firstName: "", lastName: "", displayName: "" };
  try {
    profile = validateUserProfile(
      deps.db,
      { username: text("username"), email: text("email"), firstName: text("firstName"), lastName: text("lastName"), displayName: text("displayName") },
      { requireEmail: app.requireUserEmail, exceptUserId: existing?.id ?? null },
    );
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== "validation_failed") throw e;
    for (const [k, m] of Object.entries(e.fields)) errors.add(k, m);
  }
  const isAdmin = bool(errors, body, "isAdmin", false);
  const disabled = bool(errors, body, "disabled", false);
  const emailChanged = existing ? (existing.email ?? "").toLowerCase() !== (profile.email ?? "").toLowerCase() : true;
  const emailVerified = bool(errors, body, "emailVerified", emailChanged ? app.emailsVerified : existing!.emailVerified);
  const localeRaw = str(errors, body, "locale", { max: 20 });
  if (localeRaw && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(localeRaw)) errors.add("locale", msg("users.errLocale"));
  let userGroupIds: string[] | null = null;
  if (body.userGroupIds !== undefined) userGroupIds = checkGroupIds(deps.db, errors, "userGroupIds", strList(errors, body, "userGroupIds"));
  errors.throwIfAny();
  return { ...profile, emailVerified, isAdmin, disabled, locale: localeRaw || null, userGroupIds };
}

export function createUserAsAdmin(deps: Deps, actor: Actor, input: unknown): User {
  const v = parseUserInput(deps, input, null);
  const body = isRecord(input) ? input : {};
  const errors = new FieldErrors();
  let id: string | undefined;
  if (typeof body.id === "string" && body.id !== "") {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(body.id) || body.id === STATIC_API_KEY_USER_ID) errors.add("id", msg("users.errIdNotUuid"));
    else if (findUserById(deps.db, body.id.toLowerCase())) errors.add("id", msg("users.errIdTaken"));
    else id = body.id.toLowerCase();
  }
  errors.throwIfAny();
  if (v.userGroupIds) assertLdapMembershipsKept(deps.db, "", v.userGroupIds);
  const app = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  const created = deps.db.transaction(() => {
    const row = createUser(deps, { ...v, id }, { requireEmail: app.requireUserEmail });
    if (v.userGroupIds) replaceUserGroupsOfUser(deps.db, row.id, v.userGroupIds);
    recordAdminChange(deps, actor, { entity: "user", action: "create", id: row.id, changes: { username: row.username, isAdmin: row.isAdmin } });
    return row;
  }).immediate();
  afterEmailAddressSet(deps, created);
  return created;
}

function assertNotLastAdmin(db: Database, user: User, message: Message): void {
  if (user.isAdmin && !user.disabled && countAdmins(db) <= 1) throw AppError.validation(message, { isAdmin: message });
}

/** The fields an edit compares, with the names the audit log records them under (its column names, kept stable). */
const AUDITED_USER_FIELDS: readonly (readonly [keyof User, string])[] = [
  ["username", "username"],
  ["email", "email"],
  ["emailVerified", "email_verified"],
  ["firstName", "first_name"],
  ["lastName", "last_name"],
  ["displayName", "display_name"],
  ["isAdmin", "is_admin"],
  ["disabled", "disabled"],
  ["locale", "locale"],
];

/** Applies an edit; returns before/after and the names of the changed fields (as the audit log records them). */
export function updateUserAsAdmin(deps: Deps, actor: Actor, id: string, input: unknown): { before: User; after: User; changed: string[] } {
  const before = getUser(deps.db, id);
  // LDAP-synchronised users are read-only here: the next sync would undo the edit (Pocket ID rule).
  if (before.ldapId) throw AppError.forbidden(msg("users.errLdapReadOnly"));
  const v = parseUserInput(deps, input, before);
  if (v.userGroupIds) assertLdapMembershipsKept(deps.db, id, v.userGroupIds);
  if ((!v.isAdmin || v.disabled) && before.isAdmin && !before.disabled) {
    assertNotLastAdmin(deps.db, before, msg("users.errLastAdminDemote"));
  }
  const { after, changed } = deps.db.transaction(() => {
    updateUser(
      deps.db,
      id,
      {
        username: v.username,
        email: v.email,
        emailVerified: v.emailVerified,
        firstName: v.firstName,
        lastName: v.lastName,
        displayName: v.displayName,
        isAdmin: v.isAdmin,
        disabled: v.disabled,
        locale: v.locale,
      },
      nowSeconds(deps.clock),
    );
    if (v.userGroupIds) replaceUserGroupsOfUser(deps.db, id, v.userGroupIds);
    const after = getUser(deps.db, id);
    const changed = AUDITED_USER_FIELDS.filter(([field]) => before[field] !== after[field]).map(([, name]) => name);
    if (v.userGroupIds) changed.push("userGroupIds");
    recordAdminChange(deps, actor, { entity: "user", action: "update", id, changes: { fields: changed } });
    return { after, changed };
  }).immediate();
  if (v.disabled && !before.disabled) endAllSessionsOfUser(deps.db, id);
  if ((before.email ?? "").toLowerCase() !== (after.email ?? "").toLowerCase()) afterEmailAddressSet(deps, after);
  return { before, after, changed };
}

export function deleteUserAsAdmin(deps: Deps, actor: Actor, id: string): User {
  const user = getUser(deps.db, id);
  if (actorUserId(actor) === id) throw AppError.validation(msg("users.deleteSelf"), {});
  assertNotLastAdmin(deps.db, user, msg("users.errLastAdminDelete"));
  if (user.ldapId) throw AppError.forbidden(msg("users.errLdapNoDelete"));
  return auditedChange(
    deps,
    actor,
    () => {
      const row = deleteUser(deps.db, id);
      if (!row) throw AppError.notFound(msg("users.errNotFound"));
      return row;
    },
    (row) => ({ entity: "user", action: "delete", id: row.id, changes: { username: row.username } }),
  );
}

export function setUserGroups(deps: Deps, actor: Actor, id: string, input: unknown): string[] {
  getUser(deps.db, id);
  const errors = new FieldErrors();
  const ids = checkGroupIds(deps.db, errors, "userGroupIds", strList(errors, isRecord(input) ? input : {}, "userGroupIds"));
  errors.throwIfAny();
  assertLdapMembershipsKept(deps.db, id, ids);
  return auditedChange(
    deps,
    actor,
    () => {
      replaceUserGroupsOfUser(deps.db, id, ids);
      return ids;
    },
    () => ({ entity: "user", action: "set_groups", id, changes: { userGroupIds: ids } }),
  );
}

/** Membership of directory-managed (LDAP) groups is the sync's job: a list that adds or drops one is refused. */
function assertLdapMembershipsKept(db: Database, userId: string, groupIds: string[]): void {
  const wanted = new Set(groupIds);
  const current = new Set(listGroupsOfUser(db, userId).map((g) => g.id));
  for (const g of listAllUserGroups(db)) {
    if (g.ldapId && wanted.has(g.id) !== current.has(g.id)) throw AppError.forbidden(msg("users.errLdapGroup", { group: g.friendlyName }));
  }
}

/** A user's passkeys as the admin sees them (Pocket ID's shape). */
export function listUserPasskeys(db: Database, userId: string) {
  getUser(db, userId);
  return listPasskeys(db, userId).map((p) => ({
    id: p.id,
    name: p.name,
    createdAt: isoTime(p.createdAt),
    lastUsedAt: isoTime(p.lastUsedAt),
    backupEligible: p.synced,
    deviceType: p.deviceType,
  }));
}

export function deleteUserPasskey(deps: Deps, actor: Actor, userId: string, credentialId: string): PasskeyView {
  getUser(deps.db, userId);
  return deletePasskeyOfUser(deps, actor, userId, credentialId);
}

/** A user's live sessions as the admin API shows them. */
export function listUserSessions(deps: { db: Database; clock: Clock }, userId: string) {
  getUser(deps.db, userId);
  return listSessions(deps.db, userId, nowSeconds(deps.clock)).map((s) => ({
    id: s.id,
    createdAt: isoTime(s.createdAt),
    lastSeenAt: isoTime(s.lastSeenAt),
    expiresAt: isoTime(s.expiresAt),
    ipAddress: s.ip,
    userAgent: s.userAgent,
    amr: s.amr,
  }));
}

export function revokeUserSession(deps: Deps, actor: Actor, userId: string, sessionId: string): void {
  getUser(deps.db, userId);
  revokeSessionOfUser(deps, actor, userId, sessionId);
}

export function revokeAllUserSessions(deps: Deps, actor: Actor, userId: string): number {
  getUser(deps.db, userId);
  return revokeAllSessionsOfUser(deps, actor, userId);
}

/** A login code for the user, shown to whoever asked (admin page, admin API, CLI). */
export function createLoginCode(deps: Deps, actor: Actor, userId: string, ttlSeconds: number): { token: string; expiresAt: number } {
  const user = getUser(deps.db, userId);
  return issueLoginCode(deps, actor, user.id, ttlSeconds);
}

/**
 * Emails the user a login code (emailOneTimeAccessAsAdminEnabled): ONE_TIME_ACCESS_TOKEN_CREATED on
 * their log (src/mail/emails.ts), then ADMIN_CHANGE (email_login_code) for the administrator.
 */
export function emailLoginCodeAsAdmin(deps: Deps & { box: SealedBox; log: Log }, actor: Actor, userId: string, ttlSeconds: number): User {
  const user = getUser(deps.db, userId);
  if (!readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv }).emailOneTimeAccessAsAdminEnabled) {
    throw AppError.forbidden(msg("emailSettings.errCodesOff"));
  }
  if (!user.email) throw AppError.badRequest(msg("emailSettings.codeNoEmail"));
  if (user.disabled) throw AppError.badRequest(msg("emailSettings.errCodeDisabledUser"));
  if (!isEmailConfigured(deps)) throw AppError.badRequest(msg("emailSettings.errSmtpMissing"));
  emailLoginCode(deps, user, { ttlSeconds, origin: actorOrigin(actor), requestedBy: "admin" });
  recordAdminChange(deps, actor, { entity: "user", action: "email_login_code", id: user.id, changes: { ttlSeconds } });
  return user;
}
