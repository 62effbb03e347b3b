/**
 * Self sign-up (`/signup`, `/st/<token>`, POST /api/signup), as Pocket ID does it:
 * - allowed when allowUserSignups is `open`, or `withToken` with a valid sign-up token;
 * - the profile is validated before the token is used, so a typo does not burn a use; the token
 *   use, the user, its groups (defaults + the token's) and default claims are one transaction;
 * - the new account then registers its passkey (the caller starts the browser session);
 * - ACCOUNT_CREATED (via signup_token or open_signup) is recorded in the same transaction.
 */
import { msg } from "../i18n/message.ts";
import type { Database } from "../db/database.ts";
import { readAppConfig } from "./app-config.ts";
import { storeCustomClaims } from "./custom-claims.ts";
import { useSignupToken } from "./signup-tokens.ts";
import { createUser, validateUserProfile } from "./users.ts";
import { addUserToGroups, existingIds } from "../db/user-groups.ts";
import type { User } from "../db/users.ts";
import { AppError } from "../errors.ts";
import type { Clock } from "../lib/clock.ts";
import type { Random } from "../lib/random.ts";
import type { Config } from "../config.ts";
import { isRecord } from "./validation.ts";
import { afterEmailAddressSet, type MailDeps } from "../mail/emails.ts";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";

export type SignupMode = "disabled" | "withToken" | "open";

export function signupMode(deps: { db: Database; config: Config }): SignupMode {
  return readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv }).allowUserSignups;
}

export function signUp(deps: MailDeps, input: unknown, token: string | null, origin: AuditOrigin): User {
  const app = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  if (app.allowUserSignups === "disabled") throw AppError.forbidden(msg("signIn.signupAskAdmin"));
  if (app.allowUserSignups === "withToken" && !token) throw AppError.forbidden(msg("signIn.signupNeedInvite"));
  const b = isRecord(input) ? input : {};
  const s = (k: string) => (typeof b[k] === "string" ? (b[k] as string) : "");
  const profile = { username: s("username"), email: s("email"), firstName: s("firstName"), lastName: s("lastName") };
  validateUserProfile(deps.db, profile, { requireEmail: app.requireUserEmail });
  const created = deps.db.transaction(() => {
    let tokenGroups: string[] = [];
    if (token) {
      const used = useSignupToken(deps, token);
      if (!used) throw new AppError("gone", msg("signIn.signupExpired"));
      tokenGroups = used.groupIds;
    }
    const user = createUser(deps, { ...profile, emailVerified: app.emailsVerified }, { requireEmail: app.requireUserEmail });
    const wanted = [...new Set([...app.signupDefaultUserGroupIDs, ...tokenGroups])];
    const found = existingIds(deps.db, "user_groups", wanted);
    addUserToGroups(deps.db, user.id, wanted.filter((g) => found.has(g)));
    if (app.signupDefaultCustomClaims.length) storeCustomClaims(deps, { userId: user.id }, app.signupDefaultCustomClaims);
    recordAuditEvent(deps, "ACCOUNT_CREATED", { userId: user.id, origin, data: { via: token ? "signup_token" : "open_signup" } });
    return user;
  }).immediate();
  afterEmailAddressSet(deps, created);
  return created;
}
