/**
 * LDAP sync: read the directory, compute a change set, apply it in ONE transaction.
 * - Users and groups are keyed by the directory's unique id (ldap_id), so renames follow.
 * - A directory user whose username/email collides with a local user, or whose username breaks
 *   Latchkey's rule, is skipped and reported, never guessed or merged. Same for group names.
 * - Membership comes from the group member attribute, holding DNs (member) or usernames (memberUid).
 * - Members of the admin group are administrators; directory users outside it are not.
 * - Users gone from the directory are disabled (soft delete, sessions ended) or deleted; groups gone are deleted.
 * - Fetching happens before anything is written: an unreachable directory changes nothing.
 * - Passkeys, sessions and local custom claims of synced users stay local and untouched.
 * - With a picture attribute mapped (jpegPhoto, thumbnailPhoto), a PNG/JPEG/GIF/WebP photo becomes the profile picture.
 */
import { msg, type Text } from "../i18n/message.ts";
import { AppError } from "../errors.ts";
import { englishText } from "../i18n/translator.ts";
import type { Database } from "../db/database.ts";
import type { Config } from "../config.ts";
import { endAllSessionsOfUser } from "../account/sessions.ts";
import { USERNAME_PATTERN } from "../admin/users.ts";
import { recordAuditEvent } from "../audit/audit-log.ts";
import { actorUserId, type Actor } from "../audit/actor.ts";
import { getKv, setKv } from "../db/kv.ts";
import { countLocalAdmins, disableLdapUser, listGroupNames, listLdapGroups, listLdapUsers, listUserIdentities, setLdapGroupMembers, updateLdapUser, type LdapUserValues } from "../db/ldap.ts";
import { countAdmins, deleteUser } from "../db/user-admin.ts";
import { insertUserGroup, listMemberIdsOfGroup, removeUserGroup, renameUserGroup, type UserGroup } from "../db/user-groups.ts";
import { insertUser, type User } from "../db/users.ts";
import { findProfilePicture, upsertProfilePicture } from "../db/profile-pictures.ts";
import { MAX_PICTURE_BYTES } from "../admin/profile-pictures.ts";
import type { Geolocator } from "../audit/geolocation.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import type { Log } from "../lib/log.ts";
import { randomUuid, type Random } from "../lib/random.ts";
import type { SealedBox } from "../lib/sealed-box.ts";
import { allValues, fetchDirectory, firstValue, LdapError, type DirectorySnapshot } from "./directory.ts";
import { missingLdapSettings, readLdapConfig, readLdapSettings, type LdapSettings } from "./settings.ts";

export type SyncDeps = { db: Database; clock: Clock; random: Random; box: SealedBox; config: Config; log: Log; geo?: Geolocator };

export interface Skipped {
  kind: "user" | "group";
  /** The entry's DN in the directory. */
  dn: string;
  /** Why, as a catalogue message (stored with the result; older results hold English text). */
  reason: Text;
}

export interface ChangeSet {
  createUsers: User[];
  updateUsers: { id: string; username: string; values: LdapUserValues; changed: string[] }[];
  disableUsers: { id: string; username: string }[];
  deleteUsers: { id: string; username: string }[];
  createGroups: UserGroup[];
  updateGroups: { id: string; name: string; friendlyName: string }[];
  deleteGroups: { id: string; name: string }[];
  /** Desired members of every directory group that is kept or created. */
  memberships: { groupId: string; userIds: string[]; changed: boolean }[];
  /** Profile pictures from the directory (only when the picture attribute is mapped and the bytes changed). */
  pictures: { userId: string; data: Uint8Array; type: string }[];
  skipped: Skipped[];
}

export interface SyncSummary {
  usersCreated: number;
  usersUpdated: number;
  usersDisabled: number;
  usersDeleted: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsDeleted: number;
  membershipsChanged: number;
  picturesUpdated: number;
}

export interface SyncResult {
  ok: boolean;
  trigger: "start" | "schedule" | "manual";
  finishedAt: number;
  summary: SyncSummary;
  skipped: Skipped[];
  /** Why the sync did not run (a catalogue message; older stored results hold English text). */
  error: Text | null;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LAST_RESULT_KEY = "ldap.last_sync";

/** "uid=Alice, ou=People,DC=example" → "uid=alice,ou=people,dc=example" (good enough to compare DNs). */
export function normaliseDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => rdn.trim().replace(/\s*=\s*/, "="))
    .join(",")
    .toLowerCase();
}

