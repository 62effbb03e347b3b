/**
 * REST API for API keys: a signed-in user lists, creates and revokes their own keys.
 * - Creating and renewing need the browser session (X-API-Key is refused with 403: a key never mints
 *   another key) plus a passkey proof: the re-authentication cookie from
 *   /api/webauthn/reauthenticate/finish, or a passkey sign-in less than a minute ago. Without one:
 *   403 {code: "reauthentication_required"}.
 * - expiresAt beyond the apiKeyMaxLifetimeDays cap: 400 with the field message.
 */
import { Elysia } from "elysia";
import { createApiKey, listApiKeys, renewApiKey, revokeApiKey, type ApiKeyRequester } from "../../admin/api-keys.ts";
import { isoTime } from "../../admin/pagination.ts";
import { AppError } from "../../errors.ts";
import { apiCall, type Principal } from "../admin-auth.ts";
import { clearReauthenticationCookie, readReauthenticationCookie } from "../browser-session.ts";
import { actorOf, auditOrigin } from "../request-context.ts";
import { apiOperation } from "../openapi.ts";
import { jsonResponse } from "../responses.ts";
import { ApiKey, ApiKeyCreated, ApiKeyInput, ApiKeyRenewal } from "../schemas/api-keys.ts";
import { NoContent, Paginated } from "../schemas/common.ts";
import type { WebDeps } from "../web-deps.ts";
import { routePolicy } from "../plugins/route-policy.ts";

export function apiKeyJson(k: { id: string; name: string; description: string; prefix: string; createdAt: number; expiresAt: number; lastUsedAt: number | null }) {
  return { id: k.id, name: k.name, description: k.description, prefix: k.prefix, createdAt: isoTime(k.createdAt), expiresAt: isoTime(k.expiresAt), lastUsedAt: isoTime(k.lastUsedAt) };
}

/** The browser session asking to mint a key (routes with `userApi: { allowApiKey: false }`), with its re-authentication token. */
export function apiKeyRequester(web: WebDeps, request: Request, principal: Principal): ApiKeyRequester {
  if (!principal.session) throw AppError.unauthenticated();
  return { session: principal.session, reauthenticationToken: readReauthenticationCookie(web, request), origin: auditOrigin(request) };
}

/** Runs a key-minting action; the re-authentication cookie is dropped once it was used or refused. */
export function withPasskeyProof<T>(web: WebDeps, request: Request, fn: () => T): T {
  try {
    const out = fn();
    clearReauthenticationCookie(web, request);
    return out;
  } catch (e) {
    if (e instanceof AppError && e.code === "reauthentication_required") clearReauthenticationCookie(web, request);
    throw e;
  }
}

export function apiApiKeyRoutes(web: WebDeps) {
  return new Elysia({ name: "api-api-keys" })
    .use(routePolicy(web))
    .get("/api/api-keys", ({ principal }) => {
      if (principal.isStatic) return jsonResponse({ data: [] });
      const data = listApiKeys(web.db, principal.userId).map(apiKeyJson);
      return jsonResponse({ data, pagination: { totalPages: 1, totalItems: data.length, currentPage: 1, itemsPerPage: data.length } });
    }, { userApi: true, budget: "admin-api", response: { 200: Paginated(ApiKey) }, detail: apiOperation("API keys", "Your API keys") })
    // A key never mints another key: creating and renewing take the browser session only.
    .post("/api/api-keys", ({ request, body, principal }) => {
      const requester = apiKeyRequester(web, request, principal);
      const { apiKey, token } = withPasskeyProof(web, request, () => apiCall(() => createApiKey(web, requester, body)));
      return jsonResponse({ apiKey: apiKeyJson(apiKey), token }, { status: 201 });
    }, { userApi: { allowApiKey: false }, budget: "admin-api", body: ApiKeyInput, response: { 201: ApiKeyCreated }, detail: apiOperation("API keys", "Create an API key ({name, description?, expiresAt ≤ apiKeyMaxLifetimeDays ahead}); browser session with a fresh passkey check (re-authentication cookie or a passkey sign-in < 60 s ago, else 403 reauthentication_required); the key is returned once") })
    .post("/api/api-keys/:id/renew", ({ request, params, body, principal }) => {
      const requester = apiKeyRequester(web, request, principal);
      const { apiKey, token } = withPasskeyProof(web, request, () => apiCall(() => renewApiKey(web, requester, params.id, body)));
      return jsonResponse({ apiKey: apiKeyJson(apiKey), token });
    }, { userApi: { allowApiKey: false }, budget: "admin-api", body: ApiKeyRenewal, response: { 200: ApiKeyCreated }, detail: apiOperation("API keys", "Renew an expired key ({expiresAt ≤ apiKeyMaxLifetimeDays ahead}): new value (returned once), same id; browser session with a fresh passkey check, as for creating") })
    .delete("/api/api-keys/:id", ({ request, params, principal }) => {
      revokeApiKey(web, actorOf(request, principal), params.id);
      return new Response(null, { status: 204 });
    }, { userApi: true, budget: "admin-api", response: { 204: NoContent }, detail: apiOperation("API keys", "Revoke one of your API keys") });
}
