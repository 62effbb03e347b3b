/**
 * Users (domain side). Pocket ID's rules, so imported data and habits carry over:
 * - username: `^[a-zA-Z0-9]([a-zA-Z0-9_.@-]*[a-zA-Z0-9])?$`, at most 50 characters, unique ignoring case;
 * - email: optional unless `requireEmail`, at most 254 characters, unique ignoring case;
 * - first name required (≤ 50), last name optional (≤ 50), display name defaults to "first last".
 * Every problem is reported at once, per field (AppError.validation with `fields`).
 * Used by first-run setup, sign-up, the admin (src/admin/user-admin.ts), the account page and PUT /api/users/me
 * (own profile).
 * - A person edits their own profile only while allowOwnAccountEdit is on and the account is not the directory's
 *   (LDAP), as in Pocket ID; otherwise 403.
 */
import { msg, type Text } from "../i18n/message.ts";
import type { Database } from "../db/database.ts";
import { AppError } from "../errors.ts";
import { findUserByEmail as findUserRowByEmail } from "../db/user-admin.ts";
import { findUserById, insertUser, type User } from "../db/users.ts";
import { isEmailTaken, isUsernameTaken, setUserLocale, updateUserProfile } from "../db/user-profile.ts";
import { afterEmailAddressSet } from "../mail/emails.ts";
import { readAppConfig } from "./app-config.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { randomUuid, type Random } from "../lib/random.ts";
import { parseLanguageChoice } from "../account/language.ts";
import type { Config } from "../config.ts";

export const USERNAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9_.@-]*[a-zA-Z0-9])?$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface UserProfileInput {
  username: string;
  email: string | null;
  firstName: string;
  lastName: string;
  displayName?: string;
}

export interface NewUserInput extends UserProfileInput {
  id?: string;
  isAdmin?: boolean;
  emailVerified?: boolean;
  disabled?: boolean;
  locale?: string | null;
}

/** The user with this id, or null. */
export function findUser(db: Database, id: string): User | null {
  return findUserById(db, id);
}

/** The user with this email address, or null. */
export function findUserByEmail(db: Database, email: string): User | null {
  return findUserRowByEmail(db, email);
}

/** Trimmed, validated profile fields. `exceptUserId` skips the user's own row in uniqueness checks. */
export function validateUserProfile(
  db: Database,
  input: UserProfileInput,
  opts: { requireEmail?: boolean; exceptUserId?: string | null } = {},
): Required<UserProfileInput> {
  const fields: Record<string, Text> = {};
  const username = (input.username ?? "").trim();
  const email = (input.email ?? "").trim();
  const firstName = (input.firstName ?? "").trim();
  const lastName = (input.lastName ?? "").trim();
  const displayName = (input.displayName ?? "").trim();

  if (!username) fields.username = msg("account.errorUsernameRequired");
  else if (username.length > 50) fields.username = msg("validation.tooLong", { max: 50 });
  else if (!USERNAME_PATTERN.test(username))
    fields.username = msg("account.errorUsernamePattern");
  else if (isUsernameTaken(db, username, opts.exceptUserId ?? null)) fields.username = msg("account.errorUsernameTaken");

  if (!email) {
    if (opts.requireEmail) fields.email = msg("account.errorEmailRequired");
  } else if (email.length > 254 || !EMAIL_PATTERN.test(email)) fields.email = msg("account.errorEmailInvalid");
  else if (isEmailTaken(db, email, opts.exceptUserId ?? null)) fields.email = msg("account.errorEmailTaken");

  if (!firstName) fields.firstName = msg("account.errorFirstNameRequired");
  else if (firstName.length > 50) fields.firstName = msg("validation.tooLong", { max: 50 });
  if (lastName.length > 50) fields.lastName = msg("validation.tooLong", { max: 50 });
  if (displayName.length > 100) fields.displayName = msg("validation.tooLong", { max: 100 });

  if (Object.keys(fields).length) throw AppError.validation(msg("validation.summary"), fields);
  return { username, email: email || null, firstName, lastName, displayName: displayName || [firstName, lastName].filter(Boolean).join(" ") };
}

