/** Admin REST API for custom claims (Pocket ID paths): bodies are the complete list `[{key, value}]`. */
import { Elysia, t } from "elysia";
import { setCustomClaims, suggestCustomClaimKeys } from "../../admin/custom-claims.ts";
import { getUser } from "../../admin/user-admin.ts";
import { getUserGroup } from "../../admin/user-groups.ts";
import { apiCall, requireAdminApi } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { CustomClaimList } from "../schemas/common.ts";
import type { WebDeps } from "../web-deps.ts";

export function apiCustomClaimRoutes(web: WebDeps) {
  return new Elysia({ name: "api-custom-claims" })
    .get("/api/custom-claims/suggestions", ({ request }) => {
      requireAdminApi(web, request);
      return jsonResponse(suggestCustomClaimKeys(web.db));
    }, { response: { 200: t.Array(t.String()) }, detail: apiOperation("admin", "Custom claims", "Claim keys in use") })
    .put("/api/custom-claims/user/:userId", ({ request, params, body }) => {
      const p = requireAdminApi(web, request);
      getUser(web.db, params.userId);
      const claims = apiCall(() => setCustomClaims(web, actorOf(request, p), { userId: params.userId }, body));
      return jsonResponse(claims);
    }, { body: CustomClaimList, response: { 200: CustomClaimList }, detail: apiOperation("admin", "Custom claims", "Replace a user's custom claims") })
    .put("/api/custom-claims/user-group/:userGroupId", ({ request, params, body }) => {
      const p = requireAdminApi(web, request);
      getUserGroup(web.db, params.userGroupId);
      const claims = apiCall(() => setCustomClaims(web, actorOf(request, p), { groupId: params.userGroupId }, body));
      return jsonResponse(claims);
    }, { body: CustomClaimList, response: { 200: CustomClaimList }, detail: apiOperation("admin", "Custom claims", "Replace a group's custom claims") });
}
