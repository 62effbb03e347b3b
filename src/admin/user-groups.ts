/**
 * User groups: `name` goes into the `groups` claim, `friendlyName` is what people read.
 * Members, custom claims and allowed OIDC clients are each replaced as a whole list.
 * The group page saves everything it shows at once (saveUserGroupPage): all of it or, on any problem,
 * nothing, with every field's problem reported together.
 * Every change is audited here (ADMIN_CHANGE, entity user_group), in the change's transaction.
 */
import type { Database } from "../db/database.ts";
import {
  removeUserGroup,
  existingIds,
  findUserGroupById,
  findUserGroupByName,
  insertUserGroup,
  listAllUserGroups,
  listAllowedClientIdsOfGroup,
  listClientIdAndNames,
  listMemberIdsOfGroup,
  replaceAllowedClientsOfGroup,
  replaceGroupMembers,
  searchUserGroups,
  renameUserGroup,
  type UserGroup,
  GROUP_SORT_COLUMNS,
} from "../db/user-groups.ts";
import { findUserById } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { nowSeconds } from "../lib/clock.ts";
import { randomUuid } from "../lib/random.ts";
import { getGroupAllowedProtectedAppIds, setGroupAllowedProtectedApps } from "../forward-auth/protected-apps.ts";
import { getCustomClaims, setCustomClaims, type CustomClaim } from "./custom-claims.ts";
import { checkSortColumn, isoTime, toPage, type ListQuery, type Page } from "./pagination.ts";
import { collectFieldErrors, FieldErrors, isRecord, str, strList } from "./validation.ts";

type Deps = AuditDeps;

/** Directory-managed groups (ldap_id set): name, members and existence come from LDAP sync only. */
export const LDAP_GROUP_READ_ONLY = msg("groups.errorLdapReadOnly");

export interface UserGroupDto {
  id: string;
  name: string;
  friendlyName: string;
  ldapId: string | null;
  createdAt: string | null;
  customClaims: CustomClaim[];
}

export function toUserGroupDto(db: Database, row: UserGroup): UserGroupDto {
  return { id: row.id, name: row.name, friendlyName: row.friendlyName, ldapId: row.ldapId, createdAt: isoTime(row.createdAt), customClaims: getCustomClaims(db, { groupId: row.id }) };
}

