/**
 * Who makes a change, as the audit log records it. Domain functions that change state take an Actor and
 * record their event themselves, so a change is audited the same way whatever its entry point.
 * - A person acts through a browser session ("user") or one of their API keys ("api_key"); the audit row
 *   carries their user id. The static API key (STATIC_API_KEY) has no users row: user id null,
 *   `actor: "static-api-key"` in ADMIN_CHANGE data.
 * - The command line ("cli") and scheduled jobs ("system", named by job: "ldap-sync"…) have no user.
 * - Actors that arrive over HTTP carry the request's origin (client IP honouring TRUST_PROXY, user
 *   agent); the location is looked up from the IP when the event is recorded (src/audit/audit-log.ts).
 * - ADMIN_CHANGE data is {entity, action, id, changes?, via}: via "session", "api_key", "cli" or "system".
 *   Never secrets.
 */
import type { Database } from "../db/database.ts";
import type { Clock } from "../lib/clock.ts";
import type { Random } from "../lib/random.ts";
import { recordAuditEvent, type AuditOrigin } from "./audit-log.ts";
import type { Geolocator } from "./geolocation.ts";

export type Actor =
  | { kind: "user"; userId: string; origin?: AuditOrigin }
  | { kind: "api_key"; userId: string; apiKeyId: string; origin?: AuditOrigin }
  | { kind: "static_api_key"; origin?: AuditOrigin }
  | { kind: "cli" }
  | { kind: "system"; job: string };

/** A person acting for themselves: a browser session or one of their own API keys. */
export type PersonActor = Extract<Actor, { userId: string }>;

export type AuditDeps = { db: Database; clock: Clock; random: Random; geo?: Geolocator };

export const CLI_ACTOR: Actor = { kind: "cli" };

export function systemActor(job: string): Actor {
  return { kind: "system", job };
}

export function isPersonActor(actor: Actor): actor is PersonActor {
  return actor.kind === "user" || actor.kind === "api_key";
}

/** The user id the audit row names for this actor: the person, or null (static key, CLI, jobs). */
export function actorUserId(actor: Actor): string | null {
  return isPersonActor(actor) ? actor.userId : null;
}

/** Where the actor's request came from; undefined for the CLI and jobs. */
export function actorOrigin(actor: Actor): AuditOrigin | undefined {
  return actor.kind === "cli" || actor.kind === "system" ? undefined : actor.origin;
}

/** How the change arrived, as ADMIN_CHANGE data names it. */
export function actorVia(actor: Actor): "session" | "api_key" | "cli" | "system" {
  switch (actor.kind) {
    case "user":
      return "session";
    case "api_key":
    case "static_api_key":
      return "api_key";
    case "cli":
      return "cli";
    case "system":
      return "system";
  }
}

export interface AdminChange {
  entity: string;
  action: string;
  id: string;
  changes?: Record<string, unknown>;
}

/** Records ADMIN_CHANGE {entity, action, id, changes, via} for `actor`. Call it inside the change's transaction. */
export function recordAdminChange(deps: AuditDeps, actor: Actor, change: AdminChange): void {
  recordAuditEvent(deps, "ADMIN_CHANGE", {
    userId: actorUserId(actor),
    origin: actorOrigin(actor),
    data: { ...change, via: actorVia(actor), ...(actor.kind === "static_api_key" ? { actor: "static-api-key" } : {}) },
  });
}

/**
 * Runs `change` and records ADMIN_CHANGE for what it did, in one immediate transaction (a savepoint
 * inside the caller's): an audited change is never lost, and nothing is recorded for a change that
 * rolled back. `describe` sees the change's result.
 */
export function auditedChange<T>(deps: AuditDeps, actor: Actor, change: () => T, describe: (result: T) => AdminChange | null): T {
  return deps.db
    .transaction(() => {
      const result = change();
      const entry = describe(result);
      if (entry) recordAdminChange(deps, actor, entry);
      return result;
    })
    .immediate();
}
