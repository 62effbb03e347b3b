/**
 * Admin REST API for users (Pocket ID paths): /api/users…
 * Every route needs an admin (session cookie + CSRF, or X-API-Key); changes are audited.
 * Except /api/users/me (GET/PUT): any signed-in person's own profile, by session (+ CSRF) or X-API-Key.
 */
import { Elysia, t } from "elysia";
import { parseListQuery } from "../../admin/pagination.ts";
import {
  createLoginCode,
  createUserAsAdmin,
  deleteUserAsAdmin,
  deleteUserPasskey,
  getUser,
  listUserGroupsOfUser,
  listUserPasskeys,
  listUsers,
  listUserSessions,
  revokeUserSession,
  setUserGroups,
  toUserDto,
  updateUserAsAdmin,
} from "../../admin/user-admin.ts";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { duration, FieldErrors } from "../../admin/validation.ts";
import { apiOperation, LIST_ERRORS } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { ListQuery, NoContent, Paginated } from "../schemas/common.ts";
import { LoginCode, OwnProfileInput, Ttl, User, UserGroup, UserGroupIds, UserInput, UserPasskey, UserSession } from "../schemas/users.ts";
import { findUser, updateOwnAccount } from "../../admin/users.ts";
import type { Principal } from "../admin-auth.ts";
import type { User as UserRow } from "../../db/users.ts";
import { AppError } from "../../errors.ts";
import { msg } from "../../i18n/message.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function apiUserRoutes(web: WebDeps) {
  /** The signed-in person's row; the STATIC_API_KEY principal has none. */
  const ownUser = (principal: Principal): UserRow => {
    const user = principal.isStatic ? null : findUser(web.db, principal.userId);
    if (!user) throw AppError.notFound(msg("users.errNotFound"));
    return user;
  };
  return new Elysia({ name: "api-users" })
    .use(routePolicy(web))
    .get("/api/users/me", ({ principal }) => {
      return jsonResponse(toUserDto(web.db, ownUser(principal)));
    }, { userApi: true, budget: "admin-api", response: { 200: User }, detail: apiOperation("Users", "Your own profile") })
    .put("/api/users/me", ({ body, principal }) => {
      const updated = apiCall(() => updateOwnAccount(web, ownUser(principal), body));
      return jsonResponse(toUserDto(web.db, updated));
    }, { userApi: true, budget: "admin-api", body: OwnProfileInput, response: { 200: User }, detail: apiOperation("Users", "Update your own profile (403 unless allowOwnAccountEdit is on and the account is not LDAP's)") })
    .get("/api/users", ({ query }) => {
      return jsonResponse(listUsers(web.db, parseListQuery(query)));
    }, { adminApi: true, budget: "admin-api", query: ListQuery, response: { 200: Paginated(User) }, detail: apiOperation("Users", "List and search users", { errors: LIST_ERRORS }) })
    .post("/api/users", ({ request, body, principal }) => {
      const row = apiCall(() => createUserAsAdmin(web, actorOf(request, principal), body));
      return jsonResponse(toUserDto(web.db, row), { status: 201 });
    }, { adminApi: true, budget: "admin-api", body: UserInput, response: { 201: User }, detail: apiOperation("Users", "Create a user") })
    .get("/api/users/:id", ({ params }) => {
      return jsonResponse(toUserDto(web.db, getUser(web.db, params.id)));
    }, { adminApi: true, budget: "admin-api", response: { 200: User }, detail: apiOperation("Users", "Get a user") })
    .put("/api/users/:id", ({ request, params, body, principal }) => {
      const r = apiCall(() => updateUserAsAdmin(web, actorOf(request, principal), params.id, body));
      return jsonResponse(toUserDto(web.db, r.after));
    }, { adminApi: true, budget: "admin-api", body: UserInput, response: { 200: User }, detail: apiOperation("Users", "Update a user") })
    .delete("/api/users/:id", ({ request, params, principal }) => {
      apiCall(() => deleteUserAsAdmin(web, actorOf(request, principal), params.id));
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Users", "Delete a user") })
    .get("/api/users/:id/groups", ({ params }) => {
      return jsonResponse(listUserGroupsOfUser(web.db, params.id));
    }, { adminApi: true, budget: "admin-api", response: { 200: t.Array(UserGroup) }, detail: apiOperation("Users", "Groups of a user") })
    .put("/api/users/:id/user-groups", ({ request, params, body, principal }) => {
      apiCall(() => setUserGroups(web, actorOf(request, principal), params.id, body));
      return jsonResponse(toUserDto(web.db, getUser(web.db, params.id)));
    }, { adminApi: true, budget: "admin-api", body: UserGroupIds, response: { 200: User }, detail: apiOperation("Users", "Set the groups of a user ({userGroupIds})") })
    .get("/api/users/:id/webauthn-credentials", ({ params }) => {
      return jsonResponse(listUserPasskeys(web.db, params.id));
    }, { adminApi: true, budget: "admin-api", response: { 200: t.Array(UserPasskey) }, detail: apiOperation("Users", "Passkeys of a user") })
    .delete("/api/users/:id/webauthn-credentials/:credentialId", ({ request, params, principal }) => {
      deleteUserPasskey(web, actorOf(request, principal), params.id, params.credentialId);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Users", "Delete a passkey of a user") })
    .post("/api/users/:id/one-time-access-token", ({ request, params, body, principal }) => {
      const user = getUser(web.db, params.id);
      const errors = new FieldErrors();
      const ttl = duration(errors, body ?? {}, "ttl", { fallback: 15 * 60, min: 60, max: 30 * 86400 });
      apiCall(() => errors.throwIfAny());
      const { token, expiresAt } = createLoginCode(web, actorOf(request, principal), user.id, ttl);
      return jsonResponse({ token, expiresAt: new Date(expiresAt * 1000).toISOString(), url: `${web.config.appUrl}/lc/${token}` }, { status: 201 });
    }, { adminApi: true, budget: "admin-api", body: Ttl, response: { 201: LoginCode }, detail: apiOperation("Users", "Create a login code/link for a user ({ttl}: e.g. 15m, 1h; default 15m)") })
    .get("/api/users/:id/sessions", ({ params }) => {
      return jsonResponse(listUserSessions(web, params.id));
    }, { adminApi: true, budget: "admin-api", response: { 200: t.Array(UserSession) }, detail: apiOperation("Users", "Browser sessions of a user") })
    .delete("/api/users/:id/sessions/:sessionId", ({ request, params, principal }) => {
      revokeUserSession(web, actorOf(request, principal), params.id, params.sessionId);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Users", "End a session of a user") });
}