/** Derives a claim-friendly name from a friendly name: "Family Members" → "family_members". */
export function groupNameFrom(friendlyName: string): string {
  return friendlyName.trim().toLowerCase().replace(/[^a-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 255);
}

function parseGroupInput(db: Database, input: unknown, existingId: string | null): { name: string; friendlyName: string } {
  const errors = new FieldErrors();
  const body = isRecord(input) ? input : {};
  const friendlyName = str(errors, body, "friendlyName", { required: true, max: 50 });
  let name = str(errors, body, "name", { max: 255 });
  if (name === "" && friendlyName !== "") name = groupNameFrom(friendlyName);
  if (name === "") errors.add("name", msg("validation.required"));
  else if (/\s/.test(name)) errors.add("name", msg("groups.errorNameSpaces"));
  else {
    const clash = findUserGroupByName(db, name);
    if (clash && clash.id !== existingId) errors.add("name", msg("groups.errorNameTaken"));
  }
  errors.throwIfAny();
  return { name, friendlyName };
}

export function createUserGroup(deps: Deps, actor: Actor, input: unknown): UserGroup {
  const v = parseGroupInput(deps.db, input, null);
  const now = nowSeconds(deps.clock);
  const row: UserGroup = { id: randomUuid(deps.random), name: v.name, friendlyName: v.friendlyName, ldapId: null, createdAt: now, updatedAt: now };
  return auditedChange(
    deps,
    actor,
    () => {
      insertUserGroup(deps.db, row);
      return row;
    },
    () => ({ entity: "user_group", action: "create", id: row.id, changes: { name: row.name, friendlyName: row.friendlyName } }),
  );
}

export function getUserGroup(db: Database, id: string): UserGroup {
  const row = findUserGroupById(db, id);
  if (!row) throw AppError.notFound(msg("groups.errorNotFound"));
  return row;
}

export function updateUserGroup(deps: Deps, actor: Actor, id: string, input: unknown): { before: UserGroup; after: UserGroup } {
  const before = getUserGroup(deps.db, id);
  if (before.ldapId) throw AppError.forbidden(LDAP_GROUP_READ_ONLY);
  const v = parseGroupInput(deps.db, input, id);
  return auditedChange(
    deps,
    actor,
    () => {
      renameUserGroup(deps.db, id, { name: v.name, friendlyName: v.friendlyName }, nowSeconds(deps.clock));
      return { before, after: getUserGroup(deps.db, id) };
    },
    ({ after }) => ({ entity: "user_group", action: "update", id, changes: { name: after.name, friendlyName: after.friendlyName } }),
  );
}

export function deleteUserGroup(deps: AuditDeps, actor: Actor, id: string): UserGroup {
  if (getUserGroup(deps.db, id).ldapId) throw AppError.forbidden(LDAP_GROUP_READ_ONLY);
  return auditedChange(
    deps,
    actor,
    () => {
      const row = removeUserGroup(deps.db, id);
      if (!row) throw AppError.notFound(msg("groups.errorNotFound"));
      return row;
    },
    (row) => ({ entity: "user_group", action: "delete", id: row.id, changes: { name: row.name } }),
  );
}

export function listUserGroups(db: Database, q: ListQuery): Page<UserGroupDto & { userCount: number }> {
  checkSortColumn(q, GROUP_SORT_COLUMNS);
  const { groups, total } = searchUserGroups(db, { search: q.search, limit: q.limit, offset: q.offset, sort: q.sort, direction: q.direction });
  return toPage(groups.map((g) => ({ ...toUserGroupDto(db, g), userCount: g.userCount })), total, q);
}

/** Every group, for pickers (by friendly name, then name). */
export function listGroupChoices(db: Database): { id: string; name: string; friendlyName: string }[] {
  return listAllUserGroups(db).map((g) => ({ id: g.id, name: g.name, friendlyName: g.friendlyName }));
}

export function getGroupMemberIds(db: Database, id: string): string[] {
  return listMemberIdsOfGroup(db, id);
}

export function setGroupMembers(deps: AuditDeps, actor: Actor, id: string, input: unknown, field = "userIds"): string[] {
  const { db } = deps;
  if (getUserGroup(db, id).ldapId) throw AppError.forbidden(LDAP_GROUP_READ_ONLY);
  const errors = new FieldErrors();
  const ids = strList(errors, isRecord(input) ? input : {}, field);
  errors.throwIfAny();
  const found = existingIds(db, "users", ids);
  const missing = ids.filter((u) => !found.has(u));
  if (missing.length) throw AppError.validation(msg("validation.summary"), { [field]: msg("groups.errorUnknownUsers", { ids: missing.slice(0, 5).join(", ") }) });
  return auditedChange(
    deps,
    actor,
    () => {
      replaceGroupMembers(db, id, ids);
      return ids;
    },
    () => ({ entity: "user_group", action: "set_members", id, changes: { userIds: ids } }),
  );
}

export function getGroupAllowedClientIds(db: Database, id: string): string[] {
  return listAllowedClientIdsOfGroup(db, id);
}

/** The clients a group may use, as id and name, ordered by name. */
export function listGroupAllowedClients(db: Database, id: string): { id: string; name: string }[] {
  const allowed = new Set(listAllowedClientIdsOfGroup(db, id));
  return listClientIdAndNames(db).filter((c) => allowed.has(c.id));
}

export function setGroupAllowedClients(deps: AuditDeps, actor: Actor, id: string, input: unknown, field = "oidcClientIds"): string[] {
  const { db } = deps;
  getUserGroup(db, id);
  const errors = new FieldErrors();
  const ids = strList(errors, isRecord(input) ? input : {}, field);
  errors.throwIfAny();
  const found = existingIds(db, "oidc_clients", ids);
  const missing = ids.filter((c) => !found.has(c));
  if (missing.length) throw AppError.validation(msg("validation.summary"), { [field]: msg("groups.errorUnknownClients", { ids: missing.slice(0, 5).join(", ") }) });
  return auditedChange(
    deps,
    actor,
    () => {
      replaceAllowedClientsOfGroup(db, id, ids);
      return ids;
    },
    () => ({ entity: "user_group", action: "set_allowed_clients", id, changes: { oidcClientIds: ids } }),
  );
}

/** Validates a list of group ids (for users, sign-up tokens, default groups). */
export function checkGroupIds(db: Database, errors: FieldErrors, field: string, ids: string[]): string[] {
  const found = existingIds(db, "user_groups", ids);
  const missing = ids.filter((g) => !found.has(g));
  if (missing.length) errors.add(field, msg("groups.errorUnknownGroups", { ids: missing.slice(0, 5).join(", ") }));
  return ids.filter((g) => found.has(g));
}

export function memberUsers(db: Database, id: string) {
  return listMemberIdsOfGroup(db, id)
    .map((u) => findUserById(db, u))
    .filter((u) => u !== null);
}

/** Everything the group page edits, saved with one button. */
export interface GroupPageInput {
  friendlyName: string;
  name: string;
  userIds: string[];
  oidcClientIds: string[];
  protectedAppIds: string[];
  customClaims: CustomClaim[];
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && new Set([...a, ...b]).size === new Set(a).size;
const sameClaims = (a: CustomClaim[], b: CustomClaim[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Saves the group page in one transaction: details, members, allowed OIDC clients, allowed protected apps
 * and custom claims. Parts that did not change are not written (nor audited). A directory-managed group
 * keeps its name and members. Any refusal rolls everything back and reports every field's problem.
 */
export function saveUserGroupPage(deps: AuditDeps, actor: Actor, id: string, input: GroupPageInput): void {
  const group = getUserGroup(deps.db, id);
  const errors = new FieldErrors();
  const step = (fn: () => unknown) => collectFieldErrors(errors, fn);
  deps.db
    .transaction(() => {
      if (!group.ldapId) {
        if (input.friendlyName !== group.friendlyName || input.name !== group.name) step(() => updateUserGroup(deps, actor, id, input));
        if (!sameSet(input.userIds, getGroupMemberIds(deps.db, id))) step(() => setGroupMembers(deps, actor, id, input));
      }
      if (!sameSet(input.oidcClientIds, getGroupAllowedClientIds(deps.db, id))) step(() => setGroupAllowedClients(deps, actor, id, input));
      if (!sameSet(input.protectedAppIds, getGroupAllowedProtectedAppIds(deps.db, id))) step(() => setGroupAllowedProtectedApps(deps, actor, id, input.protectedAppIds));
      // Rows are passed as typed (empty rows included), so a problem's index is the row on screen.
      const filled = input.customClaims.map((c) => ({ key: c.key.trim(), value: c.value })).filter((c) => c.key !== "" || c.value.trim() !== "");
      if (!sameClaims(filled, getCustomClaims(deps.db, { groupId: id }))) step(() => setCustomClaims(deps, actor, { groupId: id }, input.customClaims));
      // Throwing inside the transaction rolls back the parts that did succeed.
      errors.throwIfAny();
    })
    .immediate();
}
