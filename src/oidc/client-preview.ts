/**
 * The administrator's token preview (Pocket ID's GET /api/oidc/clients/:id/preview/:userId): the claims of the
 * ID token, the access token and the userinfo answer this client would receive for this user and scopes.
 * - Built by the functions that build real tokens (issue-tokens.ts, claims.ts): what is shown is what is signed.
 *   Nothing is signed or stored; jti and the times are those of a sign-in happening now (amr: a passkey).
 * - Scopes are space-separated; unknown ones are dropped, as /authorize drops them; none known is refused.
 * - A user who could not sign in to this client (disabled, or outside its allowed groups) is refused (403) with
 *   the reason, rather than shown tokens no sign-in would produce.
 * - Without `openid` there is no ID token and no userinfo answer (null), as at the token and userinfo endpoints.
 */
import type { Database } from "../db/database.ts";
import { findUserById, findUserByUsernameOrEmail, type User } from "../db/users.ts";
import { AppError } from "../errors.ts";
import { msg } from "../i18n/message.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { randomUuid, timeOrderedUuid, type Random } from "../lib/random.ts";
import { buildUserClaims } from "./claims.ts";
import { isUserAllowedForClient, type OidcClient } from "./clients.ts";
import { idTokenClaims, userAccessTokenClaims } from "./issue-tokens.ts";
import { parseScopes, SUPPORTED_SCOPES } from "./scopes.ts";

export interface ClientPreview {
  idToken: Record<string, unknown> | null;
  accessToken: Record<string, unknown>;
  userInfo: Record<string, unknown> | null;
}

export function previewClientTokens(
  deps: { db: Database; clock: Clock; random: Random; issuer: string },
  client: OidcClient,
  userId: string,
  scopeParam: string | undefined,
): ClientPreview {
  const scopes = previewScopes(scopeParam?.replaceAll(",", " "));
  const user = findUserById(deps.db, userId);
  if (!user) throw AppError.notFound(msg("users.errNotFound"));
  return previewFor(deps, client, user, scopes);
}

/** The known scopes asked for; none is a 400, as Pocket ID answers a missing `scopes`. */
function previewScopes(scopeParam: string | undefined): string[] {
  const scopes = parseScopes(scopeParam ?? null);
  if (scopes.length === 0) throw AppError.badRequest(msg("clients.previewScopesRequired", { scopes: SUPPORTED_SCOPES.join(" ") }));
  return scopes;
}

function previewFor(deps: { db: Database; clock: Clock; random: Random; issuer: string }, client: OidcClient, user: User, scopes: string[]): ClientPreview {
  if (user.disabled) throw AppError.forbidden(msg("clients.previewUserDisabled"));
  if (!isUserAllowedForClient(deps.db, client, user.id)) throw AppError.forbidden(msg("clients.previewUserNotAllowed"));

  const now = nowSeconds(deps.clock);
  const accessToken = userAccessTokenClaims(deps.issuer, client, user.id, scopes, { now, jti: timeOrderedUuid(deps.clock, deps.random), authTime: now });
  if (!scopes.includes("openid")) return { idToken: null, accessToken, userInfo: null };
  return {
    idToken: idTokenClaims(deps.db, deps.issuer, client, user, scopes, { now, authTime: now, amr: ["phr"], jti: randomUuid(deps.random) }),
    accessToken,
    userInfo: { sub: user.id, ...buildUserClaims(deps.db, deps.issuer, user, scopes) },
  };
}

/** The admin page's preview: the person named by username or e-mail address, and the ticked scopes. */
export function previewClientTokensFor(
  deps: { db: Database; clock: Clock; random: Random; issuer: string },
  client: OidcClient,
  login: string,
  scopes: readonly string[],
): ClientPreview {
  if (!login.trim()) throw AppError.badRequest(msg("clients.previewUserRequired"));
  const user = findUserByUsernameOrEmail(deps.db, login.trim());
  if (!user) throw AppError.notFound(msg("clients.previewNoSuchUser", { login: login.trim() }));
  return previewFor(deps, client, user, previewScopes(scopes.join(" ")));
}
