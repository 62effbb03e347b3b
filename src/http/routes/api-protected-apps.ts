/** Admin REST API for protected apps (forward-auth): /api/protected-apps… (X-API-Key or an admin session). */
import { Elysia, t } from "elysia";
import type { Database } from "../../db/database.ts";
import {
  createProtectedApp,
  deleteProtectedApp,
  getAllowedGroupIds,
  getProtectedApp,
  listProtectedApps,
  setAllowedGroups,
  updateProtectedApp,
  type ProtectedApp,
} from "../../forward-auth/protected-apps.ts";
import { apiCall } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { NoContent } from "../schemas/common.ts";
import { ProtectedAppGroups, ProtectedApp as ProtectedAppSchema, ProtectedAppInput as ProtectedAppInputSchema } from "../schemas/protected-apps.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function toDto(db: Database, app: ProtectedApp) {
  return { ...app, allowedUserGroupIds: getAllowedGroupIds(db, app.id), createdAt: iso(app.createdAt), updatedAt: iso(app.updatedAt) };
}

function dto(db: Database, id: string) {
  return toDto(db, getProtectedApp(db, id));
}

export function apiProtectedAppRoutes(web: WebDeps) {
  return new Elysia({ name: "api-protected-apps" })
    .use(routePolicy(web))
    .get("/api/protected-apps", () => {
      return jsonResponse(listProtectedApps(web.db).map((a) => toDto(web.db, a)));
    }, { adminApi: true, budget: "admin-api", response: { 200: t.Array(ProtectedAppSchema) }, detail: apiOperation("Protected apps", "Protected apps (forward-auth)") })
    .post("/api/protected-apps", ({ request, body, principal }) => {
      const { userGroupIds: groups, ...input } = body;
      const app = apiCall(() => createProtectedApp(web, actorOf(request, principal), input, Array.isArray(groups) && groups.length ? groups : undefined));
      return jsonResponse(dto(web.db, app.id), { status: 201 });
    }, { adminApi: true, budget: "admin-api", body: ProtectedAppInputSchema, response: { 201: ProtectedAppSchema }, detail: apiOperation("Protected apps", "Add a protected app (restricted to userGroupIds; nobody when empty unless isGroupRestricted is false)") })
    .get("/api/protected-apps/:id", ({ params }) => {
      return jsonResponse(dto(web.db, params.id));
    }, { adminApi: true, budget: "admin-api", response: { 200: ProtectedAppSchema }, detail: apiOperation("Protected apps", "Get a protected app") })
    .put("/api/protected-apps/:id", ({ request, params, body, principal }) => {
      const app = apiCall(() => updateProtectedApp(web, actorOf(request, principal), params.id, body));
      return jsonResponse(dto(web.db, app.id));
    }, { adminApi: true, budget: "admin-api", body: ProtectedAppInputSchema, response: { 200: ProtectedAppSchema }, detail: apiOperation("Protected apps", "Update a protected app (omitted fields keep their value)") })
    .put("/api/protected-apps/:id/allowed-user-groups", ({ request, params, body, principal }) => {
      apiCall(() => setAllowedGroups(web, actorOf(request, principal), params.id, body.userGroupIds ?? []));
      return jsonResponse(dto(web.db, params.id));
    }, { adminApi: true, budget: "admin-api", body: ProtectedAppGroups, response: { 200: ProtectedAppSchema }, detail: apiOperation("Protected apps", "Set the groups that may use it ({userGroupIds})") })
    .delete("/api/protected-apps/:id", ({ request, params, principal }) => {
      deleteProtectedApp(web, actorOf(request, principal), params.id);
      return new Response(null, { status: 204 });
    }, { adminApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("Protected apps", "Delete a protected app") });
}