/** Creates a user after validating every field. Runs inside the caller's transaction if there is one. */
export function createUser(deps: { db: Database; clock: Clock; random: Random }, input: NewUserInput, opts: { requireEmail?: boolean } = {}): User {
  const profile = validateUserProfile(deps.db, input, { requireEmail: opts.requireEmail });
  const now = nowSeconds(deps.clock);
  const user: User = {
    id: input.id ?? randomUuid(deps.random),
    username: profile.username,
    email: profile.email,
    emailVerified: input.emailVerified ?? false,
    firstName: profile.firstName,
    lastName: profile.lastName,
    displayName: profile.displayName,
    isAdmin: input.isAdmin ?? false,
    disabled: input.disabled ?? false,
    locale: input.locale ?? null,
    ldapId: null,
    createdAt: now,
    updatedAt: now,
  };
  insertUser(deps.db, user);
  return user;
}

/** Whether the person may edit their own profile: allowOwnAccountEdit, and not a directory (LDAP) account. */
export function canEditOwnProfile(deps: { db: Database; config: Config }, user: User): boolean {
  return readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv }).allowOwnAccountEdit && user.ldapId === null;
}

/** 403 unless the person may edit their own profile. */
export function assertOwnProfileEditable(deps: { db: Database; config: Config }, user: User): void {
  if (!canEditOwnProfile(deps, user)) throw AppError.forbidden(msg("account.profileManagedError"));
}

/**
 * PUT /api/users/me with Pocket ID's field names (username, email, firstName, lastName, displayName, locale),
 * validated as the account page's edit; the whole profile is replaced, as Pocket ID does. isAdmin, disabled,
 * emailVerified and userGroupIds are not the person's to change: ignored, as Pocket ID ignores them here.
 * `locale` (optional): a supported language, or null / "" to follow the browser; every problem is reported at once.
 */
export function updateOwnAccount(deps: Parameters<typeof afterEmailAddressSet>[0], user: User, body: Record<string, unknown>): User {
  assertOwnProfileEditable(deps, user);
  const s = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
  const input: UserProfileInput = { username: s("username"), email: s("email") || null, firstName: s("firstName"), lastName: s("lastName"), displayName: s("displayName") };
  const fields: Record<string, Text> = {};
  let locale: string | null | undefined;
  if (body.locale === null || body.locale === "") locale = null;
  else if (body.locale !== undefined) {
    try {
      locale = parseLanguageChoice(body.locale);
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== "validation_failed") throw e;
      Object.assign(fields, e.fields);
    }
  }
  const app = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  try {
    validateUserProfile(deps.db, input, { requireEmail: app.requireUserEmail, exceptUserId: user.id });
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== "validation_failed") throw e;
    Object.assign(fields, e.fields);
  }
  if (Object.keys(fields).length) throw AppError.validation(msg("validation.summary"), fields);
  const updated = updateOwnProfile(deps, user, input);
  if (locale === undefined) return updated;
  setUserLocale(deps.db, user.id, locale, nowSeconds(deps.clock));
  return findUserById(deps.db, user.id)!;
}

/**
 * A person edits their own profile (the account page). A changed address keeps the verified flag only
 * when addresses count as verified (emailsVerified); otherwise a verification link goes out.
 */
export function updateOwnProfile(deps: Parameters<typeof afterEmailAddressSet>[0], user: User, input: UserProfileInput): User {
  const app = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  const valid = validateUserProfile(deps.db, input, { requireEmail: app.requireUserEmail, exceptUserId: user.id });
  const emailChanged = (valid.email ?? "").toLowerCase() !== (user.email ?? "").toLowerCase();
  updateUserProfile(deps.db, user.id, { ...valid, emailVerified: emailChanged ? app.emailsVerified : user.emailVerified }, nowSeconds(deps.clock));
  const updated = findUserById(deps.db, user.id)!;
  if (emailChanged) afterEmailAddressSet(deps, updated);
  return updated;
}