/** The value of the first RDN: "uid=alice,ou=people" → "alice". */
function firstRdnValue(dn: string): string {
  const first = dn.split(/(?<!\\),/)[0] ?? "";
  const i = first.indexOf("=");
  return i < 0 ? first.trim() : first.slice(i + 1).trim();
}

/** A directory photo (base64 from directory.ts) if it is a PNG, JPEG, GIF or WebP of at most 2 MiB; else null. */
function pictureOf(base64: string): { data: Uint8Array; type: string } | null {
  if (!base64) return null;
  const data = new Uint8Array(Buffer.from(base64, "base64"));
  if (data.length === 0 || data.length > MAX_PICTURE_BYTES) return null;
  const head = Buffer.from(data.subarray(0, 12));
  const type =
    head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff ? "image/jpeg"
    : head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) ? "image/png"
    : head.subarray(0, 4).toString("latin1") === "GIF8" ? "image/gif"
    : head.subarray(0, 4).toString("latin1") === "RIFF" && head.subarray(8, 12).toString("latin1") === "WEBP" ? "image/webp"
    : null;
  return type ? { data, type } : null;
}

/** A group name usable in the `groups` claim: whitespace becomes "_". */
function claimGroupName(name: string): string {
  return name.trim().replace(/\s+/g, "_").slice(0, 255);
}

