/**
 * REST API for API keys: a signed-in user lists, creates and revokes their own keys.
 * Creating a key needs the browser session (an API key cannot mint more keys), as in Pocket ID.
 */
import { Elysia } from "elysia";
import { createApiKey, listApiKeys, renewApiKey, revokeApiKey } from "../../admin/api-keys.ts";
import { isoTime } from "../../admin/pagination.ts";
import { AppError } from "../../errors.ts";
import { apiCall, auditAdminChange, authenticateApiRequest } from "../admin-auth.ts";
import { jsonResponse } from "../responses.ts";
import type { WebDeps } from "../web-deps.ts";

export function apiKeyJson(k: { id: string; name: string; description: string; prefix: string; createdAt: number; expiresAt: number; lastUsedAt: number | null }) {
  return { id: k.id, name: k.name, description: k.description, prefix: k.prefix, createdAt: isoTime(k.createdAt), expiresAt: isoTime(k.expiresAt), lastUsedAt: isoTime(k.lastUsedAt) };
}

export function apiApiKeyRoutes(web: WebDeps) {
  return new Elysia({ name: "api-api-keys" })
    .get("/api/api-keys", ({ request }) => {
      const p = authenticateApiRequest(web, request);
      if (p.isStatic) return jsonResponse({ data: [] });
      const data = listApiKeys(web.db, p.userId).map(apiKeyJson);
      return jsonResponse({ data, pagination: { totalPages: 1, totalItems: data.length, currentPage: 1, itemsPerPage: data.length } });
    })
    .post("/api/api-keys", ({ request, body }) => {
      const p = authenticateApiRequest(web, request, { allowApiKey: false });
      const { apiKey, token } = apiCall(() => createApiKey(web, p.userId, body));
      auditAdminChange(web, request, p, { entity: "api_key", action: "create", id: apiKey.id, changes: { name: apiKey.name, expiresAt: apiKey.expiresAt } });
      return jsonResponse({ apiKey: apiKeyJson(apiKey), token }, { status: 201 });
    })
    .post("/api/api-keys/:id/renew", ({ request, params, body }) => {
      const p = authenticateApiRequest(web, request, { allowApiKey: false });
      const { apiKey, token } = apiCall(() => renewApiKey(web, p.userId, params.id, body));
      auditAdminChange(web, request, p, { entity: "api_key", action: "renew", id: apiKey.id, changes: { name: apiKey.name, expiresAt: apiKey.expiresAt } });
      return jsonResponse({ apiKey: apiKeyJson(apiKey), token });
    })
    .delete("/api/api-keys/:id", ({ request, params }) => {
      const p = authenticateApiRequest(web, request);
      if (p.isStatic) throw AppError.notFound("No such API key.");
      const k = revokeApiKey(web.db, p.userId, params.id);
      auditAdminChange(web, request, p, { entity: "api_key", action: "revoke", id: k.id, changes: { name: k.name } });
      return new Response(null, { status: 204 });
    });
}
