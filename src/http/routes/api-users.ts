/**
 * Admin REST API for users (Pocket ID paths): /api/users…
 * Every route needs an admin (session cookie + CSRF, or X-API-Key); changes are audited.
 */
import { Elysia } from "elysia";
import { parseListQuery } from "../../admin/pagination.ts";
import {
  createUserAsAdmin,
  deleteUserAsAdmin,
  deleteUserPasskey,
  getUser,
  listUserPasskeys,
  listUsers,
  listUserSessions,
  revokeUserSession,
  setUserGroups,
  toUserDto,
  updateUserAsAdmin,
} from "../../admin/user-admin.ts";
import { toUserGroupDto } from "../../admin/user-groups.ts";
import { listGroupsOfUser } from "../../db/user-groups.ts";
import { apiCall, auditAdminChange, requireAdminApi } from "../admin-auth.ts";
import { createOneTimeAccessToken } from "../../account/one-time-access.ts";
import { duration, FieldErrors, isRecord } from "../../admin/validation.ts";
import { jsonResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

export function apiUserRoutes(web: WebDeps) {
  return new Elysia({ name: "api-users" })
    .get("/api/users", ({ request, query }) => {
      requireAdminApi(web, request);
      return jsonResponse(listUsers(web.db, parseListQuery(query)));
    })
    .post("/api/users", ({ request, body }) => {
      const p = requireAdminApi(web, request);
      const row = apiCall(() => createUserAsAdmin(web, body));
      auditAdminChange(web, request, p, { entity: "user", action: "create", id: row.id, changes: { username: row.username, isAdmin: row.is_admin === 1 } });
      return jsonResponse(toUserDto(web.db, row), { status: 201 });
    })
    .get("/api/users/:id", ({ request, params }) => {
      requireAdminApi(web, request);
      return jsonResponse(toUserDto(web.db, getUser(web.db, params.id)));
    })
    .put("/api/users/:id", ({ request, params, body }) => {
      const p = requireAdminApi(web, request);
      const r = apiCall(() => updateUserAsAdmin(web, params.id, body));
      auditAdminChange(web, request, p, { entity: "user", action: "update", id: params.id, changes: { fields: r.changed } });
      return jsonResponse(toUserDto(web.db, r.after));
    })
    .delete("/api/users/:id", ({ request, params }) => {
      const p = requireAdminApi(web, request);
      const row = apiCall(() => deleteUserAsAdmin(web.db, params.id, p.userId));
      auditAdminChange(web, request, p, { entity: "user", action: "delete", id: row.id, changes: { username: row.username } });
      return new Response(null, { status: 204 });
    })
    .get("/api/users/:id/groups", ({ request, params }) => {
      requireAdminApi(web, request);
      getUser(web.db, params.id);
      return jsonResponse(listGroupsOfUser(web.db, params.id).map((g) => toUserGroupDto(web.db, g)));
    })
    .put("/api/users/:id/user-groups", ({ request, params, body }) => {
      const p = requireAdminApi(web, request);
      const ids = apiCall(() => setUserGroups(web.db, params.id, body));
      auditAdminChange(web, request, p, { entity: "user", action: "set_groups", id: params.id, changes: { userGroupIds: ids } });
      return jsonResponse(toUserDto(web.db, getUser(web.db, params.id)));
    })
    .get("/api/users/:id/webauthn-credentials", ({ request, params }) => {
      requireAdminApi(web, request);
      return jsonResponse(listUserPasskeys(web.db, params.id));
    })
    .delete("/api/users/:id/webauthn-credentials/:credentialId", ({ request, params }) => {
      const p = requireAdminApi(web, request);
      const row = deleteUserPasskey(web.db, params.id, params.credentialId);
      auditAdminChange(web, request, p, { entity: "passkey", action: "delete", id: row.id, changes: { userId: params.id, name: row.name } });
      return new Response(null, { status: 204 });
    })
    .post("/api/users/:id/one-time-access-token", ({ request, params, body }) => {
      const p = requireAdminApi(web, request);
      const user = getUser(web.db, params.id);
      const errors = new FieldErrors();
      const ttl = duration(errors, isRecord(body) ? body : {}, "ttl", { fallback: 15 * 60, min: 60, max: 30 * 86400 });
      apiCall(() => errors.throwIfAny());
      const { token, expiresAt } = createOneTimeAccessToken(web, user.id, ttl);
      auditAdminChange(web, request, p, { entity: "user", action: "create_login_code", id: user.id, changes: { ttlSeconds: ttl } });
      return jsonResponse({ token, expiresAt: new Date(expiresAt * 1000).toISOString(), url: `${web.config.appUrl}/lc/${token}` }, { status: 201 });
    })
    .get("/api/users/:id/sessions", ({ request, params }) => {
      requireAdminApi(web, request);
      return jsonResponse(listUserSessions(web, params.id));
    })
    .delete("/api/users/:id/sessions/:sessionId", ({ request, params }) => {
      const p = requireAdminApi(web, request);
      revokeUserSession(web.db, params.id, params.sessionId);
      auditAdminChange(web, request, p, { entity: "session", action: "revoke", id: params.sessionId, changes: { userId: params.id } });
      return new Response(null, { status: 204 });
    });
}