export function computeLdapChanges(
  db: Database,
  s: LdapSettings,
  dir: DirectorySnapshot,
  opts: { random: Random; now: number; emailsVerified: boolean },
): ChangeSet {
  const cs: ChangeSet = { createUsers: [], updateUsers: [], disableUsers: [], deleteUsers: [], createGroups: [], updateGroups: [], deleteGroups: [], memberships: [], pictures: [], skipped: [] };
  const existingByLdapId = new Map(listLdapUsers(db).map((u) => [u.ldapId!, u]));
  // Identities already taken, by lower-cased username/email → the owning user id.
  const identities = listUserIdentities(db);
  const usernameOwner = new Map(identities.map((u) => [u.username.toLowerCase(), u]));
  const emailOwner = new Map(identities.filter((u) => u.email).map((u) => [u.email!.toLowerCase(), u]));

  // --- Users -------------------------------------------------------------------------------------
  type Seen = { id: string; dn: string; username: string };
  const seenLdapIds = new Set<string>();
  const kept: Seen[] = [];
  const claimedUsernames = new Map<string, string>(); // lower-cased → ldap id, within this run
  const claimedEmails = new Map<string, string>();
  const skipUser = (dn: string, reason: Text) => cs.skipped.push({ kind: "user", dn, reason });

  for (const e of dir.users) {
    const ldapId = firstValue(e, s.attr.userId);
    if (!ldapId) {
      skipUser(e.dn, msg("ldap.skipNoId", { attribute: s.attr.userId }));
      continue;
    }
    seenLdapIds.add(ldapId);
    const existing = existingByLdapId.get(ldapId) ?? null;
    const username = firstValue(e, s.attr.username);
    if (!username) {
      skipUser(e.dn, msg("ldap.skipNoUsername", { attribute: s.attr.username }));
      continue;
    }
    if (username.length > 50 || !USERNAME_PATTERN.test(username)) {
      skipUser(e.dn, msg("ldap.skipBadUsername", { username }));
      continue;
    }
    const emailRaw = firstValue(e, s.attr.email);
    if (emailRaw && (emailRaw.length > 254 || !EMAIL_PATTERN.test(emailRaw))) {
      skipUser(e.dn, msg("ldap.skipBadEmail", { email: emailRaw }));
      continue;
    }
    const email = emailRaw || null;
    const uKey = username.toLowerCase();
    const owner = usernameOwner.get(uKey);
    if (owner && owner.ldapId !== ldapId) {
      skipUser(e.dn, owner.ldapId ? msg("ldap.skipUsernameOtherDirectory", { username }) : msg("ldap.skipUsernameLocal", { username }));
      continue;
    }
    if (claimedUsernames.has(uKey) && claimedUsernames.get(uKey) !== ldapId) {
      skipUser(e.dn, msg("ldap.skipUsernameTwice", { username }));
      continue;
    }
    if (email) {
      const eKey = email.toLowerCase();
      const eOwner = emailOwner.get(eKey);
      if (eOwner && eOwner.ldapId !== ldapId) {
        skipUser(e.dn, eOwner.ldapId ? msg("ldap.skipEmailOtherDirectory", { email }) : msg("ldap.skipEmailLocal", { email }));
        continue;
      }
      if (claimedEmails.has(eKey) && claimedEmails.get(eKey) !== ldapId) {
        skipUser(e.dn, msg("ldap.skipEmailTwice", { email }));
        continue;
      }
      claimedEmails.set(eKey, ldapId);
    }
    claimedUsernames.set(uKey, ldapId);

    const firstName = (firstValue(e, s.attr.firstName) || username).slice(0, 50);
    const lastName = firstValue(e, s.attr.lastName).slice(0, 50);
    const displayName = (firstValue(e, s.attr.displayName) || [firstName, lastName].filter(Boolean).join(" ")).slice(0, 100);
    const values: LdapUserValues = { username, email, firstName, lastName, displayName, isAdmin: false, disabled: false };
    const picture = s.attr.picture ? pictureOf(firstValue(e, s.attr.picture)) : null;
    if (existing) {
      kept.push({ id: existing.id, dn: e.dn, username });
      cs.updateUsers.push({ id: existing.id, username, values, changed: [] });
      if (picture) {
        const current = findProfilePicture(db, existing.id);
        if (!current || Buffer.compare(Buffer.from(current.data), Buffer.from(picture.data)) !== 0) cs.pictures.push({ userId: existing.id, ...picture });
      }
    } else {
      const user: User = {
        id: randomUuid(opts.random),
        ...values,
        emailVerified: opts.emailsVerified,
        locale: null,
        ldapId,
        createdAt: opts.now,
        updatedAt: opts.now,
      };
      cs.createUsers.push(user);
      kept.push({ id: user.id, dn: e.dn, username });
      if (picture) cs.pictures.push({ userId: user.id, ...picture });
    }
  }
  for (const u of existingByLdapId.values()) {
    if (seenLdapIds.has(u.ldapId!)) continue;
    if (s.softDeleteUsers) {
      if (!u.disabled) cs.disableUsers.push({ id: u.id, username: u.username });
    } else cs.deleteUsers.push({ id: u.id, username: u.username });
  }

  // --- Groups ------------------------------------------------------------------------------------
  const byDn = new Map(kept.map((k) => [normaliseDn(k.dn), k.id]));
  const byUsername = new Map(kept.map((k) => [k.username.toLowerCase(), k.id]));
  const resolveMember = (v: string): string | null => {
    const value = v.trim();
    if (value.includes("=")) return byDn.get(normaliseDn(value)) ?? byUsername.get(firstRdnValue(value).toLowerCase()) ?? null;
    return byUsername.get(value.toLowerCase()) ?? null;
  };
  const existingGroups = new Map(listLdapGroups(db).map((g) => [g.ldapId!, g]));
  const groupNameOwner = new Map(listGroupNames(db).map((g) => [g.name.toLowerCase(), g]));
  const seenGroupIds = new Set<string>();
  const claimedGroupNames = new Map<string, string>();
  const adminGroup = s.adminGroupName.toLowerCase();
  const admins = new Set<string>();
  const skipGroup = (dn: string, reason: Text) => cs.skipped.push({ kind: "group", dn, reason });

  for (const e of dir.groups) {
    const ldapId = firstValue(e, s.attr.groupId);
    if (!ldapId) {
      skipGroup(e.dn, msg("ldap.skipNoId", { attribute: s.attr.groupId }));
      continue;
    }
    seenGroupIds.add(ldapId);
    const rawName = firstValue(e, s.attr.groupName);
    if (!rawName) {
      skipGroup(e.dn, msg("ldap.skipNoGroupName", { attribute: s.attr.groupName }));
      continue;
    }
    const name = claimGroupName(rawName);
    const friendlyName = rawName.slice(0, 50);
    const nKey = name.toLowerCase();
    const owner = groupNameOwner.get(nKey);
    if (owner && owner.ldapId !== ldapId) {
      skipGroup(e.dn, owner.ldapId ? msg("ldap.skipGroupOtherDirectory", { name }) : msg("ldap.skipGroupLocal", { name }));
      continue;
    }
    if (claimedGroupNames.has(nKey) && claimedGroupNames.get(nKey) !== ldapId) {
      skipGroup(e.dn, msg("ldap.skipGroupTwice", { name }));
      continue;
    }
    claimedGroupNames.set(nKey, ldapId);
    const memberIds = [...new Set(allValues(e, s.attr.groupMember).map(resolveMember).filter((x): x is string => x !== null))].sort();
    if (adminGroup && (rawName.toLowerCase() === adminGroup || name.toLowerCase() === adminGroup)) for (const m of memberIds) admins.add(m);

    const existing = existingGroups.get(ldapId);
    if (existing) {
      if (existing.name !== name || existing.friendlyName !== friendlyName) cs.updateGroups.push({ id: existing.id, name, friendlyName });
      const before = listMemberIdsOfGroup(db, existing.id).sort();
      cs.memberships.push({ groupId: existing.id, userIds: memberIds, changed: before.join() !== memberIds.join() });
    } else {
      const row: UserGroup = { id: randomUuid(opts.random), name, friendlyName, ldapId, createdAt: opts.now, updatedAt: opts.now };
      cs.createGroups.push(row);
      cs.memberships.push({ groupId: row.id, userIds: memberIds, changed: memberIds.length > 0 });
    }
  }
  for (const g of existingGroups.values()) if (!seenGroupIds.has(g.ldapId!)) cs.deleteGroups.push({ id: g.id, name: g.name });

  // --- Admin flag, then drop updates that change nothing -------------------------------------------
  for (const u of cs.createUsers) u.isAdmin = admins.has(u.id);
  // Never lock everyone out: a sync that would leave no active administrator (say, a mistyped admin
  // group name) is refused as a whole.
  const adminsAfter = countLocalAdmins(db) + cs.createUsers.filter((u) => u.isAdmin).length + cs.updateUsers.filter((u) => admins.has(u.id)).length;
  if (adminsAfter === 0 && countAdmins(db) > 0)
    throw new LdapError(s.adminGroupName ? msg("ldap.errNoAdminLeftGroup", { group: s.adminGroupName }) : msg("ldap.errNoAdminLeft"));
  const existingById = new Map([...existingByLdapId.values()].map((u) => [u.id, u]));
  cs.updateUsers = cs.updateUsers.filter((upd) => {
    upd.values.isAdmin = admins.has(upd.id);
    const before = existingById.get(upd.id)!;
    upd.changed = (Object.keys(upd.values) as (keyof LdapUserValues)[]).filter((k) => before[k] !== upd.values[k]);
    return upd.changed.length > 0;
  });
  return cs;
}

