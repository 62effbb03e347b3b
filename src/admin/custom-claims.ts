/** Custom claims of users and groups: replaced as a whole list, keys unique per owner. */
import type { Database } from "bun:sqlite";
import { listCustomClaimKeys, listCustomClaims, replaceCustomClaims } from "../db/custom-claims.ts";
import { randomUuid, type Random } from "../lib/random.ts";
import { claimList, FieldErrors } from "./validation.ts";

export type CustomClaim = { key: string; value: string };
export type ClaimOwner = { userId: string } | { groupId: string };

export function getCustomClaims(db: Database, owner: ClaimOwner): CustomClaim[] {
  return listCustomClaims(db, owner).map((c) => ({ key: c.key, value: c.value }));
}

/** Validates and stores the complete list (an empty list removes every claim). */
export function setCustomClaims(deps: { db: Database; random: Random }, owner: ClaimOwner, input: unknown, field = "customClaims"): CustomClaim[] {
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
