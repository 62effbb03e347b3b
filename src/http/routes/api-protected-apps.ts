/** Admin REST API for protected apps (forward-auth): /api/protected-apps… (X-API-Key or an admin session). */
import { Elysia } from "elysia";
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
  type ProtectedAppInput,
} from "../../forward-auth/protected-apps.ts";
import { apiCall, auditAdminChange, requireAdminApi } from "../admin-auth.ts";
import { jsonResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function toDto(db: Database, app: ProtectedApp) {
  return { ...app, allowedUserGroupIds: getAllowedGroupIds(db, app.id), createdAt: iso(app.createdAt), updatedAt: iso(app.updatedAt) };
}

function dto(db: Database, id: string) {
  return toDto(db, getProtectedApp(db, id));
}

function inputOf(body: unknown): ProtectedAppInput {
  const b = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return { name: b.name, hosts: b.hosts, pathPrefix: b.pathPrefix, isGroupRestricted: b.isGroupRestricted, reauthMaxAgeMinutes: b.reauthMaxAgeMinutes, passHeaders: b.passHeaders };
}

function groupIdsOf(body: unknown): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>).userGroupIds ?? [] : [];
}

export function apiProtectedAppRoutes(web: WebDeps) {
  return new Elysia({ name: "api-protected-apps" })
    .get("/api/protected-apps", ({ request }) => {
      requireAdminApi(web, request);
      return jsonResponse(listProtectedApps(web.db).map((a) => toDto(web.db, a)));
    })
    .post("/api/protected-apps", ({ request, body }) => {
      const p = requireAdminApi(web, request);
      const app = apiCall(() => {
        const created = createProtectedApp(web, inputOf(body));
        const groups = groupIdsOf(body);
        if (Array.isArray(groups) && groups.length) {
          try {
            setAllowedGroups(web.db, created.id, groups);
          } catch (e) {
            deleteProtectedApp(web.db, created.id);
            throw e;
          }
        }
        return created;
      });
      auditAdminChange(web, request, p, { entity: "protected_app", action: "create", id: app.id, changes: { name: app.name, hosts: app.hosts, pathPrefix: app.pathPrefix } });
      return jsonResponse(dto(web.db, app.id), { status: 201 });
    })
    .get("/api/protected-apps/:id", ({ request, params }) => {
      requireAdminApi(web, request);
      return jsonResponse(dto(web.db, params.id));
    })
    .put("/api/protected-apps/:id", ({ request, params, body }) => {
      const p = requireAdminApi(web, request);
      const app = apiCall(() => updateProtectedApp(web, params.id, inputOf(body)));
      auditAdminChange(web, request, p, { entity: "protected_app", action: "update", id: app.id, changes: { name: app.name, hosts: app.hosts, pathPrefix: app.pathPrefix, isGroupRestricted: app.isGroupRestricted } });
      return jsonResponse(dto(web.db, app.id));
    })
    .put("/api/protected-apps/:id/allowed-user-groups", ({ request, params, body }) => {
      const p = requireAdminApi(web, request);
      const ids = apiCall(() => setAllowedGroups(web.db, params.id, groupIdsOf(body)));
      auditAdminChange(web, request, p, { entity: "protected_app", action: "set_allowed_groups", id: params.id, changes: { userGroupIds: ids } });
      return jsonResponse(dto(web.db, params.id));
    })
    .delete("/api/protected-apps/:id", ({ request, params }) => {
      const p = requireAdminApi(web, request);
      const app = deleteProtectedApp(web.db, params.id);
      auditAdminChange(web, request, p, { entity: "protected_app", action: "delete", id: app.id, changes: { name: app.name } });
      return new Response(null, { status: 204 });
    });
}
