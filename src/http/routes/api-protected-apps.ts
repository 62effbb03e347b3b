/** Admin REST API for protected apps (forward-auth): /api/protected-apps… (X-API-Key or an admin session). */
import { Elysia, t } from "elysia";
import type { Database } from "bun:sqlite";
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
import { apiCall, requireAdminApi } from "../admin-auth.ts";
import { actorOf } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { NoContent } from "../schemas/common.ts";
import { ProtectedAppGroups, ProtectedApp as ProtectedAppSchema, ProtectedAppInput as ProtectedAppInputSchema } from "../schemas/protected-apps.ts";
import type { WebDeps } from "../web-deps.ts";

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function toDto(db: Database, app: ProtectedApp) {
  return { ...app, allowedUserGroupIds: getAllowedGroupIds(db, app.id), createdAt: iso(app.createdAt), updatedAt: iso(app.updatedAt) };
}

function dto(db: Database, id: string) {
  return toDto(db, getProtectedApp(db, id));
}

export function apiProtectedAppRoutes(web: WebDeps) {
  return new Elysia({ name: "api-protected-apps" })
    .get("/api/protected-apps", ({ request }) => {
      requireAdminApi(web, request);
      return jsonResponse(listProtectedApps(web.db).map((a) => toDto(web.db, a)));
    }, { response: { 200: t.Array(ProtectedAppSchema) }, detail: apiOperation("admin", "Protected apps", "Protected apps (forward-auth)") })
    .post("/api/protected-apps", ({ request, body }) => {
      const p = requireAdminApi(web, request);
      const { userGroupIds: groups, ...input } = body;
      const app = apiCall(() => createProtectedApp(web, actorOf(request, p), input, Array.isArray(groups) && groups.length ? groups : undefined));
      return jsonResponse(dto(web.db, app.id), { status: 201 });
    }, { body: ProtectedAppInputSchema, response: { 201: ProtectedAppSchema }, detail: apiOperation("admin", "Protected apps", "Add a protected app (restricted to userGroupIds; nobody when empty unless isGroupRestricted is false)") })
    .get("/api/protected-apps/:id", ({ request, params }) => {
      requireAdminApi(web, request);
      return jsonResponse(dto(web.db, params.id));
    }, { response: { 200: ProtectedAppSchema }, detail: apiOperation("admin", "Protected apps", "Get a protected app") })
    .put("/api/protected-apps/:id", ({ request, params, body }) => {
      const p = requireAdminApi(web, request);
      const app = apiCall(() => updateProtectedApp(web, actorOf(request, p), params.id, body));
      return jsonResponse(dto(web.db, app.id));
    }, { body: ProtectedAppInputSchema, response: { 200: ProtectedAppSchema }, detail: apiOperation("admin", "Protected apps", "Update a protected app (omitted fields keep their value)") })
    .put("/api/protected-apps/:id/allowed-user-groups", ({ request, params, body }) => {
      const p = requireAdminApi(web, request);
      apiCall(() => setAllowedGroups(web, actorOf(request, p), params.id, body.userGroupIds ?? []));
      return jsonResponse(dto(web.db, params.id));
    }, { body: ProtectedAppGroups, response: { 200: ProtectedAppSchema }, detail: apiOperation("admin", "Protected apps", "Set the groups that may use it ({userGroupIds})") })
    .delete("/api/protected-apps/:id", ({ request, params }) => {
      const p = requireAdminApi(web, request);
      deleteProtectedApp(web, actorOf(request, p), params.id);
      return new Response(null, { status: 204 });
    }, { response: { 204: NoContent }, detail: apiOperation("admin", "Protected apps", "Delete a protected app") });
}
