/**
 * First-run setup: creates the first administrator while there are no users.
 * Atomic: the user and the single-row setup claim are inserted in one IMMEDIATE transaction, so two
 * racing requests cannot both create an admin — the loser gets 409. ACCOUNT_CREATED is recorded in it.
 * - Like every other new user, the administrator's email_verified comes from emailsVerified (EMAILS_VERIFIED):
 *   relying parties such as Coder refuse a user whose address is not verified.
 * - requireUserEmail applies as to everyone else.
 */
import { msg } from "../i18n/message.ts";
import type { Database } from "../db/database.ts";
import type { AuditDeps } from "../audit/actor.ts";
import { recordAuditEvent, type AuditOrigin } from "../audit/audit-log.ts";
import { createUser, type UserProfileInput } from "../admin/users.ts";
import { claimSetup } from "../db/setup-claim.ts";
import { countUsers, type User } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { nowSeconds } from "../lib/clock.ts";
import { readAppConfig } from "../admin/app-config.ts";
import type { Config } from "../config.ts";

export const SETUP_DONE_MESSAGE = msg("signIn.setupDone");

/** True while the first administrator can still be created. */
export function isSetupAvailable(db: Database): boolean {
  return countUsers(db) === 0;
}

export function createInitialAdmin(deps: AuditDeps & { config: Config }, input: UserProfileInput, origin?: AuditOrigin): User {
  const app = readAppConfig(deps.db, { uiConfigDisabled: deps.config.uiConfigDisabled, env: deps.config.appConfigEnv });
  return deps.db
    .transaction(() => {
      if (!isSetupAvailable(deps.db)) throw AppError.conflict(SETUP_DONE_MESSAGE);
      const created = createUser(deps, { ...input, isAdmin: true, emailVerified: app.emailsVerified }, { requireEmail: app.requireUserEmail });
      if (!claimSetup(deps.db, created.id, nowSeconds(deps.clock))) throw AppError.conflict(SETUP_DONE_MESSAGE);
      recordAuditEvent(deps, "ACCOUNT_CREATED", { userId: created.id, origin, data: { method: "initial setup" } });
      return created;
    })
    .immediate();
}
