/**
 * Claims about the user, gated by scope (Pocket ID's set):
 * - profile: name, given_name, family_name, preferred_username, display_name, picture, and custom claims
 *   (a user's own claim overrides a group's; values that parse as JSON are emitted as JSON).
 * - email: email, email_verified (only when the user has an email).
 * - groups: the names of the user's groups.
 */
import type { Database } from "../db/database.ts";
import { listCustomClaimsOfUser, listGroupNamesOfUser } from "../db/oidc-grants.ts";
import type { User } from "../db/users.ts";

/** Claim names a custom claim may never override. */
export const RESERVED_CLAIMS = new Set([
  "given_name", "family_name", "name", "email", "email_verified", "preferred_username", "display_name", "picture", "groups",
  "type", "sub", "iss", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash",
  "sid", "scope", "scp", "client_id", "typ", "cnf",
]);

export function fullNameOf(user: User): string {
  return [user.firstName, user.lastName].filter(Boolean).join(" ") || user.displayName || user.username;
}

export function buildUserClaims(db: Database, issuer: string, user: User, scopes: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scopes.includes("profile")) {
    for (const c of listCustomClaimsOfUser(db, user.id)) {
      // `claims["__proto__"] = v` would set the prototype, not a claim (stored before validation refused it).
      if (RESERVED_CLAIMS.has(c.key) || c.key === "__proto__") continue;
      let value: unknown = c.value;
      try {
        value = JSON.parse(c.value);
      } catch {
        value = c.value;
      }
      claims[c.key] = value;
    }
    claims.name = fullNameOf(user);
    claims.given_name = user.firstName;
    claims.family_name = user.lastName;
    claims.preferred_username = user.username;
    claims.display_name = user.displayName || fullNameOf(user);
    claims.picture = `${issuer}/api/users/${user.id}/profile-picture.png`;
  }
  if (scopes.includes("email") && user.email) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  if (scopes.includes("groups")) {
    claims.groups = listGroupNamesOfUser(db, user.id);
  }
  return claims;
}