/** Applies a change set in one transaction: either all of it lands, or none. */
export function applyLdapChanges(db: Database, cs: ChangeSet, now: number): void {
  db.transaction(() => {
    // Deletions and renames first, so freed usernames/group names can be reused in the same run.
    for (const u of cs.deleteUsers) deleteUser(db, u.id);
    for (const g of cs.deleteGroups) removeUserGroup(db, g.id);
    for (const u of cs.disableUsers) {
      disableLdapUser(db, u.id, now);
      endAllSessionsOfUser(db, u.id);
    }
    for (const u of cs.updateUsers) updateLdapUser(db, u.id, u.values, now);
    for (const g of cs.updateGroups) renameUserGroup(db, g.id, { name: g.name, friendlyName: g.friendlyName }, now);
    for (const u of cs.createUsers) insertUser(db, u);
    for (const g of cs.createGroups) insertUserGroup(db, g);
    for (const m of cs.memberships) if (m.changed) setLdapGroupMembers(db, m.groupId, m.userIds);
    for (const p of cs.pictures) upsertProfilePicture(db, { userId: p.userId, data: p.data, contentType: p.type, updatedAt: now });
  }).immediate();
}

export function summarise(cs: ChangeSet): SyncSummary {
  return {
    usersCreated: cs.createUsers.length,
    usersUpdated: cs.updateUsers.length,
    usersDisabled: cs.disableUsers.length,
    usersDeleted: cs.deleteUsers.length,
    groupsCreated: cs.createGroups.length,
    groupsUpdated: cs.updateGroups.length,
    groupsDeleted: cs.deleteGroups.length,
    membershipsChanged: cs.memberships.filter((m) => m.changed).length,
    picturesUpdated: cs.pictures.length,
  };
}

