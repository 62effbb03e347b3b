/** Admin REST API for user groups (Pocket ID paths): /api/user-groups… */
import { Elysia } from "elysia";
import { parseListQuery } from "../../admin/pagination.ts";
import { toUserDto } from "../../admin/user-admin.ts";
import {
  createUserGroup,
  deleteUserGroup,
  getUserGroup,
  listGroupAllowedClients,
  listUserGroups,
  memberUsers,
  setGroupAllowedClients,
  setGroupMembers,
  toUserGroupDto,
  updateUserGroup,
} from "../../admin/user-groups.ts";
import type { Database } from "../../db/database.ts";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation, LIST_ERRORS } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { ListQuery, NoContent, Paginated } from "../schemas/common.ts";
import { ClientIds, UserGroupDetail, UserGroupInput, UserGroupWithCount, UserIds } from "../schemas/users.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

/** The detailed group: members and the clients it may use. */
export function userGroupDetail(db: Database, id: string) {
  const row = getUserGroup(db, id);
  return {
    ...toUserGroupDto(db, row),
    users: memberUsers(db, id).map((u) => toUserDto(db, u)),
    allowedOidcClients: listGroupAllowedClients(db, id),
  };
}

export function apiUserGroupRoutes(web: WebDeps) {
  return new Elysia({ name: "api-user-groups" })
    .use(routePolicy(web))
    .get("/api/user-groups", ({ query }) => {
      return jsonResponse(listUserGroups(web.db, parseListQuery(query)));
    }, { adminApi: true, budget: "admin-api", query: ListQuery, response: { 200: Paginated(UserGroupWithCount) }, detail: apiOperation("User groups", "List and search groups", { errors: LIST_ERRORS }) })
    .post("/api/user-groups", ({ request, body, principal }) => {
      const row = apiCall(() => createUserGroup(web, actorOf(request, principal), body));
      return jsonResponse(userGroupDetail(web.db, row.id), { status: 201 });
    }, { adminApi: true, budget: "admin-api", body: UserGroupInput, response: { 201: UserGroupDetail }, detail: apiOperation("User groups", "Create a group (name derived from friendlyName when omitted)") })
    .get("/api/user-groups/:id", ({ params }) => {
      return jsonResponse(userGroupDetail(web.db, params.id));
    }, { adminApi: true, budget: "admin-api", response: { 200: UserGroupDetail }, detail: apiOperation("User groups", "Get a group with members and allowed clients") })
    .put("/api/user-groups/:id", ({ request, params, body, principal }) => {
      apiCall(() => updateUserGroup(web, actorOf(request, principal), params.id, body));
      return jsonResponse(userGroupDetail(web.db, params.id));
    }, { adminApi: true, budget: "admin-api", body: UserGroupInput, response: { 200: UserGroupDetail }, detail: apiOperation("User groups", "Update a group") })
    .delete("/api/user-groups/:id", ({ request, params, principal }) => {
      deleteUserGroup(web, actorOf(request, principal), params.id);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("User groups", "Delete a group") })
    .put("/api/user-groups/:id/users", ({ request, params, body, principal }) => {
      apiCall(() => setGroupMembers(web, actorOf(request, principal), params.id, body));
      return jsonResponse(userGroupDetail(web.db, params.id));
    }, { adminApi: true, budget: "admin-api", body: UserIds, response: { 200: UserGroupDetail }, detail: apiOperation("User groups", "Set the members ({userIds})") })
    .put("/api/user-groups/:id/allowed-oidc-clients", ({ request, params, body, principal }) => {
      apiCall(() => setGroupAllowedClients(web, actorOf(request, principal), params.id, body));
      return jsonResponse(userGroupDetail(web.db, params.id));
    }, { adminApi: true, budget: "admin-api", body: ClientIds, response: { 200: UserGroupDetail }, detail: apiOperation("User groups", "Set the clients the group may use ({oidcClientIds})") });
}
