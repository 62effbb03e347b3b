/** Admin REST API for custom claims (Pocket ID paths): bodies are the complete list `[{key, value}]`. */
import { Elysia, t } from "elysia";
import { setCustomClaims, suggestCustomClaimKeys } from "../../admin/custom-claims.ts";
import { getUser } from "../../admin/user-admin.ts";
import { getUserGroup } from "../../admin/user-groups.ts";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { CustomClaimList } from "../schemas/common.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function apiCustomClaimRoutes(web: WebDeps) {
  return new Elysia({ name: "api-custom-claims" })
    .use(routePolicy(web))
    .get("/api/custom-claims/suggestions", () => {
      return jsonResponse(suggestCustomClaimKeys(web.db));
    }, { adminApi: true, budget: "admin-api", response: { 200: t.Array(t.String()) }, detail: apiOperation("Custom claims", "Claim keys in use") })
    .put("/api/custom-claims/user/:userId", ({ request, params, body, principal }) => {
      getUser(web.db, params.userId);
      const claims = apiCall(() => setCustomClaims(web, actorOf(request, principal), { userId: params.userId }, body));
      return jsonResponse(claims);
    }, { adminApi: true, budget: "admin-api", body: CustomClaimList, response: { 200: CustomClaimList }, detail: apiOperation("Custom claims", "Replace a user's custom claims") })
    .put("/api/custom-claims/user-group/:userGroupId", ({ request, params, body, principal }) => {
      getUserGroup(web.db, params.userGroupId);
      const claims = apiCall(() => setCustomClaims(web, actorOf(request, principal), { groupId: params.userGroupId }, body));
      return jsonResponse(claims);
    }, { adminApi: true, budget: "admin-api", body: CustomClaimList, response: { 200: CustomClaimList }, detail: apiOperation("Custom claims", "Replace a group's custom claims") });
}
