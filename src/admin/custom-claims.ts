/**
 * Custom claims of users and groups: replaced as a whole list, keys unique per owner. An administrator's
 * change is audited (ADMIN_CHANGE set_custom_claims on the user or group, with the keys, never values).
 */
import type { Database } from "../db/database.ts";
import { auditedChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { listCustomClaimKeys, listCustomClaims, replaceCustomClaims } from "../db/custom-claims.ts";
import { randomUuid, type Random } from "../lib/random.ts";
import { claimList, FieldErrors } from "./validation.ts";

export type CustomClaim = { key: string; value: string };
export type ClaimOwner = { userId: string } | { groupId: string };

export function getCustomClaims(db: Database, owner: ClaimOwner): CustomClaim[] {
  return listCustomClaims(db, owner).map((c) => ({ key: c.key, value: c.value }));
}

/** An administrator sets the complete list (an empty list removes every claim). */
export function setCustomClaims(deps: AuditDeps, actor: Actor, owner: ClaimOwner, input: unknown, field = "customClaims"): CustomClaim[] {
  return auditedChange(
    deps,
    actor,
    () => storeCustomClaims(deps, owner, input, field),
    (claims) => ({ entity: "userId" in owner ? "user" : "user_group", action: "set_custom_claims", id: "userId" in owner ? owner.userId : owner.groupId, changes: { keys: claims.map((c) => c.key) } }),
  );
}

/** Validates and stores the list, unaudited: for a change audited as a whole (a sign-up's default claims). */
export function storeCustomClaims(deps: { db: Database; random: Random }, owner: ClaimOwner, input: unknown, field = "customClaims"): CustomClaim[] {
  const errors = new FieldErrors();
  const claims = claimList(errors, input, field);
  errors.throwIfAny();
  replaceCustomClaims(deps.db, owner, claims.map((c) => ({ id: randomUuid(deps.random), ...c })));
  return claims;
}

export function suggestCustomClaimKeys(db: Database): string[] {
  return listCustomClaimKeys(db);
}

/** Reads claim rows from a form: fields claimKey[] / claimValue[] in matching order. */
export function claimsFromForm(form: Record<string, unknown>): CustomClaim[] {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
  const keys = list(form.claimKey);
  const values = list(form.claimValue);
  return keys.map((key, i) => ({ key, value: values[i] ?? "" }));
}