const EMPTY: SyncSummary = { usersCreated: 0, usersUpdated: 0, usersDisabled: 0, usersDeleted: 0, groupsCreated: 0, groupsUpdated: 0, groupsDeleted: 0, membershipsChanged: 0, picturesUpdated: 0 };

/** One run at a time per database; a second caller waits for the running one's result. */
const running = new WeakMap<Database, Promise<SyncResult>>();

/**
 * Runs a sync: fetch (no writes), compute, apply and audit the summary (LDAP_SYNC, naming the admin who
 * asked, none for the schedule) in one transaction. Never throws for directory problems: the result says
 * what went wrong, and nothing was changed.
 */
export function runLdapSync(deps: SyncDeps, actor: Actor, opts: { trigger: SyncResult["trigger"] }): Promise<SyncResult> {
  const current = running.get(deps.db);
  if (current) return current;
  const run = syncOnce(deps, { trigger: opts.trigger, userId: actorUserId(actor) }).finally(() => running.delete(deps.db));
  running.set(deps.db, run);
  return run;
}

async function syncOnce(deps: SyncDeps, opts: { trigger: SyncResult["trigger"]; userId: string | null }): Promise<SyncResult> {
  const fail = (error: Text): SyncResult => {
    const r: SyncResult = { ok: false, trigger: opts.trigger, finishedAt: nowSeconds(deps.clock), summary: EMPTY, skipped: [], error };
    setKv(deps.db, LAST_RESULT_KEY, JSON.stringify(r));
    deps.log.warn(`LDAP sync failed (nothing was changed): ${englishText(error)}`);
    return r;
  };
  let settings: LdapSettings;
  try {
    settings = readLdapSettings(deps);
  } catch (e) {
    return fail(e instanceof AppError ? e.text : (e as Error).message);
  }
  if (!settings.enabled) return fail(msg("ldap.errTurnedOff"));
  const missing = missingLdapSettings(settings);
  if (missing) return fail(missing);
  let snapshot: DirectorySnapshot;
  try {
    snapshot = await fetchDirectory(settings);
  } catch (e) {
    if (e instanceof LdapError) return fail(e.problem);
    throw e;
  }
  const now = nowSeconds(deps.clock);
  const app = readLdapConfig(deps);
  let cs: ChangeSet;
  let summary: SyncSummary;
  try {
    const changes = computeLdapChanges(deps.db, settings, snapshot, { random: deps.random, now, emailsVerified: app.emailsVerified });
    cs = changes;
    summary = summarise(changes);
    const changedAnything = Object.values(summary).some((n) => n > 0);
    deps.db.transaction(() => {
      applyLdapChanges(deps.db, changes, now);
      if (changedAnything || changes.skipped.length > 0 || opts.trigger === "manual") {
        recordAuditEvent(deps, "LDAP_SYNC", {
          userId: opts.userId,
          data: { trigger: opts.trigger, ...summary, skipped: changes.skipped.length, skippedEntries: changes.skipped.slice(0, 20).map((x) => ({ ...x, reason: englishText(x.reason) })) },
        });
      }
    }).immediate();
  } catch (e) {
    if (e instanceof LdapError) return fail(e.problem);
    return fail(msg("ldap.errNotSaved", { detail: (e as Error).message }));
  }
  const result: SyncResult = { ok: true, trigger: opts.trigger, finishedAt: now, summary, skipped: cs.skipped, error: null };
  setKv(deps.db, LAST_RESULT_KEY, JSON.stringify(result));
  deps.log.info(
    `LDAP sync: ${summary.usersCreated} users created, ${summary.usersUpdated} updated, ${summary.usersDisabled} disabled, ${summary.usersDeleted} deleted; ` +
      `${summary.groupsCreated} groups created, ${summary.groupsUpdated} updated, ${summary.groupsDeleted} deleted; ${cs.skipped.length} skipped`,
  );
  return result;
}

export function lastLdapSyncResult(db: Database): SyncResult | null {
  const raw = getKv(db, LAST_RESULT_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as SyncResult;
  } catch {
    return null;
  }
}
